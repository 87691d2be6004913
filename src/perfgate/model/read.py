"""Read models: what a store answers without loading whole runs, shared by every reader.

:class:`Series` is one benchmark's metric over runs, a sequence of :class:`SeriesPoint` oldest first
(``perfgate history``, change detection, a dashboard); a run listing's line is :class:`RunInfo`
(:mod:`perfgate.model.runinfo`). Stores return them, reports render them as they are.

A store's series holds its points as columns (:class:`SeriesPoints`: a column of run ids, one of
medians, ...), checked column by column when read, and builds the ``SeriesPoint`` values only when
someone asks for a point: ``perfgate history`` renders its table straight from the columns.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from itertools import islice, pairwise
from operator import attrgetter, le
from typing import TYPE_CHECKING, Any, overload

from perfgate.bulk import build
from perfgate.frozen import Frozen
from perfgate.model.checks import check_utc as _utc
from perfgate.model.units import Direction

if TYPE_CHECKING:  # (a read model needs no value class but Summary, imported when points are built)
    from perfgate.model.values import Summary

__all__ = ["Series", "SeriesPoint", "SeriesPoints"]


class SeriesPoint(Frozen):
    """One run's value of one benchmark and metric, as history and change detection see it.

    ``summary`` is None when the benchmark failed in that run (then ``error`` says why); its median is
    the point's :attr:`value` and its confidence interval the point's :attr:`interval`.

    A frozen value (:class:`perfgate.frozen.Frozen`: no dataclass, as every command that reads a
    series builds this class when it starts).
    """

    _fields = (
        "run_id", "commit", "branch", "commit_time", "started", "testbed", "summary", "unit", "direction",
        "error",
    )  # fmt: skip
    __slots__ = _fields
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

    def __init__(
        self,
        run_id: str,
        commit: str | None,
        branch: str | None,
        commit_time: datetime | None,
        started: datetime,
        testbed: str,
        summary: Summary | None,
        unit: str,
        direction: Direction,
        error: str | None,
    ) -> None:
        _utc(f"series point {run_id}: started", started)
        _utc(f"series point {run_id}: commit_time", commit_time)
        self._fill(run_id, commit, branch, commit_time, started, testbed, summary, unit, direction, error)

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


class Series(Frozen):
    """One benchmark's metric over runs, oldest first (by :attr:`SeriesPoint.time`), and the scope the
    points were chosen by: ``branch``, ``tier``, ``testbed`` and ``project`` (None: every one).

    Iterating a series iterates its points. Re-runs of one commit are separate points. ``points`` is
    a tuple, or the :class:`SeriesPoints` a store read (equal to the tuple of the same points). A
    frozen value (:class:`perfgate.frozen.Frozen`, as :class:`SeriesPoint`).
    """

    _fields = ("benchmark", "metric", "points", "branch", "tier", "testbed", "project")
    __slots__ = _fields
    benchmark: str
    metric: str
    points: Sequence[SeriesPoint]
    branch: str | None
    tier: str | None
    testbed: str | None
    project: str | None

    def __init__(
        self,
        benchmark: str,
        metric: str,
        points: Sequence[SeriesPoint] = (),
        branch: str | None = None,
        tier: str | None = None,
        testbed: str | None = None,
        project: str | None = None,
    ) -> None:
        self._fill(benchmark, metric, points, branch, tier, testbed, project)
        where = f"series {self.benchmark} [{self.metric}]"
        # C-level passes first (a store's series has thousands of points); the loops name the culprit
        points = self.points
        columns = SeriesPoints.of(points)
        pairs = zip(columns.column("commit_time"), columns.column("started"), strict=True)
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
            if scope is None or set(columns.column(key)) <= {scope}:
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
        return SeriesPoints.of(self.points).column("unit")[-1] if self.points else None

    @property
    def direction(self) -> Direction | None:
        """Which way is better, as the newest point says (None for an empty series)."""
        return SeriesPoints.of(self.points).column("direction")[-1] if self.points else None

    @property
    def values(self) -> tuple[float | None, ...]:
        """The points' values, oldest first; None where the benchmark failed."""
        return tuple(SeriesPoints.of(self.points).summary_column("median"))


# The fields in the order a point's and a summary's slots are filled (their dataclass order; a
# summary's are spelled out, checked when the first summaries are built, so that reading a series'
# columns does not import the value classes).
_POINT_FIELDS = SeriesPoint._fields
_SUMMARY_FIELDS = (
    "n", "mean", "median", "min", "max", "stddev", "q1", "q3", "ci_low", "ci_high", "ci_level", "outliers",
)  # fmt: skip


def _check_summary_fields() -> None:
    from dataclasses import fields

    from perfgate.model.values import Summary

    names = tuple(f.name for f in fields(Summary))
    if names != _SUMMARY_FIELDS:  # (a field added to Summary must be added above)
        raise RuntimeError(f"SeriesPoints' summary fields {_SUMMARY_FIELDS} are not Summary's {names}")


class SeriesPoints(Sequence[SeriesPoint]):
    """A series' points as columns: a sequence of :class:`SeriesPoint` (equal to the tuple of the same
    points) that builds the points only when one is asked for.

    A history of 10,000 points is rendered from its columns (:meth:`column`, :meth:`summary_column`)
    without building 10,000 points and 10,000 summaries. :meth:`of` gives the columns of any sequence
    of points, so a reader handles both the same way.
    """

    __slots__ = ("_columns", "_n", "_points", "_present", "_summaries", "_texts")

    def __init__(self, points: Iterable[SeriesPoint] = ()) -> None:
        built = tuple(points)
        if not set(map(type, built)) <= {SeriesPoint}:  # (one C-level pass; the loop names the culprit)
            for p in built:
                if not isinstance(p, SeriesPoint):
                    raise TypeError(f"series points must be SeriesPoint values, got {type(p).__name__}")
        self._points: tuple[SeriesPoint, ...] | None = built
        self._n = len(built)
        self._columns: dict[str, Sequence[Any]] | None = None
        self._summaries: tuple[Sequence[Any], ...] | None = None
        self._present: Sequence[bool] | None = None
        self._texts: Mapping[str, Sequence[str | None]] = {}

    @classmethod
    def trusted(
        cls,
        columns: dict[str, Sequence[Any]],
        summaries: Sequence[Sequence[Any]],
        present: Sequence[bool] | None = None,
        texts: Mapping[str, Sequence[str | None]] | None = None,
    ) -> SeriesPoints:
        """The points whose fields are ``columns`` (a sequence per field of :class:`SeriesPoint` but
        ``summary``, all of one length) and whose summaries' fields are ``summaries`` (a sequence per
        field of :class:`Summary`, in its order, one value per point with a summary; ``present`` says
        which points have one, None: all).

        For a reader that checked the columns as the constructors would (a store's
        :func:`perfgate.store.rows.trusted_columns`): the points and summaries are built from them
        without checking each again. ``texts`` maps time columns to the texts they were read from
        (:meth:`time_texts`).
        """
        names = set(_POINT_FIELDS) - {"summary"}
        if set(columns) != names:
            raise ValueError(f"series columns must be {sorted(names)}, got {sorted(columns)}")
        n = len(columns["run_id"])
        if any(len(c) != n for c in columns.values()):
            raise ValueError("series columns have different lengths")
        measured = n if present is None else sum(present)
        if present is not None and len(present) != n:
            raise ValueError("series columns have different lengths")
        if len(summaries) != len(_SUMMARY_FIELDS) or any(len(c) != measured for c in summaries):
            raise ValueError(f"summary columns must be {len(_SUMMARY_FIELDS)} of {measured} values")
        self = cls.__new__(cls)
        self._points = None
        self._n = n
        self._columns = columns
        self._summaries = tuple(summaries)
        self._present = None if present is None or all(present) else present
        self._texts = {} if texts is None else texts
        if any(name not in ("commit_time", "started") or len(t) != n for name, t in self._texts.items()):
            raise ValueError("series texts must be of the time columns, one per point")
        return self

    @classmethod
    def of(cls, points: Sequence[SeriesPoint]) -> SeriesPoints:
        """``points`` as columns: itself when it is a SeriesPoints."""
        return points if isinstance(points, SeriesPoints) else cls(points)

    def column(self, name: str) -> Sequence[Any]:
        """The values of the points' field ``name`` (``run_id``, ``started``, ...; not ``summary``)."""
        if name == "summary" or name not in _POINT_FIELDS:
            raise ValueError(f"not a column of a series: {name!r}")
        if self._columns is not None:
            return self._columns[name]
        assert self._points is not None
        return list(map(attrgetter(name), self._points))

    def time_texts(self, name: str) -> Sequence[str | None] | None:
        """The time column ``name``'s values as the UTC texts a store read them from (ISO 8601 without
        an offset: ``2026-01-01 12:03:00.000000``), when it did (else None): a history labels its
        times from them, without formatting each."""
        if name not in ("commit_time", "started"):
            raise ValueError(f"not a time column of a series: {name!r}")
        return self._texts.get(name)

    def summary_column(self, name: str) -> list[Any]:
        """The values of the points' summaries' field ``name`` (``median``, ``ci_low``, ...): None
        where a point has no summary (its benchmark failed)."""
        if name not in _SUMMARY_FIELDS:
            raise ValueError(f"not a field of a summary: {name!r}")
        if self._summaries is None:
            assert self._points is not None
            return [None if s is None else getattr(s, name) for s in map(attrgetter("summary"), self._points)]
        values = self._summaries[_SUMMARY_FIELDS.index(name)]
        if self._present is None:
            return list(values)
        given = iter(values)
        return [next(given) if p else None for p in self._present]

    def _built(self) -> tuple[SeriesPoint, ...]:
        if self._points is None:
            assert self._columns is not None and self._summaries is not None
            from perfgate.model.values import Summary

            _check_summary_fields()
            summaries: list[Any] = build(Summary, len(self._summaries[0]), self._summaries)
            if self._present is not None:
                given = iter(summaries)
                summaries = [next(given) if p else None for p in self._present]
            columns = [summaries if name == "summary" else self._columns[name] for name in _POINT_FIELDS]
            self._points = tuple(build(SeriesPoint, self._n, columns))
        return self._points

    def __len__(self) -> int:
        return self._n

    @overload
    def __getitem__(self, index: int) -> SeriesPoint: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[SeriesPoint, ...]: ...

    def __getitem__(self, index: int | slice) -> SeriesPoint | tuple[SeriesPoint, ...]:
        return self._built()[index]

    def __iter__(self) -> Iterator[SeriesPoint]:
        return iter(self._built())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, SeriesPoints):
            return self._built() == other._built()
        if isinstance(other, tuple):
            return self._built() == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._built())

    def __repr__(self) -> str:
        return f"SeriesPoints({self._built()!r})"
