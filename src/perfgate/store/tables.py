"""The current schema (6) as SQLAlchemy Core tables, used by the queries.

:mod:`perfgate.store.migrations` builds the database step by step; a test checks that the database it
produces has exactly these tables and columns. A run's ``document`` holds the model's own versioned
JSON (``perfgate.model.serialize``) without its results; runs have an integer surrogate key ``pk``
that result rows refer to, and the run id users see in ``id``. A benchmark's name is kept once, in
``benchmarks``. A result row holds its benchmark's key, metric, unit, direction, error, the summary
and the samples packed as binary numbers (:mod:`perfgate.store.rows`), rounds, iterations, warmup,
and in ``document`` (JSON, NULL when empty) only what no column holds: group, params, extra.
``baseline_events`` (schema 5) is the append-only audit trail of managed baselines
(:mod:`perfgate.model.baselines`): rows are inserted, never updated or deleted.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

__all__ = [
    "SCHEMA_VERSION_TABLE",
    "UTCDateTime",
    "baseline_events",
    "benchmarks",
    "metadata",
    "results",
    "runs",
    "schema_version",
]


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

benchmarks = sa.Table(
    "benchmarks",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    # A benchmark's full name, kept once however many results it has (schema 4).
    sa.Column("name", sa.Text, nullable=False),
)

runs = sa.Table(
    "runs",
    metadata,
    # The surrogate key result rows refer to (schema 4): a few bytes instead of the 26-character id.
    sa.Column("pk", sa.Integer, primary_key=True),
    # The run id users see (a ULID); unique.
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
    # The run's JSON document with an empty "results" list; the results live in their own rows.
    sa.Column("document", sa.Text, nullable=False),
)

results = sa.Table(
    "results",
    metadata,
    sa.Column("run", sa.Integer, sa.ForeignKey("runs.pk", ondelete="CASCADE"), primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("benchmark", sa.Integer, sa.ForeignKey("benchmarks.id"), nullable=False),
    sa.Column("metric", sa.Text, nullable=False),
    sa.Column("unit", sa.Text, nullable=False),
    sa.Column("direction", sa.String(8), nullable=False),
    sa.Column("error", sa.Text, nullable=True),
    # The Summary packed (perfgate.store.rows): NULL for a failed result. What a series reads.
    sa.Column("summary", sa.LargeBinary, nullable=True),
    sa.Column("rounds", sa.Integer, nullable=True),
    sa.Column("iterations", sa.Integer, nullable=True),
    sa.Column("warmup", sa.Integer, nullable=True),
    # The samples as little-endian IEEE 754 doubles (exact, a third of their JSON).
    sa.Column("samples", sa.LargeBinary, nullable=False),
    # What no column holds (group, params, extra) as JSON; NULL when all are empty.
    sa.Column("document", sa.Text, nullable=True),
)

# Secondary indexes; listed here so the schema test compares them too.
sa.Index("ux_benchmarks_name", benchmarks.c.name, unique=True)
sa.Index("ux_runs_id", runs.c.id, unique=True)
sa.Index("ix_runs_project_started", runs.c.project, runs.c.started)
sa.Index("ix_runs_branch_testbed", runs.c.branch, runs.c.testbed)
sa.Index("ix_runs_commit_sha", runs.c.commit_sha)
# A series: every result of one benchmark and metric, and the runs they belong to (then joined on the
# runs' primary key, filtered by project, branch, testbed and tier, and ordered by time).
sa.Index("ix_results_series", results.c.benchmark, results.c.metric, results.c.run)
# Schema 6: what a series reads of a run, by the run's key, so the runs' rows (each holding the run's
# JSON document) are not read (perfgate.store.fastread.SERIES_INDEX).
sa.Index(
    "ix_runs_series",
    runs.c.pk,
    runs.c.project,
    runs.c.branch,
    runs.c.testbed,
    runs.c.tier,
    runs.c.commit_time,
    runs.c.started,
    runs.c.id,
    runs.c.commit_sha,
)

# Managed baselines (schema 5): one row per event, never rewritten; run ids as JSON arrays.
baseline_events = sa.Table(
    "baseline_events",
    metadata,
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
sa.Index(
    "ix_baseline_events_key", baseline_events.c.project, baseline_events.c.branch, baseline_events.c.testbed
)
