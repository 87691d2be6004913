"""Timeouts, the session budget, interrupted sessions, pytest-xdist and pytest-benchmark side by side."""

from __future__ import annotations

import pytest

from perfgate.model import RunStatus

from .conftest import read_results, run_perfgate


def test_a_call_past_the_timeout_is_interrupted_and_recorded_as_failed(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_slow="""
        import time
        import pytest

        def test_hangs(benchmark):
            benchmark(time.sleep, 60)

        @pytest.mark.benchmark
        def test_body_hangs():
            time.sleep(60)

        def test_setup_hangs(benchmark):
            benchmark.pedantic(len, setup=lambda: time.sleep(60), rounds=2)

        def test_quick(benchmark):
            benchmark(len, "x")
        """
    )
    out = pytester.path / "out.json"
    result = run_perfgate(pytester, "--perfgate-timeout=0.2", f"--perfgate-json={out}")
    result.assert_outcomes(passed=1, failed=3)
    result.stdout.fnmatch_lines(["*perfgate: test_slow.py::test_hangs timed out after 0.2s*"])
    by_name = {r.benchmark.name: r for r in read_results(out).results if r.metric == "time"}
    assert by_name["test_slow.py::test_hangs"].error == "timed out after 0.2s"
    assert by_name["test_slow.py::test_body_hangs"].error == "timed out after 0.2s"
    assert by_name["test_slow.py::test_setup_hangs"].error == "timed out after 0.2s"
    assert by_name["test_slow.py::test_quick"].ok


def test_the_timeout_stops_measuring_a_benchmark_that_is_merely_long(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_long="""
        import time

        def test_long(benchmark):
            benchmark(time.sleep, 0.02)
        """
    )
    out = pytester.path / "out.json"
    # 1000 rounds of >= 20 ms would take 20 s; the timeout ends measuring after the round in progress
    result = run_perfgate(
        pytester, "--benchmark-min-rounds=1000", "--perfgate-timeout=0.1", f"--perfgate-json={out}"
    )
    result.assert_outcomes(passed=1)
    (r,) = [x for x in read_results(out).results if x.metric == "time"]
    assert r.ok and r.rounds is not None and 1 <= r.rounds < 1000
    assert r.extra["stopped_by"] == "timeout"


def test_a_spent_budget_skips_the_rest_and_makes_the_run_partial(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_budget="""
        import time
        import pytest

        @pytest.mark.parametrize("i", range(3))
        def test_sleepy(benchmark, i):
            benchmark(time.sleep, 0.002)
        """
    )
    out = pytester.path / "out.json"
    # every measured round sleeps 2 ms, so the 1 ms budget is gone after the first round at the latest
    result = run_perfgate(pytester, "--perfgate-budget=0.001", f"--perfgate-json={out}", "-rs")
    outcomes = result.parseoutcomes()
    assert outcomes.get("skipped", 0) >= 2
    result.stdout.fnmatch_lines(
        [
            "*perfgate: time budget of 0.001s spent: * benchmark(s) skipped, the run is partial*",
            "*status partial*",
            "*time budget of 0.001s spent; benchmark not run*",
        ]
    )
    doc = read_results(out)
    assert doc.status is RunStatus.PARTIAL
    assert len([r for r in doc.results if r.metric == "time"]) <= 1


def test_a_session_stopped_early_is_partial(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_stop="""
        def test_first(benchmark):
            benchmark(len, "a")

        def test_broken():
            assert False

        def test_never_reached(benchmark):
            benchmark(len, "b")
        """
    )
    out = pytester.path / "out.json"
    result = run_perfgate(pytester, "-x", f"--perfgate-json={out}")
    result.assert_outcomes(passed=1, failed=1)
    doc = read_results(out)
    assert doc.status is RunStatus.PARTIAL
    assert [r.benchmark.name for r in doc.results if r.metric == "time"] == ["test_stop.py::test_first"]


def test_with_pytest_benchmark_loaded_perfgate_steps_aside(pytester: pytest.Pytester) -> None:
    pytest.importorskip("pytest_benchmark", reason="pytest-benchmark is not installed")
    pytester.makepyfile(
        """
        def test_b(benchmark):
            assert benchmark(len, "abc") == 3
            assert type(benchmark).__module__.startswith("pytest_benchmark")
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--benchmark-disable")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        ["perfgate: pytest-benchmark is loaded too and owns the `benchmark` fixture*"]
    )
    assert result.stdout.str().count("pytest-benchmark is loaded too") == 1

    asked = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--perfgate")
    assert asked.ret == pytest.ExitCode.USAGE_ERROR
    asked.stderr.fnmatch_lines(["*perfgate: --perfgate needs the `benchmark` fixture*-p no:benchmark*"])


def test_with_pytest_benchmark_blocked_perfgate_owns_the_fixture(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_b(benchmark):
            assert type(benchmark).__module__ == "perfgate.pytest_plugin.fixture"
        """
    )
    result = run_perfgate(pytester)
    result.assert_outcomes(passed=1)  # run_perfgate passes --benchmark-* options: perfgate registered them
    assert "pytest-benchmark is loaded too" not in result.stdout.str()


def test_an_interrupted_session_is_partial(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_int="""
        def test_first(benchmark):
            benchmark(len, "a")

        def test_ctrl_c():
            raise KeyboardInterrupt

        def test_never_reached(benchmark):
            benchmark(len, "b")
        """
    )
    out = pytester.path / "out.json"
    result = run_perfgate(pytester, f"--perfgate-json={out}")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    doc = read_results(out)
    assert doc.status is RunStatus.PARTIAL
    assert [r.benchmark.name for r in doc.results if r.metric == "time"] == ["test_int.py::test_first"]


CODSPEED_SUITE = """
import pytest

def test_fx(benchmark):
    assert benchmark(len, "abc") == 3

@pytest.mark.benchmark
def test_marked():
    sum(range(100))
"""


def test_with_pytest_codspeed_measuring_perfgate_steps_aside(pytester: pytest.Pytester) -> None:
    pytest.importorskip("pytest_codspeed", reason="pytest-codspeed is not installed")
    pytester.makepyfile(test_cs=CODSPEED_SUITE)
    # --codspeed: CodSpeed measures and owns the fixture; perfgate says so once and stays out
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:benchmark", "--codspeed")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        ["perfgate: pytest-codspeed is measuring*owns the `benchmark` fixture*inactive"]
    )
    assert "perfgate benchmarks" not in result.stdout.str()
    # both asked to measure: refused, with what to do
    both = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-p", "no:benchmark", "--codspeed", "--perfgate"
    )
    assert both.ret == pytest.ExitCode.USAGE_ERROR
    both.stderr.fnmatch_lines(["*perfgate: pytest-codspeed is measuring too*-p no:codspeed*"])


def test_with_pytest_codspeed_idle_perfgate_measures_and_says_who_owns_what(
    pytester: pytest.Pytester,
) -> None:
    pytest.importorskip("pytest_codspeed", reason="pytest-codspeed is not installed")
    pytester.makepyfile(test_cs=CODSPEED_SUITE)
    out = pytester.path / "out.json"
    result = run_perfgate(pytester, f"--perfgate-json={out}")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        [
            "perfgate: measuring benchmarks*",
            "perfgate: pytest-codspeed is installed but not measuring*perfgate owns the `benchmark` fixture*",
        ]
    )
    names = {r.benchmark.name for r in read_results(out).results if r.metric == "time"}
    assert names == {"test_cs.py::test_fx", "test_cs.py::test_marked"}
