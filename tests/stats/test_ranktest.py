"""Rank statistics against known answers and against scipy's reference implementation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from perfgate.stats import hodges_lehmann, holm, mann_whitney
from perfgate.stats.ranktest import _critical_count, u_null_cdf


def test_u_null_distribution_of_five_and_five() -> None:
    # 252 orderings; counts of U = 0, 1, 2, 3 are 1, 1, 2, 3 (Mann & Whitney's table).
    assert u_null_cdf(5, 5, 0) * 252 == pytest.approx(1)
    assert u_null_cdf(5, 5, 1) * 252 == pytest.approx(2)
    assert u_null_cdf(5, 5, 3) * 252 == pytest.approx(7)
    assert u_null_cdf(5, 5, 25) == pytest.approx(1.0)
    assert u_null_cdf(5, 5, -1) == 0.0


def test_moses_critical_counts_match_tables() -> None:
    assert _critical_count(5, 5, 0.95) == 3  # rank-sum critical value 2 -> interval [d(3), d(23)]
    assert _critical_count(20, 20, 0.95) == 128  # U <= 127 rejects at 5% two-sided
    assert _critical_count(2, 2, 0.95) == 0  # no 95% interval exists


@pytest.mark.parametrize(("m", "n"), [(5, 5), (7, 12), (20, 20), (30, 25)])
def test_mann_whitney_matches_scipy_exact(m: int, n: int) -> None:
    rng = np.random.default_rng(m * 100 + n)
    x, y = rng.lognormal(0, 0.1, m), rng.lognormal(0.05, 0.1, n)
    u, p = mann_whitney(x, y)
    ref = sps.mannwhitneyu(y, x, method="exact")
    assert u == ref.statistic
    assert p == pytest.approx(ref.pvalue, rel=1e-9)
    greater = sps.mannwhitneyu(y, x, method="exact", alternative="greater").pvalue
    assert mann_whitney(x, y, "greater")[1] == pytest.approx(greater, rel=1e-9)
    less = sps.mannwhitneyu(y, x, method="exact", alternative="less").pvalue
    assert mann_whitney(x, y, "less")[1] == pytest.approx(less, rel=1e-9)


def test_mann_whitney_with_ties_matches_scipy_asymptotic() -> None:
    rng = np.random.default_rng(3)
    x, y = np.round(rng.normal(10, 1, 20)), np.round(rng.normal(10.5, 1, 25))
    u, p = mann_whitney(x, y)
    ref = sps.mannwhitneyu(y, x, method="asymptotic")
    assert u == ref.statistic
    assert p == pytest.approx(ref.pvalue, rel=1e-9)


def test_mann_whitney_all_equal_is_not_significant() -> None:
    assert mann_whitney([1.0] * 6, [1.0] * 6)[1] == 1.0


def test_mann_whitney_complete_separation_five_a_side() -> None:
    u, p = mann_whitney([1, 2, 3, 4, 5], [6, 7, 8, 9, 10])
    assert u == 25
    assert p == pytest.approx(2 / 252)
    with pytest.raises(ValueError, match="alternative"):
        mann_whitney([1.0], [2.0], "sideways")


def test_hodges_lehmann_of_an_exact_doubling() -> None:
    x = [1.0, 1.1, 1.2, 1.3, 1.4, 1.5]
    shift = hodges_lehmann(x, [2 * v for v in x])
    assert shift.estimate == pytest.approx(math.log(2))
    assert shift.low is not None and shift.high is not None
    assert shift.low < math.log(2) < shift.high


def test_hodges_lehmann_interval_brackets_estimate_and_refuses_bad_input() -> None:
    shift = hodges_lehmann([1.0, 1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0, 1.0])
    assert (shift.estimate, shift.low, shift.high) == (0.0, 0.0, 0.0)
    assert hodges_lehmann([1.0, 2.0], [1.0, 2.0]).low is None
    with pytest.raises(ValueError, match="positive"):
        hodges_lehmann([0.0, 1.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="non-empty"):
        hodges_lehmann([], [1.0])


def test_holm_on_known_p_values() -> None:
    # sorted: 0.005*4 = 0.02, 0.01*3 = 0.03, 0.03*2 = 0.06, 0.04*1 = 0.04 -> running max 0.06
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx((0.03, 0.06, 0.06, 0.02))
    assert holm([0.5, 0.9]) == pytest.approx((1.0, 1.0))
    assert holm([0.02]) == (0.02,)
    assert holm([]) == ()
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        holm([1.5])


def test_hodges_lehmann_on_large_samples_selects_the_same_order_statistics(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Above the size where every pair is listed, the k-th differences are selected by bisection:
    # the same values (to the last bit of rounding) as listing and sorting them.
    from perfgate.stats import ranktest

    rng = np.random.default_rng(3)
    cases = [
        (rng.lognormal(0, 0.1, 401), rng.lognormal(0.05, 0.2, 399)),
        (np.array([1.0] * 300 + [2.0] * 200), np.array([1.0] * 100 + [3.0] * 450)),  # heavy ties
        (rng.lognormal(0, 1, 7), rng.lognormal(0, 1, 1000)),  # lopsided sizes
    ]
    for x, y in cases:
        listed = hodges_lehmann(x, y)
        with monkeypatch.context() as m:
            m.setattr(ranktest, "_MATERIALIZE_LIMIT", 0)
            selected = hodges_lehmann(x, y)
        assert selected.estimate == pytest.approx(listed.estimate, abs=1e-12)
        assert selected.low == pytest.approx(listed.low, abs=1e-12)
        assert selected.high == pytest.approx(listed.high, abs=1e-12)
