"""A run built from a measuring process's results, and judged against its baseline with the
configuration's policy: what ``perfgate run``, ``ingest``, ``compare`` and ``command`` share.

Kept apart from :mod:`perfgate.app.suite` (which runs suites, services and scrapers) so that a command
that only judges runs, as ``perfgate compare``, imports none of that.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from perfgate import context
from perfgate.app.baseline import OWN_COMMIT_ONLY, Baseline
from perfgate.app.workspace import Workspace
from perfgate.config import Tier
from perfgate.gate import Outcome, Policy, evaluate
from perfgate.gcpause import gc_paused
from perfgate.model import CIInfo, Environment, GitInfo, ResultsDoc, Run, RunStatus, new_run_id
from perfgate.stats import CompareSettings

__all__ = ["build_run", "gate_run"]


def build_run(
    ws: Workspace,
    doc: ResultsDoc,
    *,
    tier: str | None,
    source: str = "perfgate",
    git: GitInfo | None = None,
    ci: CIInfo | None = None,
    environment: Environment | None = None,
    tags: Sequence[str] = (),
) -> Run:
    """A Run from a measuring process's results plus the live context (read only if not all given).

    Error messages are redacted (:meth:`Workspace.redactor`): this is the Run that gets stored.
    """
    if git is None or ci is None or environment is None:
        live_git, live_ci, live_env = ws.context()
        git, ci, environment = git or live_git, ci or live_ci, environment or live_env
    run = Run(
        # the clock, not doc.started: files ingested with one timestamp must not share a short id
        id=new_run_id(),
        project=ws.config.project,
        started=doc.started,
        finished=doc.finished,
        source=source,
        status=doc.status,
        tier=tier,
        tags=tuple(tags),
        git=git,
        ci=ci,
        environment=environment,
        results=doc.results,
    )
    return context.redact_run(run, ws.redactor())


def _policy(ws: Workspace, tier: Tier | None, threshold: float | None) -> Policy:
    policy = ws.config.policy(tier)
    return policy.with_threshold(threshold) if threshold is not None else policy


def gate_run(
    ws: Workspace,
    run: Run,
    baseline: Baseline,
    *,
    threshold: float | None = None,
    settings: CompareSettings | None = None,
    stored: bool = True,
) -> Outcome:
    """``run`` judged against ``baseline`` with the configuration's policy for its tier."""
    tier = ws.config.tier(run.tier) if run.tier in ws.config.tiers else None
    notes = []
    if not baseline.runs and baseline.description == OWN_COMMIT_ONLY:
        notes.append(OWN_COMMIT_ONLY)
    elif not baseline.runs and stored:
        notes.append("no baseline yet: this run becomes the baseline for the next ones")
    elif not baseline.runs:
        notes.append("no baseline: this run was not stored, and none was given (--baseline)")
    else:
        notes.append(f"baseline: {baseline.description}")
    if run.status is RunStatus.FAILED:
        notes.append("run status failed: the harness reported the run failed or was cut short")
    elif run.status is not RunStatus.COMPLETE:
        notes.append(f"run status {run.status.value}: not every benchmark was measured")
    if settings is None:
        settings = CompareSettings(severity_rules=ws.config.severity, machine_shift=ws.config.machine_shift)
    # what is reported is redacted too: the run may come from a file or an older store
    redact = ws.redactor()
    with gc_paused():  # (a suite's thousands of acyclic pairs, analyses and verdicts: see gc_paused)
        outcome = evaluate(
            context.redact_run(run, redact),
            tuple(context.redact_run(b, redact) for b in baseline.runs),  # names match the redacted run's
            _policy(ws, tier, threshold),
            settings,
            notes,
            baseline.history,
        )
    return replace(outcome, notes=tuple(redact(n) for n in outcome.notes))
