"""Student's t in pure Python (perfgate.stats.student) against scipy's ``stdtr``/``stdtrit``, which it
replaced on the compare path, and against closed forms where scipy itself loses digits (near the
median, where its quantile goes through 1 - q, and for 4 degrees of freedom, where it uses a cosine
formula)."""

from __future__ import annotations

import math

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from scipy import special  # type: ignore[import-untyped]  # scipy ships no stubs

from perfgate.stats.student import t_cdf, t_ppf, t_sf

TOLERANCE = 1e-12

# every degrees of freedom the statistics use are whole (n - 1, n - 2, sums of them); fractional
# ones are checked too, in case a Welch test joins them
degrees = st.one_of(
    st.integers(1, 1_000_000),
    st.integers(1, 60),
    st.floats(0.5, 1e6, allow_nan=False, allow_infinity=False),
)
# 1e-12 .. 1 - 1e-12, away from the median, where scipy's quantile is no reference (see below)
log_tail = st.floats(-12.0, math.log10(0.49))


def close(ours: float, ref: float) -> bool:
    return ours == ref or abs(ours - ref) <= TOLERANCE * abs(ref)


@given(df=degrees, exponent=log_tail, upper=st.booleans())
@example(df=9999, exponent=math.log10(0.025), upper=True)  # the geomean's interval of 10,000
@example(df=1_000_000, exponent=-12.0, upper=False)
@example(df=1, exponent=-12.0, upper=True)  # the Cauchy tail: about 3.2e11
@example(df=905036, exponent=math.log10(0.039301807940624024), upper=False)  # x near 1 (s ~ 3e-6)
def test_the_quantile_matches_scipy(df: float, exponent: float, upper: bool) -> None:
    p = 10.0**exponent
    q = 1.0 - p if upper else p
    assert close(t_ppf(q, df), float(special.stdtrit(df, q)))


@given(
    df=degrees,
    x=st.one_of(
        st.floats(1e-3, 50.0),
        st.floats(50.0, 1e12),
    ),
    negative=st.booleans(),
)
@example(df=833821, x=35.27522527775648, negative=True)  # a probability of 1e-272
@example(df=4, x=1.0, negative=False)
def test_the_distribution_function_and_its_complement_match_scipy(
    df: float, x: float, negative: bool
) -> None:
    x = -x if negative else x
    cdf, sf = float(special.stdtr(df, x)), float(special.stdtr(df, -x))
    if min(cdf, sf) > 1e-300:  # where scipy's values are normal floats
        assert close(t_cdf(x, df), cdf)
        assert close(t_sf(x, df), sf)


@given(offset=st.floats(1e-16, 0.49), above=st.booleans())
def test_near_the_median_the_quantile_matches_the_closed_forms(offset: float, above: bool) -> None:
    """For 1 and 2 degrees of freedom the quantile has closed forms, exact near the median."""
    q = 0.5 + offset if above else 0.5 - offset
    d = q - 0.5  # exact
    assert close(t_ppf(q, 1), math.tan(math.pi * d))
    assert close(t_ppf(q, 2), 2 * d / math.sqrt(2 * q * (1 - q)))


def density_at_zero(df: int) -> float:
    """Student's t density at 0 for a whole ``df``, from exact integers: with df = 2n it is
    C(2n, n) n / 4^n / sqrt(2n), with df = 2n + 1 it is 4^n / C(2n, n) / (pi sqrt(2n + 1))."""
    n = df // 2
    if df % 2 == 0:
        return math.comb(2 * n, n) * n / 4**n / math.sqrt(df)
    return 4**n / math.comb(2 * n, n) / (math.pi * math.sqrt(df))


@given(df=st.one_of(st.integers(1, 60), st.integers(1, 200_000)), exponent=st.floats(-16.0, -6.0))
def test_near_the_median_the_quantile_follows_the_density_at_zero(df: int, exponent: float) -> None:
    """P(0 < T < t) = f(0) (t - (df + 1) / (6 df) t^3 + ...): within 1e-6 of the median the quantile
    is t0 (1 + (df + 1) / (6 df) t0^2), t0 = (q - 1/2) / f(0), to far better than 1e-12."""
    q = 0.5 + 10.0**exponent
    t0 = (q - 0.5) / density_at_zero(df)
    assert close(t_ppf(q, df), t0 * (1 + (df + 1) / (6 * df) * t0 * t0))
    assert close(t_ppf(1 - q, df), -t0 * (1 + (df + 1) / (6 * df) * t0 * t0))


@given(x=st.floats(-1e3, 1e3).filter(lambda v: v != 0))
def test_near_zero_the_distribution_function_matches_the_closed_forms(x: float) -> None:
    # Cauchy: 1/2 + atan(x) / pi; two degrees of freedom: 1/2 + x / (2 sqrt(2 + x^2))
    assert t_cdf(x, 1) == pytest.approx(0.5 + math.atan(x) / math.pi, rel=TOLERANCE)
    assert t_cdf(x, 2) == pytest.approx(0.5 + x / (2 * math.sqrt(2 + x * x)), rel=TOLERANCE)


@given(df=degrees, q=st.floats(1e-12, 1 - 1e-12))
def test_the_quantile_inverts_the_distribution_function(df: float, q: float) -> None:
    t = t_ppf(q, df)
    below = q if q <= 0.5 else 1 - q
    assert (t_cdf(t, df) if q <= 0.5 else t_sf(t, df)) == pytest.approx(below, rel=1e-11)


def test_known_values() -> None:
    assert t_ppf(0.975, 2) == pytest.approx(4.302652729749464, rel=1e-15)
    assert t_ppf(0.5, 7) == 0.0
    assert t_ppf(0.0, 3) == -math.inf and t_ppf(1.0, 3) == math.inf
    assert math.isnan(t_ppf(1.5, 3)) and math.isnan(t_ppf(math.nan, 3))
    assert t_cdf(0.0, 5) == 0.5 and t_sf(math.inf, 5) == 0.0 and t_cdf(math.inf, 5) == 1.0
    assert t_ppf(0.975, math.inf) == pytest.approx(1.959963984540054, rel=1e-14)
    with pytest.raises(ValueError, match="degrees of freedom > 0"):
        t_ppf(0.5, 0)


def test_far_beyond_the_probabilities_the_statistics_use_the_quantile_stays_a_number() -> None:
    """p = 1e-300: closed forms for 1 and 2 degrees of freedom (about 1e299 and 7e149; |log p| times
    the last bit is the accuracy to expect there), the power tail for 3, and beyond the float range
    for 1/2 degree of freedom (t ~ 1e600)."""
    p = 1e-300
    assert t_ppf(p, 1) == pytest.approx(-1 / (math.pi * p), rel=1e-12)
    assert t_ppf(p, 2) == pytest.approx((2 * p - 1) / math.sqrt(2 * p * (1 - p)), rel=1e-12)
    # P(T > t) ~ sqrt(3) / B(3/2, 1/2) t^-3 with B(3/2, 1/2) = pi / 2
    assert t_ppf(p, 3) == pytest.approx(-(((math.sqrt(3) / (math.pi / 2)) / p) ** (1 / 3)), rel=1e-9)
    assert t_ppf(p, 0.5) == -math.inf and t_ppf(1 - 1e-16, 0.5) > 1e30
