"""Fixtures for the store tests: a real SQLite file per test and a small factory of Runs."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

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
from perfgate.store import SqlStore, open_store

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


@pytest.fixture
def make_run() -> RunFactory:
    return RunFactory()


def rich_run(run_id: str = "01HXRICH000000000000000001") -> Run:
    """A run using every field of the model, with non-UTC offsets, unicode and nested extras."""
    cest = timezone(timedelta(hours=2))
    started = datetime(2024, 6, 1, 14, 30, 15, 123456, tzinfo=cest)
    results = (
        make_result(
            "bench/test_parse.py::test_small[100]",
            group="parse",
            params=(("n", "100"), ("mode", "fast")),
            extra={"note": "µs-level", "nested": {"list": [1, 2.5, None, True, "x"]}, "big": 2**62},
        ),
        make_result(
            "bench/test_parse.py::test_small[100]", "peak_memory", samples=(1024.0, 2048.0), unit="B"
        ),
        make_result(
            "throughput_json",
            "throughput",
            samples=(1.5e6, 1.52e6, 1.49e6),
            unit="B/s",
            direction=Direction.HIGHER,
        ),
        make_result("crashes", error="ZeroDivisionError: division by zero\n  at line 3"),
        # a negative value needs a custom unit: times, sizes, counts and rates are never negative
        make_result("odd values", "offset", samples=(0.0, -1.0, 1e-300, 1e150, 0.1 + 0.2), unit="mV"),
        make_result("custom", "frobs", samples=(3.0,), unit="frob", extra={"ünïcødé": "✓"}),
    )
    return Run(
        id=run_id,
        project="rich-project",
        started=started,
        finished=started + timedelta(minutes=3, microseconds=7),
        source="pytest-benchmark",
        environment=Environment(
            testbed="gh-ubuntu-22.04",
            fingerprint="sha256:abcdef",
            os="Linux",
            kernel="6.5.0-1025-azure",
            arch="x86_64",
            cpu_model="AMD EPYC 7763 64-Core Processor",
            cores=4,
            memory_bytes=16 * 2**30,
            python="3.11.9",
            governor="performance",
            load_avg=(0.5, 0.25, 0.125),
            extra={"container": True, "labels": ["a", "b"]},
        ),
        results=results,
        status=RunStatus.PARTIAL,
        tier="pr",
        tags=("nightly", "ünïcode"),
        git=GitInfo(
            commit=sha("rich"),
            branch="feature/x",
            dirty=True,
            parents=(sha("p1"), sha("p2")),
            commit_time=datetime(2024, 6, 1, 9, 0, tzinfo=timezone(timedelta(hours=-5))),
            subject="Make parsing faster — really",
            shallow=True,
        ),
        ci=CIInfo(
            provider="github",
            run_id="123456789",
            job="bench",
            event="pull_request",
            pr_number=42,
            base_ref="main",
            head_ref="feature/x",
            url="https://github.com/o/r/actions/runs/123456789",
        ),
    )


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / ".perfgate" / "perfgate.db"


@pytest.fixture
def store(db_path: Path) -> Iterator[SqlStore]:
    with open_store(db_path) as s:
        yield s
