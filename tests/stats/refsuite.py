"""The gate's per-benchmark path as it was before it was computed column by column (perfgate 0.x,
session 7): the reference that the property tests in ``test_columns.py`` hold the fast path equal to,
bit for bit. Copied from ``perfgate.stats.compare`` and ``perfgate.gate.evaluate``; the helpers that
did not change are imported from there.

Each benchmark's rank tests on their own (:func:`perfgate.stats.ranktest.rank_test`, the definition),
each analysis, decision and finishing touch one benchmark at a time, each value built by its
checked constructor.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace

from perfgate.gate.policy import Policy
from perfgate.model import Direction, Result, Run, Status, Summary, Verdict
from perfgate.stats.compare import (
    _SIMILAR_SPREAD,
    CompareSettings,
    MetricPair,
    SuiteComparison,
    _analyse,
    _Analysis,
    _expressible,
    _ok_medians,
    _pct,
    _verdict,
    verdict_sort_key,
)
from perfgate.stats.geomean import geomean_change
from perfgate.stats.history import RunSpread
from perfgate.stats.machine import MachineShift, detect_machine_shift
from perfgate.stats.runlevel import log_spread, pool_spreads
from perfgate.stats.severity import severity_of

__all__ = ["compare_suite", "holm", "pair_results"]


def holm(p_values: Sequence[float]) -> tuple[float, ...]:
    m = len(p_values)
    for p in p_values:
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"p-values must be in [0, 1], got {p!r}")
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return tuple(adjusted)


def _analyse_all_by_pair(
    items: Sequence[tuple[MetricPair, float, tuple[float, int] | None, RunSpread | None]],
    settings: CompareSettings,
) -> list[_Analysis]:
    return [_analyse(p, settings, offset, pooled, history) for p, offset, pooled, history in items]


def pair_results(current: Run, baselines: Sequence[Run], policy: Policy) -> list[MetricPair]:
    """One MetricPair per (benchmark, metric) in the current run or any baseline run."""
    # One lookup table per run: Run.result() scans, and a scan per key is quadratic in the run's size.
    # A run holds each key once, so the current run's table is also its order; then what only the
    # baseline runs hold, in their order, each described by its first result.
    now = {r.key: r for r in current.results}
    before = [{r.key: r for r in b.results} for b in baselines]
    first = dict(now)
    for table in before:
        for key, r in table.items():
            first.setdefault(key, r)
    # Without overrides a threshold depends on the metric alone: looked up once per metric.
    thresholds: dict[str, float] = {}
    pairs = []
    for key, ref in first.items():
        if len(before) == 1:
            only = before[0].get(key)
            base: tuple[Result, ...] = () if only is None else (only,)
        else:
            base = tuple(res for b in before if (res := b.get(key)) is not None)
        threshold = None if policy.overrides else thresholds.get(key[1])
        if threshold is None:
            threshold = policy.threshold(key[0], key[1])
            if not policy.overrides:
                thresholds[key[1]] = threshold
        pairs.append(
            MetricPair(
                benchmark=ref.benchmark,
                metric=ref.metric,
                unit=ref.unit,
                direction=ref.direction,
                baseline=base,
                current=now.get(key),
                threshold=threshold,
            )
        )
    return pairs


def _decide(
    a: _Analysis, p_worse: float | None, p_better: float | None, settings: CompareSettings, corrected: bool
) -> Verdict:
    """Turn one analysis and its multiplicity-adjusted p-values into a verdict (see the module docstring)."""
    if a.final is not None:
        return a.final
    pair = a.pair
    if not all(_expressible(x) for x in (a.log_est, a.log_low, a.log_high)):
        return _verdict(
            pair,
            Status.INCONCLUSIVE,
            baseline=a.base,
            current=a.cur,
            threshold=pair.threshold,
            method=a.method,
            reason="the values differ by too many orders of magnitude to express the change",
        )
    t = math.log1p(pair.threshold)
    adv = a.adverse
    p_adj = p_worse if adv >= 0 else p_better
    lo, hi = a.log_low, a.log_high
    if lo is not None and hi is not None:
        adv_lo, adv_hi = (lo, hi) if pair.direction is Direction.LOWER else (-hi, -lo)
    reasons = list(a.notes)
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
    elif lo is not None and hi is not None and -t <= adv_lo and adv_hi <= t:
        status = Status.UNCHANGED
    else:
        status = Status.INCONCLUSIVE
        after = " after Holm" if corrected else ""
        if lo is None or hi is None:
            reasons.append(f"too few samples for a {settings.confidence:.0%} interval of the change")
        elif abs(adv) > t:
            reasons.append(
                f"change {_pct(math.expm1(a.log_est))} is beyond the ±{pair.threshold:.1%} threshold "
                f"but not significant (p = {p_adj:.2g}{after}): more samples would decide"
            )
        else:
            reasons.append(
                f"interval [{_pct(math.expm1(lo))}, {_pct(math.expm1(hi))}] reaches beyond the "
                f"±{pair.threshold:.1%} threshold: more samples would narrow it"
            )
    return _verdict(
        pair,
        status,
        baseline=a.base,
        current=a.cur,
        change=math.expm1(a.log_est),
        change_low=None if lo is None else math.expm1(lo),
        change_high=None if hi is None else math.expm1(hi),
        p_value=p_adj,
        threshold=pair.threshold,
        method=a.method,
        reason="; ".join(reasons) or None,
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


def compare_suite(
    pairs: Sequence[MetricPair],
    settings: CompareSettings,
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
    analyses = _analyse_all_by_pair(
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
        redone = _analyse_all_by_pair([(p, off, pl, h) for _, p, off, pl, h, _ in again], settings)
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

    verdicts = []
    for i, a in enumerate(analyses):
        v = _decide(a, worse.get(i), better.get(i), settings, corrected)
        ms = by_metric.get(a.pair.metric)
        if (
            settings.machine_shift == "inconclusive"
            and ms is not None
            and a.final is None
            and v.status in (Status.REGRESSION, Status.IMPROVEMENT)
            and ms.includes(a.adverse)
        ):
            reason = "; ".join(x for x in (ms.describe(), v.reason) if x)
            v = replace(v, status=Status.INCONCLUSIVE, reason=reason)
        verdicts.append(_finish(v, settings))
    verdicts = _wall_without_cpu(verdicts)
    verdicts.sort(key=verdict_sort_key)
    return SuiteComparison(
        verdicts=tuple(verdicts),
        notes=tuple(notes),
        method=settings.method,
        shifts=tuple(shifts),
        geomean=geomean_change(verdicts, settings.confidence),
    )


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


def robust_cv(s: Summary | None) -> float | None:
    """Spread relative to the centre: IQR/1.349 over the median when quartiles are known, else sd/mean.

    The quartile form ignores a few outliers (they are counted in ``Summary.outliers`` and handled by the
    rank tests); it measures how wide the bulk of the distribution is, which is what costs power.
    """
    if s is None:
        return None
    cv: float | None
    if s.q1 is not None and s.q3 is not None and s.median > 0 and s.n >= 4:
        cv = (s.q3 - s.q1) / 1.349 / s.median
    else:
        cv = s.cv
    # Spreads beyond the float range (values near its limits) say nothing useful.
    return cv if cv is not None and math.isfinite(cv) else None


def noise_note(baseline: Summary | None, current: Summary | None, limit: float) -> str | None:
    """A remedy-carrying note when either side's CV is above ``limit`` (None when both are fine)."""
    cvs = [c for c in (robust_cv(baseline), robust_cv(current)) if c is not None]
    if not cvs or max(cvs) <= limit:
        return None
    return (
        f"noisy: CV {max(cvs):.0%} (limit {limit:.0%}): more rounds or process isolation "
        "(pin the CPU, quiet the machine) would sharpen this verdict"
    )


def _pooled_spreads(
    pairs: Sequence[MetricPair], settings: CompareSettings
) -> dict[tuple[str, str], tuple[float, int]]:
    """Per (benchmark, metric), the run-to-run spread of log medians pooled over the benchmarks of the
    same metric with enough baseline runs and a similar spread of their own (within a factor of 3)."""
    own: dict[tuple[str, str], tuple[float, int]] = {}
    for p in pairs:
        medians = _ok_medians(p)
        if len(medians) >= settings.min_baseline_runs and all(m > 0 for m in medians):
            own[(p.benchmark.name, p.metric)] = log_spread(medians)
    out: dict[tuple[str, str], tuple[float, int]] = {}
    for key, (s, _) in own.items():
        group = [
            v
            for k, v in own.items()
            if k[1] == key[1]
            and (v[0] == s if s == 0 else s / _SIMILAR_SPREAD <= v[0] <= s * _SIMILAR_SPREAD)
        ]
        if (pooled := pool_spreads(group)) is not None:
            out[key] = pooled
    return out
