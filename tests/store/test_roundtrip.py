"""Runs come back from the store exactly as they went in."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from perfgate.errors import SchemaError, StoreError
from perfgate.model import (
    Environment,
    Run,
    RunStatus,
    new_run_id,
)
from perfgate.store import SqlStore, open_store
from strategies import runs

from .conftest import RunFactory, make_result, rich_run


def test_rich_run_round_trips_exactly(store: SqlStore, db_path: Path) -> None:
    run = rich_run()
    store.add_run(run)
    back = store.get_run(run.id)
    assert back == run
    # Offsets are kept as written (CEST start, EST commit), not only the instants.
    assert back.started.utcoffset() == timedelta(hours=2)
    assert back.git is not None and back.git.commit_time is not None
    assert back.git.commit_time.utcoffset() == timedelta(hours=-5)
    # ... and survive closing and reopening the file.
    store.close()
    with open_store(db_path, create=False) as again:
        assert again.get_run(run.id) == run


def test_minimal_run_without_git_ci_or_results(store: SqlStore) -> None:
    run = Run(
        id=new_run_id(),
        project="p",
        started=datetime(2024, 1, 1, tzinfo=UTC),
        finished=None,
        source="go",
        environment=Environment(testbed="laptop"),
        status=RunStatus.FAILED,
    )
    store.add_run(run)
    assert store.get_run(run.id) == run
    [info] = store.list_runs()
    assert (info.commit, info.branch, info.commit_time, info.pr_number) == (None, None, None, None)
    assert (info.n_results, info.n_failed, info.status) == (0, 0, RunStatus.FAILED)


def test_result_order_is_kept(store: SqlStore, make_run: RunFactory) -> None:
    names = [f"b{i:03d}" for i in range(1200)]  # more than one insert batch
    run = make_run(results=[make_result(n, samples=(1.0,)) for n in reversed(names)])
    store.add_run(run)
    assert [r.benchmark.name for r in store.get_run(run.id).results] == list(reversed(names))


def test_queryable_columns_hold_utc_and_counts(store: SqlStore, db_path: Path) -> None:
    run = rich_run()
    store.add_run(run)
    [info] = store.list_runs()
    assert info.started == run.started and info.started.tzinfo == UTC
    assert info.commit == run.git.commit if run.git else False
    assert (info.n_results, info.n_failed, info.pr_number, info.tier) == (6, 1, 42, "pr")
    # The file itself stores UTC, so text ordering is time ordering.
    with sqlite3.connect(db_path) as raw:
        (started,) = raw.execute("SELECT started FROM runs").fetchone()
    assert started.startswith("2024-06-01 12:30:15.123456")


def test_unstorable_extra_is_refused_not_mangled(store: SqlStore, make_run: RunFactory) -> None:
    run = make_run(results=[make_result("x", extra={"bad": float("nan")})])
    with pytest.raises(StoreError, match=f"run {run.id} cannot be stored as JSON"):
        store.add_run(run)
    assert store.list_runs() == []


def test_document_of_a_newer_model_schema_is_refused(store: SqlStore, make_run: RunFactory) -> None:
    run = make_run()
    store.add_run(run)
    with store.engine.begin() as conn:
        doc = json.loads(conn.exec_driver_sql("SELECT document FROM runs").scalar_one())
        doc["perfgate_schema"] = 99
        conn.exec_driver_sql("UPDATE runs SET document = ?", (json.dumps(doc),))
    with pytest.raises(SchemaError, match="upgrade perfgate"):
        store.get_run(run.id)


def test_damaged_document_names_the_run(store: SqlStore, make_run: RunFactory) -> None:
    run = make_run()
    store.add_run(run)
    with store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE results SET document = '{\"metric\": 1}' WHERE position = 1")
    with pytest.raises(StoreError, match=f"run {run.id}") as info:
        store.get_run(run.id)
    assert "\n" not in str(info.value)


# -- property: any valid Run round-trips -------------------------------------------------------------


def test_any_valid_run_round_trips(tmp_path: Path) -> None:
    with open_store(tmp_path / "prop.db") as s:

        @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(runs())
        def check(run: Run) -> None:
            s.add_run(run)
            assert s.get_run(run.id) == run
            s.delete_run(run.id)

        check()


def test_make_result_helper_builds_failed_results() -> None:
    r = make_result("x", error="boom")
    assert r.summary is None and r.samples == () and not r.ok
