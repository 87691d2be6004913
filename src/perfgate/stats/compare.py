"""Comparing a current run with its baseline, benchmark by benchmark and metric by metric.

The entry point is :func:`compare_suite`: it takes one :class:`MetricPair` per (benchmark, metric) and
returns a :class:`SuiteComparison` with one :class:`~perfgate.model.Verdict` each plus run-level notes.

The default method, ``"mann-whitney+hodges-lehmann"`` (see ``docs/statistics.md``):

1. the change is the Hodges-Lehmann shift of log values (a ratio) with Moses' distribution-free interval;
   the p-values are the Mann-Whitney U test's, one-sided per direction;
2. when the baseline is several runs, the current run's median is also tested against the prediction
   interval of the baseline runs' medians (their spread pooled over the suite's benchmarks of the same
   metric when that is larger than the benchmark's own); a change must pass both tests (the larger
   p-value counts) and the interval is the hull of both;
3. one-sided p-values ("worse", "better") are Holm-adjusted across the suite, each direction a family;
4. with threshold δ (on the log scale, t = log(1 + δ)) and adverse log change a:
   ``regression`` when a > t and the adjusted p < alpha, ``improvement`` when a < -t and p < alpha,
   ``unchanged`` when the whole interval lies within ±t, ``inconclusive`` otherwise (with a reason);
5. machine-wide shifts are detected per metric and handled as ``settings.machine_shift`` says (by
   default a note; the verdicts stand).

A value that repeats exactly on each side (at least two samples a side) has no noise and is compared with
the threshold directly (``"deterministic"``). With the testbed's run-to-run spread from its stored
history (``spreads``), a baseline of one or two runs, or one value per run, is judged by a prediction
interval for the new median (``"history-t"``); without history and with one value per run, the ratio of
medians is compared with the threshold and labelled as such. A ``time`` regression whose ``cpu_time``
did not move says so in its reason.

With ``settings.paired_blocks`` (``perfgate ab``), a pair whose baseline is one interleaved result and
whose current result is its partner, both recording the block of each sample (``extra["blocks"]``), is
judged on its block log ratios instead (:mod:`perfgate.stats.paired`): Hodges-Lehmann of the ratios with
Tukey's interval, one-sided signed-rank p-values; steps 3 and 4 are the same.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import repeat
from typing import TypeAlias

from perfgate.bulk import build
from perfgate.model import BenchmarkId, Direction, Result, Status, Summary, Verdict
from perfgate.stats.geomean import GeomeanChange, geomean_change
from perfgate.stats.history import RunSpread
from perfgate.stats.machine import MachineShift, detect_machine_shift
from perfgate.stats.multiplicity import holm
from perfgate.stats.noise import noise_note
from perfgate.stats.paired import block_log_ratios, paired_change
from perfgate.stats.ranktest import RankTest, rank_test, rank_tests
from perfgate.stats.runlevel import RunLevel, log_spread, prediction_test, run_level_test
from perfgate.stats.severity import SeverityRule, severity_of
from perfgate.stats.summary import summarize

__all__ = [
    "DETERMINISTIC",
    "HISTORY_T",
    "HL_MANN_WHITNEY",
    "MACHINE_SHIFT_MODES",
    "METHODS",
    "PAIRED_BLOCKS",
    "RATIO_OF_MEDIANS",
    "RUN_LEVEL",
    "CompareSettings",
    "MetricPair",
    "SuiteComparison",
    "compare_pair",
    "compare_suite",
    "verdict_sort_key",
]

RATIO_OF_MEDIANS = "ratio-of-medians"
HL_MANN_WHITNEY = "mann-whitney+hodges-lehmann"
RUN_LEVEL = "run-level-t"
PAIRED_BLOCKS = "paired-blocks-signed-rank"
# A value that repeats exactly on each side has no noise: its ratio is compared with the threshold.
DETERMINISTIC = "deterministic"
# The run-level prediction test with the run-to-run spread of the testbed's stored history.
HISTORY_T = "history-t"
METHODS = (HL_MANN_WHITNEY, RATIO_OF_MEDIANS)
MACHINE_SHIFT_MODES = ("note", "inconclusive", "normalize", "ignore")
MULTIPLICITY = ("holm", "none")


@dataclass(frozen=True, slots=True)
class MetricPair:
    """One benchmark and metric: its baseline results (one per baseline run) and its current result.

    ``baseline`` empty means the benchmark is new; ``current`` None means it is missing from the current
    run. ``threshold`` is the relative change that counts (0.05 = 5%).
    """

    benchmark: BenchmarkId
    metric: str
    unit: str
    direction: Direction
    baseline: tuple[Result, ...]
    current: Result | None
    threshold: float

    def __post_init__(self) -> None:
        if not self.threshold >= 0:
            raise ValueError(f"{self.benchmark.name} [{self.metric}]: threshold must be >= 0")


@dataclass(frozen=True, slots=True)
class CompareSettings:
    """How to compare.

    ``method``: ``"mann-whitney+hodges-lehmann"`` (default) or ``"ratio-of-medians"`` (a point estimate
    against the threshold, no test). ``min_samples``: fewer on a side gives ``inconclusive``.
    ``alpha``: family-wise error rate of the suite (per direction of change). ``confidence``: level of
    the change's interval. ``seed``: reserved for resampling methods (the default method is exact and
    draws nothing). ``multiplicity``: ``"holm"`` or ``"none"``. ``min_baseline_runs``: from this many
    baseline runs on, the run-to-run test joins the within-run test. ``machine_shift``: what to do when
    nearly every benchmark of a metric moved by a similar factor: ``"note"`` (the default: say so once,
    with the remedy, and keep every verdict: a change to a core data structure or an interpreter moves
    every benchmark too), ``"inconclusive"`` (also turn the verdicts that moved with it into
    ``inconclusive``), ``"normalize"`` (divide the shift out and judge what is left) or ``"ignore"``
    (interleaved A/B runs, where a shared shift is real). A shift within the run-to-run spread measured
    on the testbed is already absorbed by the run-level test of each verdict. ``noisy_cv``: a robust CV
    above this adds a remedy to the verdict's reason.
    ``severity_rules``: parsed with :func:`perfgate.stats.parse_severity_rules`. ``paired_blocks``:
    judge interleaved A/B pairs (one baseline result, both sides recording each sample's block in
    ``extra["blocks"]``) on their per-block log ratios; other pairs are compared as usual.
    """

    method: str = HL_MANN_WHITNEY
    min_samples: int = 5
    alpha: float = 0.05
    confidence: float = 0.95
    seed: int = 0
    multiplicity: str = "holm"
    min_baseline_runs: int = 3
    machine_shift: str = "note"
    machine_shift_fraction: float = 0.8
    machine_shift_min_benchmarks: int = 5
    noisy_cv: float = 0.10
    severity_rules: tuple[SeverityRule, ...] = ()
    paired_blocks: bool = False

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"unknown comparison method {self.method!r}, expected one of {METHODS}")
        if self.machine_shift not in MACHINE_SHIFT_MODES:
            raise ValueError(
                f"unknown machine_shift {self.machine_shift!r}, expected one of {MACHINE_SHIFT_MODES}"
            )
        if self.multiplicity not in MULTIPLICITY:
            raise ValueError(f"unknown multiplicity {self.multiplicity!r}, expected one of {MULTIPLICITY}")
        if self.min_samples < 1:
            raise ValueError(f"min_samples must be >= 1, got {self.min_samples}")
        if not 0 < self.alpha < 1 or not 0 < self.confidence < 1:
            raise ValueError("alpha and confidence must be in (0, 1)")
        if self.min_baseline_runs < 2:
            raise ValueError(f"min_baseline_runs must be >= 2, got {self.min_baseline_runs}")
        if not 0 < self.machine_shift_fraction <= 1:
            raise ValueError(f"machine_shift_fraction must be in (0, 1], got {self.machine_shift_fraction}")
        if not self.noisy_cv > 0:
            raise ValueError(f"noisy_cv must be > 0, got {self.noisy_cv}")


@dataclass(frozen=True, slots=True)
class SuiteComparison:
    """Verdicts worst first, run-level notes, the method, detected machine shifts and the geomean row."""

    verdicts: tuple[Verdict, ...]
    notes: tuple[str, ...] = field(default=())
    method: str = HL_MANN_WHITNEY
    shifts: tuple[MachineShift, ...] = ()
    geomean: GeomeanChange | None = None


@dataclass(frozen=True, slots=True)
class _Analysis:
    """What the data say about one pair before the suite-level steps (Holm, machine shift, verdict).

    Either ``final`` is set (missing, failed, new, too few samples, degenerate), or ``log_est`` is the
    log ratio current/baseline with an optional interval and optional raw one-sided p-values for "the
    current values are larger" (``p_up``) and "smaller" (``p_down``); :attr:`p_worse` and
    :attr:`p_better` orient them by the metric's direction (each direction is its own family under Holm,
    so each keeps the whole alpha).
    """

    pair: MetricPair
    base: Summary | None
    cur: Summary | None
    final: Verdict | None = None
    log_est: float = 0.0
    log_low: float | None = None
    log_high: float | None = None
    p_up: float | None = None
    p_down: float | None = None
    method: str = HL_MANN_WHITNEY
    notes: tuple[str, ...] = ()

    @property
    def adverse(self) -> float:
        return self.log_est if self.pair.direction is Direction.LOWER else -self.log_est

    @property
    def p_worse(self) -> float | None:
        return self.p_up if self.pair.direction is Direction.LOWER else self.p_down

    @property
    def p_better(self) -> float | None:
        return self.p_down if self.pair.direction is Direction.LOWER else self.p_up


def _verdict(
    p: MetricPair,
    status: Status,
    *,
    baseline: Summary | None = None,
    current: Summary | None = None,
    change: float | None = None,
    change_low: float | None = None,
    change_high: float | None = None,
    p_value: float | None = None,
    threshold: float | None = None,
    method: str = "",
    reason: str | None = None,
) -> Verdict:
    """The verdict on ``p``: its benchmark, metric, unit and direction, with the given findings."""
    return Verdict(
        benchmark=p.benchmark,
        metric=p.metric,
        unit=p.unit,
        direction=p.direction,
        status=status,
        baseline=baseline,
        current=current,
        change=change,
        change_low=change_low,
        change_high=change_high,
        p_value=p_value,
        threshold=threshold,
        method=method,
        reason=reason,
    )


def _pooled_summary(results: Sequence[Result]) -> Summary | None:
    """One summary for several baseline results: pooled samples, or their summaries' medians."""
    ok = [r for r in results if r.error is None and r.summary is not None]
    if not ok:
        return None
    if len(ok) == 1:
        return ok[0].summary
    samples = [s for r in ok for s in r.samples]
    if samples:
        return summarize(samples)
    return summarize([r.summary.median for r in ok if r.summary is not None])


def _ratio_change(base: float, cur: float) -> float | None:
    """``cur / base - 1`` when that is a finite number (None for a zero base or an overflow)."""
    if base == 0:
        return None
    change = cur / base - 1.0  # Python floats: an overflow gives inf, checked here
    return change if math.isfinite(change) else None


def _ratio_verdict(
    p: MetricPair, base: Summary, cur: Summary, reason: str | None = None, method: str = RATIO_OF_MEDIANS
) -> Verdict:
    """The point-estimate verdict: ratio of medians against the threshold, no test, no interval."""
    if base.median == 0:
        if cur.median == 0:
            return _verdict(
                p,
                Status.UNCHANGED,
                baseline=base,
                current=cur,
                change=0.0,
                threshold=p.threshold,
                method=method,
                reason=reason,
            )
        if method == DETERMINISTIC:
            # No noise on either side: from exactly zero to anything else exceeds every relative
            # threshold (a function that kept nothing per call and now leaks).
            grew = cur.median > 0
            adverse = grew if p.direction is Direction.LOWER else not grew
            return _verdict(
                p,
                Status.REGRESSION if adverse else Status.IMPROVEMENT,
                baseline=base,
                current=cur,
                threshold=p.threshold,
                method=method,
                reason=(
                    "every value repeats exactly and the baseline is zero: no ratio, "
                    "any change exceeds the threshold"
                ),
            )
        return _verdict(
            p,
            Status.INCONCLUSIVE,
            baseline=base,
            current=cur,
            threshold=p.threshold,
            method=method,
            reason="baseline median is zero: no relative change",
        )
    change = _ratio_change(base.median, cur.median)
    if change is None:
        return _verdict(
            p,
            Status.INCONCLUSIVE,
            baseline=base,
            current=cur,
            threshold=p.threshold,
            method=method,
            reason="the medians differ too much in size or sign to express a relative change",
        )
    worse = change if p.direction is Direction.LOWER else -change
    if worse > p.threshold:
        status = Status.REGRESSION
    elif worse < -p.threshold:
        status = Status.IMPROVEMENT
    else:
        status = Status.UNCHANGED
    return _verdict(
        p,
        status,
        baseline=base,
        current=cur,
        change=change,
        threshold=p.threshold,
        method=method,
        reason=reason,
    )


def _sample_count(results: Sequence[Result]) -> int:
    return sum(len(r.samples) if r.samples else (r.summary.n if r.summary else 0) for r in results)


def _ok_medians(p: MetricPair) -> list[float]:
    return [r.summary.median for r in p.baseline if r.error is None and r.summary is not None]


def _blocks_of(r: Result) -> list[int] | None:
    """The block of each sample recorded by an interleaved run, or None when absent or malformed."""
    blocks = r.extra.get("blocks")
    if not isinstance(blocks, list | tuple) or len(blocks) != len(r.samples) or not blocks:
        return None
    if not all(isinstance(b, int) and not isinstance(b, bool) for b in blocks):
        return None
    return [int(b) for b in blocks]


def _paired_ratios(ok: Sequence[Result], cur: Result) -> tuple[float, ...] | None:
    """Block log ratios when the pair is one interleaved baseline result and its partner, else None."""
    if len(ok) != 1:
        return None
    base_blocks, cur_blocks = _blocks_of(ok[0]), _blocks_of(cur)
    if base_blocks is None or cur_blocks is None:
        return None
    if any(not v > 0 for v in ok[0].samples) or any(not v > 0 for v in cur.samples):
        return None
    ratios = block_log_ratios(ok[0].samples, base_blocks, cur.samples, cur_blocks)
    return ratios if all(math.isfinite(x) for x in ratios) else None


# Benchmarks whose own run-to-run spreads lie within this factor of each other pool their spreads: an
# I/O-bound benchmark moving ±50% between runs says nothing about a CPU-bound one moving 1% (issue 9).
_SIMILAR_SPREAD = 3.0


def _pooled_spreads(
    pairs: Sequence[MetricPair], settings: CompareSettings
) -> dict[tuple[str, str], tuple[float, int]]:
    """Per (benchmark, metric), the run-to-run spread of log medians pooled over the benchmarks of the
    same metric with enough baseline runs and a similar spread of their own (within a factor of 3)."""
    own: dict[tuple[str, str], tuple[float, int]] = {}
    for p in pairs:
        if len(p.baseline) < settings.min_baseline_runs:
            continue  # (fewer medians still)
        medians = _ok_medians(p)
        if len(medians) >= settings.min_baseline_runs and all(m > 0 for m in medians):
            own[(p.benchmark.name, p.metric)] = log_spread(medians)
    # Each benchmark's group is a run of its metric's spreads in ascending order, [s / 3, 3 s] (for
    # s = 0, the zeros): found by bisection, and pooled from prefix sums. pool_spreads's sums over a
    # group, exactly: the degrees of freedom are integers, and the d s^2 are summed as integers in
    # units of 2^-1074 (every double is a whole number of them), so a group's sum divided by 2^1074
    # is the correctly rounded sum that math.fsum gives. (Comparing each benchmark with every other
    # was quadratic: 10,000 benchmarks with 3 baseline runs took minutes.)
    by_metric: dict[str, list[tuple[float, int]]] = {}
    for (_, metric), v in own.items():
        by_metric.setdefault(metric, []).append(v)
    runs: dict[str, tuple[list[float], list[int], list[int]]] = {}
    for metric, values in by_metric.items():
        values.sort()
        spreads = [sd for sd, _ in values]
        dfs, squares = [0], [0]
        for sd, d in values:
            num, den = (d * sd * sd).as_integer_ratio()
            dfs.append(dfs[-1] + d)
            squares.append(squares[-1] + num * (_UNITS // den))
        runs[metric] = (spreads, dfs, squares)
    out: dict[tuple[str, str], tuple[float, int]] = {}
    for key, (s, _) in own.items():
        spreads, dfs, squares = runs[key[1]]
        lo = bisect_left(spreads, s / _SIMILAR_SPREAD)
        hi = bisect_right(spreads, s * _SIMILAR_SPREAD)
        df = dfs[hi] - dfs[lo]  # >= 1: the group holds the benchmark itself
        out[key] = (math.sqrt((squares[hi] - squares[lo]) / _UNITS / df), df)
    return out


_UNITS = 2**1074  # the smallest double is 2^-1074


@dataclass(frozen=True, slots=True)
class _RankJob:
    """A pair whose analysis waits for its rank tests (:func:`perfgate.stats.ranktest.rank_test` of
    ``base_samples`` and ``cur_samples``, positive values): what completes it in :func:`_ranked`."""

    pair: MetricPair
    base: Summary
    cur: Summary
    base_samples: Sequence[float]
    cur_samples: Sequence[float]
    run_level: RunLevel | None
    run_method: str
    run_note: str


def _analyse(
    p: MetricPair,
    settings: CompareSettings,
    offset: float = 0.0,
    pooled: tuple[float, int] | None = None,
    history: RunSpread | None = None,
) -> _Analysis:
    """Per-pair statistics. ``offset`` (log units) multiplies the current values by ``exp(offset)``;
    ``pooled`` is the suite's run-to-run spread of this metric (see :func:`run_level_test`);
    ``history`` the run-to-run spread of this benchmark measured on the testbed's stored history."""
    a = _prepare(p, settings, offset, pooled, history)
    if isinstance(a, _Analysis):
        return a
    return _ranked(a, rank_test(a.base_samples, a.cur_samples, settings.confidence))


def _analyse_all(
    items: Sequence[tuple[MetricPair, float, tuple[float, int] | None, RunSpread | None]],
    settings: CompareSettings,
) -> list[_Analysis]:
    """:func:`_analyse` of each (pair, offset, pooled, history), the rank tests of all pairs computed
    at once (:func:`perfgate.stats.ranktest.rank_tests`: the same values, without numpy's per-call
    cost on ten values a side, which was most of comparing 10,000 benchmarks)."""
    out: list[_Analysis | None] = [None] * len(items)
    # The common pair (one baseline result, both sides' samples, nothing else to weigh) is recognised
    # by a few checks and its analysis built with the others' at the end, field by field
    # (perfgate.bulk); every other pair takes _prepare.
    fast = settings.method == HL_MANN_WHITNEY and not settings.paired_blocks
    simple: list[tuple[int, MetricPair, Summary, Summary, Sequence[float], Sequence[float]]] = []
    jobs: list[tuple[int, _RankJob]] = []
    for i, (p, offset, pooled, history) in enumerate(items):
        row = _simple_pair(p, settings.min_samples) if fast and not offset and history is None else None
        if row is not None:
            simple.append((i, *row))
            continue
        a = _prepare(p, settings, offset, pooled, history)
        if isinstance(a, _Analysis):
            out[i] = a
        else:
            jobs.append((i, a))
    samples = [(r[4], r[5]) for r in simple] + [(j.base_samples, j.cur_samples) for _, j in jobs]
    tests = rank_tests(samples, settings.confidence)
    for (i, job), rt in zip(jobs, tests[len(simple) :], strict=True):
        out[i] = _ranked(job, rt)
    if simple:
        k = len(simple)
        shifts = [rt.shift for rt in tests[:k]]
        columns = (
            [r[1] for r in simple],
            [r[2] for r in simple],
            [r[3] for r in simple],
            repeat(None),  # final
            [sh.estimate for sh in shifts],
            [sh.low for sh in shifts],
            [sh.high for sh in shifts],
            [rt.p_up for rt in tests[:k]],
            [rt.p_down for rt in tests[:k]],
            repeat(HL_MANN_WHITNEY),
            repeat(()),  # notes
        )
        for (i, *_), a in zip(simple, build(_Analysis, k, columns), strict=True):
            out[i] = a
    return out  # type: ignore[return-value]  # every slot is filled


def _simple_pair(
    p: MetricPair, min_samples: int
) -> tuple[MetricPair, Summary, Summary, Sequence[float], Sequence[float]] | None:
    """``(pair, baseline summary, current summary, baseline samples, current samples)`` when
    :func:`_prepare` (without offset or history, by the default method) would hand ``p`` to the rank
    tests alone: one baseline result and a current one, neither failed, at least ``min_samples``
    samples a side, all positive, not every value repeating exactly; else None (ask _prepare)."""
    cur = p.current
    if cur is None or cur.error is not None or len(p.baseline) != 1:
        return None
    only = p.baseline[0]
    base = only.summary
    xs, ys = only.samples, cur.samples
    if only.error is not None or base is None or cur.summary is None:
        return None
    if len(xs) < min_samples or len(ys) < min_samples or not xs or not ys:
        return None
    low_x, low_y = min(xs), min(ys)
    if not (low_x > 0 and low_y > 0):
        return None
    if len(xs) >= 2 and len(ys) >= 2 and low_x == max(xs) and low_y == max(ys):
        return None  # deterministic: _prepare compares the ratio with the threshold
    # one baseline run: below min_baseline_runs (>= 2) and without history, no run-level test
    return p, base, cur.summary, xs, ys


def _prepare(
    p: MetricPair,
    settings: CompareSettings,
    offset: float,
    pooled: tuple[float, int] | None,
    history: RunSpread | None,
) -> _Analysis | _RankJob:
    """:func:`_analyse` up to the rank tests: the analysis, or the job whose rank tests complete it."""
    base = _pooled_summary(p.baseline)
    cur_res = p.current
    if cur_res is None:
        v = _verdict(p, Status.MISSING, baseline=base, reason="not in the current run")
        return _Analysis(p, base, None, final=v)
    if cur_res.error is not None:
        v = _verdict(p, Status.FAILED, baseline=base, reason=cur_res.error)
        return _Analysis(p, base, None, final=v)
    cur = cur_res.summary
    assert cur is not None  # a Result without an error has a summary
    if base is None:
        reason = "no baseline" if not p.baseline else "failed in every baseline run"
        v = _verdict(p, Status.NEW, current=cur, reason=reason)
        return _Analysis(p, None, cur, final=v)
    ok = [r for r in p.baseline if r.error is None and r.summary is not None]
    scale = math.exp(offset)
    # plain floats: numpy's per-call cost on ten values is what made 10,000 benchmarks slow
    cur_samples = [v * scale for v in cur_res.samples] if offset else cur_res.samples
    # Only a normalised comparison re-describes the current side; otherwise the harness's summary stands.
    if offset and cur_samples:
        cur = summarize(list(cur_samples), cur.ci_level or settings.confidence)
    elif offset:
        cur = replace(
            cur,
            mean=cur.mean * scale,
            median=cur.median * scale,
            min=cur.min * scale,
            max=cur.max * scale,
            stddev=cur.stddev * scale,
            q1=None,
            q3=None,
            ci_low=None,
            ci_high=None,
            ci_level=None,
        )

    if settings.method == RATIO_OF_MEDIANS:
        return _point_analysis(p, base, cur, None)

    ratios = _paired_ratios(ok, cur_res) if settings.paired_blocks and not offset else None
    if ratios is not None:
        return _paired_analysis(p, base, cur, ratios, settings)

    n_base, n_cur = _sample_count(ok), len(cur_res.samples) or cur.n
    base_samples = ok[0].samples if len(ok) == 1 else [s for r in ok for s in r.samples]
    if _repeats_exactly(base_samples, cur_samples) and (history is None or history.spread == 0):
        reason = (
            f"every value repeats exactly ({n_base} in the baseline, {n_cur} now): no noise, "
            "the ratio is compared with the threshold directly"
        )
        return _Analysis(p, base, cur, final=_ratio_verdict(p, base, cur, reason, DETERMINISTIC))

    medians = [r.summary.median for r in ok if r.summary is not None]
    run_level, run_method, run_note = _run_level(medians, cur.median, settings, pooled, history)

    if min(n_base, n_cur) < settings.min_samples:
        if run_level is not None:
            why = f"{_plural(min(n_base, n_cur), 'value')} on a side, too few for a rank test"
            return _run_level_analysis(p, base, cur, run_level, run_method, f"{why}: {run_note}")
        if n_cur <= 1 or all(_sample_count([r]) <= 1 for r in ok):
            reason = (
                "one value per run and no stored history of this testbed to measure its run-to-run "
                "spread: ratio of medians against the threshold, without a test"
            )
            return _point_analysis(p, base, cur, reason)
        side, n = ("current run", n_cur) if n_cur < settings.min_samples else ("baseline", n_base)
        change = _ratio_change(base.median, cur.median)
        v = _verdict(
            p,
            Status.INCONCLUSIVE,
            baseline=base,
            current=cur,
            change=change,
            threshold=p.threshold,
            method=settings.method,
            reason=(
                f"only {_plural(n, 'sample')} in the {side}, need {settings.min_samples} for a rank test "
                "(or 3 earlier runs of this testbed to measure its run-to-run spread)"
            ),
        )
        return _Analysis(p, base, cur, final=v)

    have_samples = len(cur_samples) > 0 and len(base_samples) > 0
    positive = have_samples and min(cur_samples) > 0 and min(base_samples) > 0

    if positive:
        return _RankJob(p, base, cur, base_samples, cur_samples, run_level, run_method, run_note)
    why = "no samples" if not have_samples else "non-positive values"
    if run_level is not None:
        return _run_level_analysis(p, base, cur, run_level, run_method, f"{why}: {run_note}")
    return _point_analysis(p, base, cur, f"{why}: ratio of medians against the threshold, without a test")


def _ranked(job: _RankJob, rt: RankTest) -> _Analysis:
    """The analysis of a pair from its rank tests, joined by the run-level test when there is one."""
    p, base, cur, shift = job.pair, job.base, job.cur, rt.shift
    run_level, run_method, run_note = job.run_level, job.run_method, job.run_note
    # One-sided tests, "current values larger" and "smaller", mapped onto worse/better by _Analysis.
    p_up, p_down = rt.p_up, rt.p_down
    if run_level is None:
        return _Analysis(
            p,
            base,
            cur,
            log_est=shift.estimate,
            log_low=shift.low,
            log_high=shift.high,
            p_up=p_up,
            p_down=p_down,
            method=HL_MANN_WHITNEY,
        )
    low = None if shift.low is None else min(shift.low, run_level.low)
    high = None if shift.high is None else max(shift.high, run_level.high)
    return _Analysis(
        p,
        base,
        cur,
        log_est=shift.estimate,
        log_low=low,
        log_high=high,
        # Intersection-union: a change must show both within the run and against the spread of runs.
        p_up=max(p_up, run_level.p_up),
        p_down=max(p_down, run_level.p_down),
        method=f"{HL_MANN_WHITNEY}+{run_method}",
        notes=(f"{run_note}: tested within the run and against the spread of runs",),
    )


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _repeats_exactly(base: Sequence[float], cur: Sequence[float]) -> bool:
    """Each side has at least two samples and every sample on a side is the same value (samples are
    finite: the model refuses NaN, so the smallest equals the largest exactly when all are equal)."""
    return len(base) >= 2 and len(cur) >= 2 and min(base) == max(base) and min(cur) == max(cur)


def _run_level(
    medians: Sequence[float],
    current: float,
    settings: CompareSettings,
    pooled: tuple[float, int] | None,
    history: RunSpread | None,
) -> tuple[RunLevel | None, str, str]:
    """The run-level test that applies, its method name and a note for the reason (or None, "", "").

    From ``min_baseline_runs`` baseline runs on: their medians' spread (or the history's, or the
    suite's pooled one, when larger). With fewer baseline runs: the history's spread, when there is one.
    """
    if current <= 0 or not medians or any(m <= 0 for m in medians):
        return None, "", ""
    k = len(medians)
    if k >= settings.min_baseline_runs:
        spread = (history.spread, history.df) if history is not None else pooled
        rl = run_level_test(medians, current, settings.confidence, spread)
        used = f"{math.expm1(rl.spread):.1%}"
        note = (
            f"baseline of {k} runs, run-to-run spread {used}"
            if history is None
            # one part (no "; "): reports split reasons there, and the spread was said twice
            else f"baseline of {k} runs, judged against the larger of their own run-to-run spread and "
            f"the testbed's {history.describe()}: {used}"
        )
        return rl, RUN_LEVEL, note
    if history is not None:
        rl = prediction_test(medians, current, history.spread, history.df, settings.confidence)
        runs = "1 run" if k == 1 else f"{k} runs"
        note = f"baseline of {runs}, judged against the testbed's {history.describe()}"
        return rl, HISTORY_T, note
    return None, "", ""


def _run_level_analysis(
    p: MetricPair, base: Summary, cur: Summary, rl: RunLevel, method: str, note: str
) -> _Analysis:
    return _Analysis(
        p,
        base,
        cur,
        log_est=rl.shift,
        log_low=rl.low,
        log_high=rl.high,
        p_up=rl.p_up,
        p_down=rl.p_down,
        method=method,
        notes=(note,),
    )


def _paired_analysis(
    p: MetricPair, base: Summary, cur: Summary, ratios: Sequence[float], settings: CompareSettings
) -> _Analysis:
    """The block-paired analysis of an interleaved pair (see :mod:`perfgate.stats.paired`)."""
    if len(ratios) < settings.min_samples:
        v = _verdict(
            p,
            Status.INCONCLUSIVE,
            baseline=base,
            current=cur,
            change=_ratio_change(base.median, cur.median),
            threshold=p.threshold,
            method=PAIRED_BLOCKS,
            reason=f"only {_plural(len(ratios), 'paired block')}, need {settings.min_samples}",
        )
        return _Analysis(p, base, cur, final=v)
    pc = paired_change(ratios, settings.confidence)
    return _Analysis(
        p,
        base,
        cur,
        log_est=pc.estimate,
        log_low=pc.low,
        log_high=pc.high,
        p_up=pc.p_up,
        p_down=pc.p_down,
        method=PAIRED_BLOCKS,
        notes=(f"{pc.blocks} paired blocks",),
    )


def _point_analysis(
    p: MetricPair, base: Summary, cur: Summary, reason: str | None, method: str = RATIO_OF_MEDIANS
) -> _Analysis:
    if base.median > 0 and cur.median > 0:
        return _Analysis(
            p,
            base,
            cur,
            log_est=math.log(cur.median) - math.log(base.median),
            method=method,
            notes=(reason,) if reason else (),
        )
    return _Analysis(p, base, cur, final=_ratio_verdict(p, base, cur, reason, method))


def _expressible(log_ratio: float | None) -> bool:
    """Whether ``exp(log_ratio) - 1`` is a finite float (None counts: it is simply absent)."""
    return log_ratio is None or (math.isfinite(log_ratio) and log_ratio < 700.0)


def _pct(x: float) -> str:
    return f"{x:+.1%}"


def _decide(
    a: _Analysis, p_worse: float | None, p_better: float | None, settings: CompareSettings, corrected: bool
) -> Verdict:
    """Turn one analysis and its multiplicity-adjusted p-values into a verdict (see the module docstring)."""
    if a.final is not None:
        return a.final
    pair = a.pair
    status, change, low, high, p_value, reason = _decision(a, p_worse, p_better, settings, corrected)
    return _verdict(
        pair,
        status,
        baseline=a.base,
        current=a.cur,
        change=change,
        change_low=low,
        change_high=high,
        p_value=p_value,
        threshold=pair.threshold,
        method=a.method,
        reason=reason,
    )


_TOO_FAR_APART = "the values differ by too many orders of magnitude to express the change"
_Decision: TypeAlias = tuple[Status, float | None, float | None, float | None, float | None, str | None]


def _decision(
    a: _Analysis, p_worse: float | None, p_better: float | None, settings: CompareSettings, corrected: bool
) -> _Decision:
    """What :func:`_decide` finds for an analysis without a final verdict: (status, change, its low and
    high ends, p-value, reason)."""
    pair = a.pair
    est, lo, hi = a.log_est, a.log_low, a.log_high
    if not (_expressible(est) and _expressible(lo) and _expressible(hi)):
        return Status.INCONCLUSIVE, None, None, None, None, _TOO_FAR_APART
    t = math.log1p(pair.threshold)
    lower = pair.direction is Direction.LOWER
    adv = a.adverse
    p_adj = p_worse if adv >= 0 else p_better
    if p_adj is None:
        # Point estimate only (ratio of medians): the threshold alone decides, as it always did.
        if adv > t:
            status = Status.REGRESSION
        elif adv < -t:
            status = Status.IMPROVEMENT
        else:
            status = Status.UNCHANGED
    elif adv > t and p_worse is not None and p_worse < settings.alpha:
        status = Status.REGRESSION
    elif adv < -t and p_better is not None and p_better < settings.alpha:
        status = Status.IMPROVEMENT
    elif lo is not None and hi is not None and -t <= (lo if lower else -hi) and (hi if lower else -lo) <= t:
        status = Status.UNCHANGED
    else:
        return _inconclusive(a, p_adj, settings, corrected)
    reason = "; ".join(a.notes) if a.notes else None
    return (
        status,
        math.expm1(est),
        None if lo is None else math.expm1(lo),
        None if hi is None else math.expm1(hi),
        p_adj,
        reason or None,
    )


def _inconclusive(a: _Analysis, p_adj: float, settings: CompareSettings, corrected: bool) -> _Decision:
    """The inconclusive decision, with the reason why."""
    pair = a.pair
    est, lo, hi = a.log_est, a.log_low, a.log_high
    t = math.log1p(pair.threshold)
    adv = a.adverse
    reasons = list(a.notes)
    after = " after Holm" if corrected else ""
    if lo is None or hi is None:
        reasons.append(f"too few samples for a {settings.confidence:.0%} interval of the change")
    elif abs(adv) > t:
        reasons.append(
            f"change {_pct(math.expm1(est))} is beyond the ±{pair.threshold:.1%} threshold "
            f"but not significant (p = {p_adj:.2g}{after}): more samples would decide"
        )
    else:
        reasons.append(
            f"interval [{_pct(math.expm1(lo))}, {_pct(math.expm1(hi))}] reaches beyond the "
            f"±{pair.threshold:.1%} threshold: more samples would narrow it"
        )
    return (
        Status.INCONCLUSIVE,
        math.expm1(est),
        None if lo is None else math.expm1(lo),
        None if hi is None else math.expm1(hi),
        p_adj,
        "; ".join(reasons) or None,
    )


def _finish(v: Verdict, settings: CompareSettings) -> Verdict:
    """Add the noise remedy to the reason and the severity from the rules."""
    if v.status in (Status.REGRESSION, Status.IMPROVEMENT, Status.UNCHANGED, Status.INCONCLUSIVE):
        note = noise_note(v.baseline, v.current, settings.noisy_cv)
        if note is not None:
            v = replace(v, reason=f"{v.reason}; {note}" if v.reason else note)
    severity = severity_of(v, settings.severity_rules)
    if severity is not None:
        v = replace(v, severity=severity)
    return v


_MOVED = (Status.REGRESSION, Status.IMPROVEMENT)


def _decide_all(
    analyses: Sequence[_Analysis],
    worse: Mapping[int, float],
    better: Mapping[int, float],
    settings: CompareSettings,
    corrected: bool,
    by_metric: Mapping[str, MachineShift],
) -> list[Verdict]:
    """For each analysis (by position): :func:`_decide` with its adjusted p-values, then, with
    ``machine_shift = "inconclusive"``, a regression or improvement that moved with its metric's
    machine shift made inconclusive, then :func:`_finish`. The same verdicts as that sequence, the
    decided ones built together at the end (perfgate.bulk) after their checks, column-wise."""
    out: list[Verdict | None] = [None] * len(analyses)
    rows: list[tuple[int, _Analysis, _Decision]] = []
    shift_mode = settings.machine_shift == "inconclusive"
    for i, a in enumerate(analyses):
        if a.final is not None:
            out[i] = _finish(a.final, settings)
            continue
        decided = _decision(a, worse.get(i), better.get(i), settings, corrected)
        status, change, low, high, p_value, reason = decided
        if shift_mode and status in _MOVED:
            ms = by_metric.get(a.pair.metric)
            if ms is not None and ms.includes(a.adverse):
                status = Status.INCONCLUSIVE
                reason = "; ".join(x for x in (ms.describe(), reason) if x)
        # _finish: a decided verdict is always one of the four compared statuses
        note = noise_note(a.base, a.cur, settings.noisy_cv)
        if note is not None:
            reason = f"{reason}; {note}" if reason else note
        rows.append((i, a, (status, change, low, high, p_value, reason)))
    pairs = [a.pair for _, a, _ in rows]
    thresholds = [p.threshold for p in pairs]
    p_values = [d[4] for _, _, d in rows]
    numbers = [x for _, _, d in rows for x in d[1:5] if x is not None]
    # (an overflowing sum of finite numbers only sends them through the constructor)
    checked = math.isfinite(sum(thresholds) + sum(numbers)) and all(
        0.0 <= p <= 1.0 for p in p_values if p is not None
    )
    if checked:  # what Verdict.__post_init__ checks: finite numbers, a p-value in [0, 1]
        verdicts = build(
            Verdict,
            len(rows),
            (
                [p.benchmark for p in pairs],
                [p.metric for p in pairs],
                [p.unit for p in pairs],
                [p.direction for p in pairs],
                [d[0] for _, _, d in rows],
                [a.base for _, a, _ in rows],
                [a.cur for _, a, _ in rows],
                [d[1] for _, _, d in rows],
                [d[2] for _, _, d in rows],
                [d[3] for _, _, d in rows],
                p_values,
                thresholds,
                [a.method for _, a, _ in rows],
                repeat(None),  # severity, below
                [d[5] for _, _, d in rows],
            ),
        )
    else:  # the checked constructor, in order: the first bad one raises its own error
        verdicts = [
            _verdict(
                a.pair,
                d[0],
                baseline=a.base,
                current=a.cur,
                change=d[1],
                change_low=d[2],
                change_high=d[3],
                p_value=d[4],
                threshold=a.pair.threshold,
                method=a.method,
                reason=d[5],
            )
            for _, a, d in rows
        ]
    for (i, _, _), v in zip(rows, verdicts, strict=True):
        if settings.severity_rules and (severity := severity_of(v, settings.severity_rules)) is not None:
            v = replace(v, severity=severity)
        out[i] = v
    return out  # type: ignore[return-value]  # every slot is filled


def compare_pair(
    p: MetricPair, settings: CompareSettings = CompareSettings(), history: RunSpread | None = None
) -> Verdict:
    """The verdict on one benchmark and metric on its own (no multiplicity correction, no shift check);
    ``history``: its run-to-run spread on the testbed (:func:`perfgate.stats.history_spreads`)."""
    a = _analyse(p, settings, history=history)
    return _finish(_decide(a, a.p_worse, a.p_better, settings, corrected=False), settings)


_ORDER = {
    Status.FAILED: 0,
    Status.REGRESSION: 1,
    Status.INCONCLUSIVE: 2,
    Status.MISSING: 3,
    Status.NEW: 4,
    Status.IMPROVEMENT: 5,
    Status.UNCHANGED: 6,
}


def verdict_sort_key(v: Verdict) -> tuple[int, float, str, str]:
    """Worst first; within a status, the largest adverse change first; then by name."""
    adverse = 0.0
    if v.change is not None:
        adverse = v.change if v.direction is Direction.LOWER else -v.change
    return (_ORDER[v.status], -adverse, v.benchmark.name, v.metric)


def _shifts(analyses: Sequence[_Analysis], settings: CompareSettings) -> list[MachineShift]:
    by_metric: dict[str, list[_Analysis]] = {}
    for a in analyses:
        if a.final is None and _expressible(a.log_est):
            by_metric.setdefault(a.pair.metric, []).append(a)
    found = []
    for metric in sorted(by_metric):
        group = by_metric[metric]
        thresholds = sorted(math.log1p(a.pair.threshold) for a in group)
        shift = detect_machine_shift(
            metric,
            [(a.pair.benchmark.name, a.adverse) for a in group],
            thresholds[len(thresholds) // 2],
            settings.machine_shift_min_benchmarks,
            settings.machine_shift_fraction,
        )
        if shift is not None:
            found.append(shift)
    return found


def _wall_without_cpu(verdicts: list[Verdict]) -> list[Verdict]:
    """A ``time`` regression whose benchmark's ``cpu_time`` did not move says so in its reason: the wall
    clock ran while the code did not, which is what a contended machine (or waiting on I/O) looks like."""
    cpu = {v.benchmark.name: v for v in verdicts if v.metric == "cpu_time"}
    if not cpu:
        return verdicts
    out = []
    for v in verdicts:
        c = cpu.get(v.benchmark.name)
        if v.metric == "time" and v.status is Status.REGRESSION and c is not None and c.change is not None:
            adverse = c.change if c.direction is Direction.LOWER else -c.change
            if c.status is Status.UNCHANGED or abs(adverse) <= (c.threshold or 0.0):
                note = (
                    f"cpu_time did not move ({_pct(c.change)}): the wall time may have waited on a "
                    "contended machine or on I/O; rerun on a quiet machine or compare with `perfgate ab`"
                )
                v = replace(v, reason=f"{v.reason}; {note}" if v.reason else note)
        out.append(v)
    return out


def compare_suite(
    pairs: Sequence[MetricPair],
    settings: CompareSettings = CompareSettings(),
    spreads: Mapping[tuple[str, str], RunSpread] | None = None,
) -> SuiteComparison:
    """Verdicts for a whole suite, worst first. Deterministic for the same inputs.

    ``spreads``: per (benchmark name, metric), the run-to-run spread measured on the testbed's stored
    history (:func:`perfgate.stats.history_spreads`); with it, a baseline of one or two runs, or one value
    per run, is judged against that spread instead of the noise within the runs alone.
    """
    spreads = spreads or {}
    pooled = _pooled_spreads(pairs, settings)
    keys = [(p.benchmark.name, p.metric) for p in pairs]
    analyses = _analyse_all(
        [(p, 0.0, pooled.get(k), spreads.get(k)) for p, k in zip(pairs, keys, strict=True)], settings
    )
    notes: list[str] = []
    shifts: list[MachineShift] = []
    if settings.machine_shift != "ignore":
        shifts = _shifts(analyses, settings)
    by_metric = {s.metric: s for s in shifts}
    for s in shifts:
        if settings.machine_shift == "normalize":
            notes.append(f"{s.describe()}; verdicts of [{s.metric}] are judged after dividing it out")
        elif settings.machine_shift == "inconclusive":
            notes.append(f"{s.describe()}; verdicts that moved with it are inconclusive")
        else:
            notes.append(s.describe())
    if settings.machine_shift == "normalize" and shifts:
        again = []  # (position, pair, offset, pooled, history, note) of each analysis judged again
        for i, a in enumerate(analyses):
            ms = by_metric.get(a.pair.metric)
            if ms is None or a.final is not None:
                continue
            value_shift = ms.log_shift if a.pair.direction is Direction.LOWER else -ms.log_shift
            key = (a.pair.benchmark.name, a.pair.metric)
            note = f"judged relative to the run-wide shift of {_pct(ms.change)}"
            again.append((i, a.pair, -value_shift, pooled.get(key), spreads.get(key), note))
        redone = _analyse_all([(p, off, pl, h) for _, p, off, pl, h, _ in again], settings)
        for (i, *_, note), b in zip(again, redone, strict=True):
            analyses[i] = replace(b, notes=(*b.notes, note))

    # Regressions and improvements are separate families: each is controlled at alpha on its own.
    tested = [i for i, a in enumerate(analyses) if a.final is None]
    worse = {i: pw for i in tested if (pw := analyses[i].p_worse) is not None}
    better = {i: pb for i in tested if (pb := analyses[i].p_better) is not None}
    corrected = settings.multiplicity == "holm" and len(worse) > 1
    if corrected:
        worse = dict(zip(worse, holm(list(worse.values())), strict=True))
        better = dict(zip(better, holm(list(better.values())), strict=True))

    verdicts = _wall_without_cpu(_decide_all(analyses, worse, better, settings, corrected, by_metric))
    verdicts.sort(key=verdict_sort_key)
    return SuiteComparison(
        verdicts=tuple(verdicts),
        notes=tuple(notes),
        method=settings.method,
        shifts=tuple(shifts),
        geomean=geomean_change(verdicts, settings.confidence),
    )
