"""More than time, async, pytest-benchmark's JSON and suites, the shared budget: through pytester."""

from __future__ import annotations

import contextlib
import io
import json
import os

import pytest

from perfgate.adapters.pytest_benchmark import PytestBenchmarkAdapter
from perfgate.cli.main import main
from perfgate.model import Direction

from .conftest import read_results, run_perfgate


def test_cpu_time_throughput_and_memory_are_results_of_their_own(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_more="""
        import pytest

        def test_bytes(benchmark):
            benchmark.extra_info["bytes"] = 4096
            benchmark(bytes, 4096)

        @pytest.mark.benchmark(items=100, memory=True)
        def test_items(benchmark):
            benchmark(lambda: [0] * 100)

        @pytest.mark.benchmark(memory=True)
        def test_body():
            bytearray(1_000_000)
        """
    )
    out = pytester.path / "out.json"
    run_perfgate(pytester, f"--perfgate-json={out}").assert_outcomes(passed=3)
    got = {(r.benchmark.name.split("::")[1], r.metric): r for r in read_results(out).results}
    assert set(got) == {
        ("test_bytes", "time"), ("test_bytes", "cpu_time"), ("test_bytes", "throughput"),
        ("test_items", "time"), ("test_items", "cpu_time"), ("test_items", "item_throughput"),
        ("test_items", "peak_memory"), ("test_items", "allocations"),
        ("test_body", "time"), ("test_body", "cpu_time"), ("test_body", "peak_memory"), ("test_body", "allocations"),
    }  # fmt: skip
    time, rate = got[("test_bytes", "time")], got[("test_bytes", "throughput")]
    assert (rate.unit, rate.direction) == ("B/s", Direction.HIGHER)
    assert rate.samples == pytest.approx([4096 / t for t in time.samples])
    items = got[("test_items", "item_throughput")]
    assert (items.unit, items.direction) == ("items/s", Direction.HIGHER)
    cpu = got[("test_items", "cpu_time")]
    assert (cpu.unit, cpu.direction, cpu.rounds) == ("s", Direction.LOWER, got[("test_items", "time")].rounds)
    peak = got[("test_body", "peak_memory")]
    assert peak.unit == "B" and peak.summary is not None and peak.summary.median >= 1_000_000
    assert got[("test_items", "peak_memory")].summary.median >= 800  # type: ignore[union-attr]
    assert got[("test_items", "allocations")].unit == "count"
    # two traced batches per benchmark and session (two samples), also when the timing is spread
    assert len(peak.samples) == 2 and got[("test_items", "allocations")].rounds == 2


LEAKY = """
import pytest

KEPT = []


def leak():
    for i in range(10):
        KEPT.append({"i": i})


def nothing():
    return None


@pytest.mark.benchmark(memory=True)
def test_leak_fixture(benchmark):
    benchmark(leak)


@pytest.mark.benchmark(memory=True)
def test_leak_args(benchmark):
    benchmark(lambda n: leak() if n else None, 1)


@pytest.mark.benchmark(memory=True)
def test_leak_pedantic(benchmark):
    benchmark.pedantic(leak, rounds=20, iterations=10)


@pytest.mark.benchmark(memory=True)
def test_leak_pedantic_setup(benchmark):
    benchmark.pedantic(leak, setup=lambda: None, rounds=20)


@pytest.mark.benchmark(memory=True)
def test_leak_marker():
    leak()


@pytest.mark.benchmark(memory=True)
def test_nothing_fixture(benchmark):
    benchmark(nothing)


@pytest.mark.benchmark(memory=True)
def test_nothing_marker():
    nothing()
"""


def test_allocations_count_what_one_call_keeps_whatever_the_call_form(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_leaky=LEAKY)
    out = pytester.path / "out.json"
    run_perfgate(pytester, f"--perfgate-json={out}").assert_outcomes(passed=7)
    got = {r.benchmark.name.split("::")[1]: r for r in read_results(out).results if r.metric == "allocations"}
    assert len(got) == 7
    for name, r in got.items():
        assert len(r.samples) == 2, name  # measured twice: a comparison can see whether it repeats
        assert r.extra["counts"] == "blocks retained per call"
    # 10 dicts (and their keys) kept per call, however the function is called
    leaks = {name: r.samples for name, r in got.items() if "leak" in name}
    for name, samples in leaks.items():
        assert min(samples) >= 10, (name, samples)
    assert leaks["test_leak_fixture"] == leaks["test_leak_marker"] == leaks["test_leak_args"]
    assert leaks["test_leak_fixture"][0] == leaks["test_leak_fixture"][1]  # a deterministic count repeats
    for name in ("test_nothing_fixture", "test_nothing_marker"):
        assert max(got[name].samples) < 0.5, (name, got[name].samples)


def test_memory_for_every_benchmark_with_the_option(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_m(benchmark):\n    benchmark(list, range(1000))\n")
    out = pytester.path / "out.json"
    run_perfgate(pytester, "--perfgate-memory", f"--perfgate-json={out}").assert_outcomes(passed=1)
    assert {r.metric for r in read_results(out).results} == {"time", "cpu_time", "peak_memory", "allocations"}


def test_a_bad_amount_per_call_is_a_clear_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        "import pytest\n\n@pytest.mark.benchmark(bytes='lots')\ndef test_b(benchmark):\n    benchmark(len, 'x')\n"
    )
    result = run_perfgate(pytester, "--perfgate")
    result.stdout.fnmatch_lines(["*bytes per call must be a number > 0, got 'lots'*"])


def test_async_functions_and_async_bodies_are_awaited(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_async="""
        import asyncio
        import pytest

        async def fetch(x):
            await asyncio.sleep(0)
            return x * 2

        def test_fixture(benchmark):
            assert benchmark(fetch, 21) == 42

        def test_pedantic(benchmark):
            assert benchmark.pedantic(fetch, args=(2,), rounds=3, iterations=2) == 4

        @pytest.mark.benchmark
        async def test_body():
            assert await fetch(1) == 2
        """
    )
    out = pytester.path / "out.json"
    run_perfgate(pytester, f"--perfgate-json={out}").assert_outcomes(passed=3)
    times = {r.benchmark.name.split("::")[1]: r for r in read_results(out).results if r.metric == "time"}
    assert set(times) == {"test_fixture", "test_pedantic", "test_body"}
    assert all(r.ok and r.summary is not None and r.summary.median > 0 for r in times.values())
    assert times["test_pedantic"].rounds == 3


def test_async_benchmarks_run_once_when_not_measuring(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        "async def co():\n    return 5\n\ndef test_a(benchmark):\n    assert benchmark(co) == 5\n"
    )
    pytester.runpytest_subprocess("-p", "no:benchmark").assert_outcomes(passed=1)


def test_benchmark_json_is_pytest_benchmarks_format_and_its_adapter_reads_it(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        test_pb="""
        import pytest

        @pytest.mark.parametrize("n", [10, 100])
        def test_sum(benchmark, n):
            benchmark.extra_info["n"] = n
            benchmark(sum, range(n))

        @pytest.mark.benchmark(group="g")
        def test_grouped(benchmark):
            benchmark(len, "abc")
        """
    )
    pb = pytester.path / "pb.json"
    run_perfgate(pytester, f"--benchmark-json={pb}").assert_outcomes(passed=3)

    doc = json.loads(pb.read_text())
    assert set(doc) == {"machine_info", "commit_info", "benchmarks", "datetime", "version"}
    first = doc["benchmarks"][0]
    assert first["fullname"] == "test_pb.py::test_sum[10]" and first["name"] == "test_sum[10]"
    assert first["param"] == "10" and first["params"] == {"n": "10"}
    stats = first["stats"]
    for key in ("min", "max", "mean", "stddev", "rounds", "median", "iqr", "q1", "q3", "iqr_outliers",
                "stddev_outliers", "outliers", "ld15iqr", "hd15iqr", "ops", "total", "data", "iterations"):  # fmt: skip
        assert key in stats
    assert len(stats["data"]) == stats["rounds"]

    adapter = PytestBenchmarkAdapter()
    assert adapter.sniff(pb, pb.read_text()[:4096])
    parsed = adapter.parse(pb)
    by_name = {r.benchmark.name: r for r in parsed.results}
    assert set(by_name) == {
        "test_pb.py::test_sum[10]",
        "test_pb.py::test_sum[100]",
        "test_pb.py::test_grouped",
    }
    assert by_name["test_pb.py::test_grouped"].benchmark.group == "g"
    assert by_name["test_pb.py::test_sum[10]"].summary.median == pytest.approx(stats["median"])  # type: ignore[union-attr]
    assert by_name["test_pb.py::test_sum[10]"].extra["n"] == 10


PB_SUITE = """
import json

import pytest

def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)

def test_call(benchmark):
    assert benchmark(fib, 10) == 55
    assert benchmark.stats["median"] > 0
    assert benchmark.stats.stats.mean > 0
    assert benchmark.stats["rounds"] >= 1

def test_kwargs(benchmark):
    assert benchmark(sorted, [3, 1, 2], reverse=True) == [3, 2, 1]

def test_pedantic_setup_args_kwargs(benchmark):
    calls = []

    def setup():
        calls.append(1)
        return (list(range(50)),), {"reverse": True}

    result = benchmark.pedantic(sorted, setup=setup, rounds=5, warmup_rounds=2)
    assert result[0] == 49
    assert len(calls) == 7
    assert benchmark.stats["rounds"] == 5

def test_pedantic_iterations(benchmark):
    benchmark.pedantic(fib, args=(5,), iterations=10, rounds=3)
    assert benchmark.stats.stats.iterations == 10

@pytest.mark.benchmark(group="strings", min_time=0.0001, max_time=0.01, min_rounds=3, timer=None,
                       disable_gc=True, warmup=False, warmup_iterations=10, calibration_precision=10)
def test_marker_options(benchmark):
    benchmark.extra_info["note"] = "hello"
    benchmark(str.upper, "abc")
    assert benchmark.group == "strings"

def test_not_a_benchmark():
    assert fib(3) == 2
"""


def test_a_suite_written_for_pytest_benchmark_runs_unchanged(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_suite=PB_SUITE)
    pytester.makeini(
        "[pytest]\naddopts = --benchmark-columns=min,max --benchmark-sort=name --benchmark-autosave\n"
    )
    pb = pytester.path / "out" / "pb.json"
    result = run_perfgate(pytester, "--benchmark-only", "--benchmark-disable-gc", f"--benchmark-json={pb}")
    result.assert_outcomes(passed=5, skipped=1)
    parsed = PytestBenchmarkAdapter().parse(pb)
    assert len(parsed.results) == 5


def test_the_budget_is_shared_among_the_benchmarks_still_to_run(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_share="""
        import pytest

        @pytest.mark.parametrize("i", range(3))
        def test_b(benchmark, i):
            benchmark(sum, range(100))
        """
    )
    out = pytester.path / "out.json"
    # max-time far above the budget: without sharing the first benchmark would take it all
    result = pytester.runpytest_subprocess(
        "-p", "no:benchmark", "-p", "no:cacheprovider", "--benchmark-max-time=100", "--perfgate-precision=0",
        "--benchmark-warmup=no", "--perfgate-budget=3", f"--perfgate-json={out}",
    )  # fmt: skip
    result.assert_outcomes(passed=3)
    doc = read_results(out)
    times = [r for r in doc.results if r.metric == "time"]
    assert len(times) == 3
    assert all(r.ok for r in times)
    assert [r.extra["stopped_by"] for r in times[:2]] == ["budget-share", "budget-share"]


def test_random_is_seeded_per_benchmark(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_rand="""
        import random

        def test_r(benchmark):
            benchmark.extra_info["first"] = random.random()
            benchmark(random.random)
        """
    )
    firsts = []
    for i in range(2):
        out = pytester.path / f"out{i}.json"
        run_perfgate(pytester, f"--perfgate-json={out}").assert_outcomes(passed=1)
        (r,) = [x for x in read_results(out).results if x.metric == "time"]
        firsts.append(r.extra["extra_info"]["first"])

    assert firsts[0] == firsts[1]


SAME_RUN = """
import pytest


class Generated:
    def __init__(self):
        self._fn = None

    def __call__(self, n):
        if self._fn is None:  # the first call generates code, as some real libraries do
            ns = {}
            exec("def f(n):\\n    return sum(range(n))", ns)
            self._fn = ns["f"]
        return self._fn(n)


@pytest.mark.parametrize("n", [10, 1000])
def test_sum(benchmark, n):
    benchmark(sum, range(n))


def test_generated(benchmark):
    benchmark(Generated(), 100)


def test_pedantic(benchmark):
    benchmark.pedantic(sorted, args=(list(range(100, 0, -1)),), rounds=30, iterations=10)
"""


def test_benchmark_json_describes_the_same_measurement_as_perfgates_own(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_same=SAME_RUN)
    ours, pb = pytester.path / "ours.json", pytester.path / "pb.json"
    run_perfgate(
        pytester, "--benchmark-max-time=0.2", f"--perfgate-json={ours}", f"--benchmark-json={pb}"
    ).assert_outcomes(passed=4)
    mine = {r.benchmark.name: r for r in read_results(ours).results if r.metric == "time"}
    theirs = {b["fullname"]: b["stats"] for b in json.loads(pb.read_text())["benchmarks"]}
    assert set(theirs) == set(mine)
    for name, stats in theirs.items():
        r = mine[name]
        assert r.summary is not None
        # The same data, not a second timing: equal up to float rounding.
        assert stats["median"] == pytest.approx(r.summary.median, rel=1e-12), name
        assert stats["data"] == pytest.approx(list(r.samples), rel=1e-12), name
        assert stats["rounds"] == len(stats["data"]) and stats["iterations"] == r.iterations, name
    # `perfgate compare` of the two files, in this process (reading files is logic, not a process's)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(
            ["compare", str(ours), str(pb), "--format", "json", "--store", str(pytester.path / "store.db")],
            cwd=pytester.path, environ=dict(os.environ), stdout=out,
        )  # fmt: skip
    assert code == 0, err.getvalue()
    statuses = {
        v["benchmark"]: v["status"] for v in json.loads(out.getvalue())["verdicts"] if v["metric"] == "time"
    }
    assert set(statuses) == set(mine)
    assert "regression" not in statuses.values() and "improvement" not in statuses.values(), statuses
