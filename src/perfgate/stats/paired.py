"""Paired comparison of interleaved A/B data: one log ratio per ABBA/BAAB block, a signed-rank test on them.

In an interleaved run (``perfgate ab``) both sides are measured in blocks of a few turns each, base and
head alternating. Rounds within a turn, and consecutive turns, share their disturbances (a busy
neighbour, a frequency change), so the rounds are not independent samples: a two-sample rank test over
all of them gives p-values that are too small and intervals that are too narrow. Within one block,
though, both sides ran under nearly the same conditions; the block's log ratio ``log(median(head) /
median(base))`` has the shared disturbance divided out and is a nearly independent, drift-free
observation of the change.

The change is the Hodges-Lehmann estimate of those ratios (the median of their pairwise means, the
Walsh averages) with Tukey's distribution-free interval; the p-values are the Wilcoxon signed-rank
test's, one-sided per direction. Under "no change", which side a disturbance hits is a coin toss (the
ABBA/BAAB order is random), so the ratios are symmetric about 0: exactly the signed-rank test's
assumption. Rank methods keep their power when a disturbance hits one turn of one side (an outlying
ratio), where a t-test on the ratios loses it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from statistics import NormalDist
from typing import TYPE_CHECKING, TypeAlias

from perfgate.stats.lazy import numpy

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray
else:
    np = numpy()

__all__ = ["PairedChange", "block_log_ratios", "paired_change", "signed_rank"]

_NORMAL = NormalDist()
# Exact null distribution up to this many ratios (a vector of n(n+1)/2 + 1 probabilities); beyond it the
# normal approximation is excellent.
_EXACT_MAX_N = 400

Values: TypeAlias = "Sequence[float] | NDArray[np.float64]"


def block_log_ratios(
    baseline: Sequence[float],
    baseline_blocks: Sequence[int],
    current: Sequence[float],
    current_blocks: Sequence[int],
) -> tuple[float, ...]:
    """``log(median(current in block k) / median(baseline in block k))`` for every block both sides have,
    in block order. ``*_blocks[i]`` is the block of sample ``i``. Values must be positive.

    The ratio is formed before the log, so multiplying both sides by a constant changes nothing.
    """
    if len(baseline) != len(baseline_blocks) or len(current) != len(current_blocks):
        raise ValueError("every sample needs its block: samples and blocks differ in length")
    if any(not v > 0 for v in baseline) or any(not v > 0 for v in current):
        raise ValueError("block log ratios need positive values")

    def by_block(values: Sequence[float], blocks: Sequence[int]) -> dict[int, list[float]]:
        out: dict[int, list[float]] = {}
        for v, b in zip(values, blocks, strict=True):
            out.setdefault(int(b), []).append(float(v))
        return out

    base, cur = by_block(baseline, baseline_blocks), by_block(current, current_blocks)
    ratios = []
    for k in sorted(base.keys() & cur.keys()):
        with np.errstate(over="ignore", under="ignore", divide="ignore"):
            ratios.append(float(np.log(float(np.median(cur[k])) / float(np.median(base[k])))))
    return tuple(ratios)


@lru_cache(maxsize=64)
def _w_null_cdf_table(n: int) -> tuple[float, ...]:
    """P(W+ <= w) for w = 0..n(n+1)/2 under the null (n non-zero ratios without ties; memoised)."""
    size = n * (n + 1) // 2 + 1
    pmf = np.zeros(size)
    pmf[0] = 1.0
    top = 0
    # W+ is the sum of independent terms k * Bernoulli(1/2), k = 1..n: convolve one term at a time.
    for k in range(1, n + 1):
        shifted = np.zeros(size)
        shifted[k : top + k + 1] = pmf[: top + 1]
        pmf = 0.5 * (pmf + shifted)
        top += k
    return tuple(float(v) for v in np.minimum(np.cumsum(pmf), 1.0))


def signed_rank(ratios: Values) -> tuple[float, float, float]:
    """The Wilcoxon signed-rank statistic ``W+`` of ``ratios`` and its one-sided p-values for "ratios tend
    above 0" and "ratios tend below 0".

    Zeros are dropped (Wilcoxon's convention). Exact null distribution when there are no ties and at
    most 400 ratios; otherwise the normal approximation with tie and continuity corrections. No non-zero
    ratio at all gives p = 1 both ways.
    """
    d = np.asarray(ratios, dtype=float)
    if d.size == 0:
        raise ValueError("the signed-rank test needs at least one ratio")
    if not np.isfinite(d).all():
        raise ValueError("the signed-rank test needs finite ratios")
    d = d[d != 0]
    n = int(d.size)
    if n == 0:
        return 0.0, 1.0, 1.0
    absd = np.abs(d)
    order = np.argsort(absd, kind="stable")
    ranks = np.empty(n)
    sorted_abs = absd[order]
    i = 0
    while i < n:  # average ranks over ties
        j = i
        while j + 1 < n and sorted_abs[j + 1] == sorted_abs[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j + 2) / 2.0
        i = j + 1
    w = float(ranks[d > 0].sum())
    _, counts = np.unique(sorted_abs, return_counts=True)
    if bool((counts == 1).all()) and n <= _EXACT_MAX_N:
        table = _w_null_cdf_table(n)
        wi = round(w)
        p_up = 1.0 - (table[wi - 1] if wi >= 1 else 0.0)
        return w, min(1.0, max(0.0, p_up)), table[wi]
    mu = n * (n + 1) / 4.0
    var = n * (n + 1) * (2 * n + 1) / 24.0 - float(((counts**3) - counts).sum()) / 48.0
    if var <= 0:
        return w, 1.0, 1.0
    sd = math.sqrt(var)
    p_up = min(1.0, float(1.0 - _NORMAL.cdf((w - mu - 0.5) / sd)))
    p_down = min(1.0, float(_NORMAL.cdf((w - mu + 0.5) / sd)))
    return w, p_up, p_down


def _critical_count(n: int, confidence: float) -> int:
    """The largest c with P(W+ <= c - 1) <= (1 - confidence) / 2: the interval is [a_(c), a_(N-c+1)] of
    the N sorted Walsh averages."""
    half = (1.0 - confidence) / 2.0
    if n <= _EXACT_MAX_N:
        table = _w_null_cdf_table(n)
        c = 0
        while c < len(table) and table[c] <= half + 1e-12:
            c += 1
        return c
    sd = math.sqrt(n * (n + 1) * (2 * n + 1) / 24.0)
    z = float(_NORMAL.inv_cdf(1.0 - half))
    return max(0, math.floor(n * (n + 1) / 4.0 - z * sd))


@dataclass(frozen=True, slots=True)
class PairedChange:
    """The change shown by the block log ratios of an interleaved run (log scale: ``exp(x) - 1`` is the
    relative change of current over baseline).

    ``estimate``: Hodges-Lehmann (median of the Walsh averages); ``low``/``high``: Tukey's interval at
    ``confidence`` (None when there are too few blocks for it, fewer than 6 at 95%); ``p_up``/``p_down``:
    one-sided signed-rank p-values for "current larger" and "current smaller"; ``blocks``: how many
    ratios.
    """

    estimate: float
    low: float | None
    high: float | None
    p_up: float
    p_down: float
    blocks: int
    confidence: float


def paired_change(ratios: Values, confidence: float = 0.95) -> PairedChange:
    """The change with its interval and one-sided p-values from block log ratios (see the module doc).

    Deterministic; negating every ratio negates the estimate and interval and swaps the p-values.
    """
    if not 0 < confidence < 1:
        raise ValueError("confidence must be in (0, 1)")
    d = np.asarray(ratios, dtype=float)
    n = int(d.size)
    if n == 0:
        raise ValueError("a paired comparison needs at least one block")
    _, p_up, p_down = signed_rank(d)
    idx_i, idx_j = np.triu_indices(n)
    walsh = np.sort((d[idx_i] + d[idx_j]) / 2.0)
    big = walsh.size
    # The median of the sorted averages, written so that negated data give exactly the negated value.
    est = float((walsh[(big - 1) // 2] + walsh[big // 2]) / 2.0)
    c = _critical_count(n, confidence)
    if c < 1:
        return PairedChange(est, None, None, p_up, p_down, n, confidence)
    return PairedChange(est, float(walsh[c - 1]), float(walsh[big - c]), p_up, p_down, n, confidence)
