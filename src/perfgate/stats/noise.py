"""How noisy a measurement is, and what to tell the person who has to fix it."""

from __future__ import annotations

import math

from perfgate.model import Summary

__all__ = ["noise_note", "robust_cv"]

# IQR / 1.349 estimates the standard deviation of a normal distribution from its quartiles.
_IQR_TO_SD = 1.349


def robust_cv(s: Summary | None) -> float | None:
    """Spread relative to the centre: IQR/1.349 over the median when quartiles are known, else sd/mean.

    The quartile form ignores a few outliers (they are counted in ``Summary.outliers`` and handled by the
    rank tests); it measures how wide the bulk of the distribution is, which is what costs power.
    """
    if s is None:
        return None
    cv: float | None
    if s.q1 is not None and s.q3 is not None and s.median > 0 and s.n >= 4:
        cv = (s.q3 - s.q1) / _IQR_TO_SD / s.median
    else:
        cv = s.cv
    # Spreads beyond the float range (values near its limits) say nothing useful.
    return cv if cv is not None and math.isfinite(cv) else None


def noise_note(baseline: Summary | None, current: Summary | None, limit: float) -> str | None:
    """A remedy-carrying note when either side's CV is above ``limit`` (None when both are fine)."""
    # (called once per verdict of a suite: no list of the two)
    cb, cc = robust_cv(baseline), robust_cv(current)
    worst = cc if cb is None else (cb if cc is None else max(cb, cc))
    if worst is None or worst <= limit:
        return None
    return (
        f"noisy: CV {worst:.0%} (limit {limit:.0%}): more rounds or process isolation "
        "(pin the CPU, quiet the machine) would sharpen this verdict"
    )
