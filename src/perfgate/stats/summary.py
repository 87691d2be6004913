"""Descriptive summaries with a distribution-free confidence interval of the median."""

from __future__ import annotations

import math
from collections.abc import Sequence

from perfgate.model import Summary

__all__ = ["median_ci", "quantile", "summarize"]


def quantile(sorted_values: Sequence[float], q: float) -> float:
    """Linear-interpolation quantile (numpy's default, type 7) of already sorted values."""
    n = len(sorted_values)
    if n == 0:
        raise ValueError("quantile of an empty sequence")
    pos = (n - 1) * q
    lo = math.floor(pos)
    hi = min(lo + 1, n - 1)
    frac = pos - lo
    a, b = sorted_values[lo], sorted_values[hi]
    if math.isinf(b - a):  # only near the float limit; the blend form cannot overflow
        return a * (1.0 - frac) + b * frac
    return a + (b - a) * frac


def median_ci(sorted_values: Sequence[float], level: float = 0.95) -> tuple[float, float] | None:
    """Order-statistic interval for the median: exact binomial coverage >= ``level``.

    Returns None when there are too few values for the requested coverage (n < 6 at 95%).
    """
    n = len(sorted_values)
    if n < 2:
        return None
    alpha = 1.0 - level
    # Find the largest k such that P(Binom(n, 1/2) < k) <= alpha/2; interval is [x_(k), x_(n-k+1)].
    # The pmf is computed in log space: 2**n overflows a float beyond n = 1023.
    log_norm = math.lgamma(n + 1) - n * math.log(2.0)
    cdf = 0.0
    k = 0
    for j in range(n // 2 + 1):
        p = math.exp(log_norm - math.lgamma(j + 1) - math.lgamma(n - j + 1))
        if cdf + p > alpha / 2:
            break
        cdf += p
        k = j + 1
    if k < 1:
        return None
    return (sorted_values[k - 1], sorted_values[n - k])


def summarize(samples: Sequence[float], ci_level: float = 0.95) -> Summary:
    """Summary of per-operation values: centre, spread, quartiles, median CI, Tukey outlier count."""
    xs = sorted(float(x) for x in samples)
    n = len(xs)
    if n == 0:
        raise ValueError("cannot summarise zero samples")
    # Scaled by the largest magnitude so sums and squares cannot overflow even near the float limit.
    scale = max(abs(xs[0]), abs(xs[-1])) or 1.0
    mean = math.fsum(x / scale for x in xs) / n * scale
    stddev = 0.0
    if n > 1:
        stddev = scale * math.sqrt(math.fsum(((x - mean) / scale) ** 2 for x in xs) / (n - 1))
    median = quantile(xs, 0.5)
    q1 = quantile(xs, 0.25)
    q3 = quantile(xs, 0.75)
    iqr = q3 - q1
    outliers = sum(1 for x in xs if x < q1 - 1.5 * iqr or x > q3 + 1.5 * iqr)
    ci = median_ci(xs, ci_level)
    return Summary(
        n=n,
        mean=mean,
        median=median,
        min=xs[0],
        max=xs[-1],
        stddev=stddev,
        q1=q1,
        q3=q3,
        ci_low=ci[0] if ci else None,
        ci_high=ci[1] if ci else None,
        ci_level=ci_level if ci else None,
        outliers=outliers,
    )
