"""The SQL store: SQLite by default (a file path), any SQLAlchemy URL later (``postgresql://...``).

Queries use SQLAlchemy Core expressions only, nothing dialect-specific, so the same code serves
PostgreSQL; SQLite's quirks are confined to :mod:`perfgate.store.engine`. Each run is written in one
transaction: its row (with the run's JSON document, minus results) and one row per result (with the
result's JSON document). Reading puts the documents back together and parses them with the model's
own strict reader, which is why ``get_run(run.id) == run`` and why nothing the model knows is dropped.
"""

from __future__ import annotations

import json
import struct
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar

import sqlalchemy as sa

from perfgate.errors import AmbiguousError, InputError, NotFoundError, SchemaError, StoreError
from perfgate.model import (
    Direction,
    Run,
    RunInfo,
    RunStatus,
    Series,
    SeriesPoint,
    Summary,
    run_from_dict,
    run_to_dict,
    summary_from_dict,
)
from perfgate.store.engine import DEFAULT_BUSY_TIMEOUT, make_engine, read_transaction, write_transaction
from perfgate.store.migrations import LATEST_VERSION, check_version, migrate
from perfgate.store.tables import results, runs
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


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


# Keys of a result's JSON that schema 3 leaves to the row's columns.
_COLUMN_KEYS = ("metric", "unit", "direction", "error")
# A summary's fields in the order schema 3 stores them, as a JSON array (the names took 40% of it).
_SUMMARY_FIELDS = (
    "n", "mean", "median", "min", "max", "stddev", "q1", "q3", "ci_low", "ci_high", "ci_level", "outliers",
)  # fmt: skip


_OPTIONAL_FIELDS = frozenset({"q1", "q3", "ci_low", "ci_high", "ci_level"})


def _summary_row(summary: dict[str, Any]) -> list[Any] | dict[str, Any]:
    """A summary as stored: the array of its values, or (if the model ever has other fields) as is."""
    if tuple(summary) == _SUMMARY_FIELDS:
        return list(summary.values())
    return summary


def _summary_doc(stored: Any) -> Any:
    """A stored summary back as the model's JSON object (rows before schema 3 hold the object)."""
    if isinstance(stored, list):
        if len(stored) != len(_SUMMARY_FIELDS):
            raise ValueError(f"summary of {len(stored)} values, expected {len(_SUMMARY_FIELDS)}")
        return dict(zip(_SUMMARY_FIELDS, stored, strict=True))
    return stored


def _stored_summary(text: str) -> Summary:
    """A summary column back as a Summary: the array of schema 3 directly (a history reads thousands),
    anything else through the model's strict reader."""
    stored = json.loads(text)
    if isinstance(stored, list) and len(stored) == len(_SUMMARY_FIELDS):
        n, mean, median, low, high, stddev, q1, q3, ci_low, ci_high, ci_level, outliers = stored
        for name, value in zip(_SUMMARY_FIELDS, stored, strict=True):
            kind = type(value)
            if not (kind is float or kind is int or (value is None and name in _OPTIONAL_FIELDS)):
                raise ValueError(f"summary {name} is {value!r}, not a number")
        if type(n) is not int or type(outliers) is not int:
            raise ValueError(f"summary n and outliers must be integers, got {n!r} and {outliers!r}")
        return Summary(n, mean, median, low, high, stddev, q1, q3, ci_low, ci_high, ci_level, outliers)
    return summary_from_dict(_summary_doc(stored), "summary")


def _pack(samples: Sequence[float]) -> bytes:
    return struct.pack(f"<{len(samples)}d", *samples)


def _unpack(packed: bytes) -> list[float]:
    if len(packed) % 8:
        raise ValueError(f"samples column of {len(packed)} bytes is not a whole number of doubles")
    return list(struct.unpack(f"<{len(packed) // 8}d", packed))


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


def _insert_results(conn: sa.Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Insert result rows with the driver's ``executemany``, in batches.

    A run holds up to tens of thousands of results; SQLAlchemy's per-row parameter processing took a
    third of the time of storing one, and these columns need none (plain strings and numbers).
    """
    if not rows:
        return
    dialect = conn.dialect
    mark = {"qmark": "?", "format": "%s", "pyformat": "%s"}.get(dialect.paramstyle)
    if mark is None:  # a driver with named parameters: let SQLAlchemy adapt
        for batch in _batches(rows):
            conn.execute(results.insert(), list(batch))
        return
    names = [c.name for c in results.columns]
    quote = dialect.identifier_preparer.quote
    sql = (
        f"INSERT INTO {quote(results.name)} ({', '.join(quote(n) for n in names)}) "
        f"VALUES ({', '.join([mark] * len(names))})"
    )
    for batch in _batches(rows):
        conn.exec_driver_sql(sql, [tuple(row[n] for n in names) for row in batch])


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
        doc = run_to_dict(run)
        result_docs: list[dict[str, Any]] = doc["run"]["results"]
        doc["run"]["results"] = []
        try:
            # Encode before taking the write lock, so the lock is held only for the inserts.
            run_json = _dumps(doc)
            summaries = [rd.pop("summary") for rd in result_docs]
            samples = [_pack(rd.pop("samples")) for rd in result_docs]
            for rd in result_docs:  # what the row's own columns hold
                for key in _COLUMN_KEYS:
                    del rd[key]
                del rd["benchmark"]["name"]
            rows = [
                {
                    "run_id": run.id,
                    "position": i,
                    "benchmark": r.benchmark.name,
                    "metric": r.metric,
                    "unit": r.unit,
                    "direction": r.direction.value,
                    "error": r.error,
                    "median": r.summary.median if r.summary is not None else None,
                    "summary": _dumps(_summary_row(sm)) if sm is not None else None,
                    # without summary and samples: they have their own columns (schema 3)
                    "document": _dumps(rd),
                    "samples": packed,
                }
                for i, (r, rd, sm, packed) in enumerate(
                    zip(run.results, result_docs, summaries, samples, strict=True)
                )
            ]
        except (TypeError, ValueError) as exc:
            raise StoreError(f"{self._where}: run {run.id} cannot be stored as JSON: {exc}") from exc
        git, ci, env = run.git, run.ci, run.environment
        values = {
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
            "document": run_json,
        }
        duplicate = StoreError(f"{self._where}: run {run.id} already exists")
        with self._guard(f"adding run {run.id}"), write_transaction(self._engine) as conn:
            if conn.execute(sa.select(runs.c.id).where(runs.c.id == run.id)).first() is not None:
                raise duplicate
            try:
                conn.execute(runs.insert().values(values))
            except sa.exc.IntegrityError as exc:  # a concurrent writer won the race (PostgreSQL)
                raise duplicate from exc
            _insert_results(conn, rows)

    def delete_run(self, id_or_prefix: str) -> str:
        """Remove a run (by id or unique id prefix) and its results in one transaction; returns its id."""
        with self._guard(f"deleting run {id_or_prefix}"), write_transaction(self._engine) as conn:
            run_id = self._resolve(conn, id_or_prefix)
            # Explicit, not only ON DELETE CASCADE: correct even where foreign keys are not enforced.
            conn.execute(results.delete().where(results.c.run_id == run_id))
            conn.execute(runs.delete().where(runs.c.id == run_id))
        return run_id

    # -- reading whole runs --------------------------------------------------------------------------

    def get_run(self, id_or_prefix: str) -> Run:
        """The run with this id or unique id prefix (case-insensitive).

        NotFoundError "no run matches 'X'" when none does, and with the count when several do.
        """
        with self._guard(f"reading run {id_or_prefix}"), read_transaction(self._engine) as conn:
            run_id = self._resolve(conn, id_or_prefix)
            return self._load(conn, sa.select(runs.c.id, runs.c.document).where(runs.c.id == run_id))[0]

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
                sa.select(runs.c.id, runs.c.document)
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
            sa.select(runs.c.id, runs.c.document)
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
        points."""
        where = [results.c.benchmark == benchmark, results.c.metric == metric]
        where += self._filters(project=project, branch=branch, testbed=testbed, tier=tier)
        query = (
            sa.select(
                runs.c.id,
                runs.c.commit_sha,
                runs.c.branch,
                runs.c.commit_time,
                runs.c.started,
                runs.c.testbed,
                results.c.summary,
                results.c.unit,
                results.c.direction,
                results.c.error,
            )
            .select_from(results.join(runs, results.c.run_id == runs.c.id))
            .where(*where)
            .order_by(_ORDER_TIME.desc(), runs.c.started.desc(), runs.c.id.desc())
            .limit(_nonneg_limit(limit))
        )
        with (
            self._guard(f"reading the series of {benchmark} [{metric}]"),
            read_transaction(self._engine) as conn,
        ):
            rows = conn.execute(query).all()
        points = []
        for row in reversed(rows):
            try:
                summary = _stored_summary(row.summary) if row.summary is not None else None
                direction = Direction(row.direction)
            except (ValueError, InputError) as exc:
                source = f"{self._where}: run {row.id}, {benchmark} [{metric}]"
                raise StoreError(f"{source}: damaged result row: {exc}") from exc
            points.append(
                SeriesPoint(
                    run_id=row.id,
                    commit=row.commit_sha,
                    branch=row.branch,
                    commit_time=row.commit_time,
                    started=row.started,
                    testbed=row.testbed,
                    summary=summary,
                    unit=row.unit,
                    direction=direction,
                    error=row.error,
                )
            )
        return Series(benchmark, metric, tuple(points), branch, tier, testbed, project)

    def benchmarks(self, *, project: str | None = None) -> list[tuple[str, str]]:
        """Distinct (benchmark, metric) pairs stored (for ``project`` if given), sorted."""
        query = sa.select(results.c.benchmark, results.c.metric).distinct()
        if project is not None:
            query = query.select_from(results.join(runs, results.c.run_id == runs.c.id)).where(
                runs.c.project == project
            )
        query = query.order_by(results.c.benchmark, results.c.metric)
        with self._guard("listing benchmarks"), read_transaction(self._engine) as conn:
            return [(row.benchmark, row.metric) for row in conn.execute(query)]

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
        """Runs for ``query`` (selecting id and document), in its order, with their results."""
        rows = conn.execute(query).all()
        docs: dict[str, list[sa.Row[Any]]] = defaultdict(list)
        for batch in _batches([row.id for row in rows]):
            result_rows = conn.execute(
                sa.select(
                    results.c.run_id,
                    results.c.document,
                    results.c.summary,
                    results.c.samples,
                    results.c.benchmark,
                    *(results.c[key] for key in _COLUMN_KEYS),
                )
                .where(results.c.run_id.in_(batch))
                .order_by(results.c.run_id, results.c.position)
            )
            for result_row in result_rows:
                docs[result_row.run_id].append(result_row)
        return [self._build(row.id, row.document, docs[row.id]) for row in rows]

    @staticmethod
    def _result_doc(row: sa.Row[Any]) -> Any:
        doc = json.loads(row.document)
        # Schema 3 leaves to the columns what they hold; earlier rows have everything in the document.
        if "summary" not in doc:
            doc["summary"] = _summary_doc(json.loads(row.summary)) if row.summary is not None else None
        if "samples" not in doc:
            doc["samples"] = _unpack(row.samples) if row.samples is not None else []
        if "metric" not in doc:
            doc.update({key: row._mapping[key] for key in _COLUMN_KEYS})
        benchmark = doc.get("benchmark")
        if isinstance(benchmark, dict) and "name" not in benchmark:
            benchmark["name"] = row.benchmark
        return doc

    def _build(self, run_id: str, document: str, result_documents: list[sa.Row[Any]]) -> Run:
        source = f"{self._where}: run {run_id}"
        try:
            doc = json.loads(document)
            doc["run"]["results"] = [self._result_doc(row) for row in result_documents]
        except (ValueError, TypeError, KeyError, struct.error) as exc:
            raise StoreError(f"{source}: damaged run document: {_reason(exc)}") from exc
        try:
            return run_from_dict(doc, source)
        except InputError as exc:
            raise StoreError(f"damaged run document: {exc}") from exc


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
