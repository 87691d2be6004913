"""Apply a policy to a run and its baseline runs."""

from __future__ import annotations

from collections.abc import Sequence

from perfgate.gate.outcome import BudgetCheck, Outcome
from perfgate.gate.policy import Policy, matches
from perfgate.model import Result, Run, Status
from perfgate.stats import CompareSettings, MetricPair, compare_suite

__all__ = ["ONE_BASELINE_NOTE", "check_budgets", "evaluate", "pair_results"]

ONE_BASELINE_NOTE = (
    "one baseline run: the test sees the noise within each run, not between runs, and on a shared "
    "machine whole runs differ by a few percent (docs/measurement.md); confirm a change against 3 or "
    "more baseline runs or with `perfgate ab`"
)


def pair_results(current: Run, baselines: Sequence[Run], policy: Policy) -> list[MetricPair]:
    """One MetricPair per (benchmark, metric) in the current run or any baseline run."""
    order: list[tuple[str, str]] = []
    first: dict[tuple[str, str], Result] = {}
    for r in current.results:
        if r.key not in first:
            order.append(r.key)
            first[r.key] = r
    for b in baselines:
        for r in b.results:
            if r.key not in first:
                order.append(r.key)
                first[r.key] = r
    # One lookup table per run: Run.result() scans, and a scan per key is quadratic in the run's size.
    now = {r.key: r for r in current.results}
    before = [{r.key: r for r in b.results} for b in baselines]
    pairs = []
    for key in order:
        ref = first[key]
        base = tuple(res for b in before if (res := b.get(key)) is not None)
        pairs.append(
            MetricPair(
                benchmark=ref.benchmark,
                metric=ref.metric,
                unit=ref.unit,
                direction=ref.direction,
                baseline=base,
                current=now.get(key),
                threshold=policy.threshold(key[0], key[1]),
            )
        )
    return pairs


def check_budgets(run: Run, policy: Policy) -> tuple[list[BudgetCheck], list[str]]:
    """Every budget against every result it matches, and a note for each budget that matched nothing.

    A budget that matches nothing does not fail the gate: a run of a subset (``-k``, a tier) is normal,
    and a renamed benchmark already shows as missing and new among the verdicts.
    """
    checks = []
    unmatched = []
    for b in policy.budgets:
        hits = [r for r in run.results if r.metric == b.metric and matches(b.pattern, r.benchmark.name)]
        if not hits:
            unmatched.append(f"budget '{b.rule}' matched no benchmark in this run: not checked")
        for r in hits:
            value = r.summary.median if r.summary is not None else None
            ok = value is not None and (value <= b.limit if b.op == "<=" else value >= b.limit)
            checks.append(BudgetCheck(r.benchmark.name, b.metric, b.op, b.limit, b.unit, value, ok, b.rule))
    return checks, unmatched


def evaluate(
    current: Run,
    baselines: Sequence[Run],
    policy: Policy,
    settings: CompareSettings | None = None,
    notes: Sequence[str] = (),
) -> Outcome:
    """The gate's decision: verdicts against the baseline runs, budget checks, and notes."""
    settings = settings or CompareSettings()
    suite = compare_suite(pair_results(current, baselines, policy), settings)
    budgets, unmatched = check_budgets(current, policy)
    moved = any(v.status in (Status.REGRESSION, Status.IMPROVEMENT) for v in suite.verdicts)
    if len(baselines) == 1 and moved and not settings.paired_blocks:
        notes = (*notes, ONE_BASELINE_NOTE)
    return Outcome(
        run=current,
        baseline_ids=tuple(b.id for b in baselines),
        verdicts=suite.verdicts,
        budgets=tuple(budgets),
        notes=(*notes, *suite.notes, *unmatched),
        method=suite.method,
        baseline_git={b.id: b.git for b in baselines if b.git is not None},
        geomean=suite.geomean,
    )
