"""What a result store is: the interface every backend implements, and the small values it returns.

A store keeps whole :class:`~perfgate.model.Run` values and gives them back exactly
(``store.get_run(run.id) == run``). Listing returns :class:`~perfgate.model.RunInfo` values (no
results, no samples) and history a :class:`~perfgate.model.Series` (one summary per run), so neither
loads every sample; both are read models of :mod:`perfgate.model`.

Ordering is always deterministic. "Newest" means by commit time when the run knows its commit's time,
else by when the run started; ties are broken by start time, then by run id.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Protocol, Self, runtime_checkable

from perfgate.model import Series, SeriesPoint

if TYPE_CHECKING:  # (annotations only: a reader of series imports no run, listing or baseline classes)
    from perfgate.model import Run, RunInfo
    from perfgate.model.baselines import BaselineEvent, BaselineKey

# Series and SeriesPoint live in perfgate.model (readers share them); named here too, as what a
# store returns (and RunInfo by perfgate.store)
__all__ = ["RunStore", "Series", "SeriesPoint", "SeriesSource"]


@runtime_checkable
class SeriesSource(Protocol):
    """What reads series: every :class:`RunStore`, and the SQLite reader ``perfgate history`` uses
    (:class:`perfgate.store.fastread.SqliteReader`), which needs no SQLAlchemy."""

    def series(
        self,
        benchmark: str,
        metric: str = "time",
        *,
        testbed: str | None = None,
        branch: str | None = None,
        project: str | None = None,
        tier: str | None = None,
        limit: int | None = None,
    ) -> Series:
        """As :meth:`RunStore.series`."""
        ...

    def benchmarks(self, *, project: str | None = None) -> list[tuple[str, str]]:
        """As :meth:`RunStore.benchmarks`."""
        ...


@runtime_checkable
class RunStore(Protocol):
    """A place that keeps runs. Errors are :class:`perfgate.errors.StoreError` (and its
    :class:`~perfgate.errors.NotFoundError`) or :class:`~perfgate.errors.SchemaError`."""

    def add_run(self, run: Run) -> None:
        """Store ``run`` and all its results atomically. A run whose id exists raises StoreError."""
        ...

    def add_runs(self, batch: Sequence[Run]) -> None:
        """Store every run of ``batch`` atomically: all or none. A run whose id exists (or given twice)
        raises StoreError, and none is stored."""
        ...

    def get_run(self, id_or_prefix: str) -> Run:
        """The run with this id or unique id prefix; NotFoundError when none or several match."""
        ...

    def list_runs(
        self,
        *,
        project: str | None = None,
        branch: str | None = None,
        commit: str | None = None,
        testbed: str | None = None,
        tier: str | None = None,
        source: str | None = None,
        limit: int | None = None,
        newest_first: bool = True,
    ) -> list[RunInfo]:
        """Runs matching every given filter (``commit`` may be a prefix), ordered by start time."""
        ...

    def runs_for_commit(
        self, sha_or_prefix: str, *, testbed: str | None = None, tier: str | None = None
    ) -> list[Run]:
        """Every run of the commit (full sha or prefix), newest first."""
        ...

    def latest_runs(
        self,
        *,
        branch: str | None,
        testbed: str | None = None,
        tier: str | None = None,
        project: str | None = None,
        limit: int = 1,
        exclude_id: str | None = None,
    ) -> list[Run]:
        """The newest runs of ``branch`` (None: of any branch), by commit time when known, else start,
        newest first; ``exclude_id`` leaves out one run (typically the one being judged)."""
        ...

    def series(
        self,
        benchmark: str,
        metric: str = "time",
        *,
        testbed: str | None = None,
        branch: str | None = None,
        project: str | None = None,
        tier: str | None = None,
        limit: int | None = None,
    ) -> Series:
        """One point per run holding this exact benchmark and metric, oldest first; ``limit`` keeps
        the newest points. The series carries the filters as its scope."""
        ...

    def benchmarks(self, *, project: str | None = None) -> list[tuple[str, str]]:
        """Distinct (benchmark, metric) pairs, sorted."""
        ...

    def run_tiers(
        self,
        *,
        project: str | None = None,
        branch: str | None = None,
        testbed: str | None = None,
        tier: str | None = None,
    ) -> dict[str, str | None]:
        """The tier of every run matching the filters, by run id."""
        ...

    def add_baseline_event(self, event: BaselineEvent) -> BaselineEvent:
        """Append ``event`` to its managed baseline's audit trail; returns it with its id."""
        ...

    def baseline_events(self, key: BaselineKey | None = None) -> list[BaselineEvent]:
        """The audit trail of the managed baseline ``key`` (None: of all), oldest first."""
        ...

    def baseline_event(self, event_id: int) -> BaselineEvent:
        """One baseline event by id; NotFoundError when there is none."""
        ...

    def delete_run(self, id_or_prefix: str) -> str:
        """Remove a run and its results in one transaction; returns the full id removed."""
        ...

    def close(self) -> None:
        """Release connections. Safe to call twice."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
