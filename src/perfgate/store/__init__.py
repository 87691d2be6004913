"""The result store: every Run kept, queryable, given back exactly.

``open_store(path_or_url)`` opens (and creates, and migrates) a store; SQLite at a file path by default
(WAL, one transaction per run), any SQLAlchemy URL otherwise. The interface is :class:`RunStore`.
"""

from perfgate.store.base import RunInfo, RunStore, Series, SeriesPoint
from perfgate.store.migrations import LATEST_VERSION, MIGRATIONS, Migration
from perfgate.store.sql import SqlStore, Store, open_store

__all__ = [
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
