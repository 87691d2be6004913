"""Checks the model's values share, in a module of their own so that the read models
(:mod:`perfgate.model.read`) use them without importing every value class."""

from __future__ import annotations

from datetime import datetime

__all__ = ["check_utc"]


def check_utc(name: str, value: datetime | None) -> None:
    """A time must be timezone-aware (the model keeps UTC times): ValueError naming ``name`` if not."""
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        raise ValueError(f"{name} must be timezone-aware (UTC), got naive {value.isoformat()}")
