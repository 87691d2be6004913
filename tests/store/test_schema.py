"""Opening stores: migrations, schema versions, files that are not perfgate stores, SQLite settings."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from perfgate.errors import SchemaError, StoreError
from perfgate.model import run_to_dict
from perfgate.store import LATEST_VERSION, MIGRATIONS, Migration, open_store
from perfgate.store.engine import make_engine
from perfgate.store.migrations import migrate
from perfgate.store.tables import metadata

from .conftest import RunFactory, rich_run


def versions(path: Path) -> list[int]:
    """The rows of the schema_version table: one, the database's version."""
    with sqlite3.connect(path) as raw:
        return [v for (v,) in raw.execute("SELECT version FROM schema_version ORDER BY version")]


def test_migrations_are_numbered_from_one() -> None:
    assert [m.version for m in MIGRATIONS] == list(range(1, len(MIGRATIONS) + 1))
    assert len(MIGRATIONS) == LATEST_VERSION
    assert all(m.description for m in MIGRATIONS)


def test_new_store_applies_every_migration(db_path: Path) -> None:
    assert not db_path.parent.exists()
    open_store(db_path).close()  # creates the parent directory too
    assert versions(db_path) == [LATEST_VERSION]
    open_store(db_path).close()  # idempotent
    assert versions(db_path) == [LATEST_VERSION]


def test_migrated_schema_equals_the_declared_tables(tmp_path: Path) -> None:
    """The database the migration steps build is exactly what tables.py (the queries) expects."""
    path = tmp_path / "s.db"
    open_store(path).close()
    engine = sa.create_engine(f"sqlite:///{path}")
    try:
        insp = sa.inspect(engine)
        assert set(insp.get_table_names()) == set(metadata.tables)
        for name, table in metadata.tables.items():
            got = {c["name"]: (c["nullable"], type(c["type"]).__name__) for c in insp.get_columns(name)}
            want = {
                c.name: (c.nullable, type(c.type.dialect_impl(engine.dialect)).__name__)
                for c in table.columns
            }
            assert {k: v[0] for k, v in got.items()} == {k: v[0] for k, v in want.items()}, name
            assert list(got) == [c.name for c in table.columns], name
            assert {i["name"]: i["column_names"] for i in insp.get_indexes(name)} == {
                i.name: [c.name for c in i.columns] for i in table.indexes
            }, name
            assert insp.get_pk_constraint(name)["constrained_columns"] == [c.name for c in table.primary_key]
    finally:
        engine.dispose()


def test_upgrade_from_version_1_keeps_the_data(tmp_path: Path, make_run: RunFactory) -> None:
    path = tmp_path / "old.db"
    engine = make_engine(sa.URL.create("sqlite+pysqlite", database=str(path)))
    try:
        assert migrate(engine, str(path), MIGRATIONS[:1]) == 1
    finally:
        engine.dispose()
    assert versions(path) == [1]
    # A version-1 database already holds runs; write one the way version 1 code would (same tables).
    run = rich_run()
    with open_store(path) as store:  # upgrades to the latest version on open
        assert versions(path) == [LATEST_VERSION]
        store.add_run(run)
    with sqlite3.connect(path) as raw:
        index_names = {n for (n,) in raw.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert "ix_results_benchmark_metric" in index_names
    with open_store(path) as store:
        assert store.get_run(run.id) == run


def test_data_survives_an_upgrade_step(tmp_path: Path, make_run: RunFactory) -> None:
    """The migration machinery: a later step runs once, on a database that already holds runs."""
    path = tmp_path / "s.db"
    run = make_run()
    with open_store(path) as store:
        store.add_run(run)

    def add_notes_table(conn: sa.Connection) -> None:
        conn.exec_driver_sql("CREATE TABLE notes (run_id VARCHAR(64) NOT NULL, text TEXT NOT NULL)")

    steps = (*MIGRATIONS, Migration(LATEST_VERSION + 1, "notes", add_notes_table))
    engine = make_engine(sa.URL.create("sqlite+pysqlite", database=str(path)))
    try:
        assert migrate(engine, str(path), steps) == LATEST_VERSION + 1
        assert migrate(engine, str(path), steps) == LATEST_VERSION + 1  # no second CREATE TABLE
    finally:
        engine.dispose()
    assert versions(path) == [LATEST_VERSION + 1]
    # This perfgate knows fewer steps than the file has now: refused, and the data is untouched.
    with pytest.raises(SchemaError):
        open_store(path)
    with sqlite3.connect(path) as raw:
        raw.execute("UPDATE schema_version SET version = ?", (LATEST_VERSION,))
    with open_store(path) as store:
        assert store.get_run(run.id) == run


def test_failed_step_rolls_back_the_whole_upgrade(tmp_path: Path) -> None:
    path = tmp_path / "s.db"

    def broken(conn: sa.Connection) -> None:
        conn.exec_driver_sql("CREATE TABLE half_done (x INTEGER)")
        raise RuntimeError("step failed")

    engine = make_engine(sa.URL.create("sqlite+pysqlite", database=str(path)))
    try:
        with pytest.raises(RuntimeError, match="step failed"):
            migrate(engine, str(path), (*MIGRATIONS, Migration(LATEST_VERSION + 1, "broken", broken)))
    finally:
        engine.dispose()
    # DDL is transactional: neither the tables of the earlier steps nor half_done exist.
    with sqlite3.connect(path) as raw:
        assert raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall() == []
    open_store(path).close()
    assert versions(path) == [LATEST_VERSION]


def test_misnumbered_steps_are_refused(tmp_path: Path) -> None:
    engine = make_engine(sa.URL.create("sqlite+pysqlite", database=str(tmp_path / "s.db")))
    try:
        with pytest.raises(ValueError, match="numbered"):
            migrate(engine, "s.db", (Migration(2, "two", lambda conn: None),))
    finally:
        engine.dispose()


def test_newer_schema_is_refused(db_path: Path) -> None:
    open_store(db_path).close()
    with sqlite3.connect(db_path) as raw:
        raw.execute("UPDATE schema_version SET version = ?", (LATEST_VERSION + 5,))
    want = (
        f"{db_path}: database schema {LATEST_VERSION + 5} is newer than this perfgate supports "
        f"({LATEST_VERSION}): upgrade perfgate"
    )
    before = db_path.read_bytes()
    with pytest.raises(SchemaError) as info:
        open_store(db_path)
    assert str(info.value) == want
    assert db_path.read_bytes() == before  # refused before writing anything
    with pytest.raises(SchemaError):
        open_store(db_path, create=False)


def test_garbage_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "perfgate.db"
    path.write_bytes(b"this is not a database at all\x00\xff" * 200)
    with pytest.raises(StoreError) as info:
        open_store(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ") and "not a database" in message and "\n" not in message
    assert path.read_bytes().startswith(b"this is not a database")  # left as it was


def test_truncated_database_is_refused(tmp_path: Path, make_run: RunFactory) -> None:
    path = tmp_path / "perfgate.db"
    with open_store(path) as store:
        store.add_run(make_run())
    data = path.read_bytes()
    path.write_bytes(data[:100] + b"\xde\xad\xbe\xef" * ((len(data) - 100) // 4))
    with pytest.raises(StoreError, match=str(path)), open_store(path) as store:
        store.list_runs()


def test_sqlite_database_of_something_else_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as raw:
        raw.execute("CREATE TABLE customers (id INTEGER)")
    with pytest.raises(StoreError, match=r"not a perfgate store \(tables customers"):
        open_store(path)


def test_missing_file_without_create(tmp_path: Path) -> None:
    path = tmp_path / "nope" / "perfgate.db"
    with pytest.raises(StoreError, match="no perfgate store here"):
        open_store(path, create=False)
    assert not path.parent.exists()


def test_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="is a directory"):
        open_store(tmp_path)


def test_uncreatable_parent_is_refused(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="cannot create"):
        open_store(blocker / "sub" / "perfgate.db")


def test_sqlite_url_and_path_are_the_same_store(tmp_path: Path, make_run: RunFactory) -> None:
    path = tmp_path / "u.db"
    run = make_run()
    with open_store(f"sqlite:///{path}") as store:
        store.add_run(run)
        assert store.where == str(path)
    with open_store(str(path)) as store:
        assert store.get_run(run.id) == run


def test_in_memory_store(make_run: RunFactory) -> None:
    run = make_run()
    with open_store("sqlite://") as store:
        store.add_run(run)
        assert store.get_run(run.id) == run


def test_bad_url_is_a_store_error() -> None:
    with pytest.raises(StoreError, match="nosuchdialect"):
        open_store("nosuchdialect://host/db")


def test_sqlite_settings(store_path_settings: dict[str, object]) -> None:
    assert store_path_settings == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 30000}


@pytest.fixture
def store_path_settings(db_path: Path) -> dict[str, object]:
    with open_store(db_path) as store, store.engine.connect() as conn:
        return {
            name: conn.exec_driver_sql(f"PRAGMA {name}").scalar_one()
            for name in ("journal_mode", "foreign_keys", "busy_timeout")
        }


def test_a_result_keeps_its_summary_and_samples_once(db_path: Path) -> None:
    run = rich_run()
    with open_store(db_path) as store:
        store.add_run(run)
    with sqlite3.connect(db_path) as raw:
        rows = raw.execute("SELECT document, summary FROM results WHERE summary IS NOT NULL").fetchall()
        packed = raw.execute("SELECT samples FROM results ORDER BY position").fetchall()
    assert [len(b) // 8 for (b,) in packed] == [len(r.samples) for r in run.results]
    assert len(rows) == len([r for r in run.results if r.summary is not None])
    assert all(not {"summary", "samples", "metric"} & set(json.loads(document)) for document, _ in rows)
    assert all(isinstance(json.loads(summary), list) for _, summary in rows)
    with open_store(db_path) as store:
        assert store.get_run(run.id) == run


def test_rows_written_before_schema_3_still_load(tmp_path: Path) -> None:
    """Rows of schema 2 hold the whole result in the document (summary and samples too); an upgraded
    store reads them as they are."""
    path = tmp_path / "v2.db"
    engine = make_engine(sa.URL.create("sqlite+pysqlite", database=str(path)))
    try:
        assert migrate(engine, str(path), MIGRATIONS[:2]) == 2
    finally:
        engine.dispose()
    run = rich_run()
    with open_store(path) as store:
        store.add_run(run)
    # rewrite every result row the way schema 2 wrote it: the model's whole JSON in the document
    with sqlite3.connect(path) as raw:
        for position, doc in enumerate(run_to_dict(run)["run"]["results"]):
            raw.execute(
                "UPDATE results SET document = ?, summary = NULL, samples = NULL WHERE position = ?",
                (json.dumps(doc), position),
            )
    with open_store(path) as store:
        assert store.get_run(run.id) == run


@pytest.mark.parametrize(
    "stored",
    [
        '[7, "1", 1, 1, 1, 0, null, null, null, null, null, 0]',  # a string for a number
        "[7.5, 1, 1, 1, 1, 0, null, null, null, null, null, 0]",  # a fractional count
        "[7, 1, 1, 1, 1, 0, null, null, null, null, null, 0, 9]",  # a value too many
        "[7, 1, 1, 2, 1, 0, null, null, null, null, null, 0]",  # min above max
    ],
)
def test_a_damaged_summary_is_a_store_error_naming_the_run(db_path: Path, stored: str) -> None:
    run = rich_run()
    with open_store(db_path) as store:
        store.add_run(run)
    with sqlite3.connect(db_path) as raw:
        raw.execute("UPDATE results SET summary = ? WHERE position = 0", (stored,))
    with open_store(db_path) as store, pytest.raises(StoreError, match=f"run {run.id}.*damaged"):
        store.series(run.results[0].benchmark.name, run.results[0].metric)
