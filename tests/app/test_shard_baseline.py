"""A shard's run holds part of the suite: it is never another run's baseline nor in its history."""

from __future__ import annotations

from dataclasses import replace

from perfgate import app
from perfgate.gate import shard_tag


def test_a_shard_run_is_never_a_baseline(repo):
    a = repo.commit("A")
    whole = repo.store_at(a, "main")
    b = repo.commit("B")
    shard = replace(repo.run_at(b, "main"), tags=(shard_tag(1, 2),))
    repo.store.add_run(shard)
    c = repo.commit("C")
    head = repo.run_at(c, "main")
    assert repo.baseline_ids(head) == [whole.id]  # not the newer shard of B
    base = app.with_history(repo.store, repo.workspace(), head, repo.baseline(head))
    assert [r.id for r in base.history] == [whole.id]
