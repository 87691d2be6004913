"""A store where a testbed's run-to-run spread decides what is a change point: ``perfgate detect``,
``perfgate trend`` and the dashboard must mark the same ones (``from spreadstore import ...``)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from perfgate.app import Workspace
from perfgate.model import BenchmarkId, Direction, Environment, GitInfo, Result, Run, new_run_id, utcnow
from perfgate.stats import summarize

X = "bench/test_x.py::test_x"
Y = "bench/test_y.py::test_y"
# deterministic +-1% wiggle, repeated
WIGGLE = [0.004, -0.008, 0.010, -0.003, 0.006, -0.010, 0.002, 0.009, -0.006, -0.001]


def commit(i: int, testbed: str) -> str:
    return f"{i:03d}{testbed[0]}" + "c" * 36


def spread_store(root: Path) -> Workspace:
    """Two testbeds over the last 5 days. Their main branches move +-5% ("noisy") and +-0.1%
    ("quiet") from run to run (30 runs each); on each, branch "topic" (runs 50-89) is quiet (+-0.1%)
    with a 2% step in :data:`X` at its 20th point, within "noisy"'s run-to-run spread and far beyond
    "quiet"'s; :data:`Y` steps +10% at the 15th point of every testbed and branch, quiet on both."""
    ws = Workspace.discover(root, environ={}, store_url=str(root / "p.db"))
    now = utcnow()

    def add(s: Any, i: int, bed: str, branch: str, x: float, y: float) -> None:
        at = now - timedelta(hours=100 - i)
        results = tuple(
            Result(
                BenchmarkId(n), "time", "s", Direction.LOWER, summarize([v * (1 + w / 4) for w in WIGGLE[:5]])
            )
            for n, v in ((X, x), (Y, y))
        )
        git = GitInfo(commit(i, bed), branch, commit_time=at)
        s.add_run(
            Run(new_run_id(at), ws.config.project, at, at, "perfgate", Environment(bed), results, git=git)
        )

    with ws.store() as s:
        for bed, noise in (("noisy", 5.0), ("quiet", 0.1)):
            for i in range(30):
                w = WIGGLE[i % 10]
                add(
                    s,
                    i,
                    bed,
                    "main",
                    1e-3 * (1 + noise * w),
                    2e-3 * (1.1 if i >= 15 else 1.0) * (1 + 0.1 * w),
                )
            for i in range(40):
                w = 0.1 * WIGGLE[i % 10]
                add(
                    s,
                    50 + i,
                    bed,
                    "topic",
                    1e-3 * (1.02 if i >= 20 else 1.0) * (1 + w),
                    2e-3 * (1.1 if i >= 15 else 1.0) * (1 + w),
                )
    return ws
