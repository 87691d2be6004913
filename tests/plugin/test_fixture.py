"""The ``benchmark`` fixture through a real pytest subprocess, read back from ``--perfgate-json``."""

from __future__ import annotations

import pytest

from perfgate.measure.spread import sample_groups
from perfgate.model import Direction, RunStatus
from perfgate.pytest_plugin.options import DEFAULT_PASSES

from .conftest import read_results, run_perfgate


def test_call_form_returns_the_value_and_records_a_result(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_bench="""
        import pytest

        @pytest.mark.parametrize("n", [10, 200])
        def test_sum(benchmark, n):
            benchmark.extra_info["n"] = n
            result = benchmark(sum, range(n))
            assert result == sum(range(n))
            assert benchmark.stats["median"] > 0
            assert benchmark.stats.stats.median == benchmark.stats["median"]
            assert benchmark.stats["rounds"] >= 3
            assert benchmark.name == f"test_bench.py::test_sum[{n}]"

        def test_kwargs(benchmark):
            benchmark.group = "joining"
            assert benchmark(",".join, ["a", "b"]) == "a,b"

        def test_noop(benchmark):
            assert benchmark(lambda: None) is None
        """
    )
    out = pytester.path / "out.json"
    result = run_perfgate(pytester, f"--perfgate-json={out}")
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(
        [
            "*perfgate: measuring benchmarks*",
            "*perfgate benchmarks (time per call)*",
            "benchmark*median*IQR*stddev*rounds*iterations",
            "test_bench.py::test_sum?10?*",
            "*perfgate: wrote 8 result(s), status complete, to*out.json",  # time and cpu_time
        ]
    )
    doc = read_results(out)
    assert doc.status is RunStatus.COMPLETE
    assert doc.started.tzinfo is not None and doc.finished is not None
    by_name = {r.benchmark.name: r for r in doc.results if r.metric == "time"}
    assert set(by_name) == {
        "test_bench.py::test_sum[10]",
        "test_bench.py::test_sum[200]",
        "test_bench.py::test_kwargs",
        "test_bench.py::test_noop",
    }
    small = by_name["test_bench.py::test_sum[10]"]
    assert small.benchmark.params == (("n", "10"),)
    assert small.extra["extra_info"] == {"n": 10}
    assert (small.metric, small.unit, small.direction) == ("time", "s", Direction.LOWER)
    assert small.error is None and small.summary is not None
    # every round counted; each sample the best of interleaved rounds (perfgate.measure.spread)
    assert small.rounds is not None and len(small.samples) == sample_groups(small.rounds) >= 3
    assert small.extra["passes"] in (1, DEFAULT_PASSES)  # 1: too slow for a tenth of 0.01 s to hold 20 rounds
    assert small.iterations is not None and small.iterations > 1
    assert small.summary.n == len(small.samples)
    assert small.extra["gc_disabled"] is True
    assert small.extra["mode"] == "fixture"
    assert small.extra["loop_overhead"] is not None and small.extra["loop_overhead"] >= 0
    assert by_name["test_bench.py::test_kwargs"].benchmark.group == "joining"
    noop = by_name["test_bench.py::test_noop"]
    # a no-op is far below the clock's resolution: calibration must batch many calls per round
    assert noop.iterations is not None and noop.iterations >= 100
    assert noop.summary is not None and noop.summary.min >= 0


def test_calling_the_fixture_twice_is_an_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_twice(benchmark):
            benchmark(lambda: 1)
            benchmark(lambda: 2)
        """
    )
    result = run_perfgate(pytester, "--perfgate")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*UsageError*benchmark fixture was already used in this test*"])


def test_pedantic_with_setup(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_ped="""
        import pytest

        calls = []

        def setup():
            calls.append("setup")
            return (3,), {"extra": 4}

        def target(x, extra):
            calls.append("target")
            return x + extra

        def test_pedantic(benchmark):
            assert benchmark.pedantic(target, setup=setup, rounds=4, warmup_rounds=2) == 7
            assert calls == ["setup", "target"] * 6

        def test_plain_pedantic(benchmark):
            assert benchmark.pedantic(target, args=(1,), kwargs={"extra": 1}, rounds=2, iterations=5) == 2

        def test_setup_with_iterations(benchmark):
            benchmark.pedantic(target, setup=setup, rounds=2, iterations=3)
        """
    )
    out = pytester.path / "out.json"
    result = run_perfgate(pytester, f"--perfgate-json={out}")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*cannot use more than 1 iteration per round with a setup function*"])
    by_name = {r.benchmark.name: r for r in read_results(out).results if r.metric == "time"}
    ped = by_name["test_ped.py::test_pedantic"]
    assert (ped.rounds, ped.iterations, ped.warmup) == (4, 1, 2)
    assert len(ped.samples) == 4
    assert ped.extra["mode"] == "pedantic"
    plain = by_name["test_ped.py::test_plain_pedantic"]
    assert (plain.rounds, plain.iterations) == (2, 5)
    assert by_name["test_ped.py::test_setup_with_iterations"].error is not None


def test_a_raising_benchmark_is_a_failed_result(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_fail="""
        import pytest

        @pytest.fixture
        def broken():
            raise OSError("no such device")

        def test_raises(benchmark):
            def f():
                raise ValueError("bad input 42\\nmore detail")
            benchmark(f)

        def test_fails_before_the_call(benchmark):
            assert 1 == 2, "checked before measuring"

        def test_setup_fails(broken, benchmark):
            benchmark(lambda: None)

        def test_passes(benchmark):
            benchmark(lambda: None)
        """
    )
    out = pytester.path / "out.json"
    result = run_perfgate(pytester, f"--perfgate-json={out}")
    result.assert_outcomes(passed=1, failed=2, errors=1)
    result.stdout.fnmatch_lines(["*test_fail.py::test_raises*FAILED: ValueError: bad input 42"])
    doc = read_results(out)
    assert doc.status is RunStatus.COMPLETE  # every benchmark produced a result, some failed ones
    by_name = {r.benchmark.name: r for r in doc.results if r.metric == "time"}
    raised = by_name["test_fail.py::test_raises"]
    assert raised.error == "ValueError: bad input 42"
    assert raised.summary is None
    before = by_name["test_fail.py::test_fails_before_the_call"]
    assert before.error is not None and before.error.startswith("AssertionError: checked before measuring")
    assert by_name["test_fail.py::test_setup_fails"].error == "setup: OSError: no such device"
    assert by_name["test_fail.py::test_passes"].ok


def test_marker_group_and_options_apply_to_the_fixture(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_mark="""
        import pytest

        @pytest.mark.benchmark(group="parsing", min_rounds=7, max_time=0.0)
        def test_grouped(benchmark):
            benchmark(int, "42")
        """
    )
    out = pytester.path / "out.json"
    run_perfgate(pytester, f"--perfgate-json={out}").assert_outcomes(passed=1)
    (r,) = [x for x in read_results(out).results if x.metric == "time"]
    assert r.benchmark.group == "parsing"
    assert r.rounds == 7


def test_extra_info_that_json_cannot_hold_is_kept_as_text(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        from pathlib import PurePosixPath

        def test_info(benchmark):
            benchmark.extra_info["where"] = PurePosixPath("/data/x")
            benchmark(len, "abc")
        """
    )
    out = pytester.path / "out.json"
    run_perfgate(pytester, f"--perfgate-json={out}").assert_outcomes(passed=1)
    (r,) = [x for x in read_results(out).results if x.metric == "time"]
    assert r.extra["extra_info"] == {"where": "/data/x"}
