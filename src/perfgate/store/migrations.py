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

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from perfgate.errors import SchemaError, StoreError
from perfgate.model import utcnow
from perfgate.store.engine import read_transaction, write_transaction
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


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "runs and results tables", _v1_runs_and_results),
    Migration(2, "indexes for listing runs, commit lookup and series", _v2_query_indexes),
    Migration(3, "results keep the summary and the samples once, the samples as binary", _v3_compact_results),
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
            step.apply(conn)
        if steps[version:]:
            conn.execute(
                schema_version.update().values(
                    version=latest, description=steps[-1].description, applied_at=utcnow()
                )
            )
    return latest
