"""Managed baselines (``mode = "managed"``): set by hand, proposed by rules, approved, rejected.

Every change is appended to the store's audit trail (:mod:`perfgate.model.baselines`); nothing is
rewritten. :func:`review_baseline` runs after each run stored on the main branch: it applies the
proposals whose review window has passed (when approval is not required), then proposes

- ``SustainedImprovement`` when the last ``stable_runs`` runs on the main branch, none of them a run
  of the baseline (all newer than it), are each *better* than it (:func:`is_better`);
- ``EnvironmentalChange`` when the run's environment fingerprint differs from every baseline run's.

At most one proposal is open at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from perfgate.app.workspace import Workspace
from perfgate.config import BaselineUpdate
from perfgate.errors import InputError, NotFoundError
from perfgate.gate import Policy, pair_results
from perfgate.model import Run, RunStatus, Status, utcnow
from perfgate.model.baselines import (
    BaselineEvent,
    BaselineKey,
    EventKind,
    current_baseline,
    decision_of,
    open_proposals,
)
from perfgate.stats import CompareSettings, compare_suite, geomean_change

if TYPE_CHECKING:
    from perfgate.store import RunStore

__all__ = [
    "approve_proposal",
    "baseline_key",
    "is_better",
    "propose_baseline",
    "reject_proposal",
    "review_baseline",
    "set_baseline",
]

_NOT_BETTER = (Status.REGRESSION, Status.MISSING, Status.FAILED)


def baseline_key(ws: Workspace, run: Run) -> BaselineKey:
    """The managed baseline ``run`` is judged against: its project, testbed and tier on the main branch."""
    main = ws.config.baseline.branch or ws.config.main_branch
    return BaselineKey(run.project, main, run.environment.testbed, run.tier)


def is_better(run: Run, baseline: Sequence[Run], policy: Policy, rule: BaselineUpdate) -> bool:
    """``run`` passed and is better than ``baseline`` by the rule's minimum at its confidence.

    Passed: complete, no failed result, and no benchmark regressed, went missing or failed against
    the baseline. Better: the geometric mean of the adverse ratios (every benchmark and metric
    compared) has its upper bound at ``rule.confidence`` at or below ``1 - min_improvement``; a single
    benchmark without an interval is never better (nothing says how sure the change is).
    """
    if run.status is not RunStatus.COMPLETE or run.failed_results or not baseline:
        return False
    conf = rule.confidence
    settings = CompareSettings(confidence=conf, alpha=1.0 - conf)
    verdicts = compare_suite(pair_results(run, baseline, policy), settings).verdicts
    if any(v.status in _NOT_BETTER for v in verdicts):
        return False
    g = geomean_change(verdicts, conf)
    return g is not None and g.high is not None and g.high <= 1.0 - rule.min_improvement


def _who(by: str) -> str:
    if not by.strip():
        raise InputError("who made the change is not known: pass --by NAME")
    return by


def set_baseline(
    store: RunStore,
    key: BaselineKey,
    runs: Sequence[Run],
    *,
    by: str,
    reason: str,
    reason_code: str,
    now: datetime | None = None,
) -> BaselineEvent:
    """Make ``runs`` the baseline of ``key`` by hand (reason ``ManualOverride`` and the like)."""
    if not reason.strip():
        raise InputError("a baseline is set with a reason: pass --reason TEXT")
    old = current_baseline(store.baseline_events(key))
    ids = tuple(r.id for r in runs)
    return store.add_baseline_event(
        BaselineEvent(
            key,
            EventKind.SET,
            now or utcnow(),
            _who(by),
            reason_code,
            reason,
            old_runs=old.new_runs if old else (),
            new_runs=ids,
            supporting=ids,
        )
    )


def propose_baseline(
    store: RunStore,
    key: BaselineKey,
    runs: Sequence[Run],
    *,
    by: str,
    reason: str,
    reason_code: str,
    supporting: Sequence[str] = (),
    now: datetime | None = None,
) -> BaselineEvent:
    """Record a proposal to make ``runs`` the baseline of ``key`` (one open proposal at a time)."""
    events = store.baseline_events(key)
    pending = open_proposals(events)
    if pending:
        raise InputError(f"proposal {pending[0].id} for {key.describe()} is still open: approve or reject it")
    old = current_baseline(events)
    return store.add_baseline_event(
        BaselineEvent(
            key,
            EventKind.PROPOSED,
            now or utcnow(),
            _who(by),
            reason_code,
            reason,
            old_runs=old.new_runs if old else (),
            new_runs=tuple(r.id for r in runs),
            supporting=tuple(supporting) or tuple(r.id for r in runs),
        )
    )


def _decide(
    store: RunStore, proposal_id: int, kind: EventKind, by: str, reason: str, now: datetime | None
) -> BaselineEvent:
    try:
        p = store.baseline_event(proposal_id)
    except NotFoundError:
        raise NotFoundError(f"no baseline proposal {proposal_id}") from None
    if p.kind is not EventKind.PROPOSED:
        raise InputError(f"baseline event {proposal_id} is a {p.kind.value} event, not a proposal")
    events = store.baseline_events(p.key)
    done = decision_of(events, p.id)
    if done is not None:
        raise InputError(f"proposal {p.id} was already {done.kind.value} (event {done.id}, by {done.by})")
    old = current_baseline(events)
    return store.add_baseline_event(
        BaselineEvent(
            p.key,
            kind,
            now or utcnow(),
            _who(by),
            p.reason_code,
            reason or p.reason,
            old_runs=old.new_runs if old else (),
            new_runs=p.new_runs if kind is not EventKind.REJECTED else (old.new_runs if old else ()),
            supporting=p.supporting,
            proposal=p.id,
        )
    )


def approve_proposal(
    store: RunStore, proposal_id: int, *, by: str, reason: str = "", now: datetime | None = None
) -> BaselineEvent:
    """Approve an open proposal: its runs become the baseline."""
    return _decide(store, proposal_id, EventKind.APPROVED, by, reason, now)


def reject_proposal(
    store: RunStore, proposal_id: int, *, by: str, reason: str = "", now: datetime | None = None
) -> BaselineEvent:
    """Reject an open proposal: the baseline stays as it is."""
    return _decide(store, proposal_id, EventKind.REJECTED, by, reason, now)


def review_baseline(
    store: RunStore, ws: Workspace, run: Run, *, now: datetime | None = None
) -> list[BaselineEvent]:
    """After ``run`` is stored: apply expired proposals, then propose by the rules; the new events."""
    cfg = ws.config.baseline
    key = baseline_key(ws, run)
    if cfg.mode != "managed" or run.git is None or run.git.branch != key.branch:
        return []
    rule, now = cfg.update, now or utcnow()
    out: list[BaselineEvent] = []
    if not rule.approval:
        for p in open_proposals(store.baseline_events(key)):
            if now - p.at >= timedelta(seconds=rule.review):
                out.append(_decide(store, p.id, EventKind.APPLIED, "perfgate", "review window passed", now))
    events = store.baseline_events(key)
    current = current_baseline(events)
    if current is None or open_proposals(events):
        return out
    base = [store.get_run(i) for i in current.new_runs]
    if run.environment.fingerprint not in {b.environment.fingerprint for b in base}:
        out.append(
            propose_baseline(
                store,
                key,
                [run],
                by="perfgate",
                reason_code="EnvironmentalChange",
                reason=f"environment fingerprint {run.environment.fingerprint!r} differs from the baseline's",
                now=now,
            )
        )
        return out
    latest = store.latest_runs(
        branch=key.branch, testbed=key.testbed, tier=key.tier, project=key.project, limit=rule.stable_runs
    )
    if len(latest) < rule.stable_runs or any(r.id in current.new_runs for r in latest):
        return out  # fewer than stable_runs runs newer than the baseline's
    policy = ws.config.policy(ws.config.tier(run.tier))
    if all(is_better(r, base, policy, rule) for r in latest):
        new = latest[: cfg.runs]
        out.append(
            propose_baseline(
                store,
                key,
                new,
                by="perfgate",
                reason_code="SustainedImprovement",
                reason=(
                    f"{rule.stable_runs} consecutive runs each better by at least "
                    f"{rule.min_improvement:.0%} at {rule.confidence:.0%} confidence"
                ),
                supporting=[r.id for r in latest],
                now=now,
            )
        )
    return out
