"""How ids, commits, times and changes are labelled in every report: small functions with no import of
the gate or the model's values, so that ``perfgate history`` (which shows nothing else of them) does
not load them. :mod:`perfgate.report.formatting` re-exports each, where the other reports find them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from itertools import compress, repeat
from operator import ge, mul
from typing import cast

__all__ = ["HEX", "SHORT_ID", "format_change", "format_changes", "format_time", "short_commit", "short_id"]

SHORT_ID = 10
HEX = re.compile(r"[0-9a-fA-F]{8,}")  # what short_commit cuts: a commit hash, not a tag name


def short_id(run_id: str) -> str:
    """The first 10 characters of a run id: enough to be unique in practice, and a valid id prefix."""
    return run_id[:SHORT_ID]


def short_commit(commit: str, length: int = 7) -> str:
    """A commit hash cut to ``length`` hex digits; anything else whole (``unversioned``, a tag name)."""
    return commit[:length] if HEX.fullmatch(commit) else commit


def format_time(when: datetime) -> str:
    """A UTC timestamp to the minute, the same on every machine: ``2024-05-01 12:03``."""
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def format_change(change: float | None) -> str:
    """A signed relative change: ``+12.3%``, ``-0.4%``, ``+250%``; ``""`` when unknown."""
    if change is None:
        return ""
    pct = change * 100
    if abs(pct) >= 100:
        return f"{pct:+.0f}%"
    text = f"{pct:+.1f}%"
    return "0.0%" if text in ("+0.0%", "-0.0%") else text


_UNSIGNED_ZERO = {"+0.0%": "0.0%", "-0.0%": "0.0%"}  # (format_change's: no sign on a zero change)


def format_changes(changes: Sequence[float | None]) -> list[str]:
    """``[format_change(c) for c in changes]`` in C-level passes (a history's "vs prev" column, a
    compare's changes and their intervals)."""
    if None in changes:
        known = [c for c in changes if c is not None]
        done = iter(format_changes(known))
        return ["" if c is None else next(done) for c in changes]
    changes = cast("Sequence[float]", changes)
    # format's "%" is the value times 100 (the same multiplication) in "f", then "%": one printf each
    texts = list(map("%+.1f%%".__mod__, map(mul, changes, repeat(100.0))))
    if not (max(changes, default=0) < 0.99 and min(changes, default=0) > -0.99):
        # some may be 100% or more: no decimal there (a NaN first makes max NaN: this way too)
        big = list(map(ge, map(abs, map(mul, changes, repeat(100))), repeat(100)))
        for i in compress(range(len(changes)), big):
            texts[i] = f"{changes[i] * 100:+.0f}%"
    if "+0.0%" in texts or "-0.0%" in texts:
        return list(map(_UNSIGNED_ZERO.get, texts, texts))
    return texts
