"""``--perfgate-passes``: each benchmark measured in several passes through the suite, rounds pooled;
``--perfgate-rounds-per-sample``: samples as the best of rounds spread over the measurement."""

from __future__ import annotations

from pathlib import Path

import pytest

from perfgate.measure.spread import sample_groups
from perfgate.model import RunStatus

from .conftest import read_results, run_perfgate

SUITE = """
import os
import time

import pytest

LOG = os.environ["PASS_LOG"]


def log(what):
    with open(LOG, "a") as f:
        f.write(what + "\\n")


@pytest.fixture(scope="session")
def shared():
    log("session-setup")
    yield 3
    log("session-teardown")


@pytest.fixture
def per_test():
    log("function-setup")
    return 2


@pytest.mark.benchmark(memory=True)
def test_fast(benchmark, shared, per_test):
    log("fast-body")
    assert benchmark(lambda: sum(range(shared * per_test))) == 15


def test_slow(benchmark):
    log("slow-body")
    benchmark(time.sleep, 0.01)  # 10 ms a call: 20 rounds would take 8 passes of 25 ms, beyond 3


def test_plain():
    log("plain-body")
"""


def _log(pytester: pytest.Pytester) -> list[str]:
    return (pytester.path / "log.txt").read_text().splitlines()


def _run_suite(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, *args: str
) -> tuple[pytest.RunResult, Path]:
    """SUITE measured with ``args``; the results document's path comes back with the run."""
    pytester.makepyfile(test_suite=SUITE)
    monkeypatch.setenv("PASS_LOG", str(pytester.path / "log.txt"))
    out = pytester.path / "out.json"
    return run_perfgate(pytester, *args, f"--perfgate-json={out}"), out


def test_fast_benchmarks_run_in_every_pass_and_pool_their_rounds(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    result, out = _run_suite(pytester, monkeypatch, "--benchmark-max-time=0.1", "--perfgate-passes=4")
    assert result.ret == 0, result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            "*4 passes*",
            "*perfgate: 3 more passes over 1 benchmark(s), to spread their rounds: 2 3 4",
            "*3 passed*",
        ]
    )
    log = _log(pytester)
    assert log.count("fast-body") == 4  # once per pass
    assert log.count("slow-body") == 1  # measured in full in the first pass
    assert log.count("plain-body") == 1  # not a benchmark: run once
    assert log.count("function-setup") == 4
    # set up for pytest's own pass, and once more for the later passes together
    assert log.count("session-setup") == log.count("session-teardown") == 2
    doc = read_results(out)
    times = {r.benchmark.name: r for r in doc.results if r.metric == "time"}
    fast, slow = times["test_suite.py::test_fast"], times["test_suite.py::test_slow"]
    assert fast.extra["passes"] == 4
    assert slow.extra["passes"] == 1
    assert fast.rounds is not None and len(fast.samples) == sample_groups(fast.rounds)
    cpu = {r.benchmark.name: r for r in doc.results if r.metric == "cpu_time"}
    assert cpu["test_suite.py::test_fast"].rounds == fast.rounds
    # the memory pass is one traced call per session, not one per pass
    (peak,) = [r for r in doc.results if r.metric == "peak_memory"]
    assert len(peak.samples) == 2 and peak.extra.get("passes", 1) == 1  # two traced batches, pass 1 only


def test_a_benchmark_failing_in_a_later_pass_is_recorded_as_failed(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(
        test_flaky="""
        import os

        COUNT = os.environ["PASS_LOG"]

        def test_flaky(benchmark):
            n = int(open(COUNT).read()) if os.path.exists(COUNT) else 0
            open(COUNT, "w").write(str(n + 1))
            if n == 2:
                raise RuntimeError("third time unlucky")
            benchmark(lambda: None)
        """
    )
    monkeypatch.setenv("PASS_LOG", str(pytester.path / "count.txt"))
    out = pytester.path / "out.json"
    result = run_perfgate(
        pytester, "--benchmark-max-time=0.1", "--perfgate-passes=4", f"--perfgate-json={out}"
    )
    assert result.ret == 0  # pytest's own pass succeeded; the failure is in the results
    (r,) = [r for r in read_results(out).results if r.metric == "time"]
    assert r.error == "failed in a later pass: RuntimeError: third time unlucky"
    assert r.summary is None


def test_one_pass_and_one_round_per_sample_give_every_round_as_a_sample(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    result, out = _run_suite(
        pytester, monkeypatch, "--perfgate-passes=1", "--perfgate-rounds-per-sample=1", "-k", "fast"
    )
    assert result.ret == 0, result.stdout.str()
    assert "more passes" not in result.stdout.str()
    assert _log(pytester).count("fast-body") == 1
    (r,) = [r for r in read_results(out).results if r.metric == "time"]
    assert r.rounds == len(r.samples)
    assert "rounds_per_sample" not in r.extra and r.extra["passes"] == 1


def test_pedantic_rounds_stay_as_the_suite_fixed_them(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_ped="""
        def test_ped(benchmark):
            benchmark.pedantic(sum, args=(range(50),), rounds=40, iterations=3)
        """
    )
    out = pytester.path / "out.json"
    result = run_perfgate(pytester, "--perfgate-passes=4", f"--perfgate-json={out}")
    assert result.ret == 0, result.stdout.str()
    (r,) = [r for r in read_results(out).results if r.metric == "time"]
    assert r.rounds == len(r.samples) == 40
    assert r.extra.get("passes", 1) == 1


def test_bad_values_are_usage_errors(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_x="def test_x(): pass")
    result = run_perfgate(pytester, "--perfgate", "--perfgate-passes=0")
    assert result.ret == 4
    result.stderr.fnmatch_lines(["*--perfgate-passes*"])


def test_under_a_budget_the_later_passes_share_what_is_left_and_the_run_stays_complete(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # ten passes of 0.6 s would take 6 s; the budget is 3 s for the whole session
    result, out = _run_suite(
        pytester, monkeypatch, "--benchmark-max-time=6", "--perfgate-passes=10", "--perfgate-budget=3",
        "-k", "fast",
    )  # fmt: skip
    assert result.ret == 0, result.stdout.str()
    log = _log(pytester)
    assert log.count("session-setup") == log.count("session-teardown")
    doc = read_results(out)
    assert doc.status is RunStatus.COMPLETE  # every benchmark was measured; later passes only add
    (fast,) = [r for r in doc.results if r.metric == "time"]
    assert fast.error is None and fast.extra["passes"] == log.count("fast-body") > 1
    assert "skipped, the run is partial" not in result.stdout.str()
