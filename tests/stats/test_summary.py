"""Summaries and the order-statistic interval of the median."""

from __future__ import annotations

import pytest

from perfgate.stats import median_ci, quantile, summarize


def test_summary_of_known_values() -> None:
    s = summarize([4.0, 1.0, 3.0, 2.0, 100.0])
    assert (s.n, s.min, s.median, s.max) == (5, 1.0, 3.0, 100.0)
    assert s.mean == pytest.approx(22.0)
    assert (s.q1, s.q3) == (2.0, 4.0)
    assert s.outliers == 1
    with pytest.raises(ValueError, match="zero samples"):
        summarize([])


def test_quantile_is_numpy_type_7() -> None:
    xs = [1.0, 2.0, 3.0, 4.0]
    assert quantile(xs, 0.25) == pytest.approx(1.75)
    assert quantile(xs, 1.0) == 4.0
    assert quantile([1.7e308, 1.7e308], 0.5) == 1.7e308
    assert quantile([-1.7e308, 1.7e308], 0.5) == 0.0


def test_median_ci_known_coverage_and_large_n() -> None:
    xs = [float(i) for i in range(1, 11)]
    assert median_ci(xs) == (2.0, 9.0)  # n = 10: the 2nd and 9th order statistics cover >= 95%
    assert median_ci(xs[:5]) is None  # n = 5 cannot reach 95%
    big = [float(i) for i in range(3000)]
    ci = median_ci(big)
    assert ci is not None and ci[0] < 1500 < ci[1]


def test_summaries_near_the_float_limit_stay_finite() -> None:
    s = summarize([1.7e308, 1.6e308, 1.5e308])
    assert s.mean == pytest.approx(1.6e308)
    assert s.stddev == pytest.approx(1e307)
