"""When benchmarks are measured, run once, or skipped; and the marker on tests without the fixture."""

from __future__ import annotations

import pytest

from .conftest import read_results, run_perfgate

COUNTING = """
import pathlib
import pytest

def bump(name):
    p = pathlib.Path(name)
    p.write_text(str(int(p.read_text()) + 1) if p.exists() else "1")

def test_unit():
    bump("unit.count")

def test_fixture(benchmark):
    assert benchmark(lambda: bump("fixture.count") or 5) == 5
    pathlib.Path("stats.txt").write_text(repr(benchmark.stats))

@pytest.mark.benchmark
def test_body():
    bump("body.count")
"""


def _count(pytester: pytest.Pytester, name: str) -> int:
    p = pytester.path / name
    return int(p.read_text()) if p.exists() else 0


def test_without_perfgate_benchmarks_run_once_unmeasured(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_count=COUNTING)
    result = run_perfgate(pytester)
    result.assert_outcomes(passed=3)
    assert (_count(pytester, "fixture.count"), _count(pytester, "body.count")) == (1, 1)
    assert (pytester.path / "stats.txt").read_text() == "None"
    assert "perfgate benchmarks" not in result.stdout.str()


def test_benchmark_disable_runs_once_even_when_measuring_was_asked(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_count=COUNTING)
    out = pytester.path / "out.json"
    result = run_perfgate(pytester, "--benchmark-disable", f"--perfgate-json={out}")
    result.assert_outcomes(passed=3)
    assert (_count(pytester, "fixture.count"), _count(pytester, "body.count")) == (1, 1)
    assert read_results(out).results == ()


def test_perfgate_measures_fixture_and_marked_bodies_repeatedly(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_count=COUNTING)
    out = pytester.path / "out.json"
    run_perfgate(pytester, f"--perfgate-json={out}").assert_outcomes(passed=3)
    assert _count(pytester, "fixture.count") > 3
    assert _count(pytester, "body.count") > 3
    assert _count(pytester, "unit.count") == 1
    names = {r.benchmark.name: r for r in read_results(out).results if r.metric == "time"}
    assert set(names) == {"test_count.py::test_fixture", "test_count.py::test_body"}
    assert names["test_count.py::test_body"].extra["mode"] == "marker"


def test_benchmark_only_skips_other_tests_and_measures(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_count=COUNTING)
    result = run_perfgate(pytester, "--benchmark-only", "-rs")
    result.assert_outcomes(passed=2, skipped=1)
    result.stdout.fnmatch_lines(["*perfgate benchmarks*", "*not a benchmark (--benchmark-only)*"])
    assert _count(pytester, "unit.count") == 0
    assert _count(pytester, "fixture.count") > 3


def test_benchmark_skip_skips_benchmarks(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_count=COUNTING)
    result = run_perfgate(pytester, "--benchmark-skip", "-rs")
    result.assert_outcomes(passed=1, skipped=2)
    result.stdout.fnmatch_lines(["*benchmark skipped (--benchmark-skip)*"])
    assert _count(pytester, "unit.count") == 1


def test_only_and_skip_together_are_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_count=COUNTING)
    result = run_perfgate(pytester, "--benchmark-skip", "--benchmark-only")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--benchmark-only and --benchmark-skip exclude each other*"])


def test_marker_on_a_body_with_fixtures_params_and_group(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_body="""
        import pytest

        @pytest.fixture
        def data():
            return list(range(100))

        @pytest.mark.benchmark(group="sorting", timer="ignored", cprofile=True)
        @pytest.mark.parametrize("reverse", [False, True])
        def test_sort(data, reverse):
            assert len(sorted(data, reverse=reverse)) == 100

        @pytest.mark.benchmark(cprofile=False)
        def test_other():
            pass

        @pytest.mark.benchmark
        def test_fails():
            raise KeyError("missing")
        """
    )
    out = pytester.path / "out.json"
    result = run_perfgate(pytester, f"--perfgate-json={out}")
    result.assert_outcomes(passed=3, failed=1)
    # one warning per unknown argument name for the whole session, not one per test
    result.stdout.fnmatch_lines(
        ["*PerfgateMarkerWarning: perfgate ignores benchmark marker argument(s) cprofile (understood*"]
    )
    assert result.stdout.str().count("PerfgateMarkerWarning") == 1
    by_name = {r.benchmark.name: r for r in read_results(out).results if r.metric == "time"}
    r = by_name["test_body.py::test_sort[True]"]
    assert r.benchmark.group == "sorting"
    assert r.benchmark.params == (("reverse", "True"),)
    assert r.summary is not None and r.rounds is not None and r.rounds >= 3
    assert by_name["test_body.py::test_fails"].error == "KeyError: 'missing'"


def test_bad_option_values_are_usage_errors(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_x(): pass")
    result = run_perfgate(pytester, "--perfgate-timeout=soon")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*expected a number of seconds, got 'soon'*"])


def test_json_goes_to_new_directories_and_an_unwritable_path_is_reported(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_b(benchmark):\n    benchmark(len, 'x')\n")
    nested = pytester.path / "results" / "today" / "out.json"
    run_perfgate(pytester, "--perfgate-json=results/today/out.json").assert_outcomes(passed=1)
    assert [r.metric for r in read_results(nested).results] == ["time", "cpu_time"]

    (pytester.path / "plain-file").write_text("not a directory")
    result = run_perfgate(pytester, "--perfgate-json=plain-file/out.json")
    assert result.ret == pytest.ExitCode.INTERNAL_ERROR
    result.stderr.fnmatch_lines(["perfgate: cannot write */plain-file/out.json: *"])


def test_keep_gc_and_disable_gc_exclude_each_other(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_x(): pass")
    result = run_perfgate(pytester, "--perfgate-keep-gc", "--benchmark-disable-gc")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--perfgate-keep-gc and --benchmark-disable-gc exclude each other*"])
