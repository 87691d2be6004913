"""Managed baselines: the append-only log of what happened to one baseline, and what it says now.

A managed baseline belongs to a :class:`BaselineKey` (project, branch, testbed, tier). Every change is
a :class:`BaselineEvent`, stored once and never rewritten: ``set`` (by hand), ``proposed`` (by the
update rules or ``perfgate baseline propose``), and the decisions on a proposal, ``approved``,
``rejected`` and ``applied`` (after the review window, when approval is not required). The current
baseline is the newest event that moved it (:func:`current_baseline`); a proposal is open until an
event decides it (:func:`open_proposals`). Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

__all__ = [
    "REASON_CODES",
    "BaselineEvent",
    "BaselineKey",
    "EventKind",
    "current_baseline",
    "decision_of",
    "open_proposals",
]

#: Why a baseline changes (the words of the policy this follows).
REASON_CODES = ("SustainedImprovement", "EnvironmentalChange", "TestProceduresUpdated", "ManualOverride")


class EventKind(StrEnum):
    SET = "set"
    PROPOSED = "proposed"
    APPROVED = "approved"
    REJECTED = "rejected"
    APPLIED = "applied"


#: The events after which the baseline is their ``new_runs``.
MOVES = (EventKind.SET, EventKind.APPROVED, EventKind.APPLIED)
_DECISIONS = (EventKind.APPROVED, EventKind.REJECTED, EventKind.APPLIED)


@dataclass(frozen=True, slots=True)
class BaselineKey:
    project: str
    branch: str
    testbed: str
    tier: str | None = None

    def __post_init__(self) -> None:
        if not self.project or not self.branch or not self.testbed:
            raise ValueError("a baseline key needs a project, a branch and a testbed")

    def describe(self) -> str:
        tier = f", tier {self.tier}" if self.tier else ""
        return f"{self.project} on {self.branch}, testbed {self.testbed}{tier}"


@dataclass(frozen=True, slots=True)
class BaselineEvent:
    """One entry of a baseline's audit trail. ``id`` is given by the store (0 before it is stored).

    ``old_runs``/``new_runs``: the baseline's run ids before and after (for a proposal, after it would
    apply); ``supporting``: the runs that justify it; ``proposal``: the proposal a decision decides.
    """

    key: BaselineKey
    kind: EventKind
    at: datetime
    by: str
    reason_code: str
    reason: str
    old_runs: tuple[str, ...] = ()
    new_runs: tuple[str, ...] = ()
    supporting: tuple[str, ...] = ()
    proposal: int | None = None
    id: int = 0

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise ValueError("a baseline event's time must be timezone-aware")
        if self.reason_code not in REASON_CODES:
            expected = ", ".join(REASON_CODES)
            raise ValueError(f"unknown reason code {self.reason_code!r}, expected one of {expected}")
        if not self.by:
            raise ValueError("a baseline event needs who made it")
        if (self.kind in MOVES or self.kind is EventKind.PROPOSED) and not self.new_runs:
            raise ValueError(f"a {self.kind} event needs the new baseline's runs")
        if (self.kind in _DECISIONS) != (self.proposal is not None):
            needs = "needs" if self.kind in _DECISIONS else "has no"
            raise ValueError(f"a {self.kind} event {needs} proposal")


def current_baseline(events: Sequence[BaselineEvent]) -> BaselineEvent | None:
    """The event that set the baseline now in force (``events`` oldest first), None when never set."""
    for e in reversed(events):
        if e.kind in MOVES:
            return e
    return None


def decision_of(events: Sequence[BaselineEvent], proposal: int) -> BaselineEvent | None:
    """The event that decided proposal ``proposal``, None while it is open."""
    return next((e for e in events if e.proposal == proposal), None)


def open_proposals(events: Sequence[BaselineEvent]) -> list[BaselineEvent]:
    """Proposals no event has decided yet, oldest first."""
    decided = {e.proposal for e in events if e.proposal is not None}
    return [e for e in events if e.kind is EventKind.PROPOSED and e.id not in decided]
