"""Shards in the pure core: a shard judged on what it ran; the shards' runs merged into one."""

from __future__ import annotations

from dataclasses import replace

import pytest

from builders import RunFactory, make_result
from perfgate.errors import InputError
from perfgate.gate import Policy, evaluate, merge_shards, shard_of, shard_tag
from perfgate.model import RunStatus, Status

NAMES = [f"b{i}" for i in range(6)]


def test_a_shard_is_compared_on_what_it_ran_and_nothing_is_missing() -> None:
    runs = RunFactory()
    base = runs(results=[make_result(n) for n in NAMES])
    shard = runs(results=[make_result("b1"), make_result("b4")], tags=(shard_tag(2, 3),))
    out = evaluate(shard, [base], Policy())
    assert {v.benchmark.name for v in out.verdicts} == {"b1", "b4"}
    assert not out.with_status(Status.MISSING) and not out.lost and out.passed
    assert (
        "shard 2/3: compared on the 2 benchmark(s) it ran; 4 other benchmark(s) of the baseline not run in this shard"
        in out.notes
    )
    # the same run without its shard tag lost four benchmarks: the gate fails
    whole = evaluate(replace(shard, tags=()), [base], Policy())
    assert len(whole.lost) == 4 and not whole.passed


def test_merge_takes_every_shard_whole() -> None:
    runs = RunFactory()
    parts = [
        runs(
            commit="a" * 40,
            results=[make_result(n) for n in NAMES[k::3]],
            tags=(shard_tag(k + 1, 3), "nightly"),
        )
        for k in range(3)
    ]
    parts[1] = replace(parts[1], status=RunStatus.PARTIAL)
    merged = merge_shards([(f"s{k}.json", r) for k, r in enumerate(reversed(parts))], run_id=parts[0].id)
    run = merged.run
    assert sorted(r.benchmark.name for r in run.results) == NAMES
    assert run.tags == ("nightly",) and shard_of(run) is None
    assert run.status is RunStatus.PARTIAL
    assert run.started == parts[0].started and run.finished == parts[2].finished
    assert merged.notes == ()
    assert shard_of(parts[2]) == (3, 3)


def test_an_absent_shard_is_a_note() -> None:
    runs = RunFactory()
    parts = [runs(commit="a" * 40, results=[make_result(f"b{k}")], tags=(shard_tag(k, 3),)) for k in (1, 3)]
    merged = merge_shards([("one", parts[0]), ("three", parts[1])], run_id=parts[0].id)
    assert merged.notes == ("shard(s) 2/3 not merged: their benchmarks are missing",)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: replace(r, project="other"), "one and two are of different projects"),
        (lambda r: replace(r, tier="slow"), "one and two are of different tiers"),
        (lambda r: replace(r, tags=(shard_tag(1, 2),)), "one and two are both shard 1/2"),
        (lambda r: replace(r, tags=(shard_tag(2, 3),)), "different ways"),
        (lambda r: replace(r, results=(make_result("b0"),)), "b0 [time] is in one and in two"),
    ],
)
def test_shards_that_do_not_belong_together_are_refused(change, message) -> None:
    runs = RunFactory()
    one = runs(commit="a" * 40, results=[make_result("b0")], tags=(shard_tag(1, 2),))
    two = change(runs(commit="a" * 40, results=[make_result("b1")], tags=(shard_tag(2, 2),)))
    with pytest.raises(InputError, match=message.replace("[", r"\[").replace("]", r"\]")):
        merge_shards([("one", one), ("two", two)], run_id=one.id)
