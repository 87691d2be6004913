"""A least-squares line through ``(x, y)`` points, with the standard error of its slope and a
Student-t interval on it: how fast a service's memory grows, and how sure we are that it grows."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from perfgate.stats.student import t_ppf

__all__ = ["Slope", "linear_fit"]


@dataclass(frozen=True, slots=True)
class Slope:
    """``slope`` (y per x) with its standard error and the ``level`` interval ``[low, high]``."""

    slope: float
    stderr: float
    low: float
    high: float
    level: float
    n: int

    def __post_init__(self) -> None:
        if not all(math.isfinite(v) for v in (self.slope, self.stderr, self.low, self.high)):
            raise ValueError("a slope, its standard error and its interval must be finite")
        if self.stderr < 0 or not self.low <= self.slope <= self.high:
            raise ValueError(f"bad slope interval {self.low} <= {self.slope} <= {self.high}")
        if not 0 < self.level < 1:
            raise ValueError(f"level must be in (0, 1), got {self.level}")


def linear_fit(xs: Sequence[float], ys: Sequence[float], level: float = 0.95) -> Slope | None:
    """The ordinary least-squares slope of ``ys`` on ``xs`` and its two-sided ``level`` interval
    (``slope +- t(n-2) * stderr``). None with fewer than three points or when every x is the same:
    no line, or no way to say how sure it is."""
    if len(xs) != len(ys):
        raise ValueError(f"{len(xs)} x values but {len(ys)} y values")
    n = len(xs)
    if n < 3:
        return None
    mx = math.fsum(xs) / n
    my = math.fsum(ys) / n
    sxx = math.fsum((x - mx) ** 2 for x in xs)
    if sxx <= 0:
        return None
    sxy = math.fsum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    slope = sxy / sxx
    intercept = my - slope * mx
    sse = math.fsum((y - (intercept + slope * x)) ** 2 for x, y in zip(xs, ys, strict=True))
    stderr = math.sqrt(max(sse, 0.0) / (n - 2) / sxx)
    half = t_ppf(0.5 + level / 2, n - 2) * stderr
    return Slope(slope, stderr, slope - half, slope + half, level, n)
