"""A suite written for pytest-benchmark or pytest-codspeed keeps its own workflow under perfgate: its
options, its ``addopts`` (xdist, coverage), its saved runs, and parameters of any type."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from perfgate.adapters.pytest_benchmark import PytestBenchmarkAdapter
from perfgate.adapters.registry import parse_inputs
from perfgate.model import Summary
from perfgate.pytest_plugin.saved import autosave_name, machine_id, parse_compare_fail, save_path

from .conftest import read_results, run_perfgate


def test_parameters_json_cannot_hold_are_kept_as_a_bounded_readable_repr(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_params="""
        import dataclasses
        import pytest

        @dataclasses.dataclass
        class Shape:
            rows: int
            cols: int

        class Opaque:
            pass

        @pytest.mark.parametrize("shape", [Shape(3, 4)], ids=["small"])
        @pytest.mark.parametrize("raw", [b"\\x00ab"])
        @pytest.mark.parametrize("big", [tuple(range(1000))])
        @pytest.mark.parametrize("thing", [Opaque()])
        def test_p(benchmark, shape, raw, big, thing):
            benchmark(len, raw)
        """
    )
    out = pytester.path / "out.json"
    run_perfgate(pytester, f"--perfgate-json={out}").assert_outcomes(passed=1)
    (r,) = (r for r in read_results(out).results if r.metric == "time")
    params = dict(r.benchmark.params)
    assert list(params) == ["thing", "big", "raw", "shape"]
    assert params["shape"] == "Shape(rows=3, cols=4)"
    assert params["raw"] == r"b'\x00ab'"
    assert params["thing"] == "<test_params.Opaque>"  # no address: the same text in every run
    assert (
        len(params["big"]) == 120 and params["big"].startswith("(0, 1, 2, ") and params["big"].endswith("…")
    )
    # pytest's own ids stay in the name
    assert r.benchmark.name.startswith("test_params.py::test_p[thing0-big0-")
    assert r.benchmark.name.endswith("-small]")


XDIST_SUITE = """
import os
import pathlib

def _where(name):
    pathlib.Path(name).write_text(os.environ.get("PYTEST_XDIST_WORKER", "main"))

def test_b(benchmark):
    benchmark(_where, "b.where")

def test_c(benchmark):
    benchmark(_where, "c.where")
"""


def test_xdist_in_addopts_runs_the_measured_suite_serially_and_says_so(pytester: pytest.Pytester) -> None:
    pytest.importorskip("xdist", reason="pytest-xdist is not installed")
    pytester.makepyfile(test_x=XDIST_SUITE)
    pytester.makeini("[pytest]\naddopts = --numprocesses=auto\n")
    out = pytester.path / "out.json"
    result = run_perfgate(pytester, f"--perfgate-json={out}")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        ["perfgate: measuring, so tests run serially in this process: pytest-xdist's -n * is set aside *"]
    )
    assert "workers" not in result.stdout.str()
    assert {(pytester.path / f).read_text() for f in ("b.where", "c.where")} == {"main"}
    quiet = run_perfgate(pytester, "-q", "--perfgate")  # no header under -q: the summary says it
    quiet.assert_outcomes(passed=2)
    quiet.stdout.fnmatch_lines(["perfgate: measuring, so tests run serially in this process: *"])
    times = [r for r in read_results(out).results if r.metric == "time"]
    assert sorted(r.benchmark.name for r in times) == ["test_x.py::test_b", "test_x.py::test_c"]
    assert all(r.error is None and r.summary is not None for r in times)


def test_xdist_distributes_as_usual_when_not_measuring(pytester: pytest.Pytester) -> None:
    pytest.importorskip("xdist", reason="pytest-xdist is not installed")
    pytester.makepyfile(test_x=XDIST_SUITE)
    result = run_perfgate(pytester, "-n", "2")
    result.assert_outcomes(passed=2)
    assert "set aside" not in result.stdout.str()
    assert {(pytester.path / f).read_text() for f in ("b.where", "c.where")} <= {"gw0", "gw1"}


def test_coverage_tracing_while_measuring_is_warned_with_the_remedy(pytester: pytest.Pytester) -> None:
    pytest.importorskip("pytest_cov", reason="pytest-cov is not installed")
    pytester.makepyfile(test_c="def test_b(benchmark):\n    benchmark(sorted, [3, 1, 2])\n")
    warning = (
        "perfgate: coverage was tracing calls while measuring: traced rounds include its cost and do not "
        "compare with untraced runs; measure in a run without coverage (add --no-cov, or drop --cov)"
    )
    result = run_perfgate(pytester, "--perfgate", "--cov=.")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*perfgate benchmarks*", warning])
    quiet = run_perfgate(pytester, "--perfgate", "--cov=.", "--no-cov")
    quiet.assert_outcomes(passed=1)
    quiet.stdout.fnmatch_lines(["*perfgate benchmarks*"])
    assert "coverage was tracing" not in quiet.stdout.str()


def test_pytest_codspeed_results_file_is_ingested(pytester: pytest.Pytester) -> None:
    pytest.importorskip("pytest_codspeed", reason="pytest-codspeed is not installed")
    pytester.makepyfile(
        test_cs="""
        import pytest

        @pytest.mark.benchmark
        def test_marked():
            sum(range(50))

        @pytest.mark.parametrize("n", [5, 50])
        def test_fixture(benchmark, n):
            benchmark(sorted, list(range(n)))
        """
    )
    result = pytester.runpytest_subprocess(
        "-p", "no:benchmark", "-p", "no:cacheprovider", "--codspeed", "--codspeed-mode=walltime",
        "--codspeed-warmup-time=0.01", "--codspeed-max-time=0.02",
    )  # fmt: skip
    result.assert_outcomes(passed=3)
    (written,) = (pytester.path / ".codspeed").glob("results_*.json")
    parsed = parse_inputs([written])  # detected by content, as `perfgate ingest` does
    assert parsed.source == "pytest-codspeed"
    names = sorted(r.benchmark.name for r in parsed.results)
    assert names == ["test_cs.py::test_fixture[50]", "test_cs.py::test_fixture[5]", "test_cs.py::test_marked"]
    assert all(r.metric == "time" and r.summary is not None and r.summary.median > 0 for r in parsed.results)


SAVE_SUITE = """
def test_sum(benchmark):
    benchmark(sum, range(100))

def test_sorted(benchmark):
    benchmark(sorted, [3, 1, 2])
"""


def _machine_dir(pytester: pytest.Pytester) -> Path:
    return pytester.path / ".benchmarks" / machine_id()


def test_benchmark_save_measures_and_writes_pytest_benchmarks_storage(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_s=SAVE_SUITE)
    result = run_perfgate(pytester, "--benchmark-save=base")
    result.assert_outcomes(passed=2)
    folder = _machine_dir(pytester)
    result.stdout.fnmatch_lines(
        [f"perfgate: saved 2 benchmark(s) to .benchmarks/{folder.name}/0001_base.json"]
    )
    parsed = PytestBenchmarkAdapter().parse(folder / "0001_base.json")
    assert sorted(r.benchmark.name for r in parsed.results) == [
        "test_s.py::test_sorted",
        "test_s.py::test_sum",
    ]
    assert all(len(r.samples) >= 3 for r in parsed.results)  # measured, with the per-round data

    # autosave numbers on, and --benchmark-compare reads the latest run saved before this one
    again = run_perfgate(pytester, "--benchmark-autosave", "--benchmark-compare")
    again.assert_outcomes(passed=2)
    (auto,) = (p.name for p in folder.glob("0002_*.json"))
    assert re.fullmatch(r"0002_unversioned_\d{8}_\d{6}\.json", auto)
    again.stdout.fnmatch_lines(
        [
            f"perfgate: compared with .benchmarks/{folder.name}/0001_base.json (median per call, saved -> now):",
            "  test_s.py::test_sorted  * -> *  [+-]*%",
            "  test_s.py::test_sum     * -> *  [+-]*%",
            f"perfgate: saved 2 benchmark(s) to .benchmarks/{folder.name}/{auto}",
        ]
    )


def test_compare_with_nothing_saved_yet_measures_and_says_so(pytester: pytest.Pytester) -> None:
    # a fresh checkout with `addopts = --benchmark-autosave --benchmark-compare`, as pytest-benchmark has it
    pytester.makepyfile(test_s=SAVE_SUITE)
    pytester.makeini("[pytest]\naddopts = --benchmark-autosave --benchmark-compare\n")
    result = run_perfgate(pytester)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(
        [
            "perfgate: --benchmark-compare: no saved run in .benchmarks/* to compare with (save one first "
            "with --benchmark-save NAME or --benchmark-autosave): nothing compared",
            "perfgate: saved 2 benchmark(s) to .benchmarks/*/0001_unversioned_*.json",
        ]
    )


def _saved_run(folder: Path, name: str, median: float) -> None:
    """A pytest-benchmark saved run claiming ``median`` seconds per call for test_s.py::test_sum (and a
    benchmark the suite no longer has)."""
    stats = {"min": median, "max": median, "mean": median, "median": median, "stddev": 0.0,
             "q1": median, "q3": median, "rounds": 5, "iterations": 1}  # fmt: skip
    benches = [{"group": None, "name": name, "fullname": f"test_s.py::{name}", "params": None, "stats": stats}
               for name in ("test_sum", "test_removed")]  # fmt: skip
    doc = {"machine_info": {}, "commit_info": {}, "benchmarks": benches, "datetime": "2026-01-01T00:00:00",
           "version": "5.1.0"}  # fmt: skip
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(json.dumps(doc))


def test_benchmark_compare_fail_turns_a_regression_into_exit_status_1(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_s=SAVE_SUITE)
    folder = _machine_dir(pytester)
    _saved_run(folder, "0001_fast.json", 1e-12)  # no real call is this fast: now is a regression
    _saved_run(folder, "0002_slow.json", 1000.0)  # nor this slow: now passes
    failed = run_perfgate(pytester, "--benchmark-compare=0001", "--benchmark-compare-fail=median:5%")
    assert failed.ret == pytest.ExitCode.TESTS_FAILED
    failed.assert_outcomes(passed=2)
    failed.stdout.fnmatch_lines(
        [
            "  test_s.py::test_sorted  new: *",
            "  test_s.py::test_sum     1.000 ps -> *",
            "  (1 saved benchmark(s) not run now)",
            "perfgate: performance has regressed (--benchmark-compare-fail median:5%):",
            "  test_s.py::test_sum: median +*% > 5%",
        ]
    )
    passed = run_perfgate(pytester, "--benchmark-compare", "--benchmark-compare-fail", "median:5%", "max:0.5")
    assert passed.ret == pytest.ExitCode.OK
    passed.stdout.fnmatch_lines([f"perfgate: compared with .benchmarks/{folder.name}/0002_slow.json *"])
    assert "regressed" not in passed.stdout.str()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--benchmark-compare", "--benchmark-compare-fail=median:5%"],
            "*perfgate: --benchmark-compare: no saved run in .benchmarks/* to compare with *",
        ),
        (
            ["--benchmark-compare=7", "--benchmark-compare-fail=median:5%"],
            "*perfgate: --benchmark-compare '7': no saved run in .benchmarks/* matches",
        ),
        (["--benchmark-compare-fail=median:5%"], "*--benchmark-compare-fail needs --benchmark-compare"),
        (
            ["--benchmark-compare", "test_s.py"],
            "*--benchmark-compare 'test_s.py' is a test path, not a saved*",
        ),
        (["--benchmark-compare", "--benchmark-compare-fail=p99:5%"], "*'p99:5%': unknown field 'p99'*"),
        (["--benchmark-save=a/b"], "*--benchmark-save 'a/b': the name must not contain '/'"),
        (["--benchmark-storage=elasticsearch+https://host"], "*only file:// storage is supported*"),
    ],
)
def test_saved_run_options_refuse_what_they_cannot_do(
    pytester: pytest.Pytester, args: list[str], message: str
) -> None:
    pytester.makepyfile(test_s=SAVE_SUITE)
    extra = ["--benchmark-compare"] if args[0].startswith("--benchmark-storage") else []
    result = run_perfgate(pytester, *args, *extra)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])


def test_compare_fail_expressions_read_as_pytest_benchmark_reads_them() -> None:
    saved = Summary(n=5, mean=1.0, median=1.0, min=0.9, max=1.2, stddev=0.1, q1=0.95, q3=1.05)
    now = Summary(n=5, mean=1.2, median=1.08, min=0.9, max=1.3, stddev=0.1, q1=1.0, q3=1.2)
    assert parse_compare_fail("median:5%").failure(saved, now) == "median +8.0% > 5%"
    assert parse_compare_fail("median:10%").failure(saved, now) is None
    assert parse_compare_fail("mean:0.1").failure(saved, now) == "mean +200.0 ms > 100.0 ms"
    assert parse_compare_fail("iqr:50%").failure(saved, now) == "iqr +100.0% > 50%"
    assert parse_compare_fail("min:0%").failure(saved, now) is None  # not grown
    assert parse_compare_fail("max:5").failure(saved, now) is None  # 5 seconds
    for bad in ("median", "p99:5%", "median:-5%", "median:5x", ":5%"):
        with pytest.raises(
            pytest.UsageError, match=rf"perfgate: --benchmark-compare-fail '{re.escape(bad)}': "
        ):
            parse_compare_fail(bad)


def test_saved_runs_are_numbered_after_the_highest_and_named_as_pytest_benchmark_names_them(
    tmp_path: Path,
) -> None:
    folder = tmp_path / machine_id()
    assert save_path(tmp_path, "first") == folder / "0001_first.json"
    folder.mkdir()
    (folder / "0007_old.json").write_text("{}")
    (folder / "notes.json").write_text("{}")
    assert save_path(tmp_path, "next") == folder / "0008_next.json"
    when = datetime(2026, 12, 1, 14, 5, 9, tzinfo=UTC)
    assert autosave_name("ab12" * 10, True, when) == "ab12" * 10 + "_20261201_140509_uncommitted-changes"
    assert autosave_name(None, False, when) == "unversioned_20261201_140509"
    assert machine_id().count("-") >= 3 and machine_id().endswith("bit")


def test_a_parameter_whose_repr_fails_is_named_by_its_type() -> None:
    from perfgate.pytest_plugin.session import _param_value

    class Broken:
        def __repr__(self) -> str:
            raise RuntimeError("no")

    assert _param_value(Broken()) == "<Broken: repr failed: RuntimeError>"
    assert _param_value("x" * 500) == "x" * 119 + "…"
