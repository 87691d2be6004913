"""Apply a policy to a run and its baseline runs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from perfgate.bulk import build
from perfgate.gate.outcome import SUBSET_TAG, BudgetCheck, Outcome
from perfgate.gate.policy import Policy, matches
from perfgate.gate.shards import only_what_it_ran
from perfgate.model import Result, Run, Status, Verdict
from perfgate.stats import (
    DETERMINISTIC,
    HISTORY_T,
    RUN_LEVEL,
    CompareSettings,
    MetricPair,
    RunSpread,
    compare_suite,
    history_spreads,
)

__all__ = [
    "ONE_BASELINE_NOTE",
    "check_budgets",
    "evaluate",
    "history_series",
    "lost_benchmarks",
    "pair_results",
]

ONE_BASELINE_NOTE = (
    "one baseline run: the test sees the noise within each run, not between runs, and on a shared "
    "machine whole runs differ by a few percent (docs/measurement.md); confirm a change against 3 or "
    "more baseline runs or with `perfgate ab`"
)


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
    keys = list(first)
    refs = list(first.values())
    if len(before) == 1:
        table = before[0]
        bases: list[tuple[Result, ...]] = [() if (only := table.get(k)) is None else (only,) for k in keys]
    else:
        bases = [tuple(res for b in before if (res := b.get(key)) is not None) for key in keys]
    if policy.overrides:
        thresholds = [policy.threshold(name, metric) for name, metric in keys]
    else:
        # Without overrides a threshold depends on the metric alone: looked up once per metric.
        per_metric: dict[str, float] = {}
        for name, metric in keys:
            if metric not in per_metric:
                per_metric[metric] = policy.threshold(name, metric)
        thresholds = [per_metric[metric] for _, metric in keys]
    columns = (
        [r.benchmark for r in refs],
        [r.metric for r in refs],
        [r.unit for r in refs],
        [r.direction for r in refs],
        bases,
        list(map(now.get, keys)),
        thresholds,
    )
    if all(t >= 0 for t in thresholds):  # MetricPair's own check, column-wise: built field by field
        return build(MetricPair, len(keys), columns)
    return [MetricPair(*fields) for fields in zip(*columns, strict=True)]  # raises MetricPair's error


def history_series(current: Run, history: Sequence[Run]) -> dict[tuple[str, str], list[float]]:
    """Per (benchmark, metric) of the current run, its medians in the ``history`` runs (newest first),
    skipping runs where it failed or is absent."""
    series: dict[tuple[str, str], list[float]] = {}
    for r in current.results:
        medians = [
            h.summary.median
            for run in history
            if (h := run.result(*r.key)) is not None and h.error is None and h.summary is not None
        ]
        series.setdefault(r.key, medians)
    return series


def check_budgets(run: Run, policy: Policy) -> tuple[list[BudgetCheck], list[str]]:
    """Every budget against every result it matches, and one note naming the budgets that matched nothing.

    A budget that matches nothing does not fail the gate: a run of a subset (``-k``, a tier) is normal,
    and a renamed benchmark already shows as missing and new among the verdicts. So it is one line of
    notes however many there are, not a line each.
    """
    checks = []
    unmatched = []
    for b in policy.budgets:
        hits = [r for r in run.results if r.metric == b.metric and matches(b.pattern, r.benchmark.name)]
        if not hits:
            unmatched.append(b.rule)
        for r in hits:
            value = b.value_of(r.summary)
            ok = value is not None and b.within(value, b.limit)
            # no value misses both levels: it is critical (level), never merely a missed target
            met = b.warn is None or (value is not None and b.within(value, b.warn))
            checks.append(
                BudgetCheck(r.benchmark.name, b.metric, b.op, b.limit, b.unit, value, ok, b.rule, b.warn, met)
            )
    if len(unmatched) == 1:
        return checks, [f"budget '{unmatched[0]}' matched no benchmark in this run: not checked"]
    if unmatched:
        rules = ", ".join(f"'{r}'" for r in unmatched)
        return checks, [f"{len(unmatched)} budgets matched no benchmark in this run, not checked: {rules}"]
    return checks, []


def lost_benchmarks(
    current: Run, baselines: Sequence[Run], verdicts: Sequence[Verdict]
) -> tuple[tuple[Verdict, ...], list[str]]:
    """The missing verdicts that fail the gate, with the reason said, and a note when there are any.

    A benchmark the newest baseline run measured (without an error) and ``current`` lacks is lost: a
    harness killed half-way, a test module that stopped importing. A subset baseline run does not say
    what the suite holds: then the newest baseline run that is not a subset counts too. Not when
    ``current`` is a deliberate subset (tagged :data:`SUBSET_TAG`), nor for what only older baseline
    runs had (a benchmark removed on purpose fails once, on the commit that removes it, not after).
    """
    if not baselines or SUBSET_TAG in current.tags:
        return (), []
    # what the newest complete-suite baseline run measured, and any subset run newer than it
    expected: set[tuple[str, str]] = set()
    for b in baselines:
        expected.update(r.key for r in b.results if r.error is None)
        if SUBSET_TAG not in b.tags:
            break
    # A benchmark still in this run that no longer reports a metric (Go without -benchmem, a file format
    # without cpu_time) was measured: its missing metric is shown, with a note, and does not fail.
    present = {r.benchmark.name for r in current.results}
    missing = [v for v in verdicts if v.status is Status.MISSING and v.key in expected]
    lost = tuple(
        replace(v, reason="in the baseline, not in this run")
        for v in missing
        if v.benchmark.name not in present
    )
    dropped = sorted({v.metric for v in missing if v.benchmark.name in present})
    dropped_notes = (
        [
            f"{sum(v.benchmark.name in present for v in missing)} metric(s) of benchmarks still in this run "
            f"are not reported by it ({', '.join(dropped)}): shown as missing, not judged"
        ]
        if dropped
        else []
    )
    if not lost:
        return (), dropped_notes
    names = sorted({v.benchmark.name for v in lost})
    shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    note = (
        f"{len(names)} benchmark(s) of the baseline are missing from this run ({shown}): the gate fails; "
        "a run of a deliberate subset says so (`perfgate run -- -k ...`, or `--subset`)"
    )
    return lost, [note, *dropped_notes]


def evaluate(
    current: Run,
    baselines: Sequence[Run],
    policy: Policy,
    settings: CompareSettings | None = None,
    notes: Sequence[str] = (),
    history: Sequence[Run] = (),
) -> Outcome:
    """The gate's decision: verdicts against the baseline runs, budget checks, and notes.

    ``history``: earlier runs of the same project, testbed and tier on the main branch (newest first);
    their successive differences measure the machine's run-to-run spread per benchmark
    (:func:`perfgate.stats.history_spreads`), against which a baseline of one or two runs, or one value
    per run, is judged.
    """
    settings = settings or CompareSettings()
    baselines, shard_notes = only_what_it_ran(current, baselines)
    notes = (*notes, *shard_notes)
    spreads: dict[tuple[str, str], RunSpread] = (
        history_spreads(history_series(current, history)) if history else {}
    )
    suite = compare_suite(pair_results(current, baselines, policy), settings, spreads)
    budgets, unmatched = check_budgets(current, policy)
    # Verdicts judged without a model of the run-to-run noise: a deterministic value has none, and the
    # history and run-level tests already account for it.
    moved = any(
        v.status in (Status.REGRESSION, Status.IMPROVEMENT)
        and v.method != DETERMINISTIC
        and not v.method.endswith((HISTORY_T, RUN_LEVEL))
        for v in suite.verdicts
    )
    if len(baselines) == 1 and moved and not settings.paired_blocks:
        notes = (*notes, ONE_BASELINE_NOTE)
    lost, lost_notes = lost_benchmarks(current, baselines, suite.verdicts)
    by_key = {v.key: v for v in lost}
    verdicts = tuple(by_key.get(v.key, v) if v.status is Status.MISSING else v for v in suite.verdicts)
    return Outcome(
        run=current,
        baseline_ids=tuple(b.id for b in baselines),
        verdicts=verdicts,
        budgets=tuple(budgets),
        notes=(*notes, *lost_notes, *suite.notes, *unmatched),
        method=suite.method,
        baseline_git={b.id: b.git for b in baselines if b.git is not None},
        geomean=suite.geomean,
        lost=lost,
    )
