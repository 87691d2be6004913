"""Comparing a current run with its baseline, benchmark by benchmark and metric by metric.

The entry point is :func:`compare_suite`: it takes one :class:`MetricPair` per (benchmark, metric) and
returns a :class:`SuiteComparison` with one :class:`~perfgate.model.Verdict` each plus run-level notes.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

from perfgate.model import BenchmarkId, Direction, Result, Status, Summary, Verdict
from perfgate.stats.summary import summarize

__all__ = ["CompareSettings", "MetricPair", "SuiteComparison", "compare_suite"]

RATIO_OF_MEDIANS = "ratio-of-medians"


@dataclass(frozen=True, slots=True)
class MetricPair:
    """One benchmark and metric: its baseline results (one per baseline run) and its current result.

    ``baseline`` empty means the benchmark is new; ``current`` None means it is missing from the current
    run. ``threshold`` is the relative change that counts (0.05 = 5%).
    """

    benchmark: BenchmarkId
    metric: str
    unit: str
    direction: Direction
    baseline: tuple[Result, ...]
    current: Result | None
    threshold: float

    def __post_init__(self) -> None:
        if not self.threshold >= 0:
            raise ValueError(f"{self.benchmark.name} [{self.metric}]: threshold must be >= 0")


@dataclass(frozen=True, slots=True)
class CompareSettings:
    method: str = RATIO_OF_MEDIANS
    min_samples: int = 5
    alpha: float = 0.05
    confidence: float = 0.95
    seed: int = 0


@dataclass(frozen=True, slots=True)
class SuiteComparison:
    verdicts: tuple[Verdict, ...]
    notes: tuple[str, ...] = field(default=())
    method: str = RATIO_OF_MEDIANS


def _pooled_summary(results: Sequence[Result]) -> Summary | None:
    """One summary for several baseline results: pooled samples, or their summaries' medians."""
    ok = [r for r in results if r.error is None and r.summary is not None]
    if not ok:
        return None
    if len(ok) == 1:
        return ok[0].summary
    samples = [s for r in ok for s in r.samples]
    if samples:
        return summarize(samples)
    return summarize([r.summary.median for r in ok if r.summary is not None])


def _ratio_verdict(p: MetricPair, base: Summary, cur: Summary) -> Verdict:
    common = dict(
        benchmark=p.benchmark,
        metric=p.metric,
        unit=p.unit,
        direction=p.direction,
        baseline=base,
        current=cur,
        threshold=p.threshold,
        method=RATIO_OF_MEDIANS,
    )
    if base.median == 0:
        if cur.median == 0:
            return Verdict(status=Status.UNCHANGED, change=0.0, **common)  # type: ignore[arg-type]
        return Verdict(
            status=Status.INCONCLUSIVE,
            reason="baseline median is zero: no relative change",
            **common,  # type: ignore[arg-type]
        )
    change = cur.median / base.median - 1.0
    worse = change if p.direction is Direction.LOWER else -change
    if worse > p.threshold:
        status = Status.REGRESSION
    elif worse < -p.threshold:
        status = Status.IMPROVEMENT
    else:
        status = Status.UNCHANGED
    return Verdict(status=status, change=change, **common)  # type: ignore[arg-type]


def compare_pair(p: MetricPair, settings: CompareSettings = CompareSettings()) -> Verdict:
    """The verdict on one benchmark and metric."""
    base = _pooled_summary(p.baseline)
    cur = p.current
    common = dict(benchmark=p.benchmark, metric=p.metric, unit=p.unit, direction=p.direction)
    if cur is None:
        return Verdict(status=Status.MISSING, baseline=base, reason="not in the current run", **common)  # type: ignore[arg-type]
    if cur.error is not None:
        return Verdict(status=Status.FAILED, baseline=base, reason=cur.error, **common)  # type: ignore[arg-type]
    assert cur.summary is not None
    if base is None:
        reason = "no baseline" if not p.baseline else "failed in every baseline run"
        return Verdict(status=Status.NEW, current=cur.summary, reason=reason, **common)  # type: ignore[arg-type]
    return _ratio_verdict(p, base, cur.summary)


_ORDER = {
    Status.FAILED: 0,
    Status.REGRESSION: 1,
    Status.INCONCLUSIVE: 2,
    Status.MISSING: 3,
    Status.NEW: 4,
    Status.IMPROVEMENT: 5,
    Status.UNCHANGED: 6,
}


def verdict_sort_key(v: Verdict) -> tuple[int, float, str, str]:
    """Worst first; within a status, the largest adverse change first; then by name."""
    adverse = 0.0
    if v.change is not None:
        adverse = v.change if v.direction is Direction.LOWER else -v.change
    return (_ORDER[v.status], -adverse, v.benchmark.name, v.metric)


def compare_suite(
    pairs: Sequence[MetricPair], settings: CompareSettings = CompareSettings()
) -> SuiteComparison:
    """Verdicts for a whole suite, worst first. Deterministic for the same inputs."""
    if settings.method != RATIO_OF_MEDIANS:
        raise ValueError(f"unknown comparison method {settings.method!r}")
    verdicts = sorted((compare_pair(p, settings) for p in pairs), key=verdict_sort_key)
    notes: list[str] = []
    changes = [v.change for v in verdicts if v.change is not None and v.metric == "time"]
    if len(changes) >= 3:
        med = statistics.median(changes)
        if abs(med) > 0.2 and all((c > 0) == (med > 0) for c in changes):
            notes.append(
                f"every time benchmark moved the same way (median change {med:+.0%}): "
                "the machine, not the code? Compare base and head on one machine to be sure."
            )
    return SuiteComparison(verdicts=tuple(verdicts), notes=tuple(notes), method=RATIO_OF_MEDIANS)
