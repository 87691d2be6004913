"""Student's t distribution: the three functions the statistics use, in pure Python.

With ``a = df / 2``, ``s = t^2 / df`` and ``I`` the regularized incomplete beta function,

* the upper tail ``P(T > t) = I_x(a, 1/2) / 2`` with ``x = 1 / (1 + s)``, and
* the centre ``P(0 < T < t) = I_y(1/2, a) / 2`` with ``y = s / (1 + s)`` (so ``x + y = 1``).

Each is the continued fraction of the incomplete beta function (DLMF 8.17.22), evaluated by Lentz's
method, times its prefactor ``x^a (1 - x)^b / (a B(a, b))``; for a given ``t`` the one whose fraction
converges fast (``x < (a + 1) / (a + b + 2)``) is computed and the other is half minus it, which loses
at most a few bits (that one is then at least 0.04). So the small tail probabilities and the small
central ones keep their relative accuracy, and the quantile found from them too. The prefactor is
taken in logs: ``log1p`` of ``s`` and, for ``log B(a, 1/2)`` at large ``a``, the asymptotic series of
``log Gamma(a + 1/2) - log Gamma(a)`` (``lgamma(a + 1/2) - lgamma(a)`` would cancel millions to a
difference of a few units). The quantile is Newton's method from a Cornish-Fisher start: on
``log P(T > t)`` against ``log t`` in the tail (a concave function, so the iterates close in
monotonically), on the centre against ``t`` near the median.

``scipy.special``'s ``stdtr`` and ``stdtrit`` computed these before; importing it took a third of a
``perfgate compare`` of 10,000 benchmarks, for one t quantile. ``tests/stats/test_student.py`` checks
the values against scipy's to 1e-12 relative over the degrees of freedom and probabilities the
statistics use.
"""

from __future__ import annotations

import math
from functools import lru_cache

__all__ = ["t_cdf", "t_ppf", "t_sf"]

_TINY = 1e-300  # Lentz's guard against a zero denominator
_EPS = 2.0**-53
_LOG_SQRT_PI = 0.5 * math.log(math.pi)
_LOG_MAX = math.log(1.7976931348623157e308)


def _continued_fraction(x: float, a: float, b: float) -> float:
    """The continued fraction of ``I_x(a, b)`` (its value over the prefactor), by modified Lentz."""
    c = 1.0
    d = 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > _TINY else _TINY)
    h = d
    for m in range(1, 10_000):
        m2 = 2 * m
        # the even step, then the odd one
        aa = m * (b - m) * x / ((a + m2 - 1.0) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > _TINY else _TINY)
        c = 1.0 + aa / c
        c = c if abs(c) > _TINY else _TINY
        h *= d * c
        aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > _TINY else _TINY)
        c = 1.0 + aa / c
        c = c if abs(c) > _TINY else _TINY
        step = d * c
        h *= step
        if abs(step - 1.0) <= _EPS:
            break
    return h


def _log_gamma_half_ratio(a: float) -> float:
    """``log Gamma(a + 1/2) - log Gamma(a)``, to a few ulps.

    For ``a >= 20`` by its asymptotic series ``log(a)/2 + sum_k -B_k (2 - 2^(1-k)) / (k (k-1) a^(k-1))``
    over even k (B_k the Bernoulli numbers; the next term is below 1e-17 at a = 20).
    """
    if a >= 20.0:
        z = 1.0 / a
        z2 = z * z
        series = z * (-1 / 8 + z2 * (1 / 192 + z2 * (-1 / 640 + z2 * (17 / 14336 + z2 * (-31 / 18432)))))
        return 0.5 * math.log(a) + series
    return math.log(math.gamma(a + 0.5) / math.gamma(a))


def _series_coefficients(count: int) -> tuple[float, ...]:
    """The first ``count`` coefficients ``d_k`` of ``((1 - e^-u) / u)^(-1/2) = sum_k d_k u^k`` (the
    power of a series by J. C. P. Miller's recurrence)."""
    f = [(-1) ** j / math.factorial(j + 1) for j in range(count)]  # (1 - e^-u) / u
    d = [1.0]
    for k in range(1, count):
        d.append(math.fsum((0.5 * j - k) * f[j] * d[k - j] for j in range(1, k + 1)) / k)
    return tuple(d)


_D = _series_coefficients(48)


def _large_a_series(a: float, s: float) -> float:
    """``B(a, 1/2) I_x(a, 1/2)`` for large ``a`` and ``x = 1 / (1 + s)`` near 1, from ``xi = log1p(s)``
    alone (no rounded x).

    With ``v = e^-u`` the integral is ``int_xi^inf e^(-a u) (1 - e^-u)^(-1/2) du``; expanding
    ``(1 - e^-u)^(-1/2) = u^(-1/2) sum_k d_k u^k`` gives ``sum_k d_k Gamma(k + 1/2, a xi) / a^(k + 1/2)``,
    an asymptotic series in 1/a whose terms fall like ``(k / a)`` and ``xi`` (Temme's uniform expansion
    for a fixed b, here 1/2). ``Gamma(1/2, z) = sqrt(pi) erfc(sqrt(z))``, and the upward recurrence
    ``Gamma(k + 1/2, z) = (k - 1/2) Gamma(k - 1/2, z) + z^(k - 1/2) e^-z`` adds positive terms only.
    """
    z = a * math.log1p(s)
    g = math.sqrt(math.pi / a) * math.erfc(math.sqrt(z))  # Gamma(1/2, z) / a^(1/2)
    e = math.exp(-z) / math.sqrt(a * z)  # z^(k - 1/2) e^-z / a^(k + 1/2) at k = 0
    r = z / a
    total = g
    for k in range(1, len(_D)):
        e *= r
        g = (k - 0.5) / a * g + e
        term = _D[k] * g
        total += term
        if abs(term) <= 1e-17 * total:
            break
    return total


def _tails(t: float, df: float) -> tuple[float, float, bool]:
    """``(P(T > t), P(0 < T < t), which)`` for ``t >= 0``: ``which`` is True when the tail was
    computed and the centre is half minus it, False the other way round."""
    if t == 0.0:
        return 0.5, 0.0, False
    if math.isinf(df):
        upper = 0.5 * math.erfc(t / math.sqrt(2.0))
        return upper, 0.5 - upper, True
    a = 0.5 * df
    log_half_ratio = _log_gamma_half_ratio(a)
    log_a_beta = math.log(a) + _LOG_SQRT_PI - log_half_ratio  # log(a B(a, 1/2))
    tt = t * t
    s = tt / df
    if math.isinf(tt) or math.isinf(s):
        if math.isinf(t):
            return 0.0, 0.5, True
        # t^2 leaves the float range: x = 1 / (1 + s) is df / t^2 to the last bit, and 1 - x is 1
        log_x, log_1mx = math.log(df) - 2.0 * math.log(t), 0.0
        upper = 0.5 * math.exp(a * log_x - log_a_beta)
        return upper, 0.5 - upper, True
    if (a + 1.0) * s > 1.5:  # x = 1 / (1 + s) < (a + 1) / (a + 3/2 + 2): the tail's fraction
        if a >= 50.0 and s <= 0.6:
            # x within 0.4 of 1: the fraction in a rounded x would lose log2(1 / (1 - x)) bits
            upper = 0.5 * math.exp(log_half_ratio - _LOG_SQRT_PI) * _large_a_series(a, s)
            return upper, 0.5 - upper, True
        log_x, log_1mx = -math.log1p(s), -math.log1p(1.0 / s)
        pref = math.exp(a * log_x + 0.5 * log_1mx - log_a_beta)
        upper = 0.5 * pref * _continued_fraction(1.0 / (1.0 + s), a, 0.5)
        return upper, 0.5 - upper, True
    # y = s / (1 + s) < (1/2 + 1) / (a + 1/2 + 2): the centre's fraction, I_y(1/2, a)
    log_half_beta = log_a_beta - math.log(a) - math.log(2.0)  # log(B(1/2, a) / 2)
    if s == 0.0:  # t^2 underflows: the density is flat this close to 0
        centre = t * math.exp(-0.5 * math.log(df) - log_half_beta - math.log(2.0))
        return 0.5 - centre, centre, False
    log_y = math.log(s) - math.log1p(s) if s < 1.0 else -math.log1p(1.0 / s)
    log_1my = -math.log1p(s)
    pref = math.exp(0.5 * log_y + a * log_1my - log_half_beta)
    centre = 0.5 * pref * _continued_fraction(s / (1.0 + s), 0.5, a)
    return 0.5 - centre, centre, False


def _log_pdf(t: float, df: float) -> float:
    """log of Student's t density at ``t``."""
    if math.isinf(df):
        return -0.5 * t * t - 0.5 * math.log(2.0 * math.pi)
    a = 0.5 * df
    log_beta = _LOG_SQRT_PI - _log_gamma_half_ratio(a)  # log B(a, 1/2)
    s = t * t / df
    log1p_s = math.log1p(s) if math.isfinite(s) else 2.0 * math.log(abs(t)) - math.log(df)
    return -(a + 0.5) * log1p_s - 0.5 * math.log(df) - log_beta


def _check_df(df: float) -> None:
    if not df > 0:
        raise ValueError(f"Student's t needs degrees of freedom > 0, got {df}")


def t_cdf(x: float, df: float) -> float:
    """P(T <= x)."""
    _check_df(df)
    if math.isnan(x):
        return math.nan
    upper, centre, tail = _tails(abs(x), df)
    if x < 0:
        return upper
    return 1.0 - upper if tail else 0.5 + centre


def t_sf(x: float, df: float) -> float:
    """P(T > x)."""
    return t_cdf(-x, df)


def t_ppf(q: float, df: float) -> float:
    """The ``q`` quantile of Student's t with ``df`` degrees of freedom (NaN outside [0, 1])."""
    _check_df(df)
    if not 0.0 <= q <= 1.0:
        return math.nan
    if q == 0.5:
        return 0.0
    if q == 0.0 or q == 1.0:
        return math.inf if q else -math.inf
    # p = P(T > |t|): 1 - q is exact for q above one half
    p = 1.0 - q if q > 0.5 else q
    t = _upper_quantile(p, float(df))
    return t if q > 0.5 else -t


@lru_cache(maxsize=256)
def _upper_quantile(p: float, df: float) -> float:
    """The ``t > 0`` with ``P(T > t) = p``, ``0 < p < 1/2`` (memoised: a suite asks the same one for
    each of its benchmarks)."""
    # (imported here: statistics imports decimal, fractions and random, and every command's report
    # imports this module, through the geomean's type)
    from statistics import NormalDist

    z = -NormalDist().inv_cdf(p)
    # Cornish-Fisher: the normal quantile corrected in powers of 1/df (good from a few df on)
    z2 = z * z
    guess = z * (1.0 + (z2 + 1.0) / (4.0 * df) + (5.0 * z2 * z2 + 16.0 * z2 + 3.0) / (96.0 * df * df))
    if p > 0.25:
        return _centre_newton(0.5 - p, df, guess)  # 0.5 - p is exact here
    if math.isinf(df):
        return _tail_newton(p, df, max(guess, 1e-300))
    # In the far tail P(T > t) ~ df^(df/2 - 1) t^(-df) / B(df/2, 1/2): the larger start is the safer
    # (the iterates then close in from above)
    a = 0.5 * df
    log_beta = _LOG_SQRT_PI - _log_gamma_half_ratio(a)
    log_power = ((a - 1.0) * math.log(df) - log_beta - math.log(p)) / df
    guess = max(guess, math.exp(log_power) if log_power < 700.0 else math.inf, 1e-300)
    return _tail_newton(p, df, guess)


def _tail_newton(p: float, df: float, t: float) -> float:
    """Newton's method on ``g(u) = log P(T > e^u) - log p``, ``u = log t``: g is decreasing and
    concave, so after the first step the iterates are at or above the root and fall to it."""
    target = math.log(p)
    u = math.log(t) if math.isfinite(t) else _LOG_MAX
    for _ in range(200):
        if u > _LOG_MAX:  # the quantile is beyond the float range
            return math.inf
        t = math.exp(u)
        upper = _tails(t, df)[0]
        if upper <= 0.0:  # beyond where the tail underflows: come down by halves
            u -= max(1.0, abs(u)) * 0.5
            continue
        log_upper = math.log(upper)
        # g'(u) = -t f(t) / P(T > t), in logs: f(t) alone underflows where t^2 leaves the float range
        slope = -math.exp(u + _log_pdf(t, df) - log_upper)
        if slope == 0.0:
            break
        step = (log_upper - target) / slope
        u -= step
        if abs(step) <= 1e-10:
            break
    return math.exp(u)


def _centre_newton(c: float, df: float, t: float) -> float:
    """Newton's method on ``P(0 < T < t) = c``: increasing and concave in t, so the iterates close in
    monotonically after the first step."""
    for _ in range(200):
        centre = _tails(t, df)[1]
        step = (centre - c) / math.exp(_log_pdf(t, df))
        t -= step
        if t <= 0.0:
            t = (t + step) / 2.0
            continue
        if abs(step) <= 1e-10 * t:
            break
    return t
