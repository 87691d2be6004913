"""Runs and results for tests, built from literal values: one set shared by the test packages.

``tests/`` is on ``sys.path`` for the test packages directly below it, so ``from builders import ...``
works there (as ``from gitproject import ...`` does).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from perfgate.model import (
    BenchmarkId,
    CIInfo,
    Direction,
    Environment,
    GitInfo,
    Result,
    Run,
    RunStatus,
    new_run_id,
)
from perfgate.stats import summarize

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
_UNSET: Any = object()


def sha(label: str | int) -> str:
    """A deterministic 40-hex commit sha for ``label``."""
    return hashlib.sha1(str(label).encode()).hexdigest()


def make_result(
    name: str,
    metric: str = "time",
    *,
    samples: Sequence[float] | None = None,
    error: str | None = None,
    unit: str = "s",
    direction: Direction = Direction.LOWER,
    group: str | None = None,
    params: tuple[tuple[str, str], ...] = (),
    extra: dict[str, Any] | None = None,
) -> Result:
    """A result; with ``error`` and no samples, a failed result without a summary."""
    if samples is None:
        samples = () if error is not None else (1.0e-3, 1.1e-3, 0.95e-3, 1.05e-3, 1.02e-3, 0.99e-3, 1.3e-3)
    return Result(
        benchmark=BenchmarkId(name, group, params),
        metric=metric,
        unit=unit,
        direction=direction,
        summary=summarize(samples) if samples else None,
        samples=tuple(samples),
        rounds=len(samples) or None,
        iterations=100 if samples else None,
        warmup=1 if samples else None,
        error=error,
        extra=extra or {},
    )


class RunFactory:
    """Builds valid Runs with deterministic ids (ULIDs from ``started`` and a counter)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(
        self,
        *,
        project: str = "demo",
        started: datetime | None = None,
        branch: str | None = "main",
        commit: str | None = _UNSET,
        commit_time: datetime | None = _UNSET,
        git: bool = True,
        testbed: str = "ci-linux",
        tier: str | None = None,
        source: str = "perfgate",
        status: RunStatus = RunStatus.COMPLETE,
        results: Sequence[Result] | None = None,
        ci: CIInfo | None = None,
        tags: tuple[str, ...] = (),
        run_id: str | None = None,
    ) -> Run:
        self.count += 1
        n = self.count
        if started is None:
            started = T0 + timedelta(minutes=n)
        if commit is _UNSET:
            commit = sha(n)
        if commit_time is _UNSET:
            commit_time = started - timedelta(hours=1)
        gitinfo = (
            GitInfo(commit=commit, branch=branch, commit_time=commit_time, parents=(sha(f"p{n}"),))
            if git and commit is not None
            else None
        )
        if results is None:
            results = (make_result("bench_a"), make_result("bench_b"))
        return Run(
            id=run_id or new_run_id(now=started, rand=n.to_bytes(10, "big")),
            project=project,
            started=started,
            finished=started + timedelta(seconds=30),
            source=source,
            environment=Environment(testbed=testbed, fingerprint=f"fp-{testbed}"),
            results=tuple(results),
            status=status,
            tier=tier,
            tags=tags,
            git=gitinfo,
            ci=ci,
        )


def result(
    name: str,
    values: Sequence[float] = (),
    metric: str = "time",
    unit: str = "s",
    direction: Direction = Direction.LOWER,
    error: str | None = None,
) -> Result:
    """A result of literal per-operation ``values`` (summarised); with ``error``, a failed result."""
    if error:
        return Result(BenchmarkId(name), metric, unit, direction, error=error)
    xs = tuple(float(v) for v in values)
    return Result(BenchmarkId(name), metric, unit, direction, summarize(xs), samples=xs)


def bare_run(*results: Result, project: str = "p", testbed: str = "tb") -> Run:
    """The least Run holding ``results``: no git, no CI, started at a fixed time."""
    return Run(new_run_id(T0), project, T0, None, "perfgate", Environment(testbed), tuple(results))


#: A deterministic +-1% wiggle: the spread of canned samples around a centre (see :func:`wiggled`).
WIGGLE = (0.004, -0.008, 0.010, -0.003, 0.006, -0.010, 0.002, 0.009, -0.006, -0.001)


def wiggled(name: str, centre: float, *, n: int = 10, damp: float = 1.0) -> Result:
    """A time result of ``n`` samples around ``centre``: ``centre * (1 + w / damp)`` for ``w`` of
    :data:`WIGGLE`, repeated as needed (a run whose noise the statistics can see, known exactly)."""
    samples = [centre * (1 + WIGGLE[k % len(WIGGLE)] / damp) for k in range(n)]
    return Result(BenchmarkId(name), "time", "s", Direction.LOWER, summarize(samples), tuple(samples))


def run_at(
    t0: datetime,
    hour: int,
    commit: str,
    results: Sequence[Result],
    *,
    project: str = "demo",
    branch: str = "main",
    testbed: str = "tb",
    tier: str | None = None,
    source: str = "perfgate",
) -> Run:
    """A run started and finished ``hour`` hours after ``t0``, of ``commit`` committed then on
    ``branch``: the stored history of a series, one run per commit, as CI leaves it."""
    at = t0 + timedelta(hours=hour)
    git = GitInfo(commit, branch, commit_time=at)
    return Run(
        new_run_id(at), project, at, at, source, Environment(testbed), tuple(results), tier=tier, git=git
    )
