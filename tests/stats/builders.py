"""Builders for stats tests: results and pairs from literal samples."""

from __future__ import annotations

from collections.abc import Sequence

import builders
from perfgate.model import BenchmarkId, Direction, Result, Summary
from perfgate.stats import MetricPair


def result(
    values: Sequence[float],
    name: str = "bench",
    metric: str = "time",
    direction: Direction = Direction.LOWER,
) -> Result:
    """:func:`builders.result` with the values first, the unit following the direction."""
    return builders.result(name, values, metric, "s" if direction is Direction.LOWER else "ops/s", direction)


def summary_only(median: float, n: int = 10, name: str = "bench") -> Result:
    s = Summary(n=n, mean=median, median=median, min=median, max=median)
    return Result(BenchmarkId(name), "time", "s", Direction.LOWER, s)


def pair(
    base: Sequence[float] | Sequence[Result],
    cur: Sequence[float] | Result | None,
    name: str = "bench",
    threshold: float = 0.01,
    direction: Direction = Direction.LOWER,
    metric: str = "time",
) -> MetricPair:
    if base and isinstance(base[0], Result):
        baseline = tuple(r for r in base if isinstance(r, Result))
    else:
        baseline = (result([float(v) for v in base if not isinstance(v, Result)], name, metric, direction),)
    current = cur if cur is None or isinstance(cur, Result) else result(cur, name, metric, direction)
    unit = "s" if direction is Direction.LOWER else "ops/s"
    return MetricPair(BenchmarkId(name), metric, unit, direction, baseline, current, threshold)
