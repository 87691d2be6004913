"""Reading a series from a SQLite store with the standard library's ``sqlite3`` only.

``perfgate history`` reads one series (and, when the id was not exact, the benchmark names): importing
SQLAlchemy alone took longer than the whole read. :func:`open_reader` opens a SQLite store file
read-only (on a read-only mount too, see :func:`readonly_connect`) and gives a :class:`SqliteReader`
when the file is a store of the schema this perfgate writes; anything else (a URL, an older or newer
schema, an empty file, not a store, not a database) gives None, and the caller opens the store the
normal way (:func:`perfgate.store.open_store`), which upgrades, refuses or explains.

The series query is defined here once, as SQL text: :class:`SqliteReader` and
:meth:`perfgate.store.SqlStore.series` on SQLite both run :func:`series_rows`; other databases run the
same columns, filters and order as a SQLAlchemy Core query (``perfgate.store.sql``), which a test
checks against this one. Both build the points with :func:`series_from_rows`.
"""

from __future__ import annotations

import sqlite3
import urllib.parse
from collections.abc import Callable, Collection, Sequence
from itertools import islice
from operator import itemgetter, lt
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from perfgate.errors import StoreError
from perfgate.gcpause import gc_paused
from perfgate.model import Series, SeriesPoint
from perfgate.store.rows import SERIES_ROW, checked_points, trusted_columns
from perfgate.urls import is_url

if TYPE_CHECKING:  # (reading a run is imported by what reads one: a series needs no Run)
    from perfgate.model import Run

__all__ = [
    "SCHEMA",
    "SERIES_COLUMNS",
    "SERIES_FILTERS",
    "SERIES_INDEX",
    "SqliteReader",
    "benchmark_rows",
    "newest_sql",
    "open_reader",
    "readonly_connect",
    "series_columns",
    "series_from_rows",
    "series_rows",
    "series_sql",
]

#: The schema version this reader reads (``perfgate.store.LATEST_VERSION``; a test keeps them equal).
SCHEMA = 6

#: What a series query selects, (table, column) in the order :func:`perfgate.store.rows.trusted_points`
#: reads a row. Times are the stored text on SQLite.
SERIES_COLUMNS: tuple[tuple[str, str], ...] = (
    ("runs", "id"),
    ("runs", "commit_sha"),
    ("runs", "branch"),
    ("runs", "commit_time"),
    ("runs", "started"),
    ("runs", "testbed"),
    ("results", "unit"),
    ("results", "direction"),
    ("results", "error"),
    ("results", "summary"),
)

#: The columns of ``runs`` a series may be narrowed by (each an equality; None: every value).
SERIES_FILTERS: tuple[str, ...] = ("project", "branch", "testbed", "tier")


def series_columns(filters: Collection[str]) -> tuple[tuple[str, str], ...]:
    """What a series query narrowed by ``filters`` (names of :data:`SERIES_FILTERS` given a value)
    selects: :data:`SERIES_COLUMNS` but the columns a filter fixes (a series of one branch has that
    branch in every row; :func:`series_from_rows` puts the filter's value back). Every value read
    costs: a tenth of the query's for one of ten columns."""
    return tuple(c for c in SERIES_COLUMNS if not (c[0] == "runs" and c[1] in filters))


#: The index of ``runs`` (schema 6) that holds every column the series query reads of a run, led by
#: the run's key: SQLite reads it instead of the run rows, which hold each run's JSON document.
SERIES_INDEX = "ix_runs_series"


def series_sql(
    filters: Sequence[str], *, limit: bool, index: bool = True, order: bool = True, select: str | None = None
) -> str:
    """The series query with ``?`` parameters: benchmark name, metric, then one per filter of
    :data:`SERIES_FILTERS` named in ``filters``, then the limit when ``limit``. Newest first (by
    commit time when known, else start; then start, then run id), so a limit keeps the newest;
    without ``order`` (and without ``limit``) in no particular order (see :func:`series_rows`).
    ``index`` names :data:`SERIES_INDEX` (SQLite's planner would otherwise read the run rows);
    ``select`` replaces the columns (:func:`series_columns`)."""
    unknown = set(filters) - set(SERIES_FILTERS)
    if unknown:
        raise ValueError(f"not a series filter: {sorted(unknown)}")
    if limit and not order:
        raise ValueError("a limited series query keeps the newest rows: it must be ordered")
    columns = select or ", ".join(f"{table}.{column}" for table, column in series_columns(filters))
    hint = f" INDEXED BY {SERIES_INDEX}" if index else ""
    where = ["benchmarks.name = ?", "results.metric = ?", *(f"runs.{f} = ?" for f in filters)]
    return (
        f"SELECT {columns} FROM benchmarks"
        " JOIN results ON results.benchmark = benchmarks.id"
        f" JOIN runs{hint} ON runs.pk = results.run"
        f" WHERE {' AND '.join(where)}"
        + (
            " ORDER BY coalesce(runs.commit_time, runs.started) DESC, runs.started DESC, runs.id DESC"
            if order
            else ""
        )
        + (" LIMIT ?" if limit else "")
    )


def newest_sql(filters: Sequence[str]) -> str:
    """The newest ``?`` points of a series (the parameters as :func:`series_sql`'s with a limit), in
    no particular order: SQLite orders the series' keys on the indexes alone (the run's times and id
    in :data:`SERIES_INDEX`, the result's row id in the series index), then reads the rows of the
    newest, not every row with its summary, samples and document (half of a 10,000-point series' read
    for a history of 50)."""
    columns = ", ".join(f"{table}.{column}" for table, column in series_columns(filters))
    newest = series_sql(filters, limit=True, select="results.rowid")
    return (
        f"SELECT {columns} FROM results JOIN runs ON runs.pk = results.run WHERE results.rowid IN ({newest})"
    )


def _oldest_first(rows: list[Any], columns: Sequence[tuple[str, str]]) -> bool:
    """Sort a whole series' rows oldest first in place, as the query's ORDER BY would (reversed): by
    commit time or else start, then start, then run id. False (rows unsorted) when a damaged row holds
    values Python cannot compare (numbers among the texts): then SQLite orders them, as it always did.

    SQLite compares texts byte by byte in UTF-8, which is the order of their code points, Python's; the
    run ids are unique, so the order is total and both sorts agree. Rows come from the index in the
    order the runs were stored, mostly oldest first already, which Python's sort takes in one pass.
    ``columns`` are the rows' (:func:`series_columns`)."""
    _COMMIT_TIME, _STARTED, _ID = (columns.index(("runs", c)) for c in ("commit_time", "started", "id"))
    commit_times = list(map(itemgetter(_COMMIT_TIME), rows))
    try:
        if all(map(lt, commit_times, islice(commit_times, 1, None))):
            return True  # (the common case: each commit after the last, no tie to break)
    except TypeError:  # (a None among the times: ordered by the key below)
        pass
    try:
        if None in commit_times:
            rows.sort(
                key=lambda r: (
                    r[_STARTED] if r[_COMMIT_TIME] is None else r[_COMMIT_TIME],
                    r[_STARTED],
                    r[_ID],
                )
            )
        else:
            rows.sort(key=itemgetter(_COMMIT_TIME, _STARTED, _ID))
    except TypeError:
        return False
    return True


def series_rows(
    conn: sqlite3.Connection,
    benchmark: str,
    metric: str,
    filters: dict[str, str | None],
    limit: int | None,
) -> list[Any]:
    """The rows of one series on a SQLite connection, oldest first (the newest ``limit`` when given).
    ``filters`` maps names of :data:`SERIES_FILTERS` to a value, or None for every value."""
    if limit is not None and limit < 0:
        raise ValueError(f"limit must be >= 0, got {limit}")
    given = [(k, v) for k, v in filters.items() if v is not None]
    keys = [k for k, _ in given]
    where: list[Any] = [benchmark, metric, *(v for _, v in given)]
    unordered = series_sql(keys, limit=False, order=False)
    with gc_paused():  # (tens of thousands of values: see gc_paused)
        # The whole series (no limit, or one it does not reach) is sorted here: sorting rows read in
        # (mostly) time order is one pass over them, where SQLite's sorter copies every row with all
        # its columns (a third of the query). A limit below the series' length keeps SQLite's top-N:
        # reading one row more than the limit, unordered, says which (without a count, which was a
        # second pass over the series).
        if limit is None:
            rows = _fetch(conn, unordered, where)
        else:
            rows = _fetch(conn, f"{unordered} LIMIT ?", [*where, limit + 1])
        if len(rows) <= (len(rows) if limit is None else limit) and _oldest_first(rows, series_columns(keys)):
            return rows
        if limit is None:
            rows = _fetch(conn, series_sql(keys, limit=False), where)
        else:
            rows = _fetch(conn, newest_sql(keys), [*where, limit])
            if _oldest_first(rows, series_columns(keys)):
                return rows
            rows = _fetch(conn, series_sql(keys, limit=True), [*where, limit])
    rows.reverse()
    return rows


def _fetch(conn: sqlite3.Connection, sql: str, params: Sequence[Any]) -> list[Any]:
    cursor = conn.execute(sql, params)
    try:
        return cursor.fetchall()
    finally:
        cursor.close()


def series_from_rows(
    rows: Sequence[Any], where: str, benchmark: str, metric: str, filters: dict[str, str | None]
) -> Series:
    """The Series of a series query's rows (oldest first) and its scope (``filters``): its points kept
    as columns (:class:`perfgate.model.SeriesPoints`) when every row passes the checks, made column
    by column, else built point by point, a damaged row a StoreError naming its run."""
    points: Sequence[SeriesPoint] | None
    # (the columns the query was narrowed by were not read: series_columns)
    constants = {
        field: filters[column]
        for (table, column), field in zip(SERIES_COLUMNS, SERIES_ROW, strict=True)
        if table == "runs" and filters.get(column) is not None
    }
    with gc_paused():
        try:
            points = trusted_columns(rows, constants)
        except (ValueError, TypeError):  # a damaged time: the checked build names the run
            points = None
        if points is None:
            points = tuple(checked_points(rows, where, benchmark, metric, constants))
        return Series(
            benchmark,
            metric,
            points,
            filters.get("branch"),
            filters.get("tier"),
            filters.get("testbed"),
            filters.get("project"),
        )


def benchmark_rows(conn: sqlite3.Connection, project: str | None) -> list[tuple[str, str]]:
    """Distinct (benchmark, metric) pairs stored (of ``project`` if given), sorted."""
    sql = "SELECT DISTINCT benchmarks.name, results.metric FROM benchmarks JOIN results"
    sql += " ON results.benchmark = benchmarks.id"
    params: tuple[str, ...] = ()
    if project is not None:
        sql += " JOIN runs ON runs.pk = results.run WHERE runs.project = ?"
        params = (project,)
    sql += " ORDER BY benchmarks.name, results.metric"
    return [(name, metric) for name, metric in conn.execute(sql, params).fetchall()]


def readonly_connect(path: str, busy_timeout: float) -> sqlite3.Connection:
    """A connection that only reads ``path`` and needs no write access anywhere.

    ``mode=ro`` still reads (and, if missing, creates) WAL's ``-shm`` file beside the database; on a
    read-only mount or directory without one that fails with SQLITE_CANTOPEN, and then the database is
    opened ``immutable``: no lock, no ``-shm``, exactly the file's content (a read-only directory cannot
    be written by anyone, so it cannot change under us either).
    """
    quoted = urllib.parse.quote(path)
    conn = sqlite3.connect(f"file:{quoted}?mode=ro", uri=True, timeout=busy_timeout, check_same_thread=False)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchall()  # opens the WAL index now
        return conn
    except sqlite3.OperationalError as exc:
        conn.close()
        if getattr(exc, "sqlite_errorcode", None) != sqlite3.SQLITE_CANTOPEN:
            raise
    return sqlite3.connect(f"file:{quoted}?immutable=1", uri=True, check_same_thread=False)


class SqliteReader:
    """A SQLite store of the current schema opened read-only, for the reads ``perfgate history`` and
    ``perfgate compare`` make: :meth:`series`, :meth:`benchmarks` and :meth:`get_run` give exactly what
    :class:`perfgate.store.SqlStore`'s do."""

    def __init__(self, conn: sqlite3.Connection, where: str) -> None:
        self._conn: sqlite3.Connection | None = conn
        self._where = where

    @property
    def where(self) -> str:
        return self._where

    def __repr__(self) -> str:
        return f"SqliteReader({self._where!r})"

    def _read(self, what: str, read: Callable[[sqlite3.Connection], Any]) -> Any:
        if self._conn is None:
            raise StoreError(f"{self._where}: the store is closed")
        try:
            return read(self._conn)
        except sqlite3.Error as exc:
            reason = (str(exc).strip() or type(exc).__name__).splitlines()[0]
            raise StoreError(f"{self._where}: {what}: {reason}") from exc

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
        """As :meth:`perfgate.store.RunStore.series`."""
        filters = {"project": project, "branch": branch, "testbed": testbed, "tier": tier}
        rows = self._read(
            f"reading the series of {benchmark} [{metric}]",
            lambda conn: series_rows(conn, benchmark, metric, filters, limit),
        )
        return series_from_rows(rows, self._where, benchmark, metric, filters)

    def benchmarks(self, *, project: str | None = None) -> list[tuple[str, str]]:
        """As :meth:`perfgate.store.RunStore.benchmarks`."""
        result: list[tuple[str, str]] = self._read("listing benchmarks", lambda c: benchmark_rows(c, project))
        return result

    def get_run(self, id_or_prefix: str) -> Run:
        """As :meth:`perfgate.store.RunStore.get_run` (a run id or unique id prefix; a git ref is the
        store's to resolve): what ``perfgate compare`` reads (:func:`perfgate.store.runread.read_run`)."""
        from perfgate.store.runread import read_run

        with gc_paused():  # (tens of thousands of values: see gc_paused)
            run: Run = self._read(
                f"reading run {id_or_prefix}", lambda c: read_run(c, self._where, id_or_prefix)
            )
        return run

    def close(self) -> None:
        """Close the connection. Safe to call twice."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def open_reader(location: str | Path, *, busy_timeout: float = 30.0) -> SqliteReader | None:
    """A :class:`SqliteReader` of the SQLite store file at ``location``, or None when this reader is
    not the way to read it: a URL, a missing file, or a file that is not a store of schema
    :data:`SCHEMA` (older, newer, empty, not a store, not a database). Then open it with
    :func:`perfgate.store.open_store`, which upgrades, refuses or says what is wrong."""
    if isinstance(location, str) and is_url(location):
        return None
    path = Path(location).expanduser()
    if not path.is_file():
        return None
    try:
        conn = readonly_connect(str(path), busy_timeout)
    except sqlite3.Error:
        return None
    try:
        conn.isolation_level = None  # no implicit transactions: each read is one statement
        (version,) = conn.execute("SELECT max(version) FROM schema_version").fetchone()
    except sqlite3.Error:
        version = None
    if version != SCHEMA:
        conn.close()
        return None
    return SqliteReader(conn, str(path))
