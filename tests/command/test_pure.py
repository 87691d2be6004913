"""The pure parts of command benchmarks: argv, parameter expansion, names, run planning, Results, the
loop driven by a scripted runner (no processes), and hyperfine's JSON."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from perfgate.measure.command import (
    CommandMeasurement,
    CommandSpec,
    RunSample,
    expand,
    hyperfine_json,
    measure_benchmark,
    measurement_results,
    plan_runs,
    to_argv,
)
from perfgate.model import Direction


def test_argv_without_and_with_shell() -> None:
    assert to_argv("sort -n 'a file.txt'", False) == ("sort", "-n", "a file.txt")
    assert to_argv(("echo", "a b"), False) == ("echo", "a b")
    assert to_argv("echo $HOME | wc", True) == ("/bin/sh", "-c", "echo $HOME | wc")
    with pytest.raises(ValueError, match="cannot split"):
        to_argv("echo 'unbalanced", False)


def test_parameter_scan_names_params_and_groups() -> None:
    spec = CommandSpec("sort -n data-{size}.txt", name="sort {size}", parameters=(("size", ("1", "10")),))
    benches = expand(spec)
    assert [b.id.name for b in benches] == ["cmd:sort 1", "cmd:sort 10"]
    assert benches[1].id.params == (("size", "10"),)
    assert benches[1].id.group == "cmd:sort {size}"
    assert benches[1].argv == ("sort", "-n", "data-10.txt")


def test_values_not_in_the_name_are_appended_and_combinations_are_ordered() -> None:
    spec = CommandSpec(
        ("prog", "--n={n}", "--mode={m}"), name="prog {n}", parameters=(("n", ("1", "2")), ("m", ("a", "b")))
    )
    names = [b.id.name for b in expand(spec)]
    assert names == ["cmd:prog 1[m=a]", "cmd:prog 1[m=b]", "cmd:prog 2[m=a]", "cmd:prog 2[m=b]"]


def test_default_name_is_the_command_and_values_with_spaces_stay_one_argument() -> None:
    (b,) = expand(CommandSpec("grep -c {pat} f", parameters=(("pat", ("a b",)),)))
    assert b.id.name == "cmd:grep -c a b f"
    assert b.argv == ("grep", "-c", "a b", "f")
    (plain,) = expand(CommandSpec(("sleep", "0.01")))
    assert plain.id.name == "cmd:sleep 0.01" and plain.id.group is None


def test_braces_of_other_tools_are_left_alone() -> None:
    (b,) = expand(CommandSpec("awk '{print $1}' f-{n}", shell=True, parameters=(("n", ("3",)),)))
    assert b.argv == ("/bin/sh", "-c", "awk '{print $1}' f-3")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"command": ""}, "must not be empty"),
        ({"command": "x", "runs": 0}, "runs must be at least 1"),
        ({"command": "x", "min_runs": 5, "max_runs": 2}, "below min_runs"),
        ({"command": "x", "timeout": 0.0}, "timeout must be a positive"),
        ({"command": "x", "parameters": (("n", ("1",)),)}, "not used"),
        ({"command": "x {n}", "parameters": (("n", ()),)}, "no values"),
    ],
)
def test_spec_validation(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        CommandSpec(**kwargs)


def test_plan_runs_like_hyperfine() -> None:
    spec = CommandSpec("x")  # >= 10 runs, 3 s
    assert plan_runs(0.001, spec) == 3000
    assert plan_runs(1.0, spec) == 10
    assert plan_runs(0.001, CommandSpec("x", max_runs=50)) == 50
    assert plan_runs(5.0, CommandSpec("x", min_runs=0)) == 1
    assert plan_runs(0.001, CommandSpec("x", runs=7)) == 7


class Scripted:
    """A runner that records what it was asked to run and answers from a script."""

    def __init__(self, answers: dict[str, list[RunSample]] | None = None, wall: float = 0.5) -> None:
        self.calls: list[tuple[str, ...]] = []
        self.answers = answers or {}
        self.wall = wall

    def __call__(self, argv: Sequence[str], *, timeout: float | None, show_output: bool) -> RunSample:
        self.calls.append(tuple(argv))
        queue = self.answers.get(argv[0])
        if queue:
            return queue.pop(0)
        return RunSample(wall=self.wall, user=0.1, system=0.01, max_rss=1000)


def test_loop_order_prepare_before_each_run_cleanup_once() -> None:
    spec = CommandSpec("bench", warmup=2, runs=3, prepare="prep", cleanup="clean")
    runner = Scripted()
    m = measure_benchmark(expand(spec)[0], runner)
    assert runner.calls == [("prep",), ("bench",)] * 5 + [("clean",)]
    assert m.ok and len(m.runs) == 3 and m.warmup == 2


def test_estimated_number_of_runs_and_progress() -> None:
    seen: list[tuple[int, int | None]] = []
    m = measure_benchmark(
        expand(CommandSpec("bench", max_time=3.0, min_runs=2))[0],
        Scripted(wall=0.5),
        on_run=lambda b, done, planned: seen.append((done, planned)),
    )
    assert len(m.runs) == 6
    assert seen[0] == (1, 6) and seen[-1] == (6, 6)


def test_non_zero_exit_fails_with_the_last_stderr_line_and_cleanup_still_runs() -> None:
    bad = RunSample(wall=0.1, exit_code=3, stderr_tail="warming\nboom: disk full\n\n")
    runner = Scripted({"bench": [RunSample(wall=0.1), bad]})
    m = measure_benchmark(expand(CommandSpec("bench", runs=5, cleanup="clean"))[0], runner)
    assert m.error == "exit code 3 on run 2: boom: disk full"
    assert runner.calls[-1] == ("clean",)
    (result,) = measurement_results(m)
    assert result.metric == "time" and result.error == m.error and result.summary is None


def test_ignore_failure_keeps_the_runs_and_notes_exit_codes() -> None:
    runner = Scripted(
        {"bench": [RunSample(wall=0.1, exit_code=1), RunSample(wall=0.2, exit_code=None, signal=9)]}
    )
    m = measure_benchmark(expand(CommandSpec("bench", runs=3, ignore_failure=True))[0], runner)
    assert m.ok and len(m.runs) == 3
    time = measurement_results(m)[0]
    assert time.extra["failed_runs"] == 2 and time.extra["exit_codes"] == [-9, 1]


def test_timeouts_fail_even_when_failures_are_ignored() -> None:
    runner = Scripted({"bench": [RunSample(wall=1.0, exit_code=None, signal=9, timed_out=True)]})
    spec = CommandSpec("bench", runs=3, ignore_failure=True, timeout=1.0)
    m = measure_benchmark(expand(spec)[0], runner)
    assert m.error == "timed out after 1 s on run 1"


def test_failing_prepare_and_cleanup_are_named() -> None:
    runner = Scripted({"prep": [RunSample(wall=0.1), RunSample(wall=0.1, exit_code=2)]})
    m = measure_benchmark(expand(CommandSpec("bench", runs=3, prepare="prep"))[0], runner)
    assert m.error == "prepare command: exit code 2 before run 2"
    runner = Scripted({"clean": [RunSample(wall=0.1, exit_code=1)]})
    m = measure_benchmark(expand(CommandSpec("bench", runs=2, cleanup="clean"))[0], runner)
    assert m.error is not None and m.error.startswith("cleanup command: exit code 1")


def test_results_have_four_metrics_with_one_sample_per_run() -> None:
    m = measure_benchmark(expand(CommandSpec("bench", runs=4))[0], Scripted(wall=0.25))
    results = {r.metric: r for r in measurement_results(m)}
    assert set(results) == {"time", "user_time", "system_time", "peak_memory"}
    assert results["time"].samples == (0.25,) * 4 and results["time"].summary.median == 0.25
    assert results["peak_memory"].unit == "B" and results["peak_memory"].summary.max == 1000
    assert all(
        r.direction is Direction.LOWER and r.rounds == 4 and r.iterations == 1 for r in results.values()
    )
    assert results["time"].extra == {"command": "bench"}


def test_hyperfine_json_shape() -> None:
    spec = CommandSpec("bench {n}", runs=2, parameters=(("n", ("1",)),))
    m = measure_benchmark(expand(spec)[0], Scripted(wall=0.5))
    failed = CommandMeasurement(expand(CommandSpec("other", runs=1))[0], (), 0, "exit code 1 on run 1")
    doc = hyperfine_json([m, failed])
    (entry,) = doc["results"]
    assert entry["command"] == "cmd:bench 1" and entry["parameters"] == {"n": "1"}
    assert entry["times"] == [0.5, 0.5] and entry["exit_codes"] == [0, 0]
    assert entry["user"] == pytest.approx(0.1) and entry["memory_usage_byte"] == [1000, 1000]
    assert entry["mean"] == entry["median"] == 0.5 and entry["stddev"] == 0.0
