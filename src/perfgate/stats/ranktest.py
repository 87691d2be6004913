"""Two-sample rank statistics: the Mann-Whitney U test and the Hodges-Lehmann shift with its interval.

Both are distribution-free: they only assume that, without a change, the two samples come from the same
distribution. Timings are skewed and carry outliers, which is exactly where rank methods keep their power
and t-tests lose it. Shifts are estimated on log values, so a shift is a ratio (``exp(shift) - 1`` is the
relative change) and multiplying every value by a constant changes nothing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import repeat
from statistics import NormalDist
from typing import TYPE_CHECKING, TypeAlias

from perfgate.bulk import build
from perfgate.stats.lazy import numpy

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray
else:
    np = numpy()

# The standard normal, from the stdlib: importing scipy.stats costs seconds at start-up.
_NORMAL = NormalDist()
_SQRT2 = math.sqrt(2.0)

__all__ = [
    "RankTest",
    "Shift",
    "hodges_lehmann",
    "mann_whitney",
    "mann_whitney_one_sided",
    "rank_test",
    "rank_tests",
    "u_null_cdf",
]

Values: TypeAlias = "Sequence[float] | NDArray[np.float64]"

# Exact null distributions are computed as Gaussian binomial coefficients in float64; above this many
# arrangements the counts leave float range and the normal approximation is excellent anyway.
_EXACT_MAX_LOG10_ARRANGEMENTS = 250.0
_EXACT_MAX_MN = 40_000


def _exact_ok(m: int, n: int) -> bool:
    arrangements = math.lgamma(m + n + 1) - math.lgamma(m + 1) - math.lgamma(n + 1)
    return m * n <= _EXACT_MAX_MN and arrangements / math.log(10) <= _EXACT_MAX_LOG10_ARRANGEMENTS


@lru_cache(maxsize=256)
def _u_null_pmf(m: int, n: int) -> tuple[float, ...]:
    """P(U = u) for u = 0..m*n when there is no difference and no ties (pure; memoised)."""
    m, n = min(m, n), max(m, n)  # the distribution of U is symmetric in the sample sizes
    size = m * n + 1
    # Coefficients of the Gaussian binomial [m+n choose m]_q = prod_{i=1..m} (1 - q^(n+i)) / (1 - q^i):
    # the number of orderings giving each U. Working modulo q^size is exact because the result has
    # degree m*n; after each step the partial product is again a Gaussian binomial (non-negative).
    c = np.zeros(size)
    c[0] = 1.0
    for i in range(1, m + 1):
        k = n + i
        if k < size:
            c[k:] = c[k:] - c[: size - k].copy()
        # Divide by (1 - q^i): a running sum over every i-th coefficient.
        pad = (-size) % i
        block = np.concatenate([c, np.zeros(pad)]).reshape(-1, i)
        c = np.cumsum(block, axis=0).reshape(-1)[:size]
    total = float(c.sum())
    return tuple(float(v) / total for v in c)


@lru_cache(maxsize=256)
def _u_null_cdf_table(m: int, n: int) -> tuple[float, ...]:
    return tuple(float(v) for v in np.minimum(np.cumsum(_u_null_pmf(m, n)), 1.0))


def u_null_cdf(m: int, n: int, u: float) -> float:
    """P(U <= u) under the null hypothesis for samples of sizes ``m`` and ``n`` without ties."""
    if u < 0:
        return 0.0
    if m == 0 or n == 0:
        return 1.0
    if _exact_ok(m, n):
        table = _u_null_cdf_table(m, n)
        return table[min(math.floor(u + 1e-9), m * n)]
    mu = m * n / 2.0
    sd = math.sqrt(m * n * (m + n + 1) / 12.0)
    return float(_NORMAL.cdf((u + 0.5 - mu) / sd))


def mann_whitney_one_sided(x: Values, y: Values) -> tuple[float, float, float]:
    """U of ``y`` over ``x`` and the one-sided p-values for "y tends larger" and "y tends smaller"."""
    xs = np.sort(np.asarray(x, dtype=float))
    ys = np.asarray(y, dtype=float)
    m, n = len(xs), len(ys)
    if m == 0 or n == 0:
        raise ValueError("the Mann-Whitney test needs two non-empty samples")
    below = np.searchsorted(xs, ys, side="left")
    upto = np.searchsorted(xs, ys, side="right")
    u = float(below.sum() + 0.5 * (upto - below).sum())
    both = np.sort(np.concatenate([xs, ys]))
    if not bool((both[1:] == both[:-1]).any()) and _exact_ok(m, n):
        return u, 1.0 - u_null_cdf(m, n, u - 1), u_null_cdf(m, n, u)
    counts = _run_lengths(both)
    p_greater, p_less = _normal_p_values(u, m, n, float(((counts**3) - counts).sum()))
    return u, p_greater, p_less


def _normal_p_values(u: float, m: int, n: int, ties: float) -> tuple[float, float]:
    """The normal approximation's one-sided p-values of ``u``, with the continuity correction and the
    tie correction; ``ties`` is the sum of t^3 - t over the sizes t of the groups of equal values."""
    big_n = m + n
    tie_term = ties / (big_n * (big_n - 1))
    var = m * n / 12.0 * ((big_n + 1) - tie_term)
    if var <= 0:
        return 1.0, 1.0
    sd = math.sqrt(var)
    mu = m * n / 2.0
    p_greater = min(1.0, float(1.0 - _NORMAL.cdf((u - mu - 0.5) / sd)))
    p_less = min(1.0, float(_NORMAL.cdf((u - mu + 0.5) / sd)))
    return p_greater, p_less


def _run_lengths(ordered: NDArray[np.float64]) -> NDArray[np.int64]:
    """How often each distinct value occurs in a sorted array (``np.unique``'s counts, without its
    overhead, which was a third of a test on ten values a side)."""
    edges = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1], [True])))
    return np.diff(edges)


def _median_of_sorted(d: NDArray[np.float64]) -> float:
    """``np.median`` of an already sorted array (its partition and checks were half of a
    Hodges-Lehmann shift on ten values a side): the middle value, or the mean of the middle two."""
    mid = len(d) // 2
    if len(d) % 2:
        return float(d[mid])
    with np.errstate(invalid="ignore", over="ignore"):  # inf - inf of an extreme pair gives nan
        return float((d[mid - 1] + d[mid]) / 2)


def mann_whitney(x: Values, y: Values, alternative: str = "two-sided") -> tuple[float, float]:
    """Mann-Whitney U statistic of ``y`` over ``x`` (pairs with y > x, ties count 1/2) and its p-value.

    ``alternative``: ``"two-sided"``, ``"greater"`` (``y`` tends to be larger than ``x``) or ``"less"``.
    Exact null distribution when there are no ties and the samples are not huge; otherwise the normal
    approximation with tie and continuity corrections. All-equal data give p = 1.
    """
    if alternative not in ("two-sided", "greater", "less"):
        raise ValueError(f"unknown alternative {alternative!r}")
    u, p_greater, p_less = mann_whitney_one_sided(x, y)
    if alternative == "greater":
        return u, p_greater
    if alternative == "less":
        return u, p_less
    return u, min(1.0, 2.0 * min(p_less, p_greater))


@dataclass(frozen=True, slots=True)
class Shift:
    """A Hodges-Lehmann shift of log values (current minus baseline) with its distribution-free interval.

    ``low``/``high`` are None when the samples are too small for the requested coverage (n = 2 + 2).
    """

    estimate: float
    low: float | None
    high: float | None
    confidence: float


def _critical_count(m: int, n: int, confidence: float) -> int:
    """The largest c with P(U <= c - 1) <= (1 - confidence) / 2: the interval is [d_(c), d_(mn-c+1)]."""
    half = (1.0 - confidence) / 2.0
    if _exact_ok(m, n):
        pmf = _u_null_pmf(m, n)
        acc = 0.0
        c = 0
        while c < len(pmf) and acc + pmf[c] <= half + 1e-12:
            acc += pmf[c]
            c += 1
        return c
    sd = math.sqrt(m * n * (m + n + 1) / 12.0)
    z = float(_NORMAL.inv_cdf(1.0 - half))
    return max(0, math.floor(m * n / 2.0 - z * sd))


def log_differences(x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.float64]:
    """Every log(y_j / x_i), sorted. The ratio is formed first so scaling both samples cancels exactly."""
    # Ratios beyond the float range become +-inf; callers check that the estimate is finite.
    with np.errstate(over="ignore", under="ignore", divide="ignore"):
        d = np.log(y[None, :] / x[:, None]).reshape(-1)
    d.sort()
    return d


def hodges_lehmann(x: Values, y: Values, confidence: float = 0.95) -> Shift:
    """The median of all pairwise log ratios ``log(y_j / x_i)`` and Moses' distribution-free interval.

    Values must be positive. The interval comes from the same null distribution as the Mann-Whitney test,
    so "the interval excludes 0" and "the test rejects" agree (up to ties).
    """
    xs = np.asarray(x, dtype=float)
    ys = np.asarray(y, dtype=float)
    if len(xs) == 0 or len(ys) == 0:
        raise ValueError("the Hodges-Lehmann shift needs two non-empty samples")
    if (xs <= 0).any() or (ys <= 0).any():
        raise ValueError("the Hodges-Lehmann shift of log values needs positive values")
    c = _critical_count(len(xs), len(ys), confidence)
    total = len(xs) * len(ys)
    if total > _MATERIALIZE_LIMIT:  # ~8 bytes a pair: select order statistics without listing pairs
        sel = _PairSelector(xs, ys)
        mid = (total - 1) // 2
        est = sel.kth(mid) if total % 2 else (sel.kth(mid) + sel.kth(mid + 1)) / 2
        if c < 1:
            return Shift(est, None, None, confidence)
        return Shift(est, sel.kth(c - 1), sel.kth(total - c), confidence)
    d = log_differences(xs, ys)
    est = _median_of_sorted(d)
    if c < 1:
        return Shift(est, None, None, confidence)
    return Shift(est, float(d[c - 1]), float(d[len(d) - c]), confidence)


_MATERIALIZE_LIMIT = 2_000_000
"""Above this many pairs (16 MB of differences) order statistics are selected, not sorted out."""


class _PairSelector:
    """The k-th smallest of all ``log y_j - log x_i`` without forming the n*m differences.

    The differences form a matrix sorted along both axes, so how many are <= t is a sum of binary
    searches (O(n log m)); bisection on t then finds the smallest t with at least k + 1 of them, and
    the largest difference <= t is the answer. Used for samples too large to list every pair (10,000
    rounds on each side are 10^8 pairs); the values agree with the sorted list up to rounding of the
    last bit (log y - log x here, log(y / x) there).
    """

    def __init__(self, x: NDArray[np.float64], y: NDArray[np.float64]) -> None:
        self.lx = np.sort(np.log(x))
        self.ly = np.sort(np.log(y))

    def _count_le(self, t: float) -> int:
        return int(np.searchsorted(self.ly, t + self.lx, side="right").sum())

    def _largest_le(self, t: float) -> float:
        idx = np.searchsorted(self.ly, t + self.lx, side="right") - 1
        ok = idx >= 0
        return float((self.ly[idx[ok]] - self.lx[ok]).max())

    def kth(self, k: int) -> float:
        """The k-th smallest difference, 0-based."""
        lo = float(self.ly[0] - self.lx[-1])  # the smallest difference
        hi = float(self.ly[-1] - self.lx[0])  # the largest
        if self._count_le(lo) >= k + 1:
            return lo
        for _ in range(200):  # invariant: count(<= lo) <= k < count(<= hi)
            mid = lo + (hi - lo) / 2
            if mid <= lo or mid >= hi:
                break
            if self._count_le(mid) >= k + 1:
                hi = mid
            else:
                lo = mid
        return self._largest_le(hi)


@dataclass(frozen=True, slots=True)
class RankTest:
    """What the default method asks of one pair of samples: the Hodges-Lehmann shift with its interval
    and the Mann-Whitney test's one-sided p-values for "y tends larger" (``p_up``) and "smaller"."""

    shift: Shift
    p_up: float
    p_down: float


def rank_test(x: Values, y: Values, confidence: float = 0.95) -> RankTest:
    """:func:`hodges_lehmann` and :func:`mann_whitney_one_sided` of one pair: the definition that
    :func:`rank_tests` computes for many pairs at once."""
    _, p_up, p_down = mann_whitney_one_sided(x, y)
    return RankTest(hodges_lehmann(x, y, confidence), p_up, p_down)


# The batched path forms every pair of values of every pair of samples at once: (pairs, m, n) arrays.
# Above this many values per pair of samples the per-pair path (which sorts, or selects without
# listing the pairs) is as fast; a block holds at most _BLOCK_VALUES values to bound its memory (~8 MB).
_BATCH_MAX_MN = 4096
_BLOCK_VALUES = 1_000_000


def rank_tests(
    samples: Sequence[tuple[Sequence[float], Sequence[float]]], confidence: float = 0.95
) -> list[RankTest]:
    """:func:`rank_test` of every ``(x, y)`` in ``samples``, the same values to the last bit.

    Calling numpy on ten values a side costs far more than the arithmetic, and a comparison of 10,000
    benchmarks makes 10,000 such calls. So the pairs are grouped by their sample sizes (m, n) and each
    group is computed as 2-D arrays, one row a pair: U by comparing every value with every other,
    the tie correction from the sorted rows' runs of equal values, the shift and its interval from the
    sorted rows of log ratios. Each statistic takes the same floating-point steps as the per-pair
    functions (the p-values come from the same scalar code), which ``tests/stats`` checks bit for bit.
    Pairs with an empty side, non-positive values or more than 4,096 value pairs take
    :func:`rank_test` itself (and so raise as it does).
    """
    out: list[RankTest | None] = [None] * len(samples)
    groups: dict[tuple[int, int], list[int]] = {}
    for i, (x, y) in enumerate(samples):
        groups.setdefault((len(x), len(y)), []).append(i)
    for (m, n), members in groups.items():
        if m == 0 or n == 0 or m * n > _BATCH_MAX_MN:
            for i in members:
                out[i] = rank_test(samples[i][0], samples[i][1], confidence)
            continue
        step = max(1, _BLOCK_VALUES // (m * n))
        for start in range(0, len(members), step):
            block = members[start : start + step]
            xs = np.array([samples[i][0] for i in block], dtype=float).reshape(len(block), m)
            ys = np.array([samples[i][1] for i in block], dtype=float).reshape(len(block), n)
            bad = (xs <= 0).any(axis=1) | (ys <= 0).any(axis=1)
            for i in np.asarray(block)[bad].tolist():
                out[i] = rank_test(samples[i][0], samples[i][1], confidence)  # raises
            keep = ~bad
            for i, r in zip(
                np.asarray(block)[keep].tolist(), _rank_block(xs[keep], ys[keep], confidence), strict=True
            ):
                out[i] = r
    return [r for r in out if r is not None]


def _rank_block(x: NDArray[np.float64], y: NDArray[np.float64], confidence: float) -> list[RankTest]:
    """:func:`rank_test` of each row of ``x`` (k, m) with the same row of ``y`` (k, n), positive values."""
    k, m = x.shape
    n = y.shape[1]
    if k == 0:
        return []
    # U of y over x: the pairs with x < y, and half of those with x == y (integers, then one halving:
    # exactly the per-pair sum of binary searches).
    xc, yc = x[:, :, None], y[:, None, :]
    u: list[float] = ((xc < yc).sum(axis=(1, 2)) + 0.5 * (xc == yc).sum(axis=(1, 2))).tolist()
    both = np.sort(np.concatenate([x, y], axis=1), axis=1)
    starts = np.ones(both.shape, dtype=bool)
    starts[:, 1:] = both[:, 1:] != both[:, :-1]
    tied: list[bool] = np.any(~starts[:, 1:], axis=1).tolist()
    exact = _exact_ok(m, n)
    ties: list[float] = [0.0] * k
    if not exact or any(tied):
        # sum of t^3 - t over each row's runs of equal values (runs never cross rows: each row starts one)
        flat = starts.reshape(-1)
        counts = np.bincount(np.cumsum(flat) - 1)
        rows = np.flatnonzero(flat) // (m + n)
        ties = np.bincount(rows, weights=(counts**3 - counts).astype(float), minlength=k).tolist()
    # The shift: every log(y_j / x_i) of a row, sorted, as log_differences does for one pair.
    with np.errstate(over="ignore", under="ignore", divide="ignore"):
        d = np.log(y[:, None, :] / x[:, :, None]).reshape(k, m * n)
    d.sort(axis=1)
    total = m * n
    mid = total // 2
    if total % 2:
        est = d[:, mid].tolist()
    else:
        with np.errstate(invalid="ignore", over="ignore"):
            est = ((d[:, mid - 1] + d[:, mid]) / 2).tolist()
    c = _critical_count(m, n, confidence)
    lows: list[float | None] = [None] * k
    highs: list[float | None] = [None] * k
    if c >= 1:
        lows, highs = d[:, c - 1].tolist(), d[:, total - c].tolist()
    p_up, p_down = _p_values(u, tied, ties, m, n, exact)
    # the 2k values built field by field (perfgate.bulk): they have no checks to skip
    shifts = build(Shift, k, (est, lows, highs, repeat(confidence)))
    return build(RankTest, k, (shifts, p_up, p_down))


def _p_values(
    u: list[float], tied: list[bool], ties: list[float], m: int, n: int, exact: bool
) -> tuple[list[float], list[float]]:
    """The one-sided p-values of each row, as :func:`mann_whitney_one_sided` computes them for one
    pair (the exact null distribution without ties, else :func:`_normal_p_values`), column-wise:
    numpy's float64 operations round as Python's do, taken in the same order, and ``math.erf`` is
    the one ``NormalDist.cdf`` calls."""
    k = len(u)
    up: list[float] = [0.0] * k
    down: list[float] = [0.0] * k
    normal = [i for i in range(k) if not (exact and not tied[i])]
    if len(normal) < k:  # u_null_cdf of each row: a lookup in the memoised table
        for i in range(k):
            if exact and not tied[i]:
                up[i], down[i] = 1.0 - u_null_cdf(m, n, u[i] - 1), u_null_cdf(m, n, u[i])
    if not normal:
        return up, down
    uu = np.array([u[i] for i in normal])
    big_n = m + n
    tie_term = np.array([ties[i] for i in normal]) / (big_n * (big_n - 1))
    var = m * n / 12.0 * ((big_n + 1) - tie_term)
    positive = var > 0
    mu = m * n / 2.0
    with np.errstate(invalid="ignore", divide="ignore"):  # rows without variance: 1.0 below
        sd = np.sqrt(var)
        # NormalDist().cdf(x) is 0.5 * (1.0 + erf((x - 0.0) / (1.0 * sqrt(2.0)))); x - 0.0 is x
        greater = (uu - mu - 0.5) / sd / _SQRT2
        less = (uu - mu + 0.5) / sd / _SQRT2
    erf = math.erf
    for i, ok, g, le in zip(normal, positive.tolist(), greater.tolist(), less.tolist(), strict=True):
        if ok:
            up[i] = min(1.0, 1.0 - 0.5 * (1.0 + erf(g)))
            down[i] = min(1.0, 0.5 * (1.0 + erf(le)))
        else:
            up[i] = down[i] = 1.0
    return up, down
