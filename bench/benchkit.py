"""What the store and command benchmarks share: synthetic runs, and one ``perfgate`` process measured.

Imported by ``bench/store_scale.py``, ``bench/startup.py`` and ``bench/compare_speed.py`` (run as
scripts, so this folder is on ``sys.path``). perfgate itself is imported inside the functions: a
benchmark that compares source trees (``--src``) sets ``PYTHONPATH`` for its child processes only.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from perfgate.model import Result, Run

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def synthetic_run(n: int, results: Sequence[Result], *, project: str, tier: str = "nightly") -> Run:
    """Run number ``n`` of a synthetic history: started ``n`` minutes after :data:`T0`, its commit an
    hour earlier (commit ``n`` in hex), on branch main and testbed ``bench``, complete."""
    from perfgate.model import Environment, GitInfo, Run, RunStatus, new_run_id

    started = T0 + timedelta(minutes=n)
    return Run(
        id=new_run_id(started, n.to_bytes(10, "big")),
        project=project,
        started=started,
        finished=started + timedelta(seconds=30),
        source="perfgate",
        environment=Environment(testbed="bench", fingerprint="fp"),
        results=tuple(results),
        status=RunStatus.COMPLETE,
        tier=tier,
        git=GitInfo(commit=f"{n:040x}", branch="main", commit_time=started - timedelta(hours=1)),
    )


def perfgate_once(args: Sequence[str], cwd: Path, env: Mapping[str, str]) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, peak RSS in MB) of one ``python -m perfgate ARGS`` process (its
    output discarded); an exit code other than 0 or 1 (the gate's) stops the benchmark."""
    t = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "perfgate", *args], cwd=cwd, env=dict(env), stdout=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    proc.returncode = code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"perfgate {' '.join(args)} exited with {code}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def perfgate_median(
    args: Sequence[str], cwd: Path, env: Mapping[str, str], repeat: int
) -> tuple[float, float, float]:
    """(median wall seconds, median CPU seconds, largest peak RSS in MB) of ``perfgate ARGS`` run
    ``repeat`` times in new processes. CPU time is the figure to compare on a shared, noisy machine."""
    runs = [perfgate_once(args, cwd, env) for _ in range(repeat)]
    return (
        statistics.median(r[0] for r in runs),
        statistics.median(r[1] for r in runs),
        max(r[2] for r in runs),
    )
