"""Gate policy as data: relative thresholds per metric and benchmark, and absolute budgets.

Parsed from configuration at the boundary (``perfgate.config``); evaluated here, purely.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass, field

from perfgate.model import Summary

__all__ = ["DEFAULT_THRESHOLD", "Budget", "Policy", "ThresholdOverride", "matches"]

DEFAULT_THRESHOLD = 0.05

# Metrics without a threshold of their own take the one configured for the metric they follow:
# `time = "10%"` should not leave the CPU time measured alongside it at the default 5%.
_FOLLOWS = {"cpu_time": "time", "user_time": "time", "system_time": "time"}


def matches(pattern: str, name: str) -> bool:
    """Glob match against a benchmark's full name, or its last ``::`` part when the pattern has none.

    ``test_cache_hit`` and ``*cache*`` match ``bench/test_x.py::test_cache_hit``; so does
    ``bench/test_x.py::*``.
    """
    if fnmatch.fnmatchcase(name, pattern):
        return True
    if "::" not in pattern and "::" in name:
        return fnmatch.fnmatchcase(name.rsplit("::", 1)[1], pattern)
    return False


@dataclass(frozen=True, slots=True)
class ThresholdOverride:
    """Thresholds for the benchmarks whose names match ``pattern`` (first matching override wins)."""

    pattern: str
    metrics: Mapping[str, float]


@dataclass(frozen=True, slots=True)
class Budget:
    """An absolute limit: the current median of ``metric`` must be ``op`` ``limit`` (canonical unit).

    ``warn``, when given, is the target: a second level on the safe side of ``limit`` (below it for
    ``<=``, above it for ``>=``). A median past ``warn`` but within ``limit`` misses the target and is
    reported without failing the gate; past ``limit`` it is critical and fails it.

    ``bound`` says which value of the result is held to it: ``"median"`` (the default), or
    ``"ci_low"``, the lower bound of the result's interval, for a limit that fails only what is
    shown beyond doubt (a service's memory growth per hour, ``leak = "5MB/h"``).
    """

    pattern: str
    metric: str
    op: str
    limit: float
    unit: str
    rule: str
    warn: float | None = None
    bound: str = "median"

    def __post_init__(self) -> None:
        if self.op not in ("<=", ">="):
            raise ValueError(f"budget operator must be <= or >=, got {self.op!r}")
        if self.bound not in ("median", "ci_low"):
            raise ValueError(f"budget bound must be median or ci_low, got {self.bound!r}")
        if self.warn is not None:
            safe = self.warn < self.limit if self.op == "<=" else self.warn > self.limit
            if not safe:
                side = "below" if self.op == "<=" else "above"
                raise ValueError(f"budget warn {self.warn!r} must be {side} its limit {self.limit!r}")

    def value_of(self, summary: Summary | None) -> float | None:
        """The value of a result's summary this budget holds to its levels (None: nothing to hold)."""
        if summary is None:
            return None
        return summary.median if self.bound == "median" else summary.ci_low

    def within(self, value: float, level: float) -> bool:
        """Whether ``value`` keeps ``level`` (the limit or the warning level) in this budget's direction."""
        return value <= level if self.op == "<=" else value >= level


@dataclass(frozen=True, slots=True)
class Policy:
    """Relative thresholds (fractions: 0.05 = 5%) and absolute budgets.

    Lookup order for a threshold: the first override whose pattern matches the benchmark and names the
    metric; the tier's per-metric thresholds; the project's per-metric thresholds; for ``cpu_time``,
    ``user_time`` and ``system_time`` the same for ``time``; ``default``.
    """

    metrics: Mapping[str, float] = field(default_factory=dict)
    overrides: tuple[ThresholdOverride, ...] = ()
    tier_metrics: Mapping[str, float] = field(default_factory=dict)
    default: float = DEFAULT_THRESHOLD
    budgets: tuple[Budget, ...] = ()

    def threshold(self, benchmark: str, metric: str) -> float:
        for o in self.overrides:
            if metric in o.metrics and matches(o.pattern, benchmark):
                return o.metrics[metric]
        for name in (metric, _FOLLOWS.get(metric)):
            if name is None:
                continue
            if name in self.tier_metrics:
                return self.tier_metrics[name]
            if name in self.metrics:
                return self.metrics[name]
        return self.default

    def with_threshold(self, value: float) -> Policy:
        """This policy with every relative threshold replaced by ``value`` (``--threshold``)."""
        return Policy(default=value, budgets=self.budgets)
