"""Running a project's pytest benchmarks in a child process and reading back their results.

``perfgate run`` does not import the user's code into its own process: it runs
``python -m pytest --perfgate-json FILE ...`` in the project root, with pytest's output on our stderr,
and reads the results document the plugin writes. A crash of the suite therefore never takes the store
down with it, and the child's interpreter state (imports, GC, hash seed) is the suite's own.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from perfgate.config import Config, Tier
from perfgate.errors import MeasureError
from perfgate.invocation import pytest_args, pytest_argv
from perfgate.model import ResultsDoc, RunStatus, results_from_dict, utcnow

__all__ = ["PytestRun", "die_with_parent", "pytest_command", "run_pytest"]

# pytest exit codes (pytest.ExitCode) that still leave a results document worth reading
_TESTS_FAILED = 1
_INTERRUPTED = 2
_NO_TESTS = 5


_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _linux_prctl() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        prctl: Callable[..., int] = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    return prctl


def _max_fd() -> int:
    try:
        return max(int(os.sysconf("SC_OPEN_MAX")), 256)
    except (OSError, ValueError):
        return 65536


@contextmanager
def die_with_parent(*, use_prctl: bool = True) -> Iterator[Callable[[], None]]:
    """A ``preexec_fn`` that makes the child die when this process dies, even by SIGKILL.

    ``kill -9`` of ``perfgate run`` must not leave the suite measuring with nobody to read its results.
    On Linux the child asks the kernel for SIGKILL when its parent dies (``PR_SET_PDEATHSIG``), and
    kills itself if the parent died before it asked. Elsewhere (or with ``use_prctl=False``) the child
    forks a watchdog holding the read end of a pipe whose only writer is this process: when this
    process dies the kernel closes the write end, the read returns, and the watchdog kills the child
    if it is still the child's (a watchdog whose child has exited has been reparented and does nothing).
    """
    parent = os.getpid()
    prctl = _linux_prctl() if use_prctl else None
    if prctl is not None:

        def pdeathsig() -> None:
            prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
            if os.getppid() != parent:  # the parent died before the request: too late to be told
                os.kill(os.getpid(), signal.SIGKILL)

        yield pdeathsig
        return
    read_end, write_end = os.pipe()  # not inheritable: exec closes both in the child

    def watchdog() -> None:
        child = os.getpid()
        if os.fork() != 0:
            return
        try:  # the watchdog: a fork of the child, before exec; only system calls from here on
            # Keep nothing but the read end: a copy of the write end would keep the pipe open, and a
            # copy of subprocess's exec-status pipe or of the child's stdout would block their readers.
            os.closerange(0, read_end)
            os.closerange(read_end + 1, _max_fd())
            while True:
                try:
                    if not os.read(read_end, 1):
                        break
                except InterruptedError:
                    continue
            if os.getppid() == child:
                os.kill(child, signal.SIGKILL)
        finally:
            os._exit(0)

    try:
        yield watchdog
    finally:
        os.close(read_end)
        os.close(write_end)


@dataclass(frozen=True, slots=True)
class PytestRun:
    doc: ResultsDoc
    exit_code: int
    command: tuple[str, ...]


def pytest_command(
    cfg: Config, tier: Tier | None, json_path: Path, extra_args: Sequence[str] = ()
) -> list[str]:
    mode = ("--perfgate-json", str(json_path), "--benchmark-only")
    return pytest_argv(pytest_args(cfg, tier, extra_args, mode=mode))


def run_pytest(
    cfg: Config,
    tier: Tier | None,
    extra_args: Sequence[str] = (),
    *,
    environ: Mapping[str, str] | None = None,
    allow_empty: bool = False,
) -> PytestRun:
    """Run the suite; pytest's own output goes to our stderr. Raises MeasureError when no results.

    With ``allow_empty`` (other benchmarks, e.g. commands, run too), collecting nothing is zero results.
    """
    with tempfile.TemporaryDirectory(prefix="perfgate-") as tmp:
        json_path = Path(tmp) / "results.json"
        cmd = pytest_command(cfg, tier, json_path, extra_args)
        env = dict(os.environ if environ is None else environ)
        env.setdefault("PYTHONDONTWRITEBYTECODE", "1")
        try:
            with die_with_parent() as preexec:
                proc = subprocess.run(
                    cmd, cwd=cfg.root, stdout=sys.stderr, stderr=sys.stderr, env=env, preexec_fn=preexec
                )
        except OSError as exc:
            raise MeasureError(f"cannot start pytest: {exc}") from exc
        code = proc.returncode
        if code == _NO_TESTS and allow_empty:
            now = utcnow()
            return PytestRun(ResultsDoc(now, now, RunStatus.COMPLETE, ()), code, tuple(cmd))
        if code == _NO_TESTS:
            raise MeasureError(
                f"pytest collected no benchmarks in {cfg.root} (command: {' '.join(cmd[2:])}); "
                "set [tool.perfgate] benchmarks = [...] or pass paths after --"
            )
        if not json_path.exists():
            raise MeasureError(
                f"pytest exited with code {code} without writing results (command: {' '.join(cmd[2:])})"
            )
        try:
            data = json.loads(json_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise MeasureError(f"cannot read the results pytest wrote: {exc}") from exc
        doc = results_from_dict(data, source=str(json_path))
        if code not in (0, _TESTS_FAILED, _INTERRUPTED):
            raise MeasureError(f"pytest failed with exit code {code} (command: {' '.join(cmd[2:])})")
        return PytestRun(doc=doc, exit_code=code, command=tuple(cmd))
