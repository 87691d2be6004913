import pytest
from hypothesis import given
from hypothesis import strategies as st

from builders import bare_run as run
from builders import result as res
from perfgate.gate import (
    ONE_BASELINE_NOTE,
    Budget,
    BudgetLevel,
    Policy,
    ThresholdOverride,
    check_budgets,
    evaluate,
    matches,
)
from perfgate.model import BenchmarkId, Direction, Result, Run, Status, Summary


def test_matches():
    assert matches("test_cache_hit", "bench/t.py::test_cache_hit")
    assert matches("bench/t.py::*", "bench/t.py::test_x")
    assert not matches("test_cache", "bench/t.py::test_cache_hit")


def test_three_times_slower_is_a_regression_and_ordering_is_worst_first():
    base = run(res("a", [1.0] * 5), res("b", [2.0] * 5), res("gone", [1.0] * 5))
    cur = run(res("a", [3.0] * 5), res("b", [2.02] * 5), res("c", [1.0] * 5), res("d", [], error="boom"))
    out = evaluate(cur, [base], Policy())
    assert [(v.benchmark.name, v.status) for v in out.verdicts] == [
        ("d", Status.FAILED),
        ("a", Status.REGRESSION),
        ("gone", Status.MISSING),
        ("c", Status.NEW),
        ("b", Status.UNCHANGED),
    ]
    assert out.verdicts[1].change == 2.0
    assert not out.passed and out.exit_code() == 1 and out.exit_code(warn_only=True) == 0


def test_higher_is_better_direction():
    base = run(res("t", [100.0] * 5, "throughput", "B/s", Direction.HIGHER))
    cur = run(res("t", [50.0] * 5, "throughput", "B/s", Direction.HIGHER))
    (v,) = evaluate(cur, [base], Policy()).verdicts
    assert v.status is Status.REGRESSION and v.change == -0.5


def test_thresholds_per_benchmark_and_budgets():
    base = run(res("bench/io.py::read", [1.0] * 5), res("bench/x.py::hit", [1e-4] * 5))
    cur = run(res("bench/io.py::read", [1.1] * 5), res("bench/x.py::hit", [2e-3] * 5))
    policy = Policy(
        overrides=(ThresholdOverride("bench/io.py::*", {"time": 0.15}),),
        metrics={"time": 100.0},
        budgets=(
            Budget("hit", "time", "<=", 1e-3, "s", "hit time <= 1ms"),
            Budget("nothing*", "time", "<=", 1.0, "s", "nothing time <= 1s"),
        ),
    )
    out = evaluate(cur, [base], policy)
    assert {v.status for v in out.verdicts} == {Status.UNCHANGED}
    (hit,) = out.budgets
    assert not hit.passed and hit.value == 2e-3 and hit.benchmark == "bench/x.py::hit"
    assert out.notes == ("budget 'nothing time <= 1s' matched no benchmark in this run: not checked",)
    assert out.exit_code() == 1
    # a budget that matches nothing alone does not fail the gate
    assert evaluate(cur, [base], Policy(budgets=policy.budgets[1:], metrics={"time": 100.0})).passed


def test_budgets_that_match_nothing_make_one_note():
    cur = run(res("bench/x.py::hit", [2e-4] * 5))
    budgets = tuple(Budget(f"gone{i}", "time", "<=", 1.0, "s", f"gone{i} time <= 1s") for i in range(7))
    checks, notes = check_budgets(
        cur, Policy(budgets=(Budget("hit", "time", "<=", 1e-3, "s", "hit"), *budgets))
    )
    assert [c.benchmark for c in checks] == ["bench/x.py::hit"]
    assert notes == [
        "7 budgets matched no benchmark in this run, not checked: "
        + ", ".join(f"'gone{i} time <= 1s'" for i in range(7))
    ]


def test_identical_runs_pass():
    a = run(res("a", [1.0, 1.01, 0.99, 1.0, 1.02]))
    b = run(res("a", [1.0, 1.01, 0.99, 1.0, 1.02]))
    out = evaluate(b, [a], Policy())
    assert out.passed and out.verdicts[0].status is Status.UNCHANGED


def test_no_baseline_everything_new():
    out = evaluate(run(res("a", [1.0])), [], Policy())
    assert out.passed and out.verdicts[0].status is Status.NEW


def test_cpu_time_follows_the_time_threshold_unless_it_has_its_own():
    p = Policy(metrics={"time": 0.10}, tier_metrics={"allocations": 0.5})
    assert p.threshold("a", "cpu_time") == 0.10
    assert Policy(metrics={"time": 0.10, "cpu_time": 0.2}).threshold("a", "cpu_time") == 0.2
    assert Policy(tier_metrics={"time": 0.03}, metrics={"time": 0.10}).threshold("a", "cpu_time") == 0.03
    assert p.threshold("a", "peak_memory") == 0.05


def test_a_change_against_one_baseline_run_says_what_one_run_cannot_know():
    from perfgate.gate import ONE_BASELINE_NOTE
    from perfgate.stats import CompareSettings

    base = run(res("a", [1.0, 1.01, 0.99, 1.0, 1.02]))
    slower = run(res("a", [1.5, 1.51, 1.49, 1.5, 1.52]))
    assert ONE_BASELINE_NOTE in evaluate(slower, [base], Policy()).notes
    # nothing moved: nothing to qualify
    same = run(res("a", [1.0, 1.01, 0.99, 1.0, 1.02]))
    assert ONE_BASELINE_NOTE not in evaluate(same, [base], Policy()).notes
    # several baseline runs bring the run-to-run test; interleaved A/B pairs are judged on blocks
    bases = [run(res("a", [1.0, 1.01, 0.99, 1.0, 1.02])) for _ in range(3)]
    assert ONE_BASELINE_NOTE not in evaluate(slower, bases, Policy()).notes
    paired = CompareSettings(paired_blocks=True, machine_shift="ignore")
    assert ONE_BASELINE_NOTE not in evaluate(slower, [base], Policy(), paired).notes


def one_value_runs(levels, names=("a", "b", "c", "d", "e")):
    """Runs of a one-value-per-benchmark harness (libtest, wrk, ...): benchmark i at ``level * (i + 1)``."""
    return [run(*(res(n, [lv * (i + 1)]) for i, n in enumerate(names))) for lv in levels]


def test_one_value_per_benchmark_is_judged_against_the_stored_history():
    from perfgate.stats import HISTORY_T

    history = one_value_runs([1.0, 1.02, 0.98, 1.01, 0.99, 1.0])  # newest first; the first is the baseline
    (cur,) = one_value_runs([1.01])
    slower = run(
        *(
            res(r.benchmark.name, [r.summary.median * (2.4 if r.benchmark.name == "c" else 1.0)])
            for r in cur.results
        )
    )
    out = evaluate(slower, history[:1], Policy(), history=history)
    by_name = {v.benchmark.name: v for v in out.verdicts}
    assert (by_name["c"].status, by_name["c"].method) == (Status.REGRESSION, HISTORY_T)
    assert (
        by_name["c"].reason is not None
        and "baseline of 1 run, judged against the testbed's" in by_name["c"].reason
    )
    assert out.exit_code() == 1 and ONE_BASELINE_NOTE not in out.notes
    # identical code that drifted 1% passes, and without the history's noise model nothing says "no evidence"
    assert evaluate(cur, history[:1], Policy(), history=history).exit_code() == 0
    alone = evaluate(slower, history[:1], Policy())
    assert {v.benchmark.name: v.method for v in alone.verdicts}["c"] == "ratio-of-medians"
    assert alone.exit_code() == 1


def test_peak_memory_from_2_to_10_mib_is_a_regression_measured_twice_or_once():
    mib = 2.0**20
    for n in (2, 1):
        base = run(res("m", [2 * mib] * n, "peak_memory", "B"))
        cur = run(res("m", [10 * mib] * n, "peak_memory", "B"))
        (v,) = evaluate(cur, [base], Policy()).verdicts
        assert v.status is Status.REGRESSION and abs(v.change - 4.0) < 1e-9
        assert v.method == ("deterministic" if n == 2 else "ratio-of-medians")
        # a value without noise needs no more baseline runs; a single value without history does
        assert (ONE_BASELINE_NOTE in evaluate(cur, [base], Policy()).notes) is (n == 1)


def test_a_benchmark_lost_from_the_newest_baseline_fails_the_gate_unless_the_run_is_a_subset():
    from dataclasses import replace

    from perfgate.gate import SUBSET_TAG

    older = run(res("a", [1.0] * 5), res("removed_long_ago", [1.0] * 5))
    newest = run(res("a", [1.0] * 5), res("lost", [1.0] * 5), res("broken", [], error="boom"))
    cur = run(res("a", [1.0] * 5))
    out = evaluate(cur, [newest, older], Policy())
    assert [v.benchmark.name for v in out.lost] == ["lost"]  # not what older runs or a failure had
    assert {v.benchmark.name: v.status for v in out.verdicts}["removed_long_ago"] is Status.MISSING
    assert out.lost[0].reason == "in the baseline, not in this run"
    assert not out.passed and out.exit_code() == 1
    assert any("1 benchmark(s) of the baseline are missing" in n and "lost" in n for n in out.notes)

    subset = evaluate(replace(cur, tags=(SUBSET_TAG,)), [newest, older], Policy())
    assert subset.lost == () and subset.passed
    assert {v.benchmark.name: v.status for v in subset.verdicts}["lost"] is Status.MISSING

    # a subset baseline run does not hide what the full suite before it measured
    subset_base = replace(run(res("a", [1.0] * 5)), tags=(SUBSET_TAG,))
    behind = evaluate(cur, [subset_base, newest, older], Policy())
    assert [v.benchmark.name for v in behind.lost] == ["lost"]


def test_a_run_the_harness_reported_failed_fails_the_gate():
    from dataclasses import replace

    from perfgate.model import RunStatus

    base = run(res("a", [1.0] * 5))
    cur = run(res("a", [1.0] * 5))
    assert evaluate(cur, [base], Policy()).passed
    failed = evaluate(replace(cur, status=RunStatus.FAILED), [base], Policy())
    assert {v.status for v in failed.verdicts} == {Status.UNCHANGED}
    assert not failed.passed and failed.exit_code() == 1


# Two levels, as a targets table writes them: health check p95 < 100 ms target, < 500 ms critical;
# throughput > 50 req/s target, > 10 critical.
_LATENCY = Budget(
    "load:health", "latency_p95", "<=", 0.5, "s", "health latency_p95 <= 500ms (target 100ms)", 0.1
)
_RPS = Budget("load:health", "rps", ">=", 10.0, "req/s", "health rps >= 10 req/s (target 50 req/s)", 50.0)


def _load_run(p95: float, rps: float) -> Run:
    return run(
        res("load:health", [p95] * 5, "latency_p95", "s"),
        res("load:health", [rps] * 5, "rps", "req/s", Direction.HIGHER),
    )


def test_a_value_past_the_target_but_within_the_limit_misses_the_target_and_passes():
    out = evaluate(_load_run(0.23, 20.0), [], Policy(budgets=(_LATENCY, _RPS)))
    assert [(b.metric, b.level) for b in out.budgets] == [
        ("latency_p95", BudgetLevel.TARGET_MISSED),
        ("rps", BudgetLevel.TARGET_MISSED),
    ]
    assert len(out.missed_targets) == 2 and out.broken_budgets == ()
    assert out.passed and out.exit_code() == 0


def test_a_value_past_the_limit_is_critical_and_fails_in_either_direction():
    out = evaluate(_load_run(0.6, 60.0), [], Policy(budgets=(_LATENCY, _RPS)))
    assert [(b.metric, b.level, b.target_met) for b in out.budgets] == [
        ("latency_p95", BudgetLevel.CRITICAL, False),
        ("rps", BudgetLevel.OK, True),
    ]
    assert not out.passed and out.exit_code() == 1
    out = evaluate(_load_run(0.05, 9.0), [], Policy(budgets=(_LATENCY, _RPS)))
    assert [b.level for b in out.budgets] == [BudgetLevel.OK, BudgetLevel.CRITICAL]
    assert out.exit_code() == 1


def test_the_levels_are_inclusive_like_the_limit():
    # exactly on a level keeps it, as max/min always did
    checks, _ = check_budgets(_load_run(0.1, 10.0), Policy(budgets=(_LATENCY, _RPS)))
    assert [b.level for b in checks] == [BudgetLevel.OK, BudgetLevel.TARGET_MISSED]


def test_no_value_is_critical_not_a_missed_target():
    cur = run(res("load:health", [], "latency_p95", "s", error="connection refused"))
    (check,) = evaluate(cur, [], Policy(budgets=(_LATENCY,))).budgets
    assert check.value is None and check.level is BudgetLevel.CRITICAL and not check.target_met


def test_a_budget_without_a_target_is_ok_or_critical():
    checks, _ = check_budgets(
        _load_run(0.4, 20.0), Policy(budgets=(Budget("load:health", "latency_p95", "<=", 0.5, "s", "r"),))
    )
    assert [(b.warn, b.level) for b in checks] == [(None, BudgetLevel.OK)]


@pytest.mark.parametrize(("op", "warn"), [("<=", 0.5), ("<=", 0.6), (">=", 10.0), (">=", 5.0)])
def test_a_target_on_the_wrong_side_of_its_limit_is_refused(op: str, warn: float):
    limit = 0.5 if op == "<=" else 10.0
    with pytest.raises(ValueError, match=r"must be (below|above) its limit"):
        Budget("health", "m", op, limit, "s", "r", warn)


@given(
    st.sampled_from(["<=", ">="]),
    st.floats(1e-6, 1e6),
    st.floats(1.01, 100.0),
    st.floats(1e-9, 1e9),
)
def test_levels_order_values_and_only_critical_fails(op: str, limit: float, gap: float, value: float):
    warn = limit / gap if op == "<=" else limit * gap
    unit = "s" if op == "<=" else "req/s"
    direction = Direction.LOWER if op == "<=" else Direction.HIGHER
    budget = Budget("b", "m", op, limit, unit, "r", warn)
    (check,), _ = check_budgets(run(res("b", [value] * 3, "m", unit, direction)), Policy(budgets=(budget,)))
    worse_than = (lambda a, b: a > b) if op == "<=" else (lambda a, b: a < b)
    if worse_than(value, limit):
        assert check.level is BudgetLevel.CRITICAL
    elif worse_than(value, warn):
        assert check.level is BudgetLevel.TARGET_MISSED
    else:
        assert check.level is BudgetLevel.OK
    out = evaluate(run(res("b", [value] * 3, "m", unit, direction)), [], Policy(budgets=(budget,)))
    assert out.passed is (check.level is not BudgetLevel.CRITICAL)


def _growth(median: float, low: float, high: float) -> Run:
    s = Summary(
        n=20, mean=median, median=median, min=median, max=median, ci_low=low, ci_high=high, ci_level=0.95
    )
    return run(Result(BenchmarkId("service:bot"), "rss_growth_per_hour", "B/h", Direction.LOWER, summary=s))


@pytest.mark.parametrize(
    ("median", "low", "high", "passed"),
    [
        (9e6, -1e6, 19e6, True),  # the line rises past the limit, but within its noise: not shown
        (9e6, 6e6, 12e6, False),  # its lower bound is past the limit: a leak beyond doubt
        (4e6, 3e6, 5e6, True),
    ],
)
def test_a_budget_on_the_lower_bound_fails_only_what_the_interval_shows(
    median: float, low: float, high: float, passed: bool
) -> None:
    leak = Budget("service:bot", "rss_growth_per_hour", "<=", 5e6, "B/h", "leak", bound="ci_low")
    [check] = evaluate(_growth(median, low, high), (), Policy(budgets=(leak,))).budgets
    assert (check.passed, check.value) == (passed, low)
    # the same limit on the median fails the first too
    median_budget = Budget("service:bot", "rss_growth_per_hour", "<=", 5e6, "B/h", "leak")
    [check] = evaluate(_growth(median, low, high), (), Policy(budgets=(median_budget,))).budgets
    assert (check.passed, check.value) == (median <= 5e6, median)


def test_a_budget_bound_is_median_or_ci_low() -> None:
    with pytest.raises(ValueError, match="budget bound must be median or ci_low, got 'mean'"):
        Budget("b", "m", "<=", 1.0, "s", "r", bound="mean")
