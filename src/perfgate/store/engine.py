"""Engines and transactions: the only place that knows SQLite needs help to behave like a database.

Python's ``sqlite3`` module opens transactions lazily and only before DML, so DDL in a migration and
the read-then-write of ``add_run`` would not be atomic. We switch the driver to autocommit and emit
``BEGIN`` ourselves (SQLAlchemy's documented recipe); writers use ``BEGIN IMMEDIATE`` so two writers
queue on the busy timeout instead of failing when a read lock cannot be upgraded. Other dialects
(PostgreSQL) keep SQLAlchemy's normal transaction handling.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from perfgate.store.fastread import readonly_connect

__all__ = ["DEFAULT_BUSY_TIMEOUT", "make_engine", "read_transaction", "write_transaction"]

#: Seconds a writer waits for another writer's lock before giving up.
DEFAULT_BUSY_TIMEOUT = 30.0

_WRITE = "perfgate_write"


def make_engine(
    url: sa.URL, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT, readonly: bool = False
) -> sa.Engine:
    """An engine for ``url``; for SQLite with WAL, foreign keys and a busy timeout on every connection.

    ``readonly`` (SQLite files): open the file read-only (:func:`perfgate.store.fastread.readonly_connect`),
    so a store on a read-only mount or in a directory nobody may write can still be read; writing
    through such an engine fails.
    """
    if url.get_backend_name() != "sqlite":
        return sa.create_engine(url)
    memory = url.database in (None, "", ":memory:")
    kwargs: dict[str, Any] = {"connect_args": {"timeout": busy_timeout}}
    if memory:
        # One shared connection, or every checkout would see a fresh empty database.
        kwargs["poolclass"] = sa.StaticPool
    elif readonly:
        database = str(url.database)
        kwargs = {"creator": lambda: readonly_connect(database, busy_timeout)}
    engine = sa.create_engine(url, **kwargs)

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we send BEGIN ourselves, see the module docstring
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            if not memory and not readonly:
                cursor.execute("PRAGMA journal_mode = WAL")
                # With WAL, NORMAL syncs at checkpoints, not at every commit: a commit is still atomic
                # and survives a crash of the process (never half a run); only the newest commits
                # can be lost if the machine loses power.
                cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(_WRITE) else "BEGIN")

    return engine


@contextmanager
def write_transaction(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A connection inside one write transaction: committed on success, rolled back on any exception
    (including KeyboardInterrupt)."""
    with engine.connect() as conn:
        conn.execution_options(**{_WRITE: True})
        with conn.begin():
            yield conn


@contextmanager
def read_transaction(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A connection inside one read transaction, so several queries see one consistent snapshot."""
    with engine.connect() as conn, conn.begin():
        yield conn
