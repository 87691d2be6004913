"""The machine a run ran on: testbed label, hardware, OS, Python, and a comparability fingerprint.

Reading it is fast (a few small files under ``/proc`` and ``/sys`` and some system calls; never a
subprocess), so it can be taken at the start of every run.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import socket
import sys
from collections.abc import Mapping
from pathlib import Path

from perfgate.context.ci import ci_info
from perfgate.model import Environment

__all__ = ["default_testbed", "environment", "fingerprint", "parse_cpuinfo", "parse_meminfo"]

_GIB = 1024**3
# /proc/cpuinfo keys naming the processor, best first: x86 and most arm64 kernels use "model name";
# older ARM kernels "Processor", POWER "cpu", MIPS "cpu model", Raspberry Pi boards "Model".
_CPU_KEYS = ("model name", "Processor", "cpu model", "cpu", "Model")
_GOVERNOR = Path("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor")
# Runner names that hosted CI services number per job: as ephemeral as the hostname.
_HOSTED_RUNNER_NAMES = re.compile(r"^(GitHub Actions|Hosted Agent|Azure Pipelines)\b")


def environment(testbed: str | None = None, environ: Mapping[str, str] | None = None) -> Environment:
    """Describe this machine.

    ``testbed`` labels the machine results are compared on; when not given it comes from
    ``PERFGATE_TESTBED`` in ``environ`` (default :data:`os.environ`), else :func:`default_testbed`.
    ``cores`` counts the CPUs this process may run on (its affinity), ``extra["cpu_count"]`` all
    logical CPUs. ``extra`` also records the hostname, the Linux distribution and where the testbed
    label came from. ``fingerprint`` is :func:`fingerprint` of the hardware and software fields.
    """
    env = os.environ if environ is None else environ
    uname = platform.uname()  # os.uname where available; never runs `uname -p` unless .processor is read
    hostname = socket.gethostname() or uname.node
    system, arch = uname.system or None, uname.machine or None
    cpu_model = _cpu_model(system)
    cores = _usable_cores()
    memory = _memory_bytes()
    python = f"{platform.python_implementation()} {platform.python_version()}"

    if testbed is not None and testbed.strip():
        label, source = testbed.strip(), "argument"
    elif (from_env := env.get("PERFGATE_TESTBED", "").strip()) != "":
        label, source = from_env, "PERFGATE_TESTBED"
    else:
        label = default_testbed(env, hostname=hostname, system=system, arch=arch)
        source = "default"

    extra: dict[str, object] = {"hostname": hostname, "testbed_source": source, "cpu_count": os.cpu_count()}
    if (distro := _os_release()) is not None:
        extra["distro"] = distro

    return Environment(
        testbed=label,
        fingerprint=fingerprint(
            cpu_model=cpu_model, cores=cores, memory_bytes=memory, os=system, arch=arch, python=python
        ),
        os=system,
        kernel=uname.release or None,
        arch=arch,
        cpu_model=cpu_model,
        cores=cores,
        memory_bytes=memory,
        python=python,
        governor=_read_line(_GOVERNOR),
        load_avg=_load_avg(),
        extra=extra,
    )


def default_testbed(
    environ: Mapping[str, str], *, hostname: str, system: str | None, arch: str | None
) -> str:
    """The testbed label used when none is configured.

    Off CI, and on self-hosted runners, a machine is its name: the hostname, or the runner's name when
    the CI reports one (``RUNNER_NAME`` on GitHub, ``CI_RUNNER_DESCRIPTION`` on GitLab, ``NODE_NAME``
    on Jenkins, ``BUILDKITE_AGENT_NAME``, ``AGENT_NAME`` on Azure). Hosted runners are fresh virtual
    machines with throw-away hostnames, so they are labelled by the image class instead:
    ``github-<ImageOS or RUNNER_OS>-<RUNNER_ARCH>`` (e.g. ``github-ubuntu24-x64``) on GitHub-hosted
    runners and ``<provider>-<os>-<arch>`` on other hosted services (CircleCI, Azure's hosted pool) and
    generic CI. Set ``PERFGATE_TESTBED`` to choose your own.
    """
    ci = ci_info(environ)
    if ci is None:
        return hostname or "unknown"

    def get(name: str) -> str:
        return environ.get(name, "").strip()

    if ci.provider == "github":
        runner = get("RUNNER_NAME")
        hosted = get("RUNNER_ENVIRONMENT") == "github-hosted" or bool(_HOSTED_RUNNER_NAMES.match(runner))
        if runner and not hosted:
            return runner
        image = get("ImageOS") or get("RUNNER_OS") or (system or "unknown")
        return f"github-{image}-{get('RUNNER_ARCH') or arch or 'unknown'}".lower()

    runner_vars = {
        "gitlab": "CI_RUNNER_DESCRIPTION",
        "jenkins": "NODE_NAME",
        "buildkite": "BUILDKITE_AGENT_NAME",
        "azure": "AGENT_NAME",
    }
    runner = get(runner_vars.get(ci.provider, ""))
    if ci.provider == "jenkins" and runner == "built-in":
        return hostname or "unknown"  # the controller itself is a fixed machine
    if runner and not _HOSTED_RUNNER_NAMES.match(runner):
        return runner
    return f"{ci.provider}-{system or 'unknown'}-{arch or 'unknown'}".lower()


def fingerprint(
    *,
    cpu_model: str | None,
    cores: int | None,
    memory_bytes: int | None,
    os: str | None,
    arch: str | None,
    python: str | None,
) -> str:
    """16 hex digits of SHA-256 over what makes results comparable between two runs.

    Exactly these go in, as a canonical JSON object: the CPU model (whitespace collapsed), the number
    of usable cores, the memory rounded to the nearest GiB (the kernel's total moves a little between
    boots), the OS name (``Linux``, ``Darwin``, ``Windows``), the architecture, and the Python
    implementation with its major.minor version (``CPython 3.11``; patch releases do not count).
    Unknown values count as null. The hostname, testbed label, kernel release, governor, load and
    time do not go in: two identical machines share a fingerprint, and one machine keeps it.
    """
    parts = {
        "cpu_model": " ".join(cpu_model.split()) if cpu_model else None,
        "cores": cores,
        "memory_gib": round(memory_bytes / _GIB) if memory_bytes is not None else None,
        "os": os,
        "arch": arch,
        "python": _python_minor(python),
    }
    canonical = json.dumps(parts, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _python_minor(python: str | None) -> str | None:
    """``"CPython 3.11.7"`` -> ``"CPython 3.11"``."""
    if not python:
        return None
    impl, _, version = python.strip().partition(" ")
    major_minor = ".".join(version.split(".")[:2])
    return f"{impl} {major_minor}".strip()


def parse_cpuinfo(text: str) -> str | None:
    """The processor model named in the text of ``/proc/cpuinfo``, or None."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        key, value = key.strip(), " ".join(value.split())
        if sep and value and key in _CPU_KEYS and key not in found:
            found[key] = value
    for key in _CPU_KEYS:
        if key in found:
            return found[key]
    return None


def parse_meminfo(text: str) -> int | None:
    """``MemTotal`` in bytes from the text of ``/proc/meminfo``, or None."""
    for line in text.splitlines():
        if line.startswith("MemTotal:"):
            fields = line.split()
            if len(fields) >= 2 and fields[1].isdigit():
                scale = 1024 if len(fields) < 3 or fields[2].lower() == "kb" else 1
                return int(fields[1]) * scale
    return None


def _read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def _read_line(path: Path) -> str | None:
    text = _read_text(path)
    return (text.strip() or None) if text is not None else None


def _cpu_model(system: str | None) -> str | None:
    if system == "Linux":
        # Not platform.processor(): it would spawn `uname -p`, which knows no more than cpuinfo.
        text = _read_text(Path("/proc/cpuinfo"))
        return parse_cpuinfo(text) if text is not None else None
    if system == "Darwin":
        return _darwin_sysctl("machdep.cpu.brand_string")
    return platform.processor() or None


def _darwin_sysctl(name: str) -> str | None:
    """A string sysctl on macOS, through libc (no subprocess)."""
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"))
        size = ctypes.c_size_t(0)
        if libc.sysctlbyname(name.encode(), None, ctypes.byref(size), None, 0) != 0 or size.value == 0:
            return None
        buf = ctypes.create_string_buffer(size.value)
        if libc.sysctlbyname(name.encode(), buf, ctypes.byref(size), None, 0) != 0:
            return None
        return buf.value.decode(errors="replace").strip() or None
    except (OSError, AttributeError):
        return None


def _usable_cores() -> int | None:
    if hasattr(os, "sched_getaffinity"):
        try:
            return len(os.sched_getaffinity(0)) or None
        except OSError:
            pass
    return os.cpu_count()


def _memory_bytes() -> int | None:
    if (text := _read_text(Path("/proc/meminfo"))) is not None and (total := parse_meminfo(text)):
        return total
    try:
        pages, page_size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None
    return pages * page_size if pages > 0 and page_size > 0 else None


def _load_avg() -> tuple[float, float, float] | None:
    try:
        return os.getloadavg()
    except (AttributeError, OSError):
        return None


def _os_release() -> str | None:
    """The Linux distribution's PRETTY_NAME from os-release, e.g. ``Ubuntu 24.04 LTS``."""
    if sys.platform != "linux":
        return None
    for path in (Path("/etc/os-release"), Path("/usr/lib/os-release")):
        if (text := _read_text(path)) is None:
            continue
        for line in text.splitlines():
            if line.startswith("PRETTY_NAME="):
                return line.partition("=")[2].strip().strip("\"'") or None
    return None
