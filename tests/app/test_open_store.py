"""Use cases on a store the caller holds open (a server opens it once for many calls): they read and
write that store and never open the workspace's own. Canned runs, a real SQLite file, real git."""

from __future__ import annotations

from pathlib import Path

from perfgate import app

from .conftest import Repo

GO = Path(__file__).resolve().parents[1] / "data" / "go-bench" / "perf-suffixarray.bench"


def elsewhere(repo: Repo, tmp_path: Path) -> app.Workspace:
    """The repository's workspace with its own store somewhere that does not exist."""
    return repo.workspace()._replace(store_url=str(tmp_path / "never" / "opened.db"))


def test_reading_use_cases_read_the_open_store(repo, tmp_path):
    a = repo.commit("A")
    first = repo.store_at(a, "main")
    repo.write("README", "B\n")
    second = repo.store_at(repo.commit("B"), "main")
    ws = elsewhere(repo, tmp_path)
    assert [i.id for i in app.list_runs(ws, store=repo.store)] == [second.id, first.id]
    h = app.history(ws, "bench_a", store=repo.store)
    assert [p.run_id for p in h.series.points] == [first.id, second.id]
    assert app.load_spec(ws, first.id[:12], store=repo.store) == first
    assert app.load_spec(ws, "main~1", store=repo.store) == first  # a git ref, resolved in the store
    outcome = app.compare_specs(ws, first.id, second.id, store=repo.store)
    assert outcome.baseline_ids == (first.id,) and outcome.run.id == second.id
    assert not (tmp_path / "never").exists()


def test_ingest_gate_writes_to_the_open_store(repo, tmp_path):
    repo.commit("A")
    ws = elsewhere(repo, tmp_path)
    first = app.ingest_gate(ws, [GO], fmt="go", store=repo.store)
    repo.write("README", "B\n")
    repo.commit("B")
    second = app.ingest_gate(ws, [GO], fmt="go", baseline="main~1", store=repo.store)
    assert second.baseline_ids == (first.run.id,)
    assert {i.id for i in repo.store.list_runs()} == {first.run.id, second.run.id}
    assert not (tmp_path / "never").exists()


def test_a_run_of_suites_is_stored_in_the_open_store(repo, tmp_path):
    from builders import make_result

    from .test_suites import Canned

    repo.commit("A")
    ws = elsewhere(repo, tmp_path)
    ctx = app.SuiteContext(ws.config, None, ws.environ)
    first = app.run_suites(ws, ctx, [Canned((make_result("a"),))], store=repo.store)
    repo.write("README", "B\n")
    repo.commit("B")
    second = app.run_suites(ws, ctx, [Canned((make_result("a"),))], store=repo.store)
    assert second.baseline_ids == (first.run.id,)
    assert [i.id for i in repo.store.list_runs()] == [second.run.id, first.run.id]
    assert not (tmp_path / "never").exists()
