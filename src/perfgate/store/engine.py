"""Engines and transactions: the only place that knows SQLite needs help to behave like a database.

Python's ``sqlite3`` module opens transactions lazily and only before DML, so DDL in a migration and
the read-then-write of ``add_run`` would not be atomic. We switch the driver to autocommit and emit
``BEGIN`` ourselves (SQLAlchemy's documented recipe); writers use ``BEGIN IMMEDIATE`` so two writers
queue on the busy timeout instead of failing when a read lock cannot be upgraded. Other dialects
(PostgreSQL) keep SQLAlchemy's normal transaction handling.
"""

from __future__ import annotations

import sqlite3
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

__all__ = ["DEFAULT_BUSY_TIMEOUT", "make_engine", "read_transaction", "write_transaction"]

#: Seconds a writer waits for another writer's lock before giving up.
DEFAULT_BUSY_TIMEOUT = 30.0

_WRITE = "perfgate_write"


def _readonly_connect(path: str, busy_timeout: float) -> Callable[[], sqlite3.Connection]:
    """A connection factory that only reads ``path`` and needs no write access anywhere.

    ``mode=ro`` still reads (and, if missing, creates) WAL's ``-shm`` file beside the database; on a
    read-only mount or directory without one that fails with SQLITE_CANTOPEN, and then the database is
    opened ``immutable``: no lock, no ``-shm``, exactly the file's content (a read-only directory cannot
    be written by anyone, so it cannot change under us either).
    """
    quoted = urllib.parse.quote(path)

    def connect() -> sqlite3.Connection:
        conn = sqlite3.connect(
            f"file:{quoted}?mode=ro", uri=True, timeout=busy_timeout, check_same_thread=False
        )
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchall()  # opens the WAL index now
            return conn
        except sqlite3.OperationalError as exc:
            conn.close()
            if getattr(exc, "sqlite_errorcode", None) != sqlite3.SQLITE_CANTOPEN:
                raise
        return sqlite3.connect(f"file:{quoted}?immutable=1", uri=True, check_same_thread=False)

    return connect


def make_engine(
    url: sa.URL, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT, readonly: bool = False
) -> sa.Engine:
    """An engine for ``url``; for SQLite with WAL, foreign keys and a busy timeout on every connection.

    ``readonly`` (SQLite files): open the file read-only, so a store on a read-only mount or in a
    directory nobody may write can still be read; writing through such an engine fails.
    """
    if url.get_backend_name() != "sqlite":
        return sa.create_engine(url)
    memory = url.database in (None, "", ":memory:")
    kwargs: dict[str, Any] = {"connect_args": {"timeout": busy_timeout}}
    if memory:
        # One shared connection, or every checkout would see a fresh empty database.
        kwargs["poolclass"] = sa.StaticPool
    elif readonly:
        kwargs = {"creator": _readonly_connect(str(url.database), busy_timeout)}
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
