"""pair_results: one pair per (benchmark, metric), in a stable order, each with its threshold."""

from builders import bare_run as run
from builders import result as res
from perfgate.gate import Policy, ThresholdOverride, pair_results


def test_pairs_follow_the_current_run_then_what_only_baseline_runs_hold_in_their_order() -> None:
    older = run(res("a", [1.0]), res("only_older", [1.0]), res("b", [2.0]))
    newer = run(res("b", [2.1]), res("only_newer", [1.0]), res("a", [1.1]))
    cur = run(res("c", [1.0]), res("a", [1.2]), res("b", [2.2]))
    pairs = pair_results(cur, [newer, older], Policy())
    assert [p.benchmark.name for p in pairs] == ["c", "a", "b", "only_newer", "only_older"]
    by_name = {p.benchmark.name: p for p in pairs}
    assert by_name["a"].baseline == (newer.result("a"), older.result("a"))
    assert by_name["a"].current == cur.result("a")
    assert by_name["c"].baseline == ()
    assert by_name["only_older"].baseline == (older.result("only_older"),)
    assert by_name["only_older"].current is None


def test_each_pair_gets_its_own_threshold_with_and_without_overrides() -> None:
    base = run(
        res("bench/io.py::read", [1.0]),
        res("bench/x.py::hit", [1.0]),
        res("bench/x.py::hit", [1.0], "cpu_time"),
        res("bench/x.py::hit", [1.0], "peak_memory", "B"),
    )
    cur = run(*base.results)
    plain = Policy(metrics={"time": 0.1, "peak_memory": 0.2})
    assert [p.threshold for p in pair_results(cur, [base], plain)] == [0.1, 0.1, 0.1, 0.2]
    overridden = Policy(
        metrics={"time": 0.1, "peak_memory": 0.2},
        overrides=(ThresholdOverride("bench/io.py::*", {"time": 0.15}),),
    )
    assert [p.threshold for p in pair_results(cur, [base], overridden)] == [0.15, 0.1, 0.1, 0.2]
