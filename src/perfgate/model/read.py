"""Read models: what a store answers without loading whole runs, shared by every reader.

:class:`RunInfo` is one line of a run listing (``perfgate runs``); :class:`Series` is one benchmark's
metric over runs, a tuple of :class:`SeriesPoint` oldest first (``perfgate history``, change
detection, a dashboard). Stores return them, reports render them as they are.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import islice, pairwise
from operator import attrgetter, le

from perfgate.model.units import Direction
from perfgate.model.values import RunStatus, Summary, _utc

__all__ = ["RunInfo", "Series", "SeriesPoint"]


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


@dataclass(frozen=True, slots=True)
class SeriesPoint:
    """One run's value of one benchmark and metric, as history and change detection see it.

    ``summary`` is None when the benchmark failed in that run (then ``error`` says why); its median is
    the point's :attr:`value` and its confidence interval the point's :attr:`interval`.
    """

    run_id: str
    commit: str | None
    branch: str | None
    commit_time: datetime | None
    started: datetime
    testbed: str
    summary: Summary | None
    unit: str
    direction: Direction
    error: str | None

    def __post_init__(self) -> None:
        _utc(f"series point {self.run_id}: started", self.started)
        _utc(f"series point {self.run_id}: commit_time", self.commit_time)

    @property
    def time(self) -> datetime:
        """The time the series is ordered by: the commit's time when known, else the run's start."""
        return self.commit_time if self.commit_time is not None else self.started

    @property
    def value(self) -> float | None:
        """The point's headline value (its summary's median); None when the benchmark failed."""
        return self.summary.median if self.summary is not None else None

    @property
    def interval(self) -> tuple[float, float] | None:
        """The confidence interval of the value, when the summary has one."""
        s = self.summary
        if s is None or s.ci_low is None or s.ci_high is None:
            return None
        return (s.ci_low, s.ci_high)


@dataclass(frozen=True, slots=True)
class Series:
    """One benchmark's metric over runs, oldest first (by :attr:`SeriesPoint.time`), and the scope the
    points were chosen by: ``branch``, ``tier``, ``testbed`` and ``project`` (None: every one).

    Iterating a series iterates its points. Re-runs of one commit are separate points.
    """

    benchmark: str
    metric: str
    points: tuple[SeriesPoint, ...] = ()
    branch: str | None = None
    tier: str | None = None
    testbed: str | None = None
    project: str | None = None

    def __post_init__(self) -> None:
        where = f"series {self.benchmark} [{self.metric}]"
        # C-level passes first (a store's series has thousands of points); the loops name the culprit
        points = self.points
        pairs = zip(map(attrgetter("commit_time"), points), map(attrgetter("started"), points), strict=True)
        times = [c if c is not None else s for c, s in pairs]
        ordered = all(map(le, times, islice(times, 1, None)))
        for earlier, later in () if ordered else pairwise(points):
            if later.time < earlier.time:
                raise ValueError(
                    f"{where}: point {later.run_id} ({later.time.isoformat()}) comes after "
                    f"{earlier.run_id} ({earlier.time.isoformat()}): points go oldest first"
                )
        for key in ("branch", "testbed"):
            scope = getattr(self, key)
            if scope is None or set(map(attrgetter(key), points)) <= {scope}:
                continue
            for p in points:
                if scope is not None and getattr(p, key) != scope:
                    got = getattr(p, key)
                    raise ValueError(f"{where} of {key} {scope!r}: point {p.run_id} is of {got!r}")

    def __len__(self) -> int:
        return len(self.points)

    def __iter__(self) -> Iterator[SeriesPoint]:
        return iter(self.points)

    @property
    def unit(self) -> str | None:
        """The unit of the newest point (None for an empty series)."""
        return self.points[-1].unit if self.points else None

    @property
    def direction(self) -> Direction | None:
        """Which way is better, as the newest point says (None for an empty series)."""
        return self.points[-1].direction if self.points else None

    @property
    def values(self) -> tuple[float | None, ...]:
        """The points' values, oldest first; None where the benchmark failed."""
        return tuple(p.value for p in self.points)
