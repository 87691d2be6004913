"""Every stored series of a project, as change detection and trends read them (``perfgate detect``,
``perfgate trend``, the dashboard): :func:`stored_series`."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import TYPE_CHECKING

from perfgate.app.workspace import Workspace

if TYPE_CHECKING:
    from datetime import datetime

    from perfgate.model import Direction, SeriesPoint
    from perfgate.store import RunStore

__all__ = ["StoredSeries", "stored_series"]


@dataclass(frozen=True, slots=True)
class StoredSeries:
    """One stored series as change detection and trends see it: a (benchmark, metric, testbed, tier,
    branch) over commits, oldest first, failed points left out."""

    benchmark: str
    metric: str
    testbed: str
    tier: str | None
    branch: str | None
    points: tuple[SeriesPoint, ...]

    @property
    def unit(self) -> str:
        return self.points[-1].unit

    @property
    def direction(self) -> Direction:
        return self.points[-1].direction


def stored_series(
    ws: Workspace,
    pattern: str | None = None,
    *,
    metric: str | None = None,
    since: datetime | None = None,
    testbed: str | None = None,
    tier: str | None = None,
    branch: str | None = None,
    store: RunStore | None = None,
) -> list[StoredSeries]:
    """``perfgate detect`` and ``trend``: every stored series of this project whose benchmark matches
    ``pattern`` (the id itself, else a glob when it has ``*?[``, else a part of the id), one per
    (benchmark, metric, testbed, tier, branch), with the points from ``since`` on; sorted by those keys.
    A point's tier comes from :meth:`perfgate.store.RunStore.run_tiers` (one query of ids and tiers)."""

    def wanted(name: str) -> bool:
        if pattern is None or name == pattern:  # (a parametrized id, [..] and all, names itself)
            return True
        if any(c in pattern for c in "*?["):
            return fnmatch.fnmatchcase(name, pattern)
        return pattern in name

    project = ws.config.project
    out = []
    with ws.use(store, what="change points and trends") as s:
        pairs = [(b, m) for b, m in s.benchmarks(project=project) if (metric in (None, m)) and wanted(b)]
        tiers = s.run_tiers(project=project, testbed=testbed, tier=tier, branch=branch)
        for bench, met in pairs:
            groups: dict[tuple[str, str | None, str | None], list[SeriesPoint]] = {}
            for p in s.series(bench, met, testbed=testbed, branch=branch, project=project, tier=tier):
                if p.summary is None or (since is not None and p.time < since):
                    continue
                groups.setdefault((p.testbed, tiers.get(p.run_id), p.branch), []).append(p)
            for (bed, tr, br), pts in groups.items():
                out.append(StoredSeries(bench, met, bed, tr, br, tuple(pts)))
    out.sort(key=lambda x: (x.benchmark, x.metric, x.testbed, x.tier or "", x.branch or ""))
    return out
