"""Reading whole runs from a store's rows: the results of a run built in bulk, and runs read with the
standard library's ``sqlite3`` alone.

``perfgate compare A B`` of two 10,000-result runs built 20,000 checked Results, Summaries and
BenchmarkIds one by one (0.6 s), after importing SQLAlchemy to read them (0.35 s). The store wrote
every row from checked values, so :func:`trusted_results` checks the columns of a run's rows at once
with C-level passes (the conditions ``Result``, ``Summary`` and ``BenchmarkId`` check when built, for
every row) and then fills the values field by field over the whole column, as
:func:`perfgate.store.rows.trusted_points` does for a series. A row it would not vouch for (any check
failing, a negative value of a custom unit, a row with group, params or extra) makes it give up or
build that row checked; :func:`results_from_rows` then builds every row checked, so a damaged row is
the same error naming the store, the run and the result as before.

:func:`read_run` reads one run by id or unique id prefix on a ``sqlite3`` connection (what
:meth:`perfgate.store.fastread.SqliteReader.get_run` runs), with the same errors as
:meth:`perfgate.store.SqlStore.get_run`.
"""

from __future__ import annotations

import json
import math
import sqlite3
import struct
from collections.abc import Sequence
from dataclasses import replace
from itertools import repeat
from operator import attrgetter
from typing import Any

from perfgate.bulk import build
from perfgate.errors import AmbiguousError, InputError, NotFoundError, StoreError
from perfgate.model import BenchmarkId, Result, Run, run_from_dict
from perfgate.store.rows import _DIRECTIONS, _trusted_summaries, result_from_values

__all__ = [
    "AMBIGUOUS_SHOWN",
    "RESULT_SQL",
    "build_run",
    "read_run",
    "resolve_id",
    "results_from_rows",
    "trusted_results",
]

#: How many of the runs an ambiguous id prefix matches its error lists.
AMBIGUOUS_SHOWN = 5

#: A run's result rows, as :func:`results_from_rows` takes them: (position, benchmark name, then
#: :data:`perfgate.store.rows.VALUE_COLUMNS`), in position order.
RESULT_SQL = (
    "SELECT results.position, benchmarks.name, results.metric, results.unit, results.direction,"
    " results.error, results.summary, results.rounds, results.iterations, results.warmup,"
    " results.samples, results.document"
    " FROM results JOIN benchmarks ON benchmarks.id = results.benchmark"
    " WHERE results.run = ? ORDER BY results.position"
)

_PACKED = frozenset({bytes, bytearray, memoryview})
_OPTIONAL_INT = frozenset({int, type(None)})
_OPTIONAL_TEXT = frozenset({str, type(None)})


def _reason(exc: BaseException) -> str:
    return (str(exc).strip() or type(exc).__name__).splitlines()[0]


def _nonnegative_ints(column: Sequence[Any]) -> bool:
    """Every value None or an int >= 0 (what ``rounds``, ``iterations`` and ``warmup`` hold)."""
    if not set(map(type, column)) <= _OPTIONAL_INT:
        return False
    present = [v for v in column if v is not None]
    return not present or min(present) >= 0


def _names_ok(names: Sequence[Any]) -> bool:
    """Every name text, non-empty and without surrounding spaces (``BenchmarkId``'s check)."""
    return set(map(type, names)) <= {str} and "" not in names and list(map(str.strip, names)) == list(names)


def trusted_results(rows: Sequence[Sequence[Any]]) -> list[Result] | None:
    """The Results of a run's rows (see :data:`RESULT_SQL`), in their order, built without per-row
    checks; None when any row fails a check the model would make (build them checked, which names it).

    A row with a document (group, params or extra) is built checked by the model itself; a row whose
    values are negative is left to the checked path (negative values are an error in a canonical unit
    and allowed in a custom one: that row-wise question is the model's).
    """
    if not rows:
        return []
    columns = list(zip(*rows, strict=True))
    names, metrics, units, directions, errors, packed = columns[1:7]
    rounds, iterations, warmups, samples, documents = columns[7:]
    ways = list(map(_DIRECTIONS.get, directions))
    if None in ways or not _names_ok(names):
        return None
    if not set(map(type, metrics)) <= {str} or not set(map(type, units)) <= {str}:
        return None
    if "" in metrics or "" in units or not set(map(type, errors)) <= _OPTIONAL_TEXT:
        return None
    if not all(map(_nonnegative_ints, (rounds, iterations, warmups))):
        return None
    sizes = set(map(len, samples))
    if not set(map(type, samples)) <= _PACKED or any(size % 8 for size in sizes):
        return None
    kinds = set(map(type, packed))
    if not kinds <= _PACKED | {type(None)}:
        return None
    if type(None) in kinds and any(p is None and e is None for p, e in zip(packed, errors, strict=True)):
        return None  # a result needs a summary or an error
    present = [p for p in packed if p is not None]
    summaries = _trusted_summaries(present)
    if summaries is None:
        return None
    if len(present) < len(packed):
        given = iter(summaries)
        summaries = [None if p is None else next(given) for p in packed]  # type: ignore[misc]
    # the samples: every row's packed doubles end to end, read in place and checked at once
    values = memoryview(b"".join(samples)).cast("d").tolist()
    if not math.isfinite(sum(values)) or (values and min(values) < 0):
        return None  # (an overflowing sum, or a negative value, is the model's to judge row by row)
    present_summaries = [s for s in summaries if s is not None]
    for name in ("min", "median", "mean", "q1", "q3"):  # (max >= min is checked)
        column = [v for v in map(attrgetter(name), present_summaries) if v is not None]
        if column and min(column) < 0:
            return None
    unpacked: list[tuple[float, ...]]
    if len(sizes) == 1 and values:  # as many samples in every row: the flat column cut in C
        unpacked = list(zip(*[iter(values)] * (sizes.pop() // 8), strict=True))
    else:
        lengths = [len(s) // 8 for s in samples]
        unpacked = list(map(struct.unpack, map("<{}d".format, lengths), map(bytes, samples)))
    ids = build(BenchmarkId, len(rows), (names, repeat(None), repeat(())))
    extras: list[dict[str, Any]] = [{} for _ in rows]
    result_columns: tuple[Any, ...] = (
        ids, metrics, units, ways, summaries, unpacked, rounds, iterations, warmups, errors, extras,
    )  # fmt: skip
    out = build(Result, len(rows), result_columns)
    if any(d is not None for d in documents):
        for i, document in enumerate(documents):
            if document is not None:  # group, params or extra: the model's strict reader builds it
                try:
                    out[i] = result_from_values(names[i], [c[i] for c in columns[2:]])
                except (ValueError, TypeError, struct.error):
                    return None
    return out


def results_from_rows(rows: Sequence[Sequence[Any]], where: str, run_id: str) -> list[Result]:
    """The Results of a run's rows (see :data:`RESULT_SQL`): in bulk when every row passes the checks,
    else each built checked, a damaged row a StoreError "WHERE: run ID, result N: damaged result row"."""
    trusted = trusted_results(rows)
    if trusted is not None:
        return trusted
    out = []
    for position, name, *values in rows:
        try:
            out.append(result_from_values(name, values))
        except (ValueError, TypeError, struct.error) as exc:
            source = f"{where}: run {run_id}, result {position}"
            raise StoreError(f"{source}: damaged result row: {_reason(exc)}") from exc
    return out


def build_run(where: str, run_id: str, document: str, results: Sequence[Result]) -> Run:
    """The Run of a run row's JSON document and its results; a damaged document is a StoreError
    naming the store and the run."""
    source = f"{where}: run {run_id}"
    try:
        doc = json.loads(document)
    except ValueError as exc:
        raise StoreError(f"{source}: damaged run document: {_reason(exc)}") from exc
    try:
        run = run_from_dict(doc, source)
        return replace(run, results=tuple(results))
    except InputError as exc:
        raise StoreError(f"damaged run document: {exc}") from exc
    except ValueError as exc:
        raise StoreError(f"{source}: damaged run document: {_reason(exc)}") from exc


def _escaped(prefix: str) -> str:
    """``prefix`` for a ``LIKE ... ESCAPE '/'`` pattern: its ``%``, ``_`` and ``/`` taken literally."""
    return prefix.replace("/", "//").replace("%", "/%").replace("_", "/_")


def resolve_id(conn: sqlite3.Connection, where: str, id_or_prefix: str) -> str:
    """The full id of the one run whose id is ``id_or_prefix`` or starts with it (ignoring case), with
    the errors of :meth:`perfgate.store.SqlStore.get_run`."""
    key = id_or_prefix.strip()
    if key and conn.execute("SELECT id FROM runs WHERE id = ?", (key,)).fetchone() is not None:
        return key
    if key:
        match = "upper(id) LIKE ? || '%' ESCAPE '/'"
        pattern = _escaped(key.upper())
        found = conn.execute(
            f"SELECT id FROM runs WHERE {match} ORDER BY id LIMIT ?", (pattern, AMBIGUOUS_SHOWN + 1)
        ).fetchall()
        ids = [str(i) for (i,) in found]
        if len(ids) == 1:
            return ids[0]
        if ids:
            n = len(ids)
            if n > AMBIGUOUS_SHOWN:
                (n,) = conn.execute(f"SELECT count(*) FROM runs WHERE {match}", (pattern,)).fetchone()
            listed = ", ".join(ids[:AMBIGUOUS_SHOWN]) + (", ..." if n > AMBIGUOUS_SHOWN else "")
            raise AmbiguousError(
                f"{n} runs match {key!r} in {where}: {listed} (give more characters of the id)"
            )
    raise NotFoundError(f"no run matches {id_or_prefix!r} in {where}")


def read_run(conn: sqlite3.Connection, where: str, id_or_prefix: str) -> Run:
    """The run with this id or unique id prefix on a SQLite store's connection, with its results."""
    run_id = resolve_id(conn, where, id_or_prefix)
    pk, document = conn.execute("SELECT pk, document FROM runs WHERE id = ?", (run_id,)).fetchone()
    rows = conn.execute(RESULT_SQL, (pk,)).fetchall()
    return build_run(where, run_id, document, results_from_rows(rows, where, run_id))
