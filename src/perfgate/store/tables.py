"""The current schema as SQLAlchemy Core tables, used by the queries.

:mod:`perfgate.store.migrations` builds the database step by step; a test checks that the database it
produces has exactly these tables and columns. A run's ``document`` holds the model's own versioned
JSON (``perfgate.model.serialize``) without its results. A result is kept once (schema 3): its
``document`` holds the fields no column holds (group, params, rounds, extra, ...), and the row's
benchmark, metric, unit, direction, error, summary (a JSON array in a fixed field order) and samples
(packed doubles) complete it. Rows written before schema 3 hold the whole result in the document, and
the readers take it from there.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

__all__ = ["SCHEMA_VERSION_TABLE", "UTCDateTime", "metadata", "results", "runs", "schema_version"]


class UTCDateTime(sa.TypeDecorator[datetime]):
    """An aware datetime stored as UTC, returned as UTC.

    PostgreSQL keeps it in ``timestamp with time zone``. SQLite has no such type: SQLAlchemy stores
    a fixed-width ISO string and would silently drop the offset, so we convert to UTC first; the
    strings then sort chronologically, which is what ORDER BY needs on both databases.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"refusing to store a naive datetime: {value.isoformat()}")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    @property
    def python_type(self) -> type[Any]:
        return datetime


SCHEMA_VERSION_TABLE = "schema_version"

metadata = sa.MetaData()

schema_version = sa.Table(
    SCHEMA_VERSION_TABLE,
    metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("applied_at", UTCDateTime, nullable=False),
)

runs = sa.Table(
    "runs",
    metadata,
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
    # The run's JSON document with an empty "results" list; the results live in their own rows.
    sa.Column("document", sa.Text, nullable=False),
)

results = sa.Table(
    "results",
    metadata,
    sa.Column("run_id", sa.String(64), sa.ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("benchmark", sa.Text, nullable=False),
    sa.Column("metric", sa.Text, nullable=False),
    sa.Column("unit", sa.Text, nullable=False),
    sa.Column("direction", sa.String(8), nullable=False),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("median", sa.Float, nullable=True),
    # The Summary's JSON, so a series reads it without the (possibly large) samples.
    sa.Column("summary", sa.Text, nullable=True),
    # The Result's JSON (rounds, extra, ...) without its summary and samples (schema 3; rows written
    # earlier hold both): what get_run rebuilds the Result from, with the summary and samples columns.
    sa.Column("document", sa.Text, nullable=False),
    # The samples as little-endian IEEE 754 doubles (exact, and a third of their JSON); NULL in rows
    # written before schema 3, whose document holds them.
    sa.Column("samples", sa.LargeBinary, nullable=True),
)

# Secondary indexes (created by migration 2); listed here so the schema test compares them too.
sa.Index("ix_runs_project_started", runs.c.project, runs.c.started)
sa.Index("ix_runs_branch_testbed", runs.c.branch, runs.c.testbed)
sa.Index("ix_runs_commit_sha", runs.c.commit_sha)
sa.Index("ix_results_benchmark_metric", results.c.benchmark, results.c.metric)
