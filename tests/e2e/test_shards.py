"""`perfgate run --shard K/N --export FILE` in N jobs, then `perfgate merge`: measured for real."""

from __future__ import annotations

import json

import pytest


@pytest.mark.measuring
def test_two_shards_measure_the_suite_once_and_merge_into_one_stored_run(project, tmp_path):
    docs = []
    for k in (1, 2):
        out = tmp_path / f"shard-{k}.json"
        res = project.perfgate("run", "--tier", "fast", "--shard", f"{k}/2", "--export", str(out))
        assert res.code == 0, res.stderr
        assert f"shard {k}/2 of the selected benchmarks (by node id)" in res.stderr
        assert "not stored" in res.stderr
        docs.append(json.loads(out.read_text()))
    assert [d["run"]["tags"] for d in docs] == [["shard:1/2"], ["shard:2/2"]]
    names = [{r["benchmark"]["name"] for r in d["run"]["results"]} for d in docs]
    assert names[0] | names[1] == {"bench/test_work.py::test_work", "bench/test_work.py::test_cheap"}
    assert not names[0] & names[1]
    assert json.loads(project.perfgate_here("runs", "--format", "json").stdout) == []  # shards store nothing

    merged = project.perfgate_here(
        "merge", *(str(tmp_path / f"shard-{k}.json") for k in (1, 2)), "--format", "json"
    )
    assert merged.code == 0, merged.stderr
    report = json.loads(merged.stdout)
    assert report["run"]["tier"] == "fast" and report["run"]["tags"] == []
    assert {v["benchmark"] for v in report["verdicts"]} == names[0] | names[1]

    # the next sharded run balances by the durations of the stored (merged) run
    res = project.perfgate("run", "--tier", "fast", "--shard", "1/2", "--no-store", "--format", "json")
    # a shared machine may slow this run past the threshold: the exit code is then the report's 1
    assert res.code == (0 if res.json()["passed"] else 1), res.stderr
    assert "shard 1/2 of the selected benchmarks (balanced by the last run's durations)" in res.stderr
