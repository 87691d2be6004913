"""``perfgate cmd`` and ``perfgate load``: results measured ad hoc, gated like a run's."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from perfgate.app.baseline import Baseline, select_baseline, with_history
from perfgate.app.compare import load_spec
from perfgate.app.judge import build_run, gate_run
from perfgate.app.suites import OnCommandRun
from perfgate.app.workspace import Workspace
from perfgate.gate import Outcome
from perfgate.model import Result, ResultsDoc, RunStatus, utcnow

if TYPE_CHECKING:
    from perfgate.measure.command import CommandMeasurement, CommandSpec
    from perfgate.store import RunStore

__all__ = ["command_suite", "gate_measured", "measure_commands"]


def measure_commands(
    ws: Workspace, specs: Sequence[CommandSpec], *, on_run: OnCommandRun | None = None
) -> tuple[CommandMeasurement, ...]:
    """Run command benchmarks in the project root with the workspace's environment."""
    from perfgate.measure.command import run_commands

    return run_commands(specs, cwd=ws.config.root, environ=ws.environ, on_run=on_run)


def command_suite(
    ws: Workspace,
    specs: Sequence[CommandSpec],
    *,
    cwd: Path | None = None,
    store_run: bool = False,
    baseline: str | None = None,
    threshold: float | None = None,
    tier: str | None = None,
    on_run: OnCommandRun | None = None,
    store: RunStore | None = None,
) -> tuple[Outcome, tuple[CommandMeasurement, ...]]:
    """``perfgate cmd``: measure ad hoc commands, then gate them like ``run`` does.

    Nothing is written unless ``store_run``. The baseline is ``baseline`` (a run id, git ref or result
    file, e.g. an earlier ``--export-json``) when given; else, when storing, the one ``run`` would pick;
    else none (every verdict is ``new`` and only failures fail the gate). ``store`` is an open store
    to use (else the workspace's is opened when needed).
    """
    from perfgate.measure.command import measurement_results, run_commands

    started = utcnow()
    measured = run_commands(specs, cwd=cwd or ws.config.root, environ=ws.environ, on_run=on_run)
    results = tuple(r for m in measured for r in measurement_results(m))
    outcome = gate_measured(
        ws,
        results,
        started=started,
        finished=utcnow(),
        store_run=store_run,
        baseline=baseline,
        threshold=threshold,
        tier=tier,
        store=store,
    )
    return outcome, measured


def gate_measured(
    ws: Workspace,
    results: Sequence[Result],
    *,
    started: datetime,
    finished: datetime,
    store_run: bool = False,
    baseline: str | None = None,
    threshold: float | None = None,
    tier: str | None = None,
    store: RunStore | None = None,
) -> Outcome:
    """Results measured ad hoc by a front end (``perfgate cmd``, ``perfgate load``), gated as ``run``
    gates: stored only if ``store_run``; the baseline is ``baseline`` (a run id, git ref or result
    file, e.g. an earlier ``--export-json``) when given, else, when storing, the one ``run`` would
    pick, else none (every verdict is ``new`` and only failures fail the gate)."""
    doc = ResultsDoc(started=started, finished=finished, status=RunStatus.COMPLETE, results=tuple(results))
    run = build_run(ws, doc, tier=tier)
    if store_run:
        with ws.use(store, write=True) as s:
            s.add_run(run)
            base = (
                Baseline((load_spec(ws, baseline, store=s),), baseline)
                if baseline is not None and Path(baseline).exists()
                else select_baseline(s, ws, run, explicit=baseline)
            )
            base = with_history(s, ws, run, base)
    elif baseline is not None:
        base = Baseline((load_spec(ws, baseline, store=store),), baseline)
    else:
        base = Baseline((), "none")
    return gate_run(ws, run, base, threshold=threshold, stored=store_run)
