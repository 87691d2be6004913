"""A run listing's read model: :class:`RunInfo`, one line of ``perfgate runs``.

In a module of its own, so that what reads series (``perfgate history``) does not define it: every
dataclass costs its definition at import (Python generates and compiles its methods).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from perfgate.model.checks import check_utc as _utc

if TYPE_CHECKING:
    from perfgate.model.values import RunStatus

__all__ = ["RunInfo"]


@dataclass(frozen=True, slots=True)
class RunInfo:
    """One line of a run listing: a run's identity and context, without its results."""

    id: str
    project: str
    started: datetime
    finished: datetime | None
    source: str
    status: RunStatus
    tier: str | None
    branch: str | None
    commit: str | None
    commit_time: datetime | None
    testbed: str
    n_results: int
    n_failed: int
    pr_number: int | None

    def __post_init__(self) -> None:
        if self.n_results < 0 or not 0 <= self.n_failed <= self.n_results:
            raise ValueError(
                f"run {self.id}: need 0 <= n_failed <= n_results, got {self.n_failed}/{self.n_results}"
            )
        for name in ("started", "finished", "commit_time"):
            _utc(f"run {self.id}: {name}", getattr(self, name))
