"""What the dashboard reads: stored series, runs and their verdicts, recomputed from the store,
read-only (``perfgate report --html``, ``perfgate serve``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from perfgate.app.baseline import Baseline, select_baseline, with_history
from perfgate.app.judge import gate_run
from perfgate.app.workspace import Workspace
from perfgate.errors import UsageError
from perfgate.gate import Outcome
from perfgate.model import Run, Series

if TYPE_CHECKING:
    from perfgate.store import RunStore

__all__ = ["benchmark_series", "compare_stored", "judge_stored", "stored_run"]

_WHAT = "the dashboard"


def benchmark_series(
    ws: Workspace, *, limit: int | None = None, store: RunStore | None = None
) -> dict[tuple[str, str], Series]:
    """Every stored (benchmark, metric) of this project with its points of every branch, tier and
    testbed, oldest first (``limit``: the newest points of each), read in one store session: what the
    dashboard draws."""
    project = ws.config.project
    with ws.use(store, what=_WHAT) as s:
        return {
            (name, metric): s.series(name, metric, project=project, limit=limit)
            for name, metric in s.benchmarks(project=project)
        }


def judge_stored(ws: Workspace, run_id: str, *, store: RunStore | None = None) -> Outcome:
    """A stored run judged against the baseline ``perfgate run`` would have chosen for it (the
    dashboard's "active regressions" and a run's comparison), recomputed from the store."""
    with ws.use(store, what=_WHAT) as s:
        run = s.get_run(run_id)
        baseline = with_history(s, ws, run, select_baseline(s, ws, run))
    return gate_run(ws, run, baseline)


def stored_run(ws: Workspace, run_id: str, *, store: RunStore | None = None) -> Run:
    """The stored run with this id or unique id prefix (never a file or a git ref: what a web page
    asks for is looked up in the store only)."""
    with ws.use(store, what=_WHAT) as s:
        return s.get_run(run_id)


def compare_stored(ws: Workspace, base_id: str, head_id: str, *, store: RunStore | None = None) -> Outcome:
    """Stored run ``head_id`` judged against stored run ``base_id`` (the dashboard's compare page);
    runs of different tiers are not comparable, as in :func:`~perfgate.app.compare.compare_specs`."""
    a, b = stored_run(ws, base_id, store=store), stored_run(ws, head_id, store=store)
    if a.id == b.id:
        raise UsageError(f"both sides are the same run {a.id}")
    if a.tier != b.tier and a.tier is not None and b.tier is not None:
        raise UsageError(
            f"run {a.id[:10]} is of tier {a.tier!r} and run {b.id[:10]} of tier {b.tier!r}: "
            "runs of different tiers are not comparable"
        )
    return gate_run(ws, b, Baseline((a,), f"run {a.id[:10]}"))
