"""`perfgate merge`: the shards' run documents gated as one run, in a real repository (canned results)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from builders import make_result
from perfgate.gate import shard_tag
from perfgate.model import dumps_run

NAMES = [f"bench/test_b.py::test_{i}" for i in range(8)]
BASE = [1.0e-3, 1.1e-3, 0.95e-3, 1.05e-3, 1.02e-3, 0.99e-3, 1.01e-3, 0.98e-3, 1.03e-3, 0.97e-3]
SLOW = "bench/test_b.py::test_3"


def result(name: str, factor: float = 1.0, error: str | None = None):
    if error:
        return make_result(name, error=error)
    return make_result(name, samples=[v * factor for v in BASE])


def setup(clone, runs, tmp_path: Path):
    """A project whose main has a stored baseline run at commit A, and a whole run R of commit B (one
    benchmark twice as slow), split into four shards' documents."""
    p = clone("p")
    a = p.git("rev-parse", "HEAD")
    p.write("README", "B\n")
    b = p.commit("B")
    baseline = runs(commit=a, tier="fast", results=[result(n) for n in NAMES])
    p.add(baseline)
    whole = runs(commit=b, tier="fast", results=[result(n, 2.0 if n == SLOW else 1.0) for n in NAMES])
    files = []
    for k in range(1, 5):
        part = tuple(r for i, r in enumerate(whole.results) if i % 4 == k - 1)
        shard = replace(runs(commit=b, tier="fast"), results=part, tags=(shard_tag(k, 4),))
        f = tmp_path / f"shard-{k}.json"
        f.write_text(dumps_run(shard))
        files.append(f)
    return p, whole, files


def statuses(report: dict) -> dict[tuple[str, str], str]:
    return {(v["benchmark"], v["metric"]): v["status"] for v in report["verdicts"]}


def test_merge_gates_like_the_unsharded_run(clone, runs, tmp_path):
    p, whole, files = setup(clone, runs, tmp_path)
    merged = p.perfgate_here("merge", *map(str, files), "--format", "json")
    assert merged.code == 1, merged.stderr
    assert "merged from 4 shard(s)" in merged.stderr
    m = json.loads(merged.stdout)
    (tmp_path / "whole.json").write_text(dumps_run(whole))
    direct = p.perfgate_here("ingest", str(tmp_path / "whole.json"), "--gate", "--format", "json")
    assert direct.code == 1, direct.stderr
    d = json.loads(direct.stdout)
    assert statuses(m) == statuses(d)
    assert statuses(m)[(SLOW, "time")] == "regression"
    assert m["baseline"]["run_ids"] == d["baseline"]["run_ids"]
    assert m["run"]["n_results"] == 8
    assert not any(t.startswith("shard:") for t in m["run"]["tags"])
    assert p.run_ids() == {m["run"]["id"], d["run"]["id"], *d["baseline"]["run_ids"]}


def test_a_benchmark_no_shard_ran_is_missing_and_fails(clone, runs, tmp_path):
    p, _, files = setup(clone, runs, tmp_path)
    # shard 4 never arrived; only shard 1 is judged beside it here (no regression in it)
    res = p.perfgate_here(
        "merge", str(files[0]), str(files[1]), str(files[2]), "--format", "json", "--no-store"
    )
    assert res.code == 1, res.stderr
    report = json.loads(res.stdout)
    assert statuses(report)[(NAMES[7], "time")] == "missing"
    assert any("4/4 not merged" in n for n in report["notes"])


def test_a_benchmark_that_failed_in_its_shard_is_failed(clone, runs, tmp_path):
    p, _, files = setup(clone, runs, tmp_path)
    shard = json.loads(files[0].read_text())
    broken = runs(commit=shard["run"]["git"]["commit"], tier="fast")
    broken = replace(broken, results=(result(NAMES[0], error="RuntimeError: boom"),), tags=(shard_tag(1, 4),))
    files[0].write_text(dumps_run(broken))
    res = p.perfgate_here("merge", *map(str, files), "--format", "json", "--no-store")
    assert res.code == 1
    assert statuses(json.loads(res.stdout))[(NAMES[0], "time")] == "failed"


def test_shards_of_different_commits_are_refused_naming_the_files(clone, runs, tmp_path):
    p, _, files = setup(clone, runs, tmp_path)
    other = json.loads(files[1].read_text())
    other["run"]["git"]["commit"] = "f" * 40
    files[1].write_text(json.dumps(other))
    before = p.run_ids()
    res = p.perfgate_here("merge", *map(str, files))
    assert res.code == 2
    assert len(res.stderr.splitlines()) == 1
    assert "shard-1.json" in res.stderr and "shard-2.json" in res.stderr and "different commits" in res.stderr
    assert p.run_ids() == before  # nothing stored


def test_a_benchmark_in_two_shards_is_refused(clone, runs, tmp_path):
    p, _, files = setup(clone, runs, tmp_path)
    res = p.perfgate_here("merge", str(files[0]), str(files[0]))
    assert res.code == 2
    assert "both shard 1/4" in res.stderr
    dup = json.loads(files[1].read_text())
    dup["run"]["tags"] = []
    dup["run"]["results"].append(json.loads(files[0].read_text())["run"]["results"][0])
    files[1].write_text(json.dumps(dup))
    res = p.perfgate_here("merge", *map(str, files))
    assert res.code == 2
    assert f"{NAMES[0]} [time] is in" in res.stderr and "a benchmark belongs to one shard" in res.stderr


def test_a_shard_run_is_compared_only_on_what_it_ran(clone, runs, tmp_path):
    p, _, files = setup(clone, runs, tmp_path)
    shard = p.perfgate_here("ingest", str(files[3]), "--gate", "--format", "json")  # shard 4: test_3, test_7
    assert shard.code == 1, shard.stderr  # its regression counts
    report = json.loads(shard.stdout)
    assert set(statuses(report)) == {(NAMES[3], "time"), (NAMES[7], "time")}  # nothing "missing"
    assert any("6 other benchmark(s) of the baseline not run in this shard" in n for n in report["notes"])
