"""The suite's summary row: the geometric mean of the changes, with an interval."""

from __future__ import annotations

import math
import sys
from collections.abc import Iterable
from dataclasses import dataclass

from perfgate.model import Direction, Status, Verdict
from perfgate.stats.student import t_ppf

__all__ = ["GeomeanChange", "geomean_change"]

# exp() of more than this overflows a float
_MAX_LOG = math.log(sys.float_info.max)
_COMPARED = (Status.REGRESSION, Status.IMPROVEMENT, Status.UNCHANGED, Status.INCONCLUSIVE)


@dataclass(frozen=True, slots=True)
class GeomeanChange:
    """Geometric mean of the adverse ratios of ``count`` verdicts: ``ratio > 1`` means worse on average.

    For lower-is-better metrics the ratio is current/baseline; for higher-is-better ones it is
    baseline/current, so slower times and lower throughputs both push it above 1. ``low``/``high`` bound
    it at ``confidence`` (a t-interval over the benchmarks' log ratios: benchmarks are treated as a sample
    of the code's hot paths), None when there is a single benchmark without an interval, or when an end
    of the interval would be beyond the float range (changes of hundreds of orders of magnitude).
    """

    ratio: float
    low: float | None
    high: float | None
    count: int
    confidence: float

    @property
    def change(self) -> float:
        """``ratio - 1``: +0.03 reads "3% worse on average"."""
        return self.ratio - 1.0


def _adverse_log(change: float, direction: Direction) -> float:
    lr = math.log1p(change)
    return lr if direction is Direction.LOWER else -lr


def geomean_change(verdicts: Iterable[Verdict], confidence: float = 0.95) -> GeomeanChange | None:
    """Geometric mean over the compared verdicts (new, missing and failed ones have no change).

    Returns None when no verdict has a change.
    """
    logs: list[float] = []
    only: Verdict | None = None
    for v in verdicts:
        if v.status in _COMPARED and v.change is not None and v.change > -1.0:
            logs.append(_adverse_log(v.change, v.direction))
            only = v
    k = len(logs)
    if k == 0:
        return None
    mean = math.fsum(logs) / k
    if k == 1:
        assert only is not None
        lo_c, hi_c = only.change_low, only.change_high
        if lo_c is None or hi_c is None or lo_c <= -1.0 or hi_c <= -1.0:
            return GeomeanChange(math.exp(mean), None, None, 1, confidence)
        a, b = sorted((_adverse_log(lo_c, only.direction), _adverse_log(hi_c, only.direction)))
        return GeomeanChange(math.exp(mean), math.exp(a), math.exp(b), 1, confidence)
    sd = math.sqrt(math.fsum((x - mean) ** 2 for x in logs) / (k - 1))
    half = t_ppf(0.5 + confidence / 2.0, k - 1) * sd / math.sqrt(k)
    if not mean + half < _MAX_LOG:
        # changes of hundreds of orders of magnitude (a few benchmarks, values near the float range's
        # ends): the interval's end is no float, and the interval says nothing a reader can use
        return GeomeanChange(math.exp(mean), None, None, k, confidence)
    return GeomeanChange(math.exp(mean), math.exp(mean - half), math.exp(mean + half), k, confidence)
