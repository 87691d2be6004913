"""``perfgate.app.stored_series`` (what ``perfgate detect`` and ``trend`` read) on a real SQLite store:
the series of an exact parametrized id, and each point's tier from the store's ``run_tiers``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from perfgate.app import Workspace, stored_series
from perfgate.model import BenchmarkId, Direction, Environment, GitInfo, Result, Run, new_run_id
from perfgate.stats import summarize
from perfgate.store import open_store

T0 = datetime(2026, 6, 1, tzinfo=UTC)
PARAMETRIZED = "bench/test_io.py::test_read[1000-fast]"


def _run(i: int, name: str, *, tier: str | None, bed: str = "tb", branch: str = "main") -> Run:
    at = T0 + timedelta(hours=i)
    samples = [1e-3 * (1 + 0.001 * k) for k in range(5)]
    result = Result(BenchmarkId(name), "time", "s", Direction.LOWER, summarize(samples), tuple(samples))
    git = GitInfo(f"{i:040x}", branch, commit_time=at)
    return Run(new_run_id(at), "p", at, at, "perfgate", Environment(bed), (result,), tier=tier, git=git)


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    (tmp_path / "perfgate.toml").write_text('project = "p"\n', encoding="utf-8")
    db = tmp_path / "p.db"
    with open_store(db) as store:
        for i in range(12):
            tier = ("fast", "slow", None)[i % 3]
            store.add_run(_run(i, PARAMETRIZED, tier=tier, bed=("tb", "other")[i % 2]))
            store.add_run(_run(100 + i, "bench/test_io.py::test_read[10-fast]", tier="fast"))
    return Workspace.discover(tmp_path, environ={}, store_url=str(db))


def test_an_exact_parametrized_id_names_its_series(ws: Workspace) -> None:
    """``[1000-fast]`` is a character class to a glob: the id must still name itself (it named no
    series before, so ``perfgate detect ID`` of any parametrized benchmark found nothing)."""
    got = stored_series(ws, PARAMETRIZED)
    assert {s.benchmark for s in got} == {PARAMETRIZED}
    assert sum(len(s.points) for s in got) == 12
    # a glob and a part of the id still match as before
    assert {s.benchmark for s in stored_series(ws, "*[[]1000-*")} == {PARAMETRIZED}
    assert len({s.benchmark for s in stored_series(ws, "test_read")}) == 2


@pytest.mark.parametrize("tier", [None, "fast"])
@pytest.mark.parametrize("testbed", [None, "other"])
def test_each_point_is_grouped_by_its_runs_tier(ws: Workspace, tier: str | None, testbed: str | None) -> None:
    with open_store(ws.url, readonly=True) as store:
        listed = {i.id: i.tier for i in store.list_runs(project="p", testbed=testbed, tier=tier, limit=None)}
        assert store.run_tiers(project="p", testbed=testbed, tier=tier) == listed
        got = stored_series(ws, PARAMETRIZED, testbed=testbed, tier=tier, store=store)
    for s in got:
        assert all(listed[p.run_id] == s.tier and p.testbed == s.testbed for p in s.points)
    expected = {
        (bed, t) for i in range(12) for bed, t in [(("tb", "other")[i % 2], ("fast", "slow", None)[i % 3])]
    }
    expected = {(bed, t) for bed, t in expected if testbed in (None, bed) and tier in (None, t)}
    assert {(s.testbed, s.tier) for s in got} == expected
