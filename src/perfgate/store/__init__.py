"""The result store: every Run kept, queryable, given back exactly.

``open_store(path_or_url)`` opens (and creates, and migrates) a store; SQLite at a file path by default
(WAL, one transaction per run), any SQLAlchemy URL otherwise. The interface is :class:`RunStore`.

The names that need SQLAlchemy (``open_store``, ``SqlStore``, the migrations) are imported on first
use: ``perfgate history`` reads a SQLite store through :mod:`perfgate.store.fastread` (the standard
library's ``sqlite3``) and never imports SQLAlchemy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from perfgate.store.base import RunStore, Series, SeriesPoint

if TYPE_CHECKING:
    from perfgate.model import RunInfo
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

# name -> the module that defines it, imported when the name is first used
_LAZY = {
    "RunInfo": "perfgate.model",
    "LATEST_VERSION": "perfgate.store.migrations",
    "MIGRATIONS": "perfgate.store.migrations",
    "Migration": "perfgate.store.migrations",
    "SqlStore": "perfgate.store.sql",
    "Store": "perfgate.store.sql",
    "open_store": "perfgate.store.sql",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
