"""Opening stores: migrations, schema versions, files that are not perfgate stores, SQLite settings."""

from __future__ import annotations

import json
import sqlite3
import struct
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from perfgate.errors import SchemaError, StoreError
from perfgate.model import Run, run_to_dict
from perfgate.model.baselines import BaselineEvent, BaselineKey, EventKind
from perfgate.store import LATEST_VERSION, MIGRATIONS, Migration, open_store
from perfgate.store.engine import make_engine
from perfgate.store.migrations import migrate
from perfgate.store.tables import metadata

from .conftest import T0, RunFactory, make_result, rich_run


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
    assert "ix_results_series" in index_names
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


def test_a_result_row_keeps_each_field_once(db_path: Path) -> None:
    """Schema 4: the benchmark's name once per store, the run by its integer key, the summary as
    numbers, the samples packed, and a document only for what no column holds."""
    run = rich_run()
    with open_store(db_path) as store:
        store.add_run(run)
        store.add_run(replace(run, id="01HXRICH000000000000000002"))
    names = {r.benchmark.name for r in run.results}
    with sqlite3.connect(db_path) as raw:
        assert (
            raw.execute("SELECT count(*), count(DISTINCT name) FROM benchmarks").fetchone()
            == (len(names),) * 2
        )
        rows = raw.execute(
            "SELECT typeof(run), typeof(benchmark), summary, samples, document FROM results ORDER BY run, position"
        ).fetchall()
    assert len(rows) == 2 * len(run.results)
    assert {(kind_run, kind_bench) for kind_run, kind_bench, *_ in rows} == {("integer", "integer")}
    first = rows[: len(run.results)]
    for result, (_, _, summary, packed, document) in zip(run.results, first, strict=True):
        assert (summary is None) == (result.summary is None)
        if result.summary is not None:
            assert len(summary) == 96 and struct.unpack_from("<8xd", summary, 8) == (result.summary.median,)
        assert len(packed) == 8 * len(result.samples)
        stored = json.loads(document) if document is not None else {}
        assert set(stored) <= {"group", "params", "extra"}
        assert ("extra" in stored) == bool(result.extra)
    with open_store(db_path) as store:
        assert store.get_run(run.id) == run


V3_RESULT_KEYS = ("metric", "unit", "direction", "error")


def write_schema_3(path: Path, runs: list[Run], *, as_schema_2: tuple[str, ...] = ()) -> None:
    """A store as perfgate wrote it at schema 3: the old steps' DDL, and rows encoded the way schema 3
    code did (a result's document without summary, samples and the columns' keys; the summary as a
    JSON array). The runs named in ``as_schema_2`` get rows as schema 2 wrote them (the whole result
    in the document, the summary object in its column, no samples column value)."""
    engine = make_engine(sa.URL.create("sqlite+pysqlite", database=str(path)))
    try:
        assert migrate(engine, str(path), MIGRATIONS[:3]) == 3
        md = sa.MetaData()
        with engine.begin() as conn:
            runs_t = sa.Table("runs", md, autoload_with=conn)
            results_t = sa.Table("results", md, autoload_with=conn)
            for run in runs:
                doc = run_to_dict(run)
                result_docs = doc["run"]["results"]
                doc["run"]["results"] = []
                git, ci = run.git, run.ci

                def naive(t: datetime | None) -> datetime | None:
                    return t.astimezone(UTC).replace(tzinfo=None) if t is not None else None

                conn.execute(
                    runs_t.insert().values(
                        id=run.id, project=run.project, started=naive(run.started),
                        finished=naive(run.finished), source=run.source, status=run.status.value,
                        tier=run.tier, branch=git.branch if git else None,
                        commit_sha=git.commit if git else None,
                        commit_time=naive(git.commit_time) if git else None,
                        dirty=git.dirty if git else None, testbed=run.environment.testbed,
                        fingerprint=run.environment.fingerprint,
                        ci_provider=ci.provider if ci else None, pr_number=ci.pr_number if ci else None,
                        n_results=len(run.results), n_failed=len(run.failed_results),
                        document=json.dumps(doc),
                    )
                )  # fmt: skip
                for position, (r, rd) in enumerate(zip(run.results, result_docs, strict=True)):
                    summary = rd.pop("summary")
                    row = {
                        "run_id": run.id, "position": position, "benchmark": r.benchmark.name,
                        "metric": r.metric, "unit": r.unit, "direction": r.direction.value, "error": r.error,
                        "median": summary["median"] if summary else None,
                    }  # fmt: skip
                    if run.id in as_schema_2:
                        rd["summary"] = summary
                        row.update(summary=json.dumps(summary) if summary else None, document=json.dumps(rd))
                    else:
                        samples = rd.pop("samples")
                        for key in V3_RESULT_KEYS:
                            del rd[key]
                        del rd["benchmark"]["name"]
                        row.update(
                            summary=json.dumps(list(summary.values())) if summary else None,
                            document=json.dumps(rd),
                            samples=struct.pack(f"<{len(samples)}d", *samples),
                        )
                    conn.execute(results_t.insert().values(row))
    finally:
        engine.dispose()


def test_a_schema_3_store_upgrades_in_place_keeping_every_run(tmp_path: Path, make_run: RunFactory) -> None:
    path = tmp_path / "v3.db"
    shared = [make_result(f"bench_{i}", samples=(1e-3 * (i + 1), 1.1e-3 * (i + 1))) for i in range(3)]
    runs = [
        rich_run(),
        make_run(results=shared, commit_time=T0),
        make_run(results=[*shared, make_result("crashed", error="boom")], commit_time=T0),
        make_run(results=[]),
    ]
    write_schema_3(path, runs, as_schema_2=(runs[2].id,))
    assert versions(path) == [3]
    open_store(path, create=False, readonly=True).close()  # a reading command upgrades it first
    assert versions(path) == [LATEST_VERSION]
    with open_store(path) as store:
        assert [store.get_run(run.id) for run in runs] == runs  # ids as users see them are unchanged
        assert sorted(i.id for i in store.list_runs()) == sorted(run.id for run in runs)
        series = store.series("bench_1", project="demo")
        assert [p.run_id for p in series] == [runs[1].id, runs[2].id]
        assert [p.summary for p in series] == [runs[1].results[1].summary, runs[2].results[1].summary]
        assert ("crashed", "time") in store.benchmarks()
        new = make_run(results=shared)
        store.add_run(new)
        assert store.get_run(new.id) == new
    with sqlite3.connect(path) as raw:
        tables = {n for (n,) in raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert tables == set(metadata.tables)  # no leftover of the copy
        assert raw.execute("PRAGMA foreign_key_check").fetchall() == []
        assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert raw.execute("SELECT count(*) FROM benchmarks WHERE name = 'bench_1'").fetchone() == (1,)


def test_an_upgrade_that_meets_a_damaged_row_changes_nothing(tmp_path: Path, make_run: RunFactory) -> None:
    path = tmp_path / "v3.db"
    runs = [make_run(), make_run()]
    write_schema_3(path, runs)
    with sqlite3.connect(path) as raw:
        # min above max: the model refuses it; the upgrade must neither drop nor keep it half-way
        raw.execute(
            "UPDATE results SET summary = '[7, 1, 1, 2, 1, 0, null, null, null, null, null, 0]' "
            "WHERE run_id = ? AND position = 0",
            (runs[1].id,),
        )
    before = path.read_bytes()
    with pytest.raises(StoreError) as info:
        open_store(path)
    message = str(info.value)
    assert message.startswith(f"{path}: cannot upgrade to schema 4: run {runs[1].id}")
    assert "min" in message and "\n" not in message
    assert versions(path) == [3]
    with sqlite3.connect(path) as raw:
        assert raw.execute("SELECT count(*) FROM results").fetchone() == (sum(len(r.results) for r in runs),)
        tables = {n for (n,) in raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == {"schema_version", "runs", "results"}
    assert len(path.read_bytes()) == len(before)


MIN_ABOVE_MAX = struct.pack("<q10dq", 7, 1.0, 1.0, 2.0, 1.0, 0.0, *[float("nan")] * 5, 0)


@pytest.mark.parametrize(
    "stored",
    [
        "'1.0 2.0'",  # text, not packed numbers
        "x'0000'",  # too short
        f"x'{MIN_ABOVE_MAX.hex()}'",  # min above max
    ],
)
def test_a_damaged_summary_is_a_store_error_naming_the_run(db_path: Path, stored: str) -> None:
    run = rich_run()
    with open_store(db_path) as store:
        store.add_run(run)
    with sqlite3.connect(db_path) as raw:
        raw.execute(f"UPDATE results SET summary = {stored} WHERE position = 0")
    with open_store(db_path) as store:
        with pytest.raises(StoreError, match=f"run {run.id}.*damaged"):
            store.series(run.results[0].benchmark.name, run.results[0].metric)
        with pytest.raises(StoreError, match=f"run {run.id}.*damaged"):
            store.get_run(run.id)


SCHEMA_4 = Path(__file__).resolve().parents[1] / "data" / "store" / "schema4.db"


def test_a_schema_4_store_made_by_perfgate_upgrades_in_place_to_managed_baselines(tmp_path: Path) -> None:
    path = tmp_path / "v4.db"
    path.write_bytes(SCHEMA_4.read_bytes())
    assert versions(path) == [4]
    with open_store(path) as store:
        ids = [i.id for i in store.list_runs(newest_first=False)]
        assert ids == [f"01HWT0{c}0000000000000000{n}" for c, n in (("F23", 1), ("GWP", 2), ("JQ9", 3))]
        assert store.get_run(ids[0]).project == "demo"
        key = BaselineKey("demo", "main", "ci-linux")
        assert store.baseline_events(key) == []
        event = BaselineEvent(key, EventKind.SET, T0, "alice", "ManualOverride", "first", new_runs=(ids[0],))
        stored = store.add_baseline_event(event)
        assert stored.id == 1 and store.baseline_events(key) == [stored] == [store.baseline_event(1)]
    assert versions(path) == [LATEST_VERSION]  # and on to the latest
    with sqlite3.connect(path) as raw:
        tables = {n for (n,) in raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert tables == set(metadata.tables)
        assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)


SCHEMA_5 = Path(__file__).resolve().parents[1] / "data" / "store" / "schema5.db"
SCHEMA_5_IDS = [
    f"01HWT{s}0000000000000000{n}"
    for s, n in (("0F23", 1), ("0GWP", 2), ("0JQ9", 3), ("0MHW", 4), ("245A", 5))
]


def indexes(path: Path) -> set[str]:
    with sqlite3.connect(path) as raw:
        return {
            n
            for (n,) in raw.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
        }


def test_a_schema_5_store_made_by_perfgate_upgrades_in_place_to_the_series_index(tmp_path: Path) -> None:
    """Schema 6 adds the index of the runs a series reads; every run, series and event stays as it was."""
    path = tmp_path / "v5.db"
    path.write_bytes(SCHEMA_5.read_bytes())
    assert versions(path) == [5] and "ix_runs_series" not in indexes(path)
    with sqlite3.connect(path) as raw:
        before = {
            t: raw.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall()
            for t in ("runs", "results", "benchmarks")
        }
    with open_store(path) as store:
        assert [i.id for i in store.list_runs(newest_first=False)] == SCHEMA_5_IDS
        runs = [store.get_run(run_id) for run_id in SCHEMA_5_IDS]
        series = store.series("bench_a", project="demo")
        # oldest first by commit time: run 5's commit is the oldest; runs 3 and 4 have none (their
        # starts count, after the others' commits)
        assert [p.run_id[-1] for p in series] == ["5", "1", "2", "3", "4"]
        assert [p.run_id for p in store.series("bench_b")] == SCHEMA_5_IDS[:2]
        failed = store.series("bench_b").points[1]
        assert failed.summary is None and failed.error == "boom"
        assert [p.run_id for p in store.series("bench_a", branch="main", testbed="ci-linux")] == [
            SCHEMA_5_IDS[4], SCHEMA_5_IDS[0]
        ]  # fmt: skip
    assert versions(path) == [LATEST_VERSION]
    assert "ix_runs_series" in indexes(path)
    with sqlite3.connect(path) as raw:
        after = {
            t: raw.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall()
            for t in ("runs", "results", "benchmarks")
        }
        assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert after == before  # only an index was added
    with open_store(path) as store:
        assert [store.get_run(run_id) for run_id in SCHEMA_5_IDS] == runs
        assert store.runs_for_commit(runs[0].git.commit if runs[0].git else "")[0] == runs[0]


def test_an_upgrade_from_schema_5_that_fails_leaves_schema_5(tmp_path: Path) -> None:
    """The index is added in the upgrade's one transaction: a failure after it leaves no trace."""
    path = tmp_path / "v5.db"
    path.write_bytes(SCHEMA_5.read_bytes())

    def broken(conn: sa.Connection) -> None:
        raise StoreError("run X: damaged")

    steps = (*MIGRATIONS, Migration(LATEST_VERSION + 1, "broken", broken))
    engine = make_engine(sa.URL.create("sqlite+pysqlite", database=str(path)))
    try:
        with pytest.raises(StoreError, match=f"cannot upgrade to schema {LATEST_VERSION + 1}: run X"):
            migrate(engine, str(path), steps)
    finally:
        engine.dispose()
    assert versions(path) == [5] and "ix_runs_series" not in indexes(path)
    with open_store(path) as store:  # and the real upgrade still works afterwards
        assert len(store.list_runs()) == 5
    assert versions(path) == [LATEST_VERSION] and "ix_runs_series" in indexes(path)
