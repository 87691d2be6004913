"""Numbered schema migrations.

Each :class:`Migration` moves the database from ``version - 1`` to ``version``. The database's version
is the one row of the ``schema_version`` table (version, description of the last step, when it was
applied), simple enough to read or set by hand with the ``sqlite3`` shell. A step describes the
schema *as it was at that version*, with its own table objects, so later changes to
:mod:`perfgate.store.tables` never rewrite history. To change the schema: append a step here, update
``tables.py`` to match, and extend the tests (the schema test fails until both agree).

All pending steps run in one write transaction, so an interrupted upgrade leaves the old schema intact
(DDL is transactional on SQLite and PostgreSQL), and two processes opening a fresh store at once do not
both create it.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from perfgate.errors import InputError, SchemaError, StoreError
from perfgate.model import results_from_dict, utcnow
from perfgate.store.engine import read_transaction, write_transaction
from perfgate.store.rows import result_values
from perfgate.store.tables import SCHEMA_VERSION_TABLE, UTCDateTime, schema_version

__all__ = ["LATEST_VERSION", "MIGRATIONS", "Migration", "check_version", "database_version", "migrate"]


@dataclass(frozen=True, slots=True)
class Migration:
    """One step: ``apply`` runs inside the upgrade's transaction and must use portable DDL/SQL only."""

    version: int
    description: str
    apply: Callable[[sa.Connection], None]


def _v1_runs_and_results(conn: sa.Connection) -> None:
    md = sa.MetaData()
    sa.Table(
        "runs",
        md,
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("project", sa.Text, nullable=False),
        sa.Column("started", UTCDateTime, nullable=False),
        sa.Column("finished", UTCDateTime, nullable=True),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("tier", sa.Text, nullable=True),
        sa.Column("branch", sa.Text, nullable=True),
        sa.Column("commit_sha", sa.String(64), nullable=True),
        sa.Column("commit_time", UTCDateTime, nullable=True),
        sa.Column("dirty", sa.Boolean, nullable=True),
        sa.Column("testbed", sa.Text, nullable=False),
        sa.Column("fingerprint", sa.Text, nullable=False),
        sa.Column("ci_provider", sa.Text, nullable=True),
        sa.Column("pr_number", sa.Integer, nullable=True),
        sa.Column("n_results", sa.Integer, nullable=False),
        sa.Column("n_failed", sa.Integer, nullable=False),
        sa.Column("document", sa.Text, nullable=False),
    )
    sa.Table(
        "results",
        md,
        sa.Column("run_id", sa.String(64), sa.ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("benchmark", sa.Text, nullable=False),
        sa.Column("metric", sa.Text, nullable=False),
        sa.Column("unit", sa.Text, nullable=False),
        sa.Column("direction", sa.String(8), nullable=False),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("median", sa.Float, nullable=True),
        sa.Column("summary", sa.Text, nullable=True),
        sa.Column("document", sa.Text, nullable=False),
    )
    md.create_all(conn)


def _v2_query_indexes(conn: sa.Connection) -> None:
    md = sa.MetaData()
    runs = sa.Table("runs", md, autoload_with=conn)
    results = sa.Table("results", md, autoload_with=conn)
    for index in (
        sa.Index("ix_runs_project_started", runs.c.project, runs.c.started),
        sa.Index("ix_runs_branch_testbed", runs.c.branch, runs.c.testbed),
        sa.Index("ix_runs_commit_sha", runs.c.commit_sha),
        sa.Index("ix_results_benchmark_metric", results.c.benchmark, results.c.metric),
    ):
        index.create(conn)


def _v3_compact_results(conn: sa.Connection) -> None:
    """From schema 3 a result's ``document`` leaves out the summary, which its ``summary`` column holds
    (it was stored twice), and the samples, which the new ``samples`` column holds as packed binary
    doubles. Rows written before stay as they are: the readers take summary and samples from the
    document when it has them. An older perfgate refuses the store instead of misreading it."""
    blob = sa.LargeBinary().compile(dialect=conn.dialect)
    conn.exec_driver_sql(f"ALTER TABLE results ADD COLUMN samples {blob}")


_V3_SUMMARY_FIELDS = (
    "n", "mean", "median", "min", "max", "stddev", "q1", "q3", "ci_low", "ci_high", "ci_level", "outliers",
)  # fmt: skip


def _v4_tables(md: sa.MetaData, runs_name: str, results_name: str) -> tuple[sa.Table, sa.Table, sa.Table]:
    """The tables of schema 4 (benchmarks, runs, results), the last two under the given names."""
    benchmarks = sa.Table(
        "benchmarks",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
    )
    runs = sa.Table(
        runs_name,
        md,
        sa.Column("pk", sa.Integer, primary_key=True),
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("project", sa.Text, nullable=False),
        sa.Column("started", UTCDateTime, nullable=False),
        sa.Column("finished", UTCDateTime, nullable=True),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("tier", sa.Text, nullable=True),
        sa.Column("branch", sa.Text, nullable=True),
        sa.Column("commit_sha", sa.String(64), nullable=True),
        sa.Column("commit_time", UTCDateTime, nullable=True),
        sa.Column("dirty", sa.Boolean, nullable=True),
        sa.Column("testbed", sa.Text, nullable=False),
        sa.Column("fingerprint", sa.Text, nullable=False),
        sa.Column("ci_provider", sa.Text, nullable=True),
        sa.Column("pr_number", sa.Integer, nullable=True),
        sa.Column("n_results", sa.Integer, nullable=False),
        sa.Column("n_failed", sa.Integer, nullable=False),
        sa.Column("document", sa.Text, nullable=False),
    )
    results = sa.Table(
        results_name,
        md,
        sa.Column("run", sa.Integer, sa.ForeignKey(f"{runs_name}.pk", ondelete="CASCADE"), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("benchmark", sa.Integer, sa.ForeignKey("benchmarks.id"), nullable=False),
        sa.Column("metric", sa.Text, nullable=False),
        sa.Column("unit", sa.Text, nullable=False),
        sa.Column("direction", sa.String(8), nullable=False),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("summary", sa.LargeBinary, nullable=True),
        sa.Column("rounds", sa.Integer, nullable=True),
        sa.Column("iterations", sa.Integer, nullable=True),
        sa.Column("warmup", sa.Integer, nullable=True),
        sa.Column("samples", sa.LargeBinary, nullable=False),
        sa.Column("document", sa.Text, nullable=True),
    )
    return benchmarks, runs, results


def _v3_result_doc(row: sa.Row[Any]) -> Any:
    """A result row of schema 2 or 3 as the model's JSON object (what the reader of schema 3 did)."""
    doc = json.loads(row.document)
    if not isinstance(doc, dict):
        raise ValueError("result document is not a JSON object")
    if "summary" not in doc:  # schema 3: the summary (an array, or an object) and samples in columns
        stored = json.loads(row.summary) if row.summary is not None else None
        if isinstance(stored, list):
            if len(stored) != len(_V3_SUMMARY_FIELDS):
                raise ValueError(f"summary of {len(stored)} values, expected {len(_V3_SUMMARY_FIELDS)}")
            stored = dict(zip(_V3_SUMMARY_FIELDS, stored, strict=True))
        doc["summary"] = stored
    if "samples" not in doc:
        packed = row.samples if row.samples is not None else b""
        if len(packed) % 8:
            raise ValueError(f"samples column of {len(packed)} bytes is not a whole number of doubles")
        doc["samples"] = list(struct.unpack(f"<{len(packed) // 8}d", packed))
    if "metric" not in doc:
        doc.update(metric=row.metric, unit=row.unit, direction=row.direction, error=row.error)
    benchmark = doc.get("benchmark")
    if isinstance(benchmark, dict) and "name" not in benchmark:
        benchmark["name"] = row.benchmark
    return doc


def _v4_compact_keys(conn: sa.Connection) -> None:
    """Schema 4: runs get an integer key that result rows refer to (the run id stays as it is), a
    benchmark's name is kept once in ``benchmarks``, a result's summary and samples are packed binary
    numbers, rounds/iterations/warmup are columns, and its JSON keeps only group, params and extra
    (NULL when empty); one index serves a series. The old tables are copied into new ones, every
    result read back through the model's strict reader first: a damaged row stops the upgrade (and
    leaves the store as it was) instead of being dropped."""
    md = sa.MetaData()
    old_runs = sa.Table("runs", md, autoload_with=conn)
    old_results = sa.Table("results", md, autoload_with=conn)
    benchmarks, runs, results = _v4_tables(md, "runs_v4", "results_v4")
    for table in (benchmarks, runs, results):
        table.create(conn)
    copied = [c.name for c in runs.columns if c.name != "pk"]
    conn.execute(
        runs.insert().from_select(
            copied,
            sa.select(*(old_runs.c[name] for name in copied)).order_by(old_runs.c.started, old_runs.c.id),
        )
    )
    conn.execute(
        benchmarks.insert().from_select(
            ["name"], sa.select(old_results.c.benchmark).distinct().order_by(old_results.c.benchmark)
        )
    )
    ids = dict(conn.execute(sa.select(benchmarks.c.name, benchmarks.c.id)).all())
    insert = results.insert()
    for pk, run_id in conn.execute(sa.select(runs.c.pk, runs.c.id).order_by(runs.c.pk)).all():
        rows = conn.execute(
            sa.select(old_results).where(old_results.c.run_id == run_id).order_by(old_results.c.position)
        ).all()
        if not rows:
            continue
        try:
            docs = [_v3_result_doc(row) for row in rows]
            parsed = results_from_dict(
                {
                    "perfgate_schema": 1,
                    "kind": "results",
                    "started": "1970-01-01T00:00:00+00:00",
                    "finished": None,
                    "status": "complete",
                    "results": docs,
                },
                f"run {run_id}: damaged result",
            ).results
            values = [result_values(r) for r in parsed]
        except (ValueError, TypeError, struct.error) as exc:
            raise StoreError(f"run {run_id}: damaged result row: {exc}") from exc
        except InputError as exc:
            raise StoreError(str(exc)) from exc
        conn.execute(
            insert,
            [
                {
                    "run": pk,
                    "position": row.position,
                    "benchmark": ids[row.benchmark],
                    **dict(zip(_V4_VALUE_COLUMNS, value, strict=True)),
                }
                for row, value in zip(rows, values, strict=True)
            ],
        )
    old_results.drop(conn)
    old_runs.drop(conn)
    conn.exec_driver_sql("ALTER TABLE runs_v4 RENAME TO runs")
    conn.exec_driver_sql("ALTER TABLE results_v4 RENAME TO results")
    md = sa.MetaData()
    benchmarks, runs, results = _v4_tables(md, "runs", "results")
    for index in (
        sa.Index("ux_benchmarks_name", benchmarks.c.name, unique=True),
        sa.Index("ux_runs_id", runs.c.id, unique=True),
        sa.Index("ix_runs_project_started", runs.c.project, runs.c.started),
        sa.Index("ix_runs_branch_testbed", runs.c.branch, runs.c.testbed),
        sa.Index("ix_runs_commit_sha", runs.c.commit_sha),
        sa.Index("ix_results_series", results.c.benchmark, results.c.metric, results.c.run),
    ):
        index.create(conn)


_V4_VALUE_COLUMNS = (
    "metric", "unit", "direction", "error", "summary", "rounds", "iterations", "warmup", "samples",
    "document",
)  # fmt: skip


def _v5_baseline_events(conn: sa.Connection) -> None:
    """Schema 5: the append-only audit trail of managed baselines (``perfgate baseline``)."""
    md = sa.MetaData()
    events = sa.Table(
        "baseline_events",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("project", sa.Text, nullable=False),
        sa.Column("branch", sa.Text, nullable=False),
        sa.Column("testbed", sa.Text, nullable=False),
        sa.Column("tier", sa.Text, nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("reason_code", sa.String(32), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("old_runs", sa.Text, nullable=False),
        sa.Column("new_runs", sa.Text, nullable=False),
        sa.Column("supporting", sa.Text, nullable=False),
        sa.Column("proposal", sa.Integer, sa.ForeignKey("baseline_events.id"), nullable=True),
    )
    events.create(conn)
    sa.Index("ix_baseline_events_key", events.c.project, events.c.branch, events.c.testbed).create(conn)


#: The columns of ``ix_runs_series`` (schema 6): the run's key first (what a series joins on), then
#: every other column the series query reads of a run (``perfgate.store.fastread``).
_V6_SERIES_INDEX_COLUMNS = (
    "pk", "project", "branch", "testbed", "tier", "commit_time", "started", "id", "commit_sha",
)  # fmt: skip


def _v6_series_index(conn: sa.Connection) -> None:
    """Schema 6: an index of the runs holding every column a series reads of a run, led by the run's
    key. A series joins each of its results to its run by that key; SQLite then reads the run from
    this index instead of the run's row, which holds the run's whole JSON document (several rows a
    page instead of one), and a store's history reads thousands of runs. Only an index is added: no
    row is read or rewritten, so the step cannot meet a damaged row, and like every step it runs in
    the upgrade's one transaction (interrupted, it leaves schema 5 as it was)."""
    md = sa.MetaData()
    runs = sa.Table("runs", md, *(sa.Column(name) for name in _V6_SERIES_INDEX_COLUMNS))
    sa.Index("ix_runs_series", *(runs.c[name] for name in _V6_SERIES_INDEX_COLUMNS)).create(conn)


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "runs and results tables", _v1_runs_and_results),
    Migration(2, "indexes for listing runs, commit lookup and series", _v2_query_indexes),
    Migration(3, "results keep the summary and the samples once, the samples as binary", _v3_compact_results),
    Migration(4, "integer run keys, benchmark names kept once, summaries as numbers", _v4_compact_keys),
    Migration(5, "the audit trail of managed baselines", _v5_baseline_events),
    Migration(6, "an index of the runs covering what a series reads", _v6_series_index),
)

#: The schema version this perfgate writes and reads.
LATEST_VERSION = MIGRATIONS[-1].version


def database_version(conn: sa.Connection, where: str) -> int | None:
    """The database's schema version, or None when it is empty (no tables at all).

    Raises StoreError when the database holds tables but is not a perfgate store.
    """
    inspector = sa.inspect(conn)
    if not inspector.has_table(SCHEMA_VERSION_TABLE):
        others = sorted(inspector.get_table_names())
        if others:
            shown = ", ".join(others[:5]) + (", ..." if len(others) > 5 else "")
            raise StoreError(f"{where}: not a perfgate store (tables {shown}, but no {SCHEMA_VERSION_TABLE})")
        return None
    # max(): one row is what we write, but never misread a table someone added rows to.
    value = conn.execute(sa.select(sa.func.max(schema_version.c.version))).scalar()
    return int(value) if value is not None else 0


def _refuse_newer(version: int | None, latest: int, where: str) -> None:
    if version is not None and version > latest:
        raise SchemaError(
            f"{where}: database schema {version} is newer than this perfgate supports ({latest}): "
            "upgrade perfgate"
        )


def check_version(engine: sa.Engine, where: str, latest: int = LATEST_VERSION) -> int:
    """The version of a store opened only to read, without writing anything: a newer one than
    ``latest`` raises SchemaError, an empty database StoreError. An older one is returned: it needs
    its migrations (which write) before this perfgate can read it."""
    with read_transaction(engine) as conn:
        version = database_version(conn, where)
    _refuse_newer(version, latest, where)
    if version is None:
        raise StoreError(f"{where}: no perfgate store here (the database is empty)")
    return version


def migrate(engine: sa.Engine, where: str, steps: Sequence[Migration] = MIGRATIONS) -> int:
    """Bring the database up to the last of ``steps``; return the version it is at afterwards.

    ``where`` names the database in error messages. Refuses (SchemaError) a database newer than the
    steps know, before writing anything.
    """
    for i, step in enumerate(steps, start=1):
        if step.version != i:
            raise ValueError(f"migration steps must be numbered 1, 2, ...: step {i} is {step.version}")
    latest = len(steps)
    with read_transaction(engine) as conn:
        version = database_version(conn, where)
    _refuse_newer(version, latest, where)
    if version == latest:
        return latest
    with write_transaction(engine) as conn:
        # Re-read under the write lock: another process may have migrated meanwhile.
        version = database_version(conn, where)
        _refuse_newer(version, latest, where)
        if version is None:
            schema_version.create(conn)
            conn.execute(schema_version.insert().values(version=0, description="empty", applied_at=utcnow()))
            version = 0
        for step in steps[version:]:
            try:
                step.apply(conn)
            except StoreError as exc:  # a row the step cannot carry over: nothing is changed
                raise StoreError(f"{where}: cannot upgrade to schema {step.version}: {exc}") from exc
        if steps[version:]:
            conn.execute(
                schema_version.update().values(
                    version=latest, description=steps[-1].description, applied_at=utcnow()
                )
            )
    return latest
