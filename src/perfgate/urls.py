"""The one rule telling a store location that is a URL from a file path (a leaf any layer may import).

The configuration (``storage``), the command line (``--store``, ``$PERFGATE_DATABASE_URL``) and the store
itself must agree on it: a location the configuration takes for a path is opened as a SQLite file.
"""

from __future__ import annotations

__all__ = ["is_url"]


def is_url(location: str) -> bool:
    """Whether a store location (``storage``, ``--store``, ``$PERFGATE_DATABASE_URL``) is a URL such as
    ``postgresql://host/db`` or ``sqlite:///x.db``, rather than a file path."""
    return "://" in location
