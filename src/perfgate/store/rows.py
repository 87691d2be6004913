"""How a :class:`~perfgate.model.Result` is kept in a row of the results table (schema 4), and read back.

A row holds the result's fields in columns of their own. The summary is packed binary (96 bytes:
``n``, the ten real-valued fields as little-endian IEEE 754 doubles with NaN for an absent optional
field (a summary's values are finite, so NaN never stands for a value), ``outliers``), the samples
are packed doubles; both are exact, and neither needs float formatting when writing or parsing when
reading (a history reads ten thousand summaries). ``document`` holds only what no column holds
(group, params, extra) as JSON, NULL when they are all empty, as they are for most results. Reading
builds the model's values directly (they validate when built), without a JSON document per result.
"""

from __future__ import annotations

import math
import operator
import struct
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from itertools import repeat
from typing import TYPE_CHECKING, Any

from perfgate.bulk import build
from perfgate.errors import StoreError
from perfgate.model.read import SeriesPoint, SeriesPoints
from perfgate.model.units import Direction

if TYPE_CHECKING:  # (imported where used: reading a series needs none of them)
    from perfgate.model import Result, Summary

__all__ = [
    "SERIES_ROW",
    "VALUE_COLUMNS",
    "as_utc",
    "checked_points",
    "dumps",
    "pack",
    "pack_summary",
    "result_from_values",
    "result_values",
    "trusted_columns",
    "trusted_points",
    "unpack",
    "unpack_summary",
    "utc_column",
]

#: The columns of a result row after (run, position, benchmark), in the order ``result_values``
#: returns them and ``result_from_values`` takes them.
VALUE_COLUMNS: tuple[str, ...] = (
    "metric",
    "unit",
    "direction",
    "error",
    "summary",
    "rounds",
    "iterations",
    "warmup",
    "samples",
    "document",
)

_SUMMARY = struct.Struct("<q10dq")
_NAN = float("nan")
_DOCUMENT_KEYS = frozenset({"group", "params", "extra"})
_DIRECTIONS = {d.value: d for d in Direction}


def dumps(value: Any) -> str:
    """Compact JSON; NaN and infinities are refused (ValueError), as the model's JSON does."""
    import json  # (here and in _rest: reading a series needs no JSON)

    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def pack(samples: Sequence[float]) -> bytes:
    return struct.pack(f"<{len(samples)}d", *samples)


def unpack(packed: bytes) -> tuple[float, ...]:
    if len(packed) % 8:
        raise ValueError(f"samples column of {len(packed)} bytes is not a whole number of doubles")
    return struct.unpack(f"<{len(packed) // 8}d", packed)


def pack_summary(s: Summary) -> bytes:
    def real(v: float | None) -> float:
        return _NAN if v is None else v

    return _SUMMARY.pack(
        s.n, s.mean, s.median, s.min, s.max, s.stddev,
        real(s.q1), real(s.q3), real(s.ci_low), real(s.ci_high), real(s.ci_level), s.outliers,
    )  # fmt: skip


def unpack_summary(packed: Any) -> Summary:
    """The Summary packed in a column. ValueError (or struct.error) when it is damaged or invalid."""
    if type(packed) is not bytes:
        if not isinstance(packed, bytearray | memoryview):
            raise ValueError(f"summary is {type(packed).__name__}, not packed numbers")
        packed = bytes(packed)
    from perfgate.model import Summary

    n, mean, median, low, high, stddev, q1, q3, ci_low, ci_high, ci_level, outliers = _SUMMARY.unpack(packed)
    if not math.isfinite(q1 + q3 + ci_low + ci_high + ci_level):  # some are absent (or damaged)
        q1, q3, ci_low, ci_high, ci_level = (
            None if v != v else v for v in (q1, q3, ci_low, ci_high, ci_level)
        )
    return Summary(n, mean, median, low, high, stddev, q1, q3, ci_low, ci_high, ci_level, outliers)


def result_values(r: Result) -> tuple[Any, ...]:
    """The row values of ``r`` in :data:`VALUE_COLUMNS` order. ValueError or TypeError when its
    extra cannot be stored as JSON."""
    rest: dict[str, Any] = {}
    if r.benchmark.group is not None:
        rest["group"] = r.benchmark.group
    if r.benchmark.params:
        rest["params"] = [list(p) for p in r.benchmark.params]
    if r.extra:
        rest["extra"] = dict(r.extra)
    document = dumps(rest) if rest else None
    return (
        r.metric,
        r.unit,
        r.direction.value,
        r.error,
        pack_summary(r.summary) if r.summary is not None else None,
        r.rounds,
        r.iterations,
        r.warmup,
        pack(r.samples),
        document,
    )


def _optional_int(name: str, value: Any) -> int | None:
    if value is None or type(value) is int:
        return value
    raise ValueError(f"{name} is {value!r}, not an integer")


def _text(name: str, value: Any, *, optional: bool = False) -> Any:
    if type(value) is str or (optional and value is None):
        return value
    raise ValueError(f"{name} is {value!r}, not text")


def _rest(document: Any) -> tuple[str | None, tuple[tuple[str, str], ...], dict[str, Any]]:
    """(group, params, extra) from the row's document, checked as strictly as the model's reader."""
    if document is None:
        return None, (), {}
    import json

    doc = json.loads(_text("document", document))
    if not isinstance(doc, dict):
        raise ValueError("document is not a JSON object")
    unknown = sorted(set(doc) - _DOCUMENT_KEYS)
    if unknown:
        raise ValueError(f"document has unknown key {unknown[0]!r} (written by a newer perfgate?)")
    group = doc.get("group")
    if group is not None and not isinstance(group, str):
        raise ValueError(f"group is {group!r}, not text")
    params = []
    for p in doc.get("params", ()):
        if not (isinstance(p, list) and len(p) == 2 and all(isinstance(x, str) for x in p)):
            raise ValueError(f"params: expected [name, value] strings, got {p!r}")
        params.append((p[0], p[1]))
    extra = doc.get("extra", {})
    if not isinstance(extra, dict):
        raise ValueError(f"extra is {extra!r}, not an object")
    return group, tuple(params), extra


def result_from_values(name: str, values: Sequence[Any]) -> Result:
    """The Result of benchmark ``name`` held by a row's values (in :data:`VALUE_COLUMNS` order).

    ValueError (or TypeError) naming the field when a value is damaged or the result invalid.
    """
    from perfgate.model import BenchmarkId, Result

    metric, unit, direction, error, summary, rounds, iterations, warmup, samples, document = values
    group, params, extra = _rest(document)
    try:
        way = _DIRECTIONS[direction]
    except (KeyError, TypeError):
        raise ValueError(f"direction is {direction!r}, not 'lower' or 'higher'") from None
    if not isinstance(samples, bytes | bytearray | memoryview):
        raise ValueError(f"samples is {type(samples).__name__}, not packed doubles")
    return Result(
        benchmark=BenchmarkId(_text("benchmark", name), group, params),
        metric=_text("metric", metric),
        unit=_text("unit", unit),
        direction=way,
        summary=None if summary is None else unpack_summary(summary),
        samples=unpack(bytes(samples)),
        rounds=_optional_int("rounds", rounds),
        iterations=_optional_int("iterations", iterations),
        warmup=_optional_int("warmup", warmup),
        error=_text("error", error, optional=True),
        extra=extra,
    )


# -- the series fast path ----------------------------------------------------------------------------
#
# A history reads thousands of points, and building each checked Summary and SeriesPoint cost more than
# SQLite's own work. The store wrote every summary from a checked Summary, so :func:`trusted_columns`
# checks the whole column at once with C-level passes (the same conditions ``Summary.__post_init__``
# checks, value for value) and keeps the columns (:class:`perfgate.model.SeriesPoints`), which build
# the values, when asked, without re-running the checks, through the slots' own setters, one field at
# a time over the whole column (``map`` in C, no Python loop per value). When any row fails a check it
# returns None and the caller builds every point checked (:func:`checked_points`), which names the
# damaged row. Nothing from input takes this path: only rows of this store.

_PACKED_TYPES = frozenset({bytes, bytearray, memoryview, type(None)})
_TEXT = frozenset({str, type(None)})


def as_utc(value: Any) -> datetime | None:
    """A time column read without SQLAlchemy's type processing: SQLite returns the stored UTC text
    (``tables.UTCDateTime``: ISO 8601 without an offset), PostgreSQL an aware datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        return datetime.fromisoformat(value + "+00:00")
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    raise ValueError(f"not a time: {value!r}")


def utc_column(values: Sequence[Any]) -> list[datetime | None]:
    """:func:`as_utc` of every value; a column of text only (SQLite's) is parsed in one C-level pass."""
    if set(map(type, values)) <= {str}:
        # each text with its offset: one join and one split, not a concatenation per text (a fifth of
        # the parse), when no text holds a newline (then each its own)
        texts = ("+00:00\n".join(values) + "+00:00").split("\n")
        if len(texts) != len(values):
            texts = list(map(str.__add__, values, repeat("+00:00")))
        return list(map(datetime.fromisoformat, texts))
    return list(map(as_utc, values))


def _optional_column(values: Sequence[float]) -> Sequence[float | None] | None:
    """An optional field's column with NaN (absent) made None; None when a present value is infinite
    (only a damaged row holds one)."""
    if math.isfinite(sum(values)):  # the common case, one C-level pass: every value present and finite
        return values
    if math.inf in values or -math.inf in values:
        return None
    present = list(map(float.__eq__, values, values))  # (False where NaN: absent)
    if not any(present):  # absent everywhere: the common case of an optional field (one C pass)
        return [None] * len(values)
    if not all(present):
        return [v if p else None for v, p in zip(values, present, strict=True)]
    return values


_ABSENT = struct.pack("<d", _NAN)  # an absent optional field, as pack_summary writes it
_OPTIONAL = range(6, 11)  # (q1, q3, ci_low, ci_high, ci_level: their places in the packed summary)


def _summary_columns(joined: bytes) -> list[Sequence[Any] | None]:
    """The twelve columns of summaries packed end to end: on a little-endian machine read in place as
    8-byte numbers (every field is one), one strided view per field, without a tuple per summary and
    without a Python number per value until one is read (a history shows three of the twelve). An
    optional field absent from every summary is None (found by one comparison of its bytes)."""
    if sys.byteorder == "little":
        reals, ints = memoryview(joined).cast("d"), memoryview(joined).cast("q")
        width = _SUMMARY.size // 8
        absent = _ABSENT * (len(reals) // width)
        return [
            ints[0::width],
            *(
                None if k in _OPTIONAL and reals[k::width].tobytes() == absent else reals[k::width]
                for k in range(1, width - 1)
            ),
            ints[width - 1 :: width],
        ]
    return [list(c) for c in zip(*_SUMMARY.iter_unpack(joined), strict=True)]


def _summary_fields(packed: Sequence[Any]) -> list[Sequence[Any]] | None:
    """The fields of the summaries packed in ``packed`` as columns (a list per field of
    :class:`~perfgate.model.Summary`, in its order), checked column by column; None when any is
    invalid."""
    if not packed:
        return [[] for _ in range(_SUMMARY.size // 8)]
    if set(map(len, packed)) != {_SUMMARY.size}:
        return None
    columns = _summary_columns(b"".join(packed))
    ns, means, medians, mins, maxs, stddevs, q1s, q3s, lows, highs, levels, outliers = columns
    assert ns is not None and outliers is not None  # (only optional fields are None)
    assert means is not None and medians is not None and mins is not None and maxs is not None
    assert stddevs is not None
    if min(ns) < 1 or min(outliers) < 0:
        return None
    if not all(math.isfinite(sum(c)) for c in (means, medians, mins, maxs, stddevs)):
        return None  # a NaN or an infinity (or a sum that overflowed: then the checked path decides)
    if not all(map(operator.le, mins, maxs)) or min(stddevs) < 0:
        return None
    if (lows is None) != (highs is None):
        return None  # ci_low and ci_high go together
    if (
        lows is not None
        and highs is not None
        and not all(map(operator.is_, map(math.isnan, lows), map(math.isnan, highs)))
    ):
        return None
    if levels is not None and not all(v != v or 0 < v < 1 for v in set(levels)):
        return None
    n = len(packed)
    optional = [[None] * n if c is None else _optional_column(c) for c in (q1s, q3s, lows, highs, levels)]
    if None in optional:  # (a level is in (0, 1) or NaN, checked above)
        return None
    q1c, q3c, lowc, highc, levelc = optional
    return [ns, means, medians, mins, maxs, stddevs, q1c, q3c, lowc, highc, levelc, outliers]  # type: ignore[list-item]


def _trusted_summaries(packed: Sequence[Any]) -> list[Summary] | None:
    """The summaries packed in ``packed``, checked column by column; None when any is invalid."""
    columns = _summary_fields(packed)
    if columns is None:
        return None
    from perfgate.model import Summary

    return build(Summary, len(packed), columns)  # (the packed order is Summary's field order)


#: A series query's row, by the names of SeriesPoint's fields (and ``summary``, packed), in order.
SERIES_ROW = (
    "run_id",
    "commit",
    "branch",
    "commit_time",
    "started",
    "testbed",
    "unit",
    "direction",
    "error",
    "summary",
)

_NO_CONSTANTS: Mapping[str, Any] = {}


def trusted_columns(
    rows: Sequence[Sequence[Any]], constants: Mapping[str, Any] = _NO_CONSTANTS
) -> SeriesPoints | None:
    """The points of a series query's rows, in their order, as columns (:class:`SeriesPoints`: the
    points are built only when asked for), checked column by column, not row by row.

    A row holds the fields of :data:`SERIES_ROW` (run id, commit, branch, commit time, started,
    testbed, unit, direction, error, packed summary or None) as this store wrote them, the times as
    :func:`as_utc` reads them, but those ``constants`` gives (a field the query was filtered on, the
    same in every row: ``{"branch": "main"}``). None when any row fails the checks the model would
    make: build those points checked (:func:`checked_points`).
    """
    if not rows:
        return SeriesPoints()
    read = dict(zip([f for f in SERIES_ROW if f not in constants], zip(*rows, strict=True), strict=True))
    fields = {f: read[f] if f in read else [constants[f]] * len(rows) for f in SERIES_ROW}
    starts, directions, packed = fields["started"], fields["direction"], fields["summary"]
    ways = list(map(_DIRECTIONS.get, directions))
    if None in ways or None in starts:
        return None
    if not set(map(type, packed)) <= _PACKED_TYPES:
        return None
    present = list(map(operator.is_not, packed, repeat(None))) if None in packed else None  # (failed)
    summaries = _summary_fields(packed if present is None else [s for s in packed if s is not None])
    if summaries is None:
        return None
    columns: dict[str, Sequence[Any]] = {
        **fields,
        "commit_time": utc_column(fields["commit_time"]),
        "started": utc_column(starts),
        "direction": ways,
    }
    del columns["summary"]
    # (the times' texts too, SQLite's: a history's labels are cut from them)
    texts = {
        name: fields[name] for name in ("commit_time", "started") if set(map(type, fields[name])) <= _TEXT
    }
    return SeriesPoints.trusted(columns, summaries, present, texts)


def trusted_points(rows: Sequence[Sequence[Any]]) -> list[SeriesPoint] | None:
    """:func:`trusted_columns`' points, built."""
    columns = trusted_columns(rows)
    return None if columns is None else list(columns)


def checked_points(
    rows: Sequence[Sequence[Any]],
    store: str,
    benchmark: str,
    metric: str,
    constants: Mapping[str, Any] = _NO_CONSTANTS,
) -> list[SeriesPoint]:
    """The SeriesPoints of a series query's rows (as :func:`trusted_columns` reads them), each built
    and checked by the model; a damaged row raises StoreError "STORE: run ID, BENCHMARK [METRIC]:
    damaged result row: why"."""
    points = []
    read = [f for f in SERIES_ROW if f not in constants]
    for given in rows:
        row = {**dict(zip(read, given, strict=True)), **constants}
        run_id, commit, branch, commit_time, started, testbed, unit, direction, error, summary = (
            row[f] for f in SERIES_ROW
        )
        try:
            points.append(
                SeriesPoint(
                    run_id=run_id,
                    commit=commit,
                    branch=branch,
                    commit_time=as_utc(commit_time),
                    started=as_utc(started),  # type: ignore[arg-type]
                    testbed=testbed,
                    summary=None if summary is None else unpack_summary(summary),
                    unit=unit,
                    direction=_DIRECTIONS[direction],
                    error=error,
                )
            )
        except (ValueError, TypeError, KeyError, struct.error) as exc:
            reason = (str(exc).strip() or type(exc).__name__).splitlines()[0]
            source = f"{store}: run {run_id}, {benchmark} [{metric}]"
            raise StoreError(f"{source}: damaged result row: {reason}") from exc
    return points
