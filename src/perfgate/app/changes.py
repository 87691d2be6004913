"""Change points of stored series on their testbeds: what ``perfgate detect``, ``perfgate trend`` and
the dashboard's benchmark pages mark, one way for all three."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from perfgate.app.baseline import testbed_spreads
from perfgate.app.series import StoredSeries
from perfgate.app.workspace import Workspace
from perfgate.detect import Detection, DetectSettings, Point, detect
from perfgate.stats import RunSpread

if TYPE_CHECKING:
    from perfgate.store import RunStore

__all__ = ["ChangeDetector", "detect_changes", "series_points"]


class ChangeDetector:
    """Finds the change points of series of ``ws``, each with the run-to-run spread of its testbed and
    tier, as the gate measures it (:func:`~perfgate.app.testbed_spreads`), as the floor under the
    series' own noise (:meth:`DetectSettings.on_testbed`): a step no larger than the testbed's
    ordinary moves from run to run is no change point. The spreads are read once per (testbed, tier),
    from ``store`` when given (else the workspace's, opened for each read)."""

    def __init__(self, ws: Workspace, *, store: RunStore | None = None) -> None:
        self._ws = ws
        self._store = store
        self._spreads: dict[tuple[str, str | None], dict[tuple[str, str], RunSpread]] = {}

    def spread(self, benchmark: str, metric: str, testbed: str, tier: str | None) -> RunSpread | None:
        """The run-to-run spread of ``benchmark``'s ``metric`` on ``testbed`` and ``tier`` (None or ""
        for no tier); None without enough history there."""
        key = (testbed, tier or None)
        if key not in self._spreads:
            self._spreads[key] = testbed_spreads(self._ws, testbed, key[1], store=self._store)
        return self._spreads[key].get((benchmark, metric))

    def detect(
        self, points: Sequence[Point], *, benchmark: str, metric: str, testbed: str, tier: str | None
    ) -> Detection:
        """The change points of one series: ``benchmark``'s ``metric`` on ``testbed`` and ``tier``,
        ``points`` oldest first."""
        spread = self.spread(benchmark, metric, testbed, tier)
        return detect(points, DetectSettings.on_testbed(spread))


def series_points(series: StoredSeries) -> list[Point]:
    """What detection weighs of a stored series: each point's median with the standard error its
    interval implies, labelled with its commit (failed points, which have no summary, left out)."""
    return [Point.from_summary(p.summary, p.commit) for p in series.points if p.summary is not None]


def detect_changes(
    ws: Workspace, series: Sequence[StoredSeries], *, store: RunStore | None = None
) -> list[Detection]:
    """The change points of each of ``series`` (:func:`~perfgate.app.stored_series`), in order, each
    on its testbed (:class:`ChangeDetector`); the testbeds' spreads are read in one store session."""
    if not series:
        return []
    with ws.use(store, what="change points") as s:
        finder = ChangeDetector(ws, store=s)
        return [
            finder.detect(
                series_points(x), benchmark=x.benchmark, metric=x.metric, testbed=x.testbed, tier=x.tier
            )
            for x in series
        ]
