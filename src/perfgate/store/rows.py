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

import json
import math
import struct
from collections.abc import Sequence
from typing import Any

from perfgate.model import BenchmarkId, Direction, Result, Summary

__all__ = [
    "VALUE_COLUMNS",
    "dumps",
    "pack",
    "pack_summary",
    "result_from_values",
    "result_values",
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
