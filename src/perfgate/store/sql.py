"""The SQL store: SQLite by default (a file path), any SQLAlchemy URL otherwise (``postgresql://...``).

Queries use SQLAlchemy Core expressions only, nothing dialect-specific, so the same code serves
PostgreSQL; SQLite's quirks are confined to :mod:`perfgate.store.engine`. Each run is written in one
transaction: its row (with the run's JSON document, minus results), the names of benchmarks not seen
before, and one row per result (:mod:`perfgate.store.rows`), inserted with the driver's
``executemany``. Reading parses the run's document with the model's own strict reader and builds each
Result from its row's columns (the model's values validate when built), which is why
``get_run(run.id) == run`` and why nothing the model knows is dropped.
"""

from __future__ import annotations

import json
import sqlite3
import struct
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from perfgate.errors import AmbiguousError, NotFoundError, SchemaError, StoreError
from perfgate.model import (
    Result,
    Run,
    RunInfo,
    RunStatus,
    Series,
    run_to_dict,
)
from perfgate.model.baselines import BaselineEvent, BaselineKey, EventKind
from perfgate.store import fastread
from perfgate.store.engine import DEFAULT_BUSY_TIMEOUT, make_engine, read_transaction, write_transaction
from perfgate.store.migrations import LATEST_VERSION, check_version, migrate
from perfgate.store.rows import VALUE_COLUMNS, dumps, result_values
from perfgate.store.runread import build_run, results_from_rows
from perfgate.store.tables import baseline_events, benchmarks, results, runs
from perfgate.urls import is_url

__all__ = ["SqlStore", "Store", "open_store"]

# Rows per INSERT/IN batch: well under every database's bound-parameter limit.
_BATCH = 500

T = TypeVar("T")


# Ids an ambiguous prefix lists in its error message.
_AMBIGUOUS_SHOWN = 5


def _batches(items: Sequence[T], size: int = _BATCH) -> Iterator[Sequence[T]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _reason(exc: BaseException) -> str:
    """One line saying what the database driver complained about."""
    if isinstance(exc, sa.exc.DBAPIError) and exc.orig is not None:
        exc = exc.orig
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


def _nonneg_limit(limit: int | None) -> int | None:
    if limit is not None and limit < 0:
        raise ValueError(f"limit must be >= 0, got {limit}")
    return limit


_INFO_COLUMNS = (
    runs.c.id,
    runs.c.project,
    runs.c.started,
    runs.c.finished,
    runs.c.source,
    runs.c.status,
    runs.c.tier,
    runs.c.branch,
    runs.c.commit_sha,
    runs.c.commit_time,
    runs.c.testbed,
    runs.c.n_results,
    runs.c.n_failed,
    runs.c.pr_number,
)

# "Newest" for a baseline or a series: the commit's time when known, else the run's start.
_ORDER_TIME = sa.func.coalesce(runs.c.commit_time, runs.c.started)


def _commit_prefix(sha_or_prefix: str) -> sa.ColumnElement[bool]:
    # lower() on both sides: SQLite's LIKE ignores ASCII case and PostgreSQL's does not; be explicit.
    return sa.func.lower(runs.c.commit_sha).startswith(sha_or_prefix.strip().lower(), autoescape=True)


def _insert_rows(
    conn: sa.Connection, table: sa.Table, names: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Insert ``rows`` (tuples of the ``names`` columns) with the driver's ``executemany``, in batches.

    A run holds up to tens of thousands of results; SQLAlchemy's per-row parameter processing took a
    third of the time of storing one, and these columns need none (plain strings, numbers, bytes).
    """
    if not rows:
        return
    dialect = conn.dialect
    mark = {"qmark": "?", "format": "%s", "pyformat": "%s"}.get(dialect.paramstyle)
    if mark is None:  # a driver with named parameters: let SQLAlchemy adapt
        for batch in _batches(rows):
            conn.execute(table.insert(), [dict(zip(names, row, strict=True)) for row in batch])
        return
    quote = dialect.identifier_preparer.quote
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) "
        f"VALUES ({', '.join([mark] * len(names))})"
    )
    for batch in _batches(rows):
        conn.exec_driver_sql(sql, list(batch))


_RESULT_COLUMNS = ("run", "position", "benchmark", *VALUE_COLUMNS)


def _benchmark_ids(conn: sa.Connection, names: Sequence[str]) -> dict[str, int]:
    """The key of every name in ``names``, adding the names not stored yet."""
    wanted = list(dict.fromkeys(names))
    ids: dict[str, int] = {}

    def lookup(batch: Sequence[str]) -> None:
        query = sa.select(benchmarks.c.name, benchmarks.c.id).where(benchmarks.c.name.in_(batch))
        ids.update(conn.execute(query).all())

    for batch in _batches(wanted):
        lookup(batch)
    missing = [name for name in wanted if name not in ids]
    if missing:
        insert: sa.Insert = benchmarks.insert()
        if conn.dialect.name == "postgresql":
            # Another writer (many CI runners, one server) may add the same new name meanwhile: take
            # its row instead of failing the run on the unique index. (SQLite has one writer at a time.)
            insert = postgresql.insert(benchmarks).on_conflict_do_nothing(index_elements=["name"])
        for batch in _batches(missing):
            conn.execute(insert, [{"name": name} for name in batch])
        for batch in _batches(missing):
            lookup(batch)
    return ids


def _fetch_raw(conn: sa.Connection, query: sa.Select[Any]) -> list[Any]:
    """Every row of ``query`` as the driver's tuples, through the driver's own cursor: a series reads
    thousands of rows and SQLAlchemy's result layer took about as long as SQLite's work. The columns
    must need no type processing (plain text, numbers, bytes; times as text). Drivers with named
    parameters go through SQLAlchemy."""
    compiled = query.compile(dialect=conn.dialect)
    if compiled.positiontup is None:
        return list(conn.execute(query).tuples())
    params = tuple(compiled.params[name] for name in compiled.positiontup)
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(str(compiled), params)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def series_query(
    benchmark: str, metric: str, filters: dict[str, str | None], limit: int | None
) -> sa.Select[Any]:
    """:func:`perfgate.store.fastread.series_sql` as SQLAlchemy Core, for databases other than SQLite:
    the same columns, filters and order (a test runs both on one store and compares the rows)."""
    tables = {"runs": runs, "results": results}
    where = [benchmarks.c.name == benchmark, results.c.metric == metric]
    where += [runs.c[name] == value for name, value in filters.items() if value is not None]
    given = [name for name, value in filters.items() if value is not None]
    columns = [tables[table].c[column] for table, column in fastread.series_columns(given)]
    time_columns = {"commit_time", "started"}  # as stored (see rows.as_utc), not through the type
    return (
        sa.select(*(sa.type_coerce(c, sa.String) if c.name in time_columns else c for c in columns))
        .select_from(
            benchmarks.join(results, results.c.benchmark == benchmarks.c.id).join(
                runs, runs.c.pk == results.c.run
            )
        )
        .where(*where)
        .order_by(_ORDER_TIME.desc(), runs.c.started.desc(), runs.c.id.desc())
        .limit(_nonneg_limit(limit))
    )


def _run_row(run: Run, document: str) -> dict[str, Any]:
    """The ``runs`` row of ``run`` (its JSON ``document`` encoded already)."""
    git, ci, env = run.git, run.ci, run.environment
    return {
        "id": run.id,
        "project": run.project,
        "started": run.started,
        "finished": run.finished,
        "source": run.source,
        "status": run.status.value,
        "tier": run.tier,
        "branch": git.branch if git else None,
        "commit_sha": git.commit if git else None,
        "commit_time": git.commit_time if git else None,
        "dirty": git.dirty if git else None,
        "testbed": env.testbed,
        "fingerprint": env.fingerprint,
        "ci_provider": ci.provider if ci else None,
        "pr_number": ci.pr_number if ci else None,
        "n_results": len(run.results),
        "n_failed": len(run.failed_results),
        "document": document,
    }


class SqlStore:
    """A :class:`~perfgate.store.base.RunStore` on a SQL database. Build it with :func:`open_store`.

    ``where`` is the database file (or the URL without its password), used in every error message;
    ``engine`` is the SQLAlchemy engine (for tooling and tests, e.g. event hooks).
    """

    def __init__(self, engine: sa.Engine, where: str) -> None:
        self._engine = engine
        self._where = where
        self._closed = False

    @property
    def where(self) -> str:
        return self._where

    @property
    def engine(self) -> sa.Engine:
        return self._engine

    def __repr__(self) -> str:
        return f"SqlStore({self._where!r})"

    # -- lifecycle -----------------------------------------------------------------------------------

    def close(self) -> None:
        """Release every connection. Safe to call twice; the store cannot be used afterwards."""
        if not self._closed:
            self._closed = True
            self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @contextmanager
    def _guard(self, what: str) -> Iterator[None]:
        """Translate database errors into one-line StoreErrors naming the store and the operation."""
        if self._closed:
            raise StoreError(f"{self._where}: the store is closed")
        try:
            yield
        except sa.exc.SQLAlchemyError as exc:
            raise StoreError(f"{self._where}: {what}: {_reason(exc)}") from exc

    # -- writing -------------------------------------------------------------------------------------

    def add_run(self, run: Run) -> None:
        """Store ``run`` and all its results in one transaction.

        Either the whole run becomes visible or none of it does, even if the process is killed
        half-way. A run whose id is already stored raises StoreError naming the id.
        """
        self.add_runs([run])

    def add_runs(self, batch: Sequence[Run]) -> None:
        """Store every run of ``batch`` with its results in one transaction (``perfgate ab``'s base
        and head): all of them become visible or none does. A run whose id is already stored, or
        given twice, raises StoreError naming the id, and none is stored."""
        if not batch:
            return
        ids = [run.id for run in batch]
        if len(set(ids)) != len(ids):
            twice = next(i for i in ids if ids.count(i) > 1)
            raise StoreError(f"{self._where}: run {twice} given twice")
        rows = []
        for run in batch:
            doc = run_to_dict(replace(run, results=()))
            try:
                # Encode before taking the write lock, so the lock is held only for the inserts.
                run_json = dumps(doc)
                values = [result_values(r) for r in run.results]
            except (TypeError, ValueError, struct.error) as exc:
                raise StoreError(f"{self._where}: run {run.id} cannot be stored as JSON: {exc}") from exc
            rows.append((run, _run_row(run, run_json), values))
        what = f"adding run {ids[0]}" if len(ids) == 1 else f"adding runs {', '.join(ids)}"
        with self._guard(what), write_transaction(self._engine) as conn:
            for run, row, values in rows:
                duplicate = StoreError(f"{self._where}: run {run.id} already exists")
                if conn.execute(sa.select(runs.c.id).where(runs.c.id == run.id)).first() is not None:
                    raise duplicate
                try:
                    inserted = conn.execute(runs.insert().values(row)).inserted_primary_key
                except sa.exc.IntegrityError as exc:  # a concurrent writer won the race (PostgreSQL)
                    raise duplicate from exc
                assert inserted is not None
                pk = inserted[0]
                bench_ids = _benchmark_ids(conn, [r.benchmark.name for r in run.results])
                result_rows = [
                    (pk, i, bench_ids[r.benchmark.name], *v)
                    for i, (r, v) in enumerate(zip(run.results, values, strict=True))
                ]
                _insert_rows(conn, results, _RESULT_COLUMNS, result_rows)

    def delete_run(self, id_or_prefix: str) -> str:
        """Remove a run (by id or unique id prefix) and its results in one transaction; returns its id."""
        with self._guard(f"deleting run {id_or_prefix}"), write_transaction(self._engine) as conn:
            run_id = self._resolve(conn, id_or_prefix)
            pk = conn.execute(sa.select(runs.c.pk).where(runs.c.id == run_id)).scalar_one()
            # Explicit, not only ON DELETE CASCADE: correct even where foreign keys are not enforced.
            conn.execute(results.delete().where(results.c.run == pk))
            conn.execute(runs.delete().where(runs.c.pk == pk))
        return run_id

    # -- reading whole runs --------------------------------------------------------------------------

    def get_run(self, id_or_prefix: str) -> Run:
        """The run with this id or unique id prefix (case-insensitive).

        NotFoundError "no run matches 'X'" when none does, and with the count when several do.
        """
        with self._guard(f"reading run {id_or_prefix}"), read_transaction(self._engine) as conn:
            run_id = self._resolve(conn, id_or_prefix)
            query = sa.select(runs.c.pk, runs.c.id, runs.c.document).where(runs.c.id == run_id)
            return self._load(conn, query)[0]

    def runs_for_commit(
        self, sha_or_prefix: str, *, testbed: str | None = None, tier: str | None = None
    ) -> list[Run]:
        """Every run of one commit (full sha or prefix), newest started first.

        An empty prefix, or a prefix matching several different commits, raises NotFoundError.
        """
        if not sha_or_prefix.strip():
            raise NotFoundError(f"{self._where}: an empty commit prefix matches every commit")
        with self._guard(f"reading runs of commit {sha_or_prefix}"), read_transaction(self._engine) as conn:
            where = [_commit_prefix(sha_or_prefix)]
            if testbed is not None:
                where.append(runs.c.testbed == testbed)
            if tier is not None:
                where.append(runs.c.tier == tier)
            shas = conn.execute(sa.select(runs.c.commit_sha).where(*where).distinct().limit(2)).all()
            if len(shas) > 1:
                n = conn.execute(
                    sa.select(sa.func.count(sa.distinct(runs.c.commit_sha))).where(*where)
                ).scalar_one()
                raise NotFoundError(
                    f"{n} commits match {sha_or_prefix!r} in {self._where}: give more characters of the sha"
                )
            query = (
                sa.select(runs.c.pk, runs.c.id, runs.c.document)
                .where(*where)
                .order_by(runs.c.started.desc(), runs.c.id.desc())
            )
            return self._load(conn, query)

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
        """The newest runs of ``branch`` (None: of any branch), newest first: by commit time when
        known, else by start. ``exclude_id`` leaves out one run (typically the one being judged)."""
        _nonneg_limit(limit)
        where = self._filters(project=project, branch=branch, testbed=testbed, tier=tier)
        if exclude_id is not None:
            where.append(runs.c.id != exclude_id)
        query = (
            sa.select(runs.c.pk, runs.c.id, runs.c.document)
            .where(*where)
            .order_by(_ORDER_TIME.desc(), runs.c.started.desc(), runs.c.id.desc())
            .limit(limit)
        )
        with self._guard(f"reading the latest runs of {branch}"), read_transaction(self._engine) as conn:
            return self._load(conn, query)

    # -- listings and history ------------------------------------------------------------------------

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
        """Runs matching every given filter (``commit``: full sha or prefix), by start time then id."""
        where = self._filters(
            project=project, branch=branch, commit=commit, testbed=testbed, tier=tier, source=source
        )
        order = (runs.c.started.desc(), runs.c.id.desc()) if newest_first else (runs.c.started, runs.c.id)
        query = sa.select(*_INFO_COLUMNS).where(*where).order_by(*order).limit(_nonneg_limit(limit))
        with self._guard("listing runs"), read_transaction(self._engine) as conn:
            rows = conn.execute(query).all()
        return [
            RunInfo(
                id=row.id,
                project=row.project,
                started=row.started,
                finished=row.finished,
                source=row.source,
                status=self._status(row.id, row.status),
                tier=row.tier,
                branch=row.branch,
                commit=row.commit_sha,
                commit_time=row.commit_time,
                testbed=row.testbed,
                n_results=row.n_results,
                n_failed=row.n_failed,
                pr_number=row.pr_number,
            )
            for row in rows
        ]

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
        """One point per run that has this exact benchmark and metric, oldest first (by commit time,
        else start), with the filters as the series' scope. ``limit`` keeps the newest ``limit``
        points.

        One query: the series index gives the result rows of the benchmark and metric, each joined to
        its run by the run's key (read from the runs' covering index, schema 6). On SQLite it is
        :mod:`perfgate.store.fastread`'s query, run on the driver's connection (what ``perfgate
        history`` runs without SQLAlchemy); elsewhere the same query as SQLAlchemy Core
        (:func:`series_query`). Rows come back without SQLAlchemy's per-value processing (the times
        are parsed here), since a history reads thousands.
        """
        filters = {"project": project, "branch": branch, "testbed": testbed, "tier": tier}
        _nonneg_limit(limit)
        what = f"reading the series of {benchmark} [{metric}]"
        with self._guard(what), read_transaction(self._engine) as conn:
            if conn.dialect.name == "sqlite":
                driver = conn.connection.dbapi_connection
                try:
                    rows = fastread.series_rows(driver, benchmark, metric, filters, limit)  # type: ignore[arg-type]
                except sqlite3.Error as exc:  # (the driver's own error: _guard knows SQLAlchemy's)
                    raise StoreError(f"{self._where}: {what}: {_reason(exc)}") from exc
            else:
                rows = _fetch_raw(conn, series_query(benchmark, metric, filters, limit))
                rows.reverse()
        return fastread.series_from_rows(rows, self._where, benchmark, metric, filters)

    def benchmarks(self, *, project: str | None = None) -> list[tuple[str, str]]:
        """Distinct (benchmark, metric) pairs stored (for ``project`` if given), sorted."""
        joined = benchmarks.join(results, results.c.benchmark == benchmarks.c.id)
        query = sa.select(benchmarks.c.name, results.c.metric).distinct()
        if project is not None:
            joined = joined.join(runs, runs.c.pk == results.c.run)
            query = query.where(runs.c.project == project)
        query = query.select_from(joined).order_by(benchmarks.c.name, results.c.metric)
        with self._guard("listing benchmarks"), read_transaction(self._engine) as conn:
            return [(name, metric) for name, metric in conn.execute(query)]

    def run_tiers(
        self,
        *,
        project: str | None = None,
        branch: str | None = None,
        testbed: str | None = None,
        tier: str | None = None,
    ) -> dict[str, str | None]:
        """The tier of every run matching the filters, by run id: what telling a series' points apart
        by tier needs (``perfgate detect``, ``trend``), without building a listing line per run."""
        where = self._filters(project=project, branch=branch, testbed=testbed, tier=tier)
        query = sa.select(runs.c.id, runs.c.tier).where(*where)
        with self._guard("listing the runs' tiers"), read_transaction(self._engine) as conn:
            return {run_id: run_tier for run_id, run_tier in conn.execute(query)}

    # -- managed baselines (schema 5) ---------------------------------------------------------------

    def add_baseline_event(self, event: BaselineEvent) -> BaselineEvent:
        """Append ``event`` to its baseline's audit trail; returns it with the id the store gave it.
        Events are never updated or deleted."""
        k = event.key
        row = {
            "project": k.project, "branch": k.branch, "testbed": k.testbed, "tier": k.tier,
            "kind": event.kind.value, "at": event.at, "actor": event.by, "reason_code": event.reason_code,
            "reason": event.reason, "old_runs": json.dumps(list(event.old_runs)),
            "new_runs": json.dumps(list(event.new_runs)), "supporting": json.dumps(list(event.supporting)),
            "proposal": event.proposal,
        }  # fmt: skip
        what = f"recording a baseline event of {k.describe()}"
        with self._guard(what), write_transaction(self._engine) as conn:
            inserted = conn.execute(baseline_events.insert().values(row)).inserted_primary_key
        assert inserted is not None
        return replace(event, id=int(inserted[0]))

    def baseline_events(self, key: BaselineKey | None = None) -> list[BaselineEvent]:
        """The audit trail of the baseline ``key`` (None: of every baseline), oldest first."""
        query = sa.select(baseline_events).order_by(baseline_events.c.id)
        if key is not None:
            c = baseline_events.c
            tier = c.tier.is_(None) if key.tier is None else c.tier == key.tier
            query = query.where(
                c.project == key.project, c.branch == key.branch, c.testbed == key.testbed, tier
            )
        with self._guard("reading baseline events"), read_transaction(self._engine) as conn:
            return [self._event(row) for row in conn.execute(query)]

    def baseline_event(self, event_id: int) -> BaselineEvent:
        """The baseline event with this id; NotFoundError when there is none."""
        query = sa.select(baseline_events).where(baseline_events.c.id == event_id)
        with self._guard(f"reading baseline event {event_id}"), read_transaction(self._engine) as conn:
            row = conn.execute(query).first()
        if row is None:
            raise NotFoundError(f"{self._where}: no baseline event {event_id}")
        return self._event(row)

    def _event(self, row: sa.Row[Any]) -> BaselineEvent:
        try:
            return BaselineEvent(
                key=BaselineKey(row.project, row.branch, row.testbed, row.tier),
                kind=EventKind(row.kind),
                at=row.at,
                by=row.actor,
                reason_code=row.reason_code,
                reason=row.reason,
                old_runs=tuple(json.loads(row.old_runs)),
                new_runs=tuple(json.loads(row.new_runs)),
                supporting=tuple(json.loads(row.supporting)),
                proposal=row.proposal,
                id=row.id,
            )
        except (ValueError, TypeError) as exc:
            raise StoreError(f"{self._where}: baseline event {row.id} is damaged: {exc}") from exc

    # -- helpers -------------------------------------------------------------------------------------

    @staticmethod
    def _filters(
        *,
        project: str | None = None,
        branch: str | None = None,
        commit: str | None = None,
        testbed: str | None = None,
        tier: str | None = None,
        source: str | None = None,
    ) -> list[sa.ColumnElement[bool]]:
        where: list[sa.ColumnElement[bool]] = []
        if project is not None:
            where.append(runs.c.project == project)
        if branch is not None:
            where.append(runs.c.branch == branch)
        if commit is not None:
            where.append(_commit_prefix(commit))
        if testbed is not None:
            where.append(runs.c.testbed == testbed)
        if tier is not None:
            where.append(runs.c.tier == tier)
        if source is not None:
            where.append(runs.c.source == source)
        return where

    def _status(self, run_id: str, value: str) -> RunStatus:
        try:
            return RunStatus(value)
        except ValueError as exc:
            raise StoreError(f"{self._where}: run {run_id}: unknown status {value!r}") from exc

    def _resolve(self, conn: sa.Connection, id_or_prefix: str) -> str:
        """The full id of the one run whose id is ``id_or_prefix`` or starts with it (ignoring case)."""
        key = id_or_prefix.strip()
        if key and conn.execute(sa.select(runs.c.id).where(runs.c.id == key)).first() is not None:
            return key
        if key:
            match = sa.func.upper(runs.c.id).startswith(key.upper(), autoescape=True)
            shown = _AMBIGUOUS_SHOWN
            ids = (
                conn.execute(sa.select(runs.c.id).where(match).order_by(runs.c.id).limit(shown + 1))
                .scalars()
                .all()
            )
            if len(ids) == 1:
                return str(ids[0])
            if ids:
                n = len(ids)
                if n > shown:
                    n = conn.execute(sa.select(sa.func.count()).select_from(runs).where(match)).scalar_one()
                listed = ", ".join(ids[:shown]) + (", ..." if n > shown else "")
                raise AmbiguousError(
                    f"{n} runs match {key!r} in {self._where}: {listed} (give more characters of the id)"
                )
        raise NotFoundError(f"no run matches {id_or_prefix!r} in {self._where}")

    def _load(self, conn: sa.Connection, query: sa.Select[Any]) -> list[Run]:
        """Runs for ``query`` (selecting pk, id and document), in its order, with their results."""
        rows = conn.execute(query).all()
        found: dict[int, list[Result]] = defaultdict(list)
        for batch in _batches([row.pk for row in rows]):
            result_rows = conn.execute(
                sa.select(
                    results.c.run,
                    results.c.position,
                    benchmarks.c.name,
                    *(results.c[name] for name in VALUE_COLUMNS),
                )
                .select_from(results.join(benchmarks, benchmarks.c.id == results.c.benchmark))
                .where(results.c.run.in_(batch))
                .order_by(results.c.run, results.c.position)
            ).all()  # one fetchall, not a fetchone per row
            ids = {row.pk: row.id for row in rows}
            grouped: dict[int, list[Any]] = defaultdict(list)
            for pk, *row in result_rows:
                grouped[pk].append(row)
            for pk, run_rows in grouped.items():  # (in bulk: see perfgate.store.runread)
                found[pk].extend(results_from_rows(run_rows, self._where, ids[pk]))
        return [self._build(row.id, row.document, found[row.pk]) for row in rows]

    def _build(self, run_id: str, document: str, results_: list[Result]) -> Run:
        return build_run(self._where, run_id, document, results_)


#: The store class :func:`open_store` returns.
Store = SqlStore


def _target(url_or_path: str | Path) -> tuple[sa.URL, Path | None, str]:
    """(SQLAlchemy URL, database file or None, how to name it in messages)."""
    if isinstance(url_or_path, Path) or not is_url(url_or_path):
        path = Path(url_or_path).expanduser()
        return sa.URL.create("sqlite+pysqlite", database=str(path)), path, str(path)
    try:
        url = sa.make_url(url_or_path)
    except sa.exc.ArgumentError as exc:
        raise StoreError(f"not a database URL: {url_or_path!r}") from exc
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        path = Path(url.database).expanduser()
        return url.set(database=str(path)), path, str(path)
    return url, None, url.render_as_string(hide_password=True)


def open_store(
    url_or_path: str | Path,
    *,
    create: bool = True,
    busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
    readonly: bool = False,
) -> SqlStore:
    """Open the store at a SQLite file path or a SQLAlchemy URL, migrating its schema forward.

    With ``create`` a missing SQLite file (and its parent directory) is created; without it a missing
    file raises StoreError. A database of a newer schema raises SchemaError; a file that is not a
    SQLite database, or a database that is not a perfgate store, raises StoreError naming the path.
    ``busy_timeout`` is how long (seconds) a writer waits for another process's write lock.

    ``readonly`` opens an existing store only to read it (nothing is created or migrated, and a SQLite
    file is opened read-only): what ``show``, ``runs``, ``history`` and ``compare`` use, so a store on
    a read-only mount can be read. Writing through it raises StoreError.
    """
    url, path, where = _target(url_or_path)
    if path is not None:
        if path.is_dir():
            raise StoreError(f"{where}: is a directory, not a database file")
        if not path.exists():
            if not create or readonly:
                raise StoreError(f"{where}: no perfgate store here")
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"{where}: cannot create {path.parent}: {exc.strerror or exc}") from exc
    try:
        engine = make_engine(url, busy_timeout=busy_timeout, readonly=readonly)
    except (sa.exc.SQLAlchemyError, ImportError) as exc:
        raise StoreError(f"{where}: cannot open store: {_reason(exc)}") from exc
    try:
        try:
            version = check_version(engine, where) if readonly else migrate(engine, where)
        except sa.exc.SQLAlchemyError as exc:
            raise StoreError(f"{where}: cannot open store: {_reason(exc)}") from exc
    except BaseException:
        engine.dispose()
        raise
    if version < LATEST_VERSION:
        # An older schema is upgraded first, which writes: possible only where the store is writable.
        engine.dispose()
        try:
            open_store(url_or_path, create=False, busy_timeout=busy_timeout).close()
        except StoreError as exc:
            raise SchemaError(
                f"{where}: database schema {version} must be upgraded to {LATEST_VERSION} before this "
                f"perfgate can read it, and that needs write access: {exc}"
            ) from exc
        return open_store(url_or_path, create=False, busy_timeout=busy_timeout, readonly=True)
    return SqlStore(engine, where)
