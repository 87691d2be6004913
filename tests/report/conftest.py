"""Literal runs and outcomes for the report tests, and the golden-file check.

Set ``PERFGATE_UPDATE_GOLDEN=1`` to rewrite the files under ``tests/report/golden/`` from the current
output (then read the diff before committing it).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from perfgate.gate.outcome import BudgetCheck, Outcome
from perfgate.model import (
    BenchmarkId,
    CIInfo,
    Direction,
    Environment,
    GitInfo,
    Result,
    Run,
    RunInfo,
    SeriesPoint,
    Status,
    Summary,
    Verdict,
)
from perfgate.stats import geomean_change, summarize

GOLDEN = Path(__file__).parent / "golden"
T0 = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
RUN_ID = "01HWZ3M8Q4ABCDEFGHJKMNPQRS"
BASE_ID = "01HWX0000000000000000BASE1"


def scaled(values: list[float], factor: float) -> list[float]:
    return [v * factor for v in values]


BASE_SAMPLES = [1.00, 1.02, 0.98, 1.01, 0.99, 1.03, 0.97, 1.00, 1.01, 0.99]


def ms(samples: list[float]) -> list[float]:
    return scaled(samples, 1e-3)


def make_result(name: str, samples: list[float], metric: str = "time", unit: str = "s") -> Result:
    return Result(
        benchmark=BenchmarkId(name),
        metric=metric,
        unit=unit,
        direction=Direction.HIGHER if unit.endswith("/s") else Direction.LOWER,
        summary=summarize(samples),
        samples=tuple(samples),
        rounds=len(samples),
    )


def make_run(results: tuple[Result, ...] = (), run_id: str = RUN_ID) -> Run:
    return Run(
        id=run_id,
        project="demo",
        started=T0,
        finished=T0 + timedelta(seconds=42.5),
        source="perfgate",
        environment=Environment(
            testbed="ci-linux-x64",
            fingerprint="f00d",
            os="Linux",
            kernel="6.8.0",
            arch="x86_64",
            cpu_model="Example CPU @ 3.0GHz",
            cores=8,
            memory_bytes=16 * 1024**3,
            python="3.11.9",
        ),
        results=results,
        tier="pr",
        git=GitInfo(commit="abc1234def5678", branch="feature/fast-parse", dirty=False),
        ci=CIInfo(provider="github", run_id="987", event="pull_request", pr_number=42, base_ref="main"),
    )


def run_row(run: Run) -> RunInfo:
    """The listing row of a loaded run (what a store answers without loading its results)."""
    return RunInfo(
        id=run.id,
        project=run.project,
        started=run.started,
        finished=run.finished,
        source=run.source,
        status=run.status,
        tier=run.tier,
        branch=run.git.branch if run.git else None,
        commit=run.git.commit if run.git else None,
        commit_time=run.git.commit_time if run.git else None,
        testbed=run.environment.testbed,
        n_results=len(run.results),
        n_failed=len(run.failed_results),
        pr_number=run.ci.pr_number if run.ci else None,
    )


def series_point(
    run_id: str,
    commit: str | None,
    branch: str | None,
    when: datetime,
    value: float | None,
    unit: str = "s",
    *,
    interval: tuple[float, float] | None = None,
    error: str | None = None,
    direction: Direction = Direction.LOWER,
) -> SeriesPoint:
    """A point of a series at ``when`` (the run's start; no commit time), its value as the median."""
    summary = None
    if value is not None:
        low, high = interval if interval is not None else (None, None)
        summary = Summary(n=1, mean=value, median=value, min=value, max=value, ci_low=low, ci_high=high)
    return SeriesPoint(run_id, commit, branch, None, when, "ci", summary, unit, direction, error)


def verdict(
    name: str,
    status: Status,
    base: list[float] | None,
    cur: list[float] | None,
    *,
    metric: str = "time",
    unit: str = "s",
    change_interval: tuple[float, float] | None = None,
    p_value: float | None = None,
    reason: str | None = None,
    severity: str | None = None,
) -> Verdict:
    b = summarize(base) if base else None
    c = summarize(cur) if cur else None
    change = c.median / b.median - 1 if b and c else None
    return Verdict(
        benchmark=BenchmarkId(name),
        metric=metric,
        unit=unit,
        direction=Direction.HIGHER if unit.endswith("/s") else Direction.LOWER,
        status=status,
        baseline=b,
        current=c,
        change=change,
        change_low=change_interval[0] if change_interval else None,
        change_high=change_interval[1] if change_interval else None,
        p_value=p_value,
        threshold=0.05 if b and c else None,
        method="ratio-of-medians",
        severity=severity,
        reason=reason,
    )


LONG = "tests/bench/test_serialization_roundtrip.py::test_roundtrip_nested_documents[depth=12-width=64]"


def comparison_outcome() -> Outcome:
    verdicts = (
        verdict(
            "bench/test_io.py::test_flaky",
            Status.FAILED,
            ms(BASE_SAMPLES),
            None,
            reason="ZeroDivisionError: division by zero",
        ),
        verdict(
            LONG,
            Status.REGRESSION,
            ms(BASE_SAMPLES),
            ms(scaled(BASE_SAMPLES, 1.30)),
            change_interval=(0.25, 0.35),
            p_value=0.0004,
            severity="major",
        ),
        verdict(
            "bench/test_parse.py::test_small[100]",
            Status.REGRESSION,
            scaled(BASE_SAMPLES, 2e-6),
            scaled(BASE_SAMPLES, 2.2e-6),
            change_interval=(0.06, 0.14),
            p_value=0.012,
        ),
        verdict(
            "bench/test_parse.py::test_noisy",
            Status.INCONCLUSIVE,
            ms(BASE_SAMPLES),
            ms(scaled(BASE_SAMPLES, 1.04)),
            reason="too few rounds (3 < 5) for a decision",
            p_value=0.4,
        ),
        verdict(
            "bench/test_old.py::test_removed",
            Status.MISSING,
            ms(BASE_SAMPLES),
            None,
            reason="not in the current run",
        ),
        verdict("bench/test_new.py::test_added", Status.NEW, None, ms(BASE_SAMPLES), reason="no baseline"),
        verdict(
            "bench/test_cache.py::test_cache_hit",
            Status.IMPROVEMENT,
            scaled(BASE_SAMPLES, 5e-7),
            scaled(BASE_SAMPLES, 4e-7),
            change_interval=(-0.23, -0.17),
            p_value=0.0001,
        ),
        verdict(
            "bench/test_parse.py::test_large|pipe",
            Status.UNCHANGED,
            scaled(BASE_SAMPLES, 0.25),
            scaled(BASE_SAMPLES, 0.251),
            change_interval=(-0.02, 0.03),
            p_value=0.7,
        ),
    )
    results = (
        *tuple(
            make_result(v.benchmark.name, [x * v.current.median for x in BASE_SAMPLES])
            for v in verdicts
            if v.current is not None
        ),
        Result(
            BenchmarkId("bench/test_io.py::test_flaky"),
            "time",
            "s",
            Direction.LOWER,
            error="ZeroDivisionError: division by zero",
        ),
    )
    return Outcome(
        run=make_run(results),
        baseline_ids=(BASE_ID,),
        verdicts=verdicts,
        geomean=geomean_change(verdicts),
        budgets=(
            BudgetCheck(
                "bench/test_cache.py::test_cache_hit",
                "time",
                "<=",
                1e-3,
                "s",
                1.3e-3,
                False,
                "test_cache_hit: time <= 1ms",
            ),
            BudgetCheck(
                "bench/test_parse.py::test_small[100]",
                "time",
                "<=",
                1e-5,
                "s",
                2.2e-6,
                True,
                "test_small*: time <= 10us",
            ),
        ),
        notes=(
            "every time benchmark moved the same way (median change +21%): the machine, not the code? "
            "Compare base and head on one machine to be sure.",
        ),
        method="ratio-of-medians",
    )


def passing_outcome() -> Outcome:
    verdicts = (
        verdict(
            "bench/test_parse.py::test_small[100]",
            Status.UNCHANGED,
            scaled(BASE_SAMPLES, 2e-6),
            scaled(BASE_SAMPLES, 2.02e-6),
        ),
        verdict(
            "bench/server.py::rps",
            Status.IMPROVEMENT,
            scaled(BASE_SAMPLES, 1000.0),
            scaled(BASE_SAMPLES, 1200.0),
            metric="rps",
            unit="req/s",
        ),
    )
    results = tuple(
        make_result(v.benchmark.name, [x * v.current.median for x in BASE_SAMPLES], v.metric, v.unit)
        for v in verdicts
        if v.current
    )
    return Outcome(
        run=make_run(results), baseline_ids=(BASE_ID,), verdicts=verdicts, method="ratio-of-medians"
    )


def no_baseline_outcome() -> Outcome:
    results = (
        make_result("bench/test_parse.py::test_small[100]", scaled(BASE_SAMPLES, 2e-6)),
        make_result("bench/test_parse.py::test_small[100]", scaled(BASE_SAMPLES, 1024.0), "peak_memory", "B"),
        Result(
            BenchmarkId("bench/test_io.py::test_flaky"),
            "time",
            "s",
            Direction.LOWER,
            error="OSError: [Errno 2] No such file or directory: 'fixture.bin'",
        ),
    )
    verdicts = (
        *tuple(
            Verdict(
                r.benchmark,
                r.metric,
                r.unit,
                r.direction,
                Status.NEW,
                current=r.summary,
                reason="no baseline",
            )
            for r in results
            if r.ok
        ),
        Verdict(results[2].benchmark, "time", "s", Direction.LOWER, Status.FAILED, reason=results[2].error),
    )
    verdicts = tuple(sorted(verdicts, key=lambda v: v.status is not Status.FAILED))
    return Outcome(
        run=make_run(results),
        baseline_ids=(),
        verdicts=verdicts,
        notes=("no baseline yet: this run becomes it",),
        method="ratio-of-medians",
    )


@pytest.fixture
def golden() -> Callable[[str, str], None]:
    """Compare ``text`` with ``golden/<name>``; rewrite it instead when PERFGATE_UPDATE_GOLDEN=1."""

    def check(name: str, text: str) -> None:
        path = GOLDEN / name
        if os.environ.get("PERFGATE_UPDATE_GOLDEN") == "1":
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            return
        if not path.exists():
            pytest.fail(f"no golden file {path}: run with PERFGATE_UPDATE_GOLDEN=1 to create it")
        expected = path.read_text(encoding="utf-8")
        assert text == expected, f"output differs from {path} (PERFGATE_UPDATE_GOLDEN=1 rewrites it)"

    return check
