"""A benchmark test that fails, in any phase and in any pass, is a failed Result (issue 9, case 1)."""

from __future__ import annotations

import pytest

from gitproject import GitProject

from .conftest import read_results, run_perfgate

FAILING = """
import os

import pytest

COUNT = os.environ.get("PASS_LOG", "")


@pytest.fixture
def breaks_on_teardown():
    yield 1
    raise OSError("disk gone at teardown")


@pytest.fixture
def broken():
    raise OSError("no such device")


def test_after(benchmark):
    assert benchmark(sum, [1, 2]) == 4


def test_teardown(benchmark, breaks_on_teardown):
    benchmark(lambda: None)


@pytest.mark.benchmark
def test_body_after(breaks_on_teardown):
    sum([1, 2])


@pytest.mark.benchmark
def test_body_setup(broken):
    sum([1, 2])


def test_later_pass(benchmark):
    n = int(open(COUNT).read()) if os.path.exists(COUNT) else 0
    open(COUNT, "w").write(str(n + 1))
    value = benchmark(lambda: n)
    assert value != 2, "third pass checks after measuring"


def test_ok(benchmark):
    assert benchmark(sum, [1, 2]) == 3
"""


def test_a_test_that_fails_in_any_phase_or_pass_is_a_failed_result(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(test_fail=FAILING)
    monkeypatch.setenv("PASS_LOG", str(pytester.path / "count.txt"))
    out = pytester.path / "out.json"
    result = run_perfgate(
        pytester,
        "--benchmark-max-time=0.1",
        "--perfgate-passes=4",
        "--perfgate-memory",
        f"--perfgate-json={out}",
    )
    result.assert_outcomes(passed=4, failed=1, errors=3)
    result.stdout.fnmatch_lines(["*test_fail.py::test_after*FAILED: AssertionError: assert 3 == 4"])
    results = read_results(out).results
    by_name = {r.benchmark.name.split("::")[-1]: r for r in results if r.metric == "time"}
    assert by_name["test_after"].error == "AssertionError: assert 3 == 4"
    assert by_name["test_teardown"].error == "teardown: OSError: disk gone at teardown"
    assert by_name["test_body_after"].error == "teardown: OSError: disk gone at teardown"
    assert by_name["test_body_setup"].error == "setup: OSError: no such device"
    later = by_name["test_later_pass"]
    assert later.error is not None
    assert later.error.startswith("failed in a later pass: AssertionError: third pass checks after measuring")
    assert by_name["test_ok"].ok
    # A failed benchmark has no other metric that could pass for a measurement.
    failed = {name for name, r in by_name.items() if r.error is not None}
    assert {r.benchmark.name.split("::")[-1] for r in results if r.metric != "time"}.isdisjoint(failed)


PYPROJECT = """\
[project]
name = "failing"

[tool.pytest.ini_options]
testpaths = ["bench"]

[tool.perfgate]
benchmarks = ["bench"]
main_branch = "main"

[tool.perfgate.tiers.fast]
max_time = "0.05s"
"""

BENCH = """\
def test_sum(benchmark):
    assert benchmark(sum, [1, 2]) == {expected}
"""


@pytest.mark.measuring
def test_perfgate_run_fails_the_gate_on_a_benchmark_test_that_fails_after_measuring(tmp_path) -> None:
    p = GitProject(tmp_path / "proj", testbed="failing")
    p.init()
    p.write("pyproject.toml", PYPROJECT)
    p.write(".gitignore", ".perfgate/\n__pycache__/\n")
    p.write("bench/test_sum.py", BENCH.format(expected=3))
    p.commit("A")
    first = p.perfgate("run", "--tier", "fast", "--format", "json")
    assert first.code == 0, first.stderr
    p.write("bench/test_sum.py", BENCH.format(expected=4))
    p.commit("B: the check after measuring fails")
    second = p.perfgate("run", "--tier", "fast", "--format", "json")
    assert second.code == 1, (second.stdout, second.stderr)
    (verdict,) = [v for v in second.json()["verdicts"] if v["metric"] == "time"]
    assert verdict["status"] == "failed"
