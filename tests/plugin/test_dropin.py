"""A suite written for pytest-benchmark or pytest-codspeed keeps its own workflow under perfgate: its
options, its ``addopts`` (xdist, coverage), its saved runs, and parameters of any type."""

from __future__ import annotations

import pytest

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
        "perfgate: coverage was tracing every call while measuring: the times include its cost and do not "
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
    from perfgate.adapters.registry import parse_inputs

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
