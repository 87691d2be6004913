"""A series' trend over a window: the change from its start to its end, and the slope of a line.

* The change first-to-last compares the mean of the first quarter of the points with the mean of the
  last quarter (at least one point each; a lone point is too noisy to stand for a level), with an
  interval from the spread of each quarter (or the points' own standard errors when a quarter has one
  point), by the delta method for a ratio.
* The slope is an ordinary least-squares line through (time in days, value), given in % of the mean
  value per day, with Student's t interval on n - 2 degrees of freedom.
* A sparkline draws the values (bucketed into ``width`` cells by their means) on eight levels.

Pure: values in, values out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import TYPE_CHECKING

from perfgate.detect.changepoints import Point
from perfgate.stats.lazy import numpy
from perfgate.stats.student import t_ppf

if TYPE_CHECKING:
    import numpy as np
else:
    np = numpy()  # loaded on first use

__all__ = ["BARS", "Trend", "cell_of", "sparkline", "trend"]

BARS = "▁▂▃▄▅▆▇█"


@dataclass(frozen=True, slots=True)
class Trend:
    """``first``/``last``: the means of the first and last quarters; ``change`` = last / first - 1
    with its interval (None when ``first`` is 0 or there is one point); ``slope``: relative change
    per day of the fitted line, with its interval (None with fewer than three points or one time)."""

    n: int
    first: float
    last: float
    change: float | None
    change_low: float | None
    change_high: float | None
    slope: float | None
    slope_low: float | None
    slope_high: float | None

    def __post_init__(self) -> None:
        if self.n < 1:
            raise ValueError(f"a trend needs at least one point, got {self.n}")


def _quarter(points: Sequence[Point]) -> tuple[float, float]:
    """The mean of some points and its standard error."""
    xs = np.array([p.value for p in points], dtype=np.float64)
    if xs.size > 1:
        return float(xs.mean()), float(xs.std(ddof=1) / math.sqrt(xs.size))
    return float(xs[0]), points[0].se or 0.0


def trend(points: Sequence[Point], days: Sequence[float], confidence: float = 0.95) -> Trend:
    """The trend of ``points`` taken at ``days`` (any origin; increasing)."""
    n = len(points)
    if n == 0:
        raise ValueError("a trend needs at least one point")
    if len(days) != n:
        raise ValueError(f"{n} points but {len(days)} times")
    q = max(1, n // 4)
    first, se_f = _quarter(points[:q])
    last, se_l = _quarter(points[-q:])
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    change = low = high = None
    if n > 1 and first != 0:
        change = last / first - 1
        se = math.hypot(se_l / first, last * se_f / first**2)
        low, high = change - z * se, change + z * se
    slope = s_low = s_high = None
    t = np.asarray(days, dtype=np.float64)
    y = np.array([p.value for p in points], dtype=np.float64)
    mean = float(y.mean())
    if n >= 3 and float(np.ptp(t)) > 0 and mean != 0:
        tc = t - t.mean()
        sxx = float((tc * tc).sum())
        b = float((tc * (y - mean)).sum()) / sxx
        resid = y - mean - b * tc
        se_b = math.sqrt(float((resid * resid).sum()) / (n - 2) / sxx)
        tq = t_ppf(0.5 + confidence / 2, n - 2)
        slope, s_low, s_high = b / mean, (b - tq * se_b) / mean, (b + tq * se_b) / mean
        if mean < 0:
            s_low, s_high = s_high, s_low
    return Trend(n, first, last, change, low, high, slope, s_low, s_high)


def sparkline(values: Sequence[float], width: int = 40) -> str:
    """``values`` on eight levels, at most ``width`` cells (consecutive values averaged per cell)."""
    if not values:
        return ""
    cells = _buckets(values, width)
    lo, hi = min(cells), max(cells)
    if hi == lo:
        return BARS[3] * len(cells)
    return "".join(BARS[min(7, int((c - lo) / (hi - lo) * 8))] for c in cells)


def cell_of(index: int, n: int, width: int = 40) -> int:
    """The sparkline cell that draws point ``index`` of ``n``."""
    return index if n <= width else index * width // n


def _buckets(values: Sequence[float], width: int) -> list[float]:
    n = len(values)
    if n <= width:
        return [float(v) for v in values]
    out = []
    for c in range(width):
        lo, hi = -(-c * n // width), -(-(c + 1) * n // width)
        out.append(sum(values[lo:hi]) / (hi - lo))
    return out
