"""The schema and queries stay portable: they compile for PostgreSQL, and the public names exist.

No PostgreSQL server or driver is needed to compile; a test against a running server belongs with the
PostgreSQL backend when it is added.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

import perfgate.store
from perfgate.store import tables
from perfgate.store.sql import _commit_prefix


def test_public_names() -> None:
    assert sorted(perfgate.store.__all__) == [
        "LATEST_VERSION",
        "MIGRATIONS",
        "Migration",
        "RunInfo",
        "RunStore",
        "Series",
        "SeriesPoint",
        "SqlStore",
        "Store",
        "open_store",
    ]
    for name in perfgate.store.__all__:
        assert getattr(perfgate.store, name) is not None
    assert perfgate.store.Store is perfgate.store.SqlStore


def test_tables_compile_for_postgresql() -> None:
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    ddl = "\n".join(
        str(sa.schema.CreateTable(t).compile(dialect=dialect)) for t in tables.metadata.sorted_tables
    )
    assert "started TIMESTAMP WITH TIME ZONE NOT NULL" in ddl
    assert "document TEXT NOT NULL" in ddl
    assert "REFERENCES runs (pk) ON DELETE CASCADE" in ddl
    assert "REFERENCES benchmarks (id)" in ddl
    for t in tables.metadata.sorted_tables:
        for index in t.indexes:
            kind = "CREATE UNIQUE INDEX" if index.unique else "CREATE INDEX"
            assert str(sa.schema.CreateIndex(index).compile(dialect=dialect)).startswith(kind)


def test_prefix_match_is_plain_like_on_both_dialects() -> None:
    for dialect in (postgresql.dialect(), sqlite.dialect()):  # type: ignore[no-untyped-call]
        sql = str(_commit_prefix("AB_c").compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
        # (psycopg's pyformat paramstyle doubles the % sign in the compiled text)
        assert sql.replace("%%", "%") == "lower(runs.commit_sha) LIKE 'ab/_c' || '%' ESCAPE '/'", dialect.name
