"""`--perfgate-shard K/N`: the selected benchmarks split over N jobs, each exactly once, deterministically."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from perfgate.invocation import shard_options
from perfgate.pytest_plugin.shard import assign

from .conftest import read_results, run_perfgate

SUITE = """\
import pytest


@pytest.mark.parametrize("n", range(7))
def test_param(benchmark, n):
    benchmark(sum, range(n))


def test_alone(benchmark):
    benchmark(len, "x")


@pytest.mark.benchmark
def test_marked():
    sum(range(10))


def test_slow_one(benchmark):
    benchmark(sum, range(3))


def test_not_a_benchmark():
    assert True
"""
BENCHMARKS = 10  # 7 + 1 + 1 + 1


def collected(pytester: pytest.Pytester, *args: str) -> list[str]:
    """The node ids a pytest session with ``args`` keeps (from --collect-only -q)."""
    res = run_perfgate(pytester, "--collect-only", "-q", *args)
    assert res.ret == 0, res.stderr.str()
    return [ln for ln in res.outlines if "::" in ln]


def test_four_shards_cover_every_benchmark_once(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_suite=SUITE)
    everything = collected(pytester)
    shards = [collected(pytester, "--perfgate-shard", f"{k}/4") for k in range(1, 5)]
    bench = [n for n in everything if "not_a_benchmark" not in n]
    assert len(bench) == BENCHMARKS
    kept = [n for s in shards for n in s if "not_a_benchmark" not in n]
    assert sorted(kept) == sorted(bench)  # each benchmark in exactly one shard
    assert sorted(len(s) - 1 for s in shards) == [2, 2, 3, 3]  # balanced by count without durations
    assert all(any("not_a_benchmark" in n for n in s) for s in shards)  # other tests: --benchmark-only's
    again = [collected(pytester, "--perfgate-shard", f"{k}/4") for k in range(1, 5)]
    assert again == shards  # deterministic


def test_the_split_follows_selection(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_suite=SUITE)
    shards = [collected(pytester, "-k", "param", "--perfgate-shard", f"{k}/2") for k in (1, 2)]
    assert sorted(n for s in shards for n in s) == sorted(collected(pytester, "-k", "param"))
    assert sorted(len(s) for s in shards) == [3, 4]


def test_durations_balance_the_shards(pytester: pytest.Pytester, tmp_path: Path) -> None:
    pytester.makepyfile(test_suite=SUITE)
    ids = {n.rpartition("::")[2]: n for n in collected(pytester)}  # node ids as this rootdir makes them
    durations = {n: 1.0 for n in ids.values()} | {ids["test_slow_one"]: 60.0}
    path = tmp_path / "durations.json"
    path.write_text(json.dumps(durations))
    first = collected(pytester, *shard_options((1, 2), path))  # as `perfgate run --shard 1/2` passes them
    # the 60 s benchmark alone fills shard 1; the nine others (1 s each) share shard 2
    assert [n for n in first if "not_a_benchmark" not in n] == [ids["test_slow_one"]]


def test_a_shard_measures_only_its_benchmarks(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_suite=SUITE)
    out = pytester.path / "r.json"
    res = run_perfgate(pytester, "--benchmark-only", f"--perfgate-json={out}", "--perfgate-shard", "2/3")
    assert res.ret == 0, res.stderr.str()
    res.stdout.fnmatch_lines(["perfgate: shard 2/3 of the selected benchmarks (by node id)"])
    names = {r.benchmark.name for r in read_results(out).results}
    expected = collected(pytester, "--perfgate-shard", "2/3")
    assert names == {n for n in expected if "not_a_benchmark" not in n}


@pytest.mark.parametrize("spec", ["0/4", "5/4", "2", "a/b", "1/0"])
def test_a_bad_shard_is_a_usage_error(pytester: pytest.Pytester, spec: str) -> None:
    pytester.makepyfile(test_suite=SUITE)
    res = run_perfgate(pytester, "--collect-only", "--perfgate-shard", spec)
    assert res.ret == pytest.ExitCode.USAGE_ERROR
    res.stderr.fnmatch_lines([f"*--perfgate-shard: expected K/N with 1 <= K <= N*{spec}*"])


def test_assign_on_literal_inputs() -> None:
    ids = [f"t.py::b{i}" for i in range(6)]
    shards = assign(ids, 3)
    assert sorted(shards) == [0, 0, 1, 1, 2, 2]
    assert assign(list(reversed(ids)), 3) == list(reversed(shards))  # order of collection does not matter
    weighted = assign(["a", "b", "c", "d"], 2, {"a": 5.0, "b": 3.0, "c": 2.0})  # d: the mean, 3.33
    # longest first to the lightest shard: a (5) -> 0, d (unknown: the mean, 3.33) -> 1, b (3) -> 1, c (2) -> 0
    assert weighted == [0, 1, 0, 1]


@given(
    ids=st.lists(st.text(min_size=1, max_size=12), unique=True, max_size=40),
    count=st.integers(1, 6),
    data=st.data(),
)
def test_assign_partitions_deterministically_whatever_the_order(ids, count, data) -> None:
    shards = assign(ids, count)
    assert all(0 <= s < count for s in shards)
    sizes = [shards.count(k) for k in range(count)]
    assert max(sizes) - min(sizes) <= 1  # without durations: balanced by count
    shuffled = data.draw(st.permutations(ids))
    again = dict(zip(shuffled, assign(shuffled, count), strict=True))
    assert again == dict(zip(ids, shards, strict=True))  # the same split in every job
