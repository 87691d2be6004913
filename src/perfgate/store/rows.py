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

import gc
import json
import math
import operator
import struct
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from perfgate.model import BenchmarkId, Direction, Result, SeriesPoint, Summary

__all__ = [
    "VALUE_COLUMNS",
    "dumps",
    "gc_paused",
    "pack",
    "pack_summary",
    "result_from_values",
    "result_values",
    "trusted_points",
    "unpack",
    "unpack_summary",
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
# SQLite's own work. The store wrote every summary from a checked Summary, so :func:`trusted_points`
# checks the whole column at once with C-level passes (the same conditions ``Summary.__post_init__``
# checks, value for value) and then builds the values without re-running the checks, through the slots'
# own setters. When any row fails a check it returns None and the caller builds every point checked,
# which names the damaged row. Nothing from input takes this path: only rows of this store.

_new = object.__new__
_PACKED_TYPES = frozenset({bytes, bytearray, memoryview, type(None)})
_set_n, _set_mean, _set_median, _set_min, _set_max, _set_stddev = (
    Summary.__dict__[f].__set__ for f in ("n", "mean", "median", "min", "max", "stddev")
)
_set_q1, _set_q3, _set_ci_low, _set_ci_high, _set_ci_level, _set_outliers = (
    Summary.__dict__[f].__set__ for f in ("q1", "q3", "ci_low", "ci_high", "ci_level", "outliers")
)
_set_run_id, _set_commit, _set_branch, _set_commit_time, _set_started = (
    SeriesPoint.__dict__[f].__set__ for f in ("run_id", "commit", "branch", "commit_time", "started")
)
_set_testbed, _set_summary, _set_unit, _set_direction, _set_error = (
    SeriesPoint.__dict__[f].__set__ for f in ("testbed", "summary", "unit", "direction", "error")
)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while a block builds thousands of small acyclic values
    (rows, summaries, points): each collection it triggers walks every live object, and those passes
    were half the time of building a 10,000-point series. Reference counting still frees everything."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _optional_column(values: tuple[float, ...]) -> Sequence[float | None] | None:
    """An optional field's column with NaN (absent) made None; None when a present value is infinite
    (only a damaged row holds one)."""
    if math.inf in values or -math.inf in values:
        return None
    if any(map(math.isnan, values)):
        return [None if v != v else v for v in values]
    return values


def _trusted_summaries(packed: Sequence[Any]) -> list[Summary] | None:
    """The summaries packed in ``packed``, checked column by column; None when any is invalid."""
    if not packed:
        return []
    if set(map(len, packed)) != {_SUMMARY.size}:
        return None
    columns = tuple(zip(*_SUMMARY.iter_unpack(b"".join(packed)), strict=True))
    ns, means, medians, mins, maxs, stddevs, q1s, q3s, lows, highs, levels, outliers = columns
    if min(ns) < 1 or min(outliers) < 0:
        return None
    if not all(math.isfinite(sum(c)) for c in (means, medians, mins, maxs, stddevs)):
        return None  # a NaN or an infinity (or a sum that overflowed: then the checked path decides)
    if not all(map(operator.le, mins, maxs)) or min(stddevs) < 0:
        return None
    if not all(map(operator.is_, map(math.isnan, lows), map(math.isnan, highs))):
        return None  # ci_low and ci_high go together
    if not all(v != v or 0 < v < 1 for v in set(levels)):
        return None
    optional = [_optional_column(c) for c in (q1s, q3s, lows, highs)]
    q1c, q3c, lowc, highc = optional
    if q1c is None or q3c is None or lowc is None or highc is None:
        return None
    levelc = _optional_column(levels)
    assert levelc is not None  # in (0, 1) or NaN, checked above
    new, summary = _new, Summary
    set_n, set_mean, set_median, set_min, set_max, set_stddev = (
        _set_n,
        _set_mean,
        _set_median,
        _set_min,
        _set_max,
        _set_stddev,
    )
    set_q1, set_q3, set_ci_low, set_ci_high, set_ci_level, set_outliers = (
        _set_q1,
        _set_q3,
        _set_ci_low,
        _set_ci_high,
        _set_ci_level,
        _set_outliers,
    )
    out: list[Summary] = []
    append = out.append
    for n, mean, median, lo, hi, sd, q1, q3, cl, ch, lvl, outl in zip(
        ns, means, medians, mins, maxs, stddevs, q1c, q3c, lowc, highc, levelc, outliers, strict=True
    ):
        s = new(summary)
        set_n(s, n)
        set_mean(s, mean)
        set_median(s, median)
        set_min(s, lo)
        set_max(s, hi)
        set_stddev(s, sd)
        set_q1(s, q1)
        set_q3(s, q3)
        set_ci_low(s, cl)
        set_ci_high(s, ch)
        set_ci_level(s, lvl)
        set_outliers(s, outl)
        append(s)
    return out


def trusted_points(
    rows: Sequence[Sequence[Any]], as_utc: Callable[[Any], datetime | None]
) -> list[SeriesPoint] | None:
    """The SeriesPoints of a series query's rows, in their order, built without per-row checks.

    A row is (run id, commit, branch, commit time, started, testbed, unit, direction, error, packed
    summary or None), as this store wrote it; ``as_utc`` reads a time column into an aware UTC
    datetime. None when any row fails the checks the model would make: build those points checked.
    """
    if not rows:
        return []
    ids, commits, branches, commit_times, starts, testbeds, units, directions, errors, packed = zip(
        *rows, strict=True
    )
    ways = list(map(_DIRECTIONS.get, directions))
    if None in ways:
        return None
    if not set(map(type, packed)) <= _PACKED_TYPES:
        return None
    summaries = _trusted_summaries([s for s in packed if s is not None])
    if summaries is None:
        return None
    given = iter(summaries)
    new, point = _new, SeriesPoint
    set_run_id, set_commit, set_branch = _set_run_id, _set_commit, _set_branch
    set_commit_time = _set_commit_time
    set_started, set_testbed, set_summary, set_unit = _set_started, _set_testbed, _set_summary, _set_unit
    set_direction, set_error = _set_direction, _set_error
    points: list[SeriesPoint] = []
    append = points.append
    for run_id, commit, branch, commit_time, started, testbed, unit, way, error, summary in zip(
        ids, commits, branches, map(as_utc, commit_times), map(as_utc, starts), testbeds, units, ways,
        errors, packed, strict=True,
    ):  # fmt: skip
        if started is None:
            return None
        p = new(point)
        set_run_id(p, run_id)
        set_commit(p, commit)
        set_branch(p, branch)
        set_commit_time(p, commit_time)
        set_started(p, started)
        set_testbed(p, testbed)
        set_summary(p, None if summary is None else next(given))
        set_unit(p, unit)
        set_direction(p, way)
        set_error(p, error)
        append(p)
    return points
