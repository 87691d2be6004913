"""Change points in a series of benchmark results ordered by commit time.

The method (``docs/detection.md`` has its evaluation):

* Every point is a value with, when known, its standard error (from the run's samples or interval): its
  variance is ``se**2 + tau**2``, where ``tau`` is the run-to-run spread the series itself shows (a robust
  estimate from successive differences, raised to a given run-level ``spread`` when one is known). A
  noisy point weighs less: means are weighted by ``1 / variance``.
* Outliers are set aside: a point further than ``clip`` of its own standard deviations from the median
  of the seven points centred on it (a centred window keeps a step a step) takes that median's value.
  (Pulled in only to ``clip`` deviations, two disturbed runs a few points apart still raised a level.)
* A window of ``window`` points is searched by seeded binary segmentation: the split with the largest
  weighted two-sample z statistic over the whole segment and over seeded sub-intervals (halves,
  quarters, ... overlapping by half, so a short bump stands out), significant when its p-value times
  the number of splits tried (Bonferroni) is below ``max_pvalue``; then every split is moved to its
  best place between its neighbours and the least significant is dropped until all are significant.
  The first change point found starts the next window; a window without one moves on by half its
  length.
* Last, each change point is tested between its neighbours (the means from the previous change point
  to it and from it to the next, Bonferroni over those positions); one that fails is dropped, the
  worst first, until all pass.
* A window that the end of the series cuts short is the tail: appending points re-examines only the tail
  (:func:`extend`), and gives exactly what :func:`detect` gives on the whole series.

Pure: values in, values out; no I/O, no clock, deterministic.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import TYPE_CHECKING, Any

from perfgate.model import Summary
from perfgate.stats.history import RunSpread
from perfgate.stats.lazy import numpy

if TYPE_CHECKING:  # numpy is loaded on first use: commands that only list what is stored skip it
    import numpy as np
    import numpy.typing as npt

    Array = npt.NDArray[np.floating[Any]]
else:
    np = numpy()

__all__ = ["ChangePoint", "DetectSettings", "Detection", "Point", "detect", "extend"]

_MEDIAN_CHI2_1 = 0.454936423119572  # the median of a chi-square with one degree of freedom
_HALF_WIDTH = 3  # the outlier guard's centred median looks 3 points either side
_REL_FLOOR = 1e-9  # a series that never moves still has this relative spread (no division by zero)


@dataclass(frozen=True, slots=True)
class Point:
    """One result in a series: its value and, when known, the standard error of that value.

    ``commit`` labels the point (the change point after it names it); the detection never reads it.
    """

    value: float
    se: float | None = None
    commit: str | None = None

    def __post_init__(self) -> None:
        if not math.isfinite(self.value):
            raise ValueError(f"a point's value must be finite, got {self.value!r}")
        if self.se is not None and not (math.isfinite(self.se) and self.se >= 0):
            raise ValueError(f"a point's standard error must be finite and >= 0, got {self.se!r}")

    @classmethod
    def from_samples(cls, samples: Sequence[float], commit: str | None = None) -> Point:
        """The mean of a run's samples with its standard error (none from a single sample)."""
        xs = np.asarray(samples, dtype=np.float64)
        if xs.size == 0:
            raise ValueError("a point needs at least one sample")
        if not np.all(np.isfinite(xs)):
            raise ValueError("a point's samples must be finite")
        mean = float(xs.mean())
        se = float(xs.std(ddof=1) / math.sqrt(xs.size)) if xs.size > 1 else None
        return cls(mean, se, commit)

    @classmethod
    def from_summary(cls, summary: Summary, commit: str | None = None) -> Point:
        """A stored result: its median, with the standard error its confidence interval implies (else
        the normal-theory one of a median, 1.2533 * stddev / sqrt(n); none for one sample)."""
        low, high, level = summary.ci_low, summary.ci_high, summary.ci_level
        if low is not None and high is not None and level is not None:
            return cls.from_interval(summary.median, low, high, level, commit)
        se = 1.2533 * summary.stddev / math.sqrt(summary.n) if summary.n > 1 else None
        return cls(summary.median, se, commit)

    @classmethod
    def from_interval(
        cls, value: float, low: float, high: float, level: float = 0.95, commit: str | None = None
    ) -> Point:
        """A value with a two-sided confidence interval at ``level`` (read as a normal interval)."""
        if not 0 < level < 1:
            raise ValueError(f"an interval's level must be in (0, 1), got {level!r}")
        if not low <= high:
            raise ValueError(f"an interval's low end {low!r} exceeds its high end {high!r}")
        z = NormalDist().inv_cdf(0.5 + level / 2)
        return cls(value, (high - low) / (2 * z), commit)


@dataclass(frozen=True, slots=True)
class DetectSettings:
    """How sure and how fine the detection is.

    ``max_pvalue``: a split is a change point when its Bonferroni-adjusted p-value is below this.
    ``min_size``: the fewest points on either side of a change point. ``window``: the points searched
    at once (also what an appended point re-examines at most). ``spread``: a run-to-run spread known
    from elsewhere (relative, 0.02 = 2%), a floor under the one the series shows. ``clip``: the outlier
    guard, in standard deviations. ``confidence``: the level of the change's interval.
    """

    max_pvalue: float = 0.0001
    min_size: int = 5
    window: int = 200
    spread: float | None = None
    clip: float = 3.0
    confidence: float = 0.95

    def __post_init__(self) -> None:
        if not 0 < self.max_pvalue < 1:
            raise ValueError(f"max_pvalue must be in (0, 1), got {self.max_pvalue!r}")
        if self.min_size < 2:
            raise ValueError(f"min_size must be >= 2, got {self.min_size!r}")
        if self.window < 4 * self.min_size:
            raise ValueError(f"window must be >= 4 * min_size ({4 * self.min_size}), got {self.window!r}")
        if self.spread is not None and not (math.isfinite(self.spread) and self.spread >= 0):
            raise ValueError(f"spread must be finite and >= 0, got {self.spread!r}")
        if not self.clip > 0:
            raise ValueError(f"clip must be > 0, got {self.clip!r}")
        if not 0 < self.confidence < 1:
            raise ValueError(f"confidence must be in (0, 1), got {self.confidence!r}")

    @classmethod
    def on_testbed(cls, spread: RunSpread | None) -> DetectSettings:
        """The defaults, with the run-to-run ``spread`` the gate measured on the series' testbed
        (:func:`perfgate.stats.history_spreads`) as the floor under the series' own noise: a step no
        larger than the testbed's ordinary moves from run to run is then no change point."""
        return cls() if spread is None else cls(spread=math.expm1(spread.spread))


@dataclass(frozen=True, slots=True)
class ChangePoint:
    """A shift of the series' level between two points.

    ``index`` is the first point of the new level; ``commit`` its label (the first commit after the
    change) and ``previous_commit`` the label of the point before (the change happened in
    ``previous_commit..commit``). ``change`` is ``mean_after / mean_before - 1`` with its interval
    (None when the mean before is 0); ``pvalue`` is Bonferroni-adjusted over the split positions
    between the neighbouring change points; the means are weighted and outlier-guarded, over the
    points from the previous change point to the next.
    """

    index: int
    commit: str | None
    previous_commit: str | None
    mean_before: float
    mean_after: float
    change: float | None
    change_low: float | None
    change_high: float | None
    pvalue: float
    n_before: int
    n_after: int

    def __post_init__(self) -> None:
        if self.index < 1:
            raise ValueError(f"a change point's index must be >= 1, got {self.index!r}")
        if not 0 <= self.pvalue <= 1:
            raise ValueError(f"a p-value must be in [0, 1], got {self.pvalue!r}")
        if self.n_before < 1 or self.n_after < 1:
            raise ValueError("a change point has points on both sides")


@dataclass(frozen=True, slots=True)
class Detection:
    """The change points of a series, and what :func:`extend` needs to re-examine only its tail.

    ``confirmed`` are the indices the sweep found in windows the series fills completely (points
    appended later cannot move them; the test between neighbours may still drop one from
    ``change_points``); ``resume`` is where the first window the end cuts short begins.
    """

    points: tuple[Point, ...]
    change_points: tuple[ChangePoint, ...]
    settings: DetectSettings
    confirmed: tuple[int, ...]
    resume: int
    _values: Array = field(repr=False, compare=False)
    _ses: Array = field(repr=False, compare=False)
    _centres: Array = field(repr=False, compare=False)

    @property
    def indices(self) -> tuple[int, ...]:
        """The change points' indices, in order."""
        return tuple(c.index for c in self.change_points)


def detect(points: Sequence[Point], settings: DetectSettings | None = None) -> Detection:
    """The change points of ``points`` (ordered by commit time, oldest first)."""
    settings = settings or DetectSettings()
    pts = tuple(points)
    values, ses = _arrays(pts)
    return _finish(pts, values, ses, _centres(values), settings, [], 0, {})


def extend(detection: Detection, points: Iterable[Point]) -> Detection:
    """``detection`` with ``points`` appended: only the tail is searched again; the answer equals
    :func:`detect` on the whole series."""
    new = tuple(points)
    if not new:
        return detection
    old = len(detection.points)
    values, ses = _arrays(new)
    pts = detection.points + new
    values = np.concatenate((detection._values, values))
    ses = np.concatenate((detection._ses, ses))
    # the neighbourhood medians of the last points change; those of earlier ones cannot
    redo = max(0, old - _HALF_WIDTH)
    head = max(0, redo - _HALF_WIDTH)
    centres = np.concatenate((detection._centres[:redo], _centres(values[head:])[redo - head :]))
    if old < 2 * _HALF_WIDTH + 1:
        centres = _centres(values)
    # a change point's description stays valid while its points and their medians do
    known = {
        (c.index, c.n_before, c.n_after): c
        for c in detection.change_points
        if c.index + c.n_after + _HALF_WIDTH <= old
    }
    return _finish(
        pts, values, ses, centres, detection.settings, list(detection.confirmed), detection.resume, known
    )


def _arrays(points: Sequence[Point]) -> tuple[Array, Array]:
    values = np.fromiter((p.value for p in points), dtype=np.float64, count=len(points))
    ses = np.fromiter((p.se or 0.0 for p in points), dtype=np.float64, count=len(points))
    return values, ses


def _finish(
    pts: tuple[Point, ...],
    values: Array,
    ses: Array,
    centres: Array,
    settings: DetectSettings,
    confirmed: list[int],
    start: int,
    known: dict[tuple[int, int, int], ChangePoint],
) -> Detection:
    tentative, settled, resume = _sweep(values, ses, centres, start, settings)
    confirmed = confirmed + settled
    indices = confirmed + tentative
    cache = dict(known)
    while True:
        # the last word is the test between neighbours: a split a window saw (a few high points at
        # its edge) that the whole segments around it do not bear out is dropped, the worst first
        bounds = [0, *indices, len(values)]
        cps = []
        for j, index in enumerate(indices):
            key = (index, index - bounds[j], bounds[j + 2] - index)
            cp = cache.get(key)
            if cp is None:
                lo, hi = bounds[j], bounds[j + 2]
                cp = cache[key] = _describe(values, ses, centres, pts, lo, index, hi, settings)
            cps.append(cp)
        worst = max(range(len(cps)), key=lambda j: cps[j].pvalue, default=None)
        if worst is None or cps[worst].pvalue < settings.max_pvalue:
            break
        del indices[worst]
    return Detection(pts, tuple(cps), settings, tuple(confirmed), resume, values, ses, centres)


def _sweep(
    x: Array, v: Array, c: Array, s: int, settings: DetectSettings
) -> tuple[list[int], list[int], int]:
    """From window start ``s`` on: (change points of cut-short windows, of complete ones, resume).

    A window is complete when the series holds it and the points its last medians look at."""
    n, w, m = len(x), settings.window, settings.min_size
    complete: list[int] = []
    tail: list[int] = []
    resume: int | None = None
    while True:
        e = min(n, s + w)
        whole = s + w + _HALF_WIDTH <= n
        if not whole and resume is None:
            resume = s
        if e - s < 2 * m:
            break
        found = _first_change(x, v, c, s, e, settings)
        if found is not None:
            (complete if whole else tail).append(found)
            s = found
        elif whole:
            s += w // 2
        else:
            break
    assert resume is not None
    return tail, complete, resume


def _first_change(x: Array, v: Array, c: Array, s: int, e: int, settings: DetectSettings) -> int | None:
    """The first change point in ``x[s:e]``, judged with the spread of ``x[s - window:e]``."""
    a = max(0, s - settings.window)
    scaled = _scaled(x[a:e], v[a:e], c[a:e])
    if scaled is None:
        return None
    guarded, var = _guarded(*scaled, settings)
    if var is None:
        return None
    y, wt = guarded[s - a :], 1.0 / var[s - a :]
    cps = _segment(y, wt, settings)
    return s + cps[0] if cps else None


def _scaled(x: Array, se: Array, c: Array) -> tuple[Array, Array, Array] | None:
    """Values, ses and medians in units of the largest value (no overflow, no underflow);
    None when every value is 0."""
    scale = float(np.max(np.abs(x))) if x.size else 0.0
    if scale == 0.0:
        return None
    return x / scale, (se / scale) ** 2, c / scale


def _median(a: npt.NDArray[Any]) -> float:
    """The median (np.median without its overhead: this runs once per window)."""
    k = a.size // 2
    part = np.partition(a, (k - 1, k) if a.size % 2 == 0 else k)
    return float(part[k]) if a.size % 2 else float((part[k - 1] + part[k]) / 2)


def _centres(x: Array) -> Array:
    """Each point's neighbourhood median: ``_HALF_WIDTH`` points either side, mirrored at the ends
    (a centred window, so a step stays a step; a lone outlier does not move it)."""
    h = min(_HALF_WIDTH, x.size - 1)
    if h < 1:
        return x.copy()
    padded = np.pad(x, h, mode="reflect")
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * h + 1)
    return np.asarray(np.median(windows, axis=1), dtype=np.float64)


def _noise(x: Array, v: Array, spread: float | None) -> float | None:
    """``tau**2``: the spread of the points beyond their own standard errors (None: a constant series)."""
    scale = float(np.max(np.abs(x))) if x.size else 0.0
    if scale == 0.0:
        return None
    tau2 = 0.0
    if x.size >= 2:
        d2 = np.diff(x) ** 2
        # E d^2 = v[i] + v[i+1] + 2 tau^2; medians keep a step (one large difference) from counting
        own = _median(v[:-1] + v[1:]) if v.any() else 0.0
        tau2 = max(0.0, (_median(d2) / _MEDIAN_CHI2_1 - own) / 2)
    if spread is not None:
        tau2 = max(tau2, (spread * _median(np.abs(x))) ** 2)
    return max(tau2, (_REL_FLOOR * scale) ** 2)


def _guarded(x: Array, v: Array, c: Array, settings: DetectSettings) -> tuple[Array, Array | None]:
    """The values with outliers (beyond ``clip`` standard deviations) replaced by their neighbourhood
    median ``c``, and each point's variance (None when the series never moves)."""
    tau2 = _noise(x, v, settings.spread)
    if tau2 is None:
        return x, None
    var = v + tau2
    lim = settings.clip * np.sqrt(var)
    return np.where(np.abs(x - c) > lim, c, x), var


def _best_split(cy: Array, cw: Array, lo: int, hi: int, m: int) -> tuple[int, float, int]:
    """The split ``k`` of ``[lo, hi)`` with the largest |z|: (k, |z|, positions tried)."""
    ks = np.arange(lo + m, hi - m + 1)
    wl = cw[ks] - cw[lo]
    wr = cw[hi] - cw[ks]
    sl = cy[ks] - cy[lo]
    sr = cy[hi] - cy[ks]
    z = np.abs(sl / wl - sr / wr) / np.sqrt(1.0 / wl + 1.0 / wr)
    i = int(np.argmax(z))
    return int(ks[i]), float(z[i]), int(ks.size)


@functools.lru_cache(maxsize=256)
def _seeded(length: int, m: int) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Seeded intervals of ``[0, length)``: the whole, then halves, quarters, ... (each level's
    intervals overlapping by half), down to ``4 * m`` points; as flat arrays of (start, end, split)
    over every split position of every interval. A short bump inside a long segment, which no single
    split of the whole separates, stands out in the intervals about its size."""
    starts: list[npt.NDArray[np.intp]] = []
    ends: list[npt.NDArray[np.intp]] = []
    splits: list[npt.NDArray[np.intp]] = []
    size = length
    while True:
        step = max(1, size // 2)
        lefts = list(range(0, length - size + 1, step))
        if lefts[-1] != length - size:
            lefts.append(length - size)
        for left in lefts:
            k = np.arange(left + m, left + size - m + 1, dtype=np.intp)
            starts.append(np.full(k.size, left, dtype=np.intp))
            ends.append(np.full(k.size, left + size, dtype=np.intp))
            splits.append(k)
        size //= 2
        if size < 4 * m:
            break
    return np.concatenate(starts), np.concatenate(ends), np.concatenate(splits)


def _best_seeded(cy: Array, cw: Array, lo: int, hi: int, m: int) -> tuple[int, float, int]:
    """The split with the largest |z| over the seeded intervals of ``[lo, hi)``: (k, |z|, tests)."""
    left, right, ks = _seeded(hi - lo, m)
    left, right, ks = left + lo, right + lo, ks + lo
    wl = cw[ks] - cw[left]
    wr = cw[right] - cw[ks]
    sl = cy[ks] - cy[left]
    sr = cy[right] - cy[ks]
    z = np.abs(sl / wl - sr / wr) / np.sqrt(1.0 / wl + 1.0 / wr)
    i = int(np.argmax(z))
    return int(ks[i]), float(z[i]), int(ks.size)


def _adjusted(z: float, positions: int) -> float:
    return min(1.0, math.erfc(z / math.sqrt(2.0)) * positions)


def _segment(y: Array, wt: Array, settings: DetectSettings) -> list[int]:
    """Binary segmentation of ``y`` (weights ``wt``), then every split moved to its best place between
    its neighbours and the least significant dropped until all are significant."""
    m, alpha = settings.min_size, settings.max_pvalue
    centred = y - _median(y)
    cy = np.concatenate(([0.0], np.cumsum(centred * wt)))
    cw = np.concatenate(([0.0], np.cumsum(wt)))
    n = y.size
    cps: list[int] = []
    stack = [(0, n)]
    while stack:
        lo, hi = stack.pop()
        if hi - lo < 2 * m:
            continue
        k, z, tried = _best_seeded(cy, cw, lo, hi, m)
        if _adjusted(z, tried) < alpha:
            cps.append(k)
            stack += [(lo, k), (k, hi)]
    cps.sort()
    for _ in range(4 * len(cps) + 4):
        if not cps:
            break
        bounds = [0, *cps, n]
        moved, worst, worst_p = False, -1, -1.0
        for j in range(len(cps)):
            k, z, tried = _best_split(cy, cw, bounds[j], bounds[j + 2], m)
            p = _adjusted(z, tried)
            if k != cps[j]:
                cps[j], bounds[j + 1], moved = k, k, True
            if p > worst_p:
                worst, worst_p = j, p
        if worst_p >= alpha:
            del cps[worst]
        elif not moved:
            break
    return cps


def _describe(
    x: Array,
    v: Array,
    c: Array,
    pts: Sequence[Point],
    lo: int,
    k: int,
    hi: int,
    settings: DetectSettings,
) -> ChangePoint:
    """The change point at ``k`` between its neighbours ``lo`` and ``hi``."""
    scale = float(np.max(np.abs(x[lo:hi]))) or 1.0
    scaled = _scaled(x[lo:hi], v[lo:hi], c[lo:hi])
    guarded, var = _guarded(*scaled, settings) if scaled is not None else (x[lo:hi], None)
    if var is None:  # never found in a series that does not move, but describable all the same
        var = np.ones(hi - lo)
    guarded = guarded * scale
    wt = 1.0 / var
    i = k - lo
    wb, wa = float(wt[:i].sum()), float(wt[i:].sum())
    before = float((guarded[:i] * wt[:i]).sum() / wb)
    after = float((guarded[i:] * wt[i:]).sum() / wa)
    se_b, se_a = scale * math.sqrt(1 / wb), scale * math.sqrt(1 / wa)
    z = abs(after - before) / math.hypot(se_a, se_b)
    pvalue = _adjusted(z, max(1, hi - lo - 2 * settings.min_size + 1))
    change = low = high = None
    if before != 0:
        change = after / before - 1
        # delta method for the ratio of two independent means
        se_r = math.hypot(se_a / before, after * se_b / before**2)
        q = NormalDist().inv_cdf(0.5 + settings.confidence / 2)
        low, high = change - q * se_r, change + q * se_r
    return ChangePoint(
        index=k,
        commit=pts[k].commit,
        previous_commit=pts[k - 1].commit,
        mean_before=before,
        mean_after=after,
        change=change,
        change_low=low,
        change_high=high,
        pvalue=pvalue,
        n_before=i,
        n_after=hi - k,
    )
