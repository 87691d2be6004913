"""environment(), the fingerprint and the testbed label."""

from __future__ import annotations

import os
import re
import socket
import sys
from typing import Any

import pytest

from perfgate.context import default_testbed, environment, fingerprint, parse_cpuinfo, parse_meminfo

GIB = 1024**3
BASE: dict[str, Any] = {
    "cpu_model": "AMD EPYC 7763 64-Core Processor",
    "cores": 4,
    "memory_bytes": 16 * GIB - 300 * 1024**2,
    "os": "Linux",
    "arch": "x86_64",
    "python": "CPython 3.11.7",
}


def test_fingerprint_is_16_hex_and_stable() -> None:
    fp = fingerprint(**BASE)
    assert re.fullmatch(r"[0-9a-f]{16}", fp)
    assert fingerprint(**BASE) == fp


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("cores", 8),
        ("cores", None),
        ("cpu_model", "Intel(R) Xeon(R) Platinum 8370C CPU @ 2.80GHz"),
        ("memory_bytes", 32 * GIB),
        ("os", "Darwin"),
        ("arch", "aarch64"),
        ("python", "CPython 3.12.1"),
        ("python", "PyPy 3.11.7"),
    ],
)
def test_fingerprint_changes_with_what_makes_results_incomparable(field: str, value: object) -> None:
    assert fingerprint(**{**BASE, field: value}) != fingerprint(**BASE)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("python", "CPython 3.11.9"),  # patch releases do not count
        ("memory_bytes", 16 * GIB),  # rounded to the nearest GiB
        ("memory_bytes", 16 * GIB - 200 * 1024**2),
        ("cpu_model", "AMD EPYC 7763  64-Core   Processor "),  # whitespace noise
    ],
)
def test_fingerprint_ignores_noise(field: str, value: object) -> None:
    assert fingerprint(**{**BASE, field: value}) == fingerprint(**BASE)


X86_CPUINFO = """\
processor\t: 0
vendor_id\t: GenuineIntel
cpu family\t: 6
model\t\t: 106
model name\t: Intel(R) Xeon(R) Platinum 8370C CPU @ 2.80GHz
cpu MHz\t\t: 2793.436
cpu cores\t: 2

processor\t: 1
model name\t: Intel(R) Xeon(R) Platinum 8370C CPU @ 2.80GHz
"""
OLD_ARM_CPUINFO = "Processor\t: ARMv7 Processor rev 4 (v7l)\nBogoMIPS\t: 38.40\nHardware\t: BCM2835\n"
POWER_CPUINFO = (
    "processor\t: 0\ncpu\t\t: POWER9 (architected), altivec supported\nclock\t\t: 2200.000000MHz\n"
)
ARM64_NO_NAME = "processor\t: 0\nBogoMIPS\t: 50.00\nCPU implementer\t: 0x41\nCPU part\t: 0xd0c\n"


@pytest.mark.parametrize(
    ("text", "model"),
    [
        (X86_CPUINFO, "Intel(R) Xeon(R) Platinum 8370C CPU @ 2.80GHz"),
        (OLD_ARM_CPUINFO, "ARMv7 Processor rev 4 (v7l)"),
        (POWER_CPUINFO, "POWER9 (architected), altivec supported"),
        (ARM64_NO_NAME, None),
        ("", None),
    ],
)
def test_parse_cpuinfo(text: str, model: str | None) -> None:
    assert parse_cpuinfo(text) == model


def test_parse_meminfo() -> None:
    text = "MemTotal:       16305444 kB\nMemFree:         1000000 kB\n"
    assert parse_meminfo(text) == 16305444 * 1024
    assert parse_meminfo("MemFree: 1 kB\n") is None
    assert parse_meminfo("MemTotal: lots\n") is None


def test_environment_fields_are_filled_in() -> None:
    env = environment(environ={})

    assert env.testbed == socket.gethostname()
    assert env.extra["testbed_source"] == "default"
    assert env.extra["hostname"] == socket.gethostname()
    assert env.os and env.kernel and env.arch and env.python
    assert env.python.split()[1].startswith(f"{sys.version_info.major}.{sys.version_info.minor}.")
    assert env.cores is not None and 1 <= env.cores <= (os.cpu_count() or env.cores)
    if os.path.exists("/proc/meminfo"):
        assert env.memory_bytes is not None and env.memory_bytes > 0
    if os.path.exists("/proc/cpuinfo"):
        assert env.cpu_model  # every Linux machine we run on names its CPU
    assert env.load_avg is None or len(env.load_avg) == 3
    assert re.fullmatch(r"[0-9a-f]{16}", env.fingerprint)
    assert env.fingerprint == fingerprint(
        cpu_model=env.cpu_model,
        cores=env.cores,
        memory_bytes=env.memory_bytes,
        os=env.os,
        arch=env.arch,
        python=env.python,
    )


def test_environment_fingerprint_is_stable_across_calls_and_testbeds() -> None:
    first = environment("box-a", {})
    second = environment("box-b", {"PERFGATE_TESTBED": "ignored"})
    assert first.fingerprint == second.fingerprint
    assert (first.testbed, second.testbed) == ("box-a", "box-b")


def test_testbed_precedence() -> None:
    assert environment("explicit", {"PERFGATE_TESTBED": "from-env"}).testbed == "explicit"
    from_env = environment(None, {"PERFGATE_TESTBED": "  from-env  "})
    assert (from_env.testbed, from_env.extra["testbed_source"]) == ("from-env", "PERFGATE_TESTBED")
    assert environment("  ", {"PERFGATE_TESTBED": ""}).testbed == socket.gethostname()


def _default(environ: dict[str, str]) -> str:
    return default_testbed(environ, hostname="dev-laptop", system="Linux", arch="x86_64")


def test_default_testbed_off_ci_is_the_hostname() -> None:
    assert _default({}) == "dev-laptop"


def test_default_testbed_on_github_hosted_runners_is_the_image_class() -> None:
    hosted = {
        "GITHUB_ACTIONS": "true",
        "RUNNER_ENVIRONMENT": "github-hosted",
        "RUNNER_NAME": "GitHub Actions 17",
        "RUNNER_OS": "Linux",
        "RUNNER_ARCH": "X64",
        "ImageOS": "ubuntu24",
    }
    assert _default(hosted) == "github-ubuntu24-x64"
    # older runners do not export RUNNER_ENVIRONMENT; the numbered runner name gives them away
    del hosted["RUNNER_ENVIRONMENT"], hosted["ImageOS"]
    assert _default(hosted) == "github-linux-x64"


def test_default_testbed_on_self_hosted_runners_is_the_runner_name() -> None:
    github = {"GITHUB_ACTIONS": "true", "RUNNER_ENVIRONMENT": "self-hosted", "RUNNER_NAME": "bench-01"}
    assert _default(github) == "bench-01"
    assert _default({"GITLAB_CI": "true", "CI_RUNNER_DESCRIPTION": "perf-runner-2"}) == "perf-runner-2"
    assert _default({"JENKINS_URL": "x", "BUILD_NUMBER": "1", "NODE_NAME": "perf-agent"}) == "perf-agent"
    assert _default({"JENKINS_URL": "x", "BUILD_NUMBER": "1", "NODE_NAME": "built-in"}) == "dev-laptop"


def test_default_testbed_on_other_hosted_ci_is_provider_os_arch() -> None:
    assert _default({"CIRCLECI": "true"}) == "circleci-linux-x86_64"
    assert _default({"TF_BUILD": "True", "AGENT_NAME": "Azure Pipelines 3"}) == "azure-linux-x86_64"
    assert _default({"CI": "1"}) == "generic-linux-x86_64"
