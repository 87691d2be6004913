"""Helpers shared by the file-format adapters: located errors, typed field access, unit scaling.

A harness's file is untrusted input: every access to it goes through the checked getters here, which
raise :class:`perfgate.errors.ParseError` naming the file and, when it can be found, the line of the
offending object, instead of letting a KeyError or TypeError escape.
"""

from __future__ import annotations

import bisect
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from perfgate import strict
from perfgate.adapters.base import Adapter, read_text
from perfgate.errors import ParseError
from perfgate.model import BenchmarkId, Direction, Result, Summary, metric_info, normalize
from perfgate.stats import summarize

__all__ = [
    "ADAPTERS",
    "Doc",
    "failed_result",
    "head_is_json_object",
    "load_json",
    "make_result",
    "parse_timestamp",
    "scale_of",
]

#: This module holds helpers only; it defines no format of its own (the registry collects nothing here).
ADAPTERS: tuple[Adapter, ...] = ()


#: where an error points: a line number, a string to search for, or nowhere
Near = str | int | None


@dataclass(frozen=True, slots=True)
class Doc:
    """An input file's path and text, for building located errors."""

    path: Path
    text: str
    #: offset of the first character of every line, for turning offsets into line numbers
    line_starts: tuple[int, ...] = dataclass_field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        starts = (0, *(m.end() for m in re.finditer("\n", self.text)))
        object.__setattr__(self, "line_starts", starts)

    def line_of(self, needle: str | None, start_line: int = 1) -> int | None:
        """1-based line of the first occurrence of ``needle`` at or after ``start_line``, if any."""
        if not needle:
            return None
        starts = self.line_starts
        offset = starts[start_line - 1] if 1 <= start_line <= len(starts) else 0
        idx = self.text.find(needle, offset)
        if idx < 0:
            return None
        return bisect.bisect_right(starts, idx)

    def error(self, message: str, near: Near = None, line: int | None = None) -> ParseError:
        """A ParseError at ``line``, or at ``near``: a line number, or a string (e.g. a JSON-encoded
        name) whose first occurrence marks the line of the offending object."""
        if line is None:
            line = near if isinstance(near, int) else self.line_of(near)
        return ParseError.at(str(self.path), line, message)

    def near(self, name: str) -> str:
        """The JSON spelling of a string value, for finding the line of the object that holds it."""
        return json.dumps(name)

    # -- checked access -------------------------------------------------------------------------

    def obj(self, value: Any, what: str, near: Near = None) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.error(f"{what}: expected an object, got {strict.describe(value)}", near)
        return value

    def arr(self, value: Any, what: str, near: Near = None) -> list[Any]:
        if not isinstance(value, list):
            raise self.error(f"{what}: expected an array, got {strict.describe(value)}", near)
        return value

    def field(self, d: Mapping[str, Any], key: str, what: str, near: Near = None) -> Any:
        if key not in d:
            raise self.error(f"{what}: missing key {key!r}", near)
        return d[key]

    def string(self, d: Mapping[str, Any], key: str, what: str, near: Near = None) -> str:
        v = self.field(d, key, what, near)
        if not isinstance(v, str):
            raise self.error(f"{what}: {key!r} must be a string, got {strict.describe(v)}", near)
        return v

    def opt_string(self, d: Mapping[str, Any], key: str, what: str, near: Near = None) -> str | None:
        v = d.get(key)
        if v is None:
            return None
        if not isinstance(v, str):
            raise self.error(f"{what}: {key!r} must be a string, got {strict.describe(v)}", near)
        return v

    def number(self, value: Any, what: str, near: Near = None, *, nan_ok: bool = False) -> float:
        """A finite number (``"NaN"`` strings and NaN values are refused unless ``nan_ok``)."""
        try:
            return strict.number(value, nan_ok=nan_ok)
        except strict.Mismatch as exc:
            raise self.error(f"{what}: {exc}", near) from None

    def num(self, d: Mapping[str, Any], key: str, what: str, near: Near = None) -> float:
        return self.number(self.field(d, key, what, near), f"{what} {key!r}", near)

    def opt_num(self, d: Mapping[str, Any], key: str, what: str, near: Near = None) -> float | None:
        """A number, or None when the key is absent, null or NaN."""
        v = d.get(key)
        if v is None:
            return None
        f = self.number(v, f"{what} {key!r}", near, nan_ok=True)
        return None if math.isnan(f) else f

    def integer(self, value: Any, what: str, near: Near = None) -> int:
        try:
            return strict.integer(value)
        except strict.Mismatch as exc:
            raise self.error(f"{what}: {exc}", near) from None

    def opt_int(self, d: Mapping[str, Any], key: str, what: str, near: Near = None) -> int | None:
        v = d.get(key)
        if v is None:
            return None
        return self.integer(v, f"{what} {key!r}", near)


def load_json(path: Path) -> tuple[Doc, Any]:
    """Read and decode a JSON file (gzip tolerated); a decode error names its line."""
    text = read_text(path)
    doc = Doc(path, text)
    try:
        return doc, json.loads(text)
    except json.JSONDecodeError as exc:
        raise doc.error(f"invalid JSON: {exc.msg} (column {exc.colno})", line=exc.lineno) from exc
    except RecursionError as exc:
        raise doc.error("invalid JSON: nested too deeply") from exc


def head_is_json_object(head: str) -> bool:
    """True when the text starts (after whitespace/BOM) with a JSON object."""
    return head.lstrip("\ufeff \t\r\n").startswith("{")


def scale_of(unit: str) -> tuple[float, str]:
    """(factor, canonical unit) for a unit: every unit perfgate knows converts linearly."""
    return normalize(1.0, unit)


def make_result(
    benchmark: BenchmarkId,
    metric: str,
    unit: str,
    *,
    samples: Sequence[float] = (),
    figures: Mapping[str, float | None] | None = None,
    n: int | None = None,
    direction: Direction | None = None,
    rounds: int | None = None,
    iterations: int | None = None,
    warmup: int | None = None,
    extra: Mapping[str, Any] | None = None,
    ci: tuple[float, float, float] | None = None,
    outliers: int = 0,
) -> Result:
    """A Result in canonical units from raw samples (preferred) or reported figures, both in ``unit``.

    ``ci`` (a reported (low, high, level) interval of the centre) and ``outliers`` (a reported count)
    are used with ``figures`` only.

    ``figures`` may hold ``mean``, ``median``, ``min``, ``max``, ``stddev``, ``q1``, ``q3``; a missing
    centre falls back to the other one, missing extremes to the widest of the centre and quartiles.
    Raises ValueError when there is neither a sample nor a mean/median (callers turn that into a
    located ParseError).
    """
    factor, canon = scale_of(unit)
    if direction is None:
        direction = metric_info(metric, canon).direction
    scaled = tuple(x * factor for x in samples)
    if scaled:
        summary = summarize(scaled)
    else:
        f = {k: (v * factor if v is not None else None) for k, v in (figures or {}).items()}
        centre = f.get("median") if f.get("median") is not None else f.get("mean")
        if centre is None:
            raise ValueError("no samples and no mean or median")
        mean = f.get("mean")
        mean = centre if mean is None else mean
        median = f.get("median")
        median = centre if median is None else median
        # without reported extremes, the widest figures reported stand in for them
        lo = f.get("min")
        hi = f.get("max")
        if lo is None:
            lo = min(x for x in (mean, median, f.get("q1")) if x is not None)
        if hi is None:
            hi = max(x for x in (mean, median, f.get("q3")) if x is not None)
        sd = f.get("stddev")
        summary = Summary(
            n=max(1, n or 1),
            mean=mean,
            median=median,
            min=lo,
            max=hi,
            stddev=abs(sd) if sd is not None else 0.0,
            q1=f.get("q1"),
            q3=f.get("q3"),
            ci_low=ci[0] * factor if ci else None,
            ci_high=ci[1] * factor if ci else None,
            ci_level=ci[2] if ci else None,
            outliers=outliers,
        )
    return Result(
        benchmark=benchmark,
        metric=metric,
        unit=canon,
        direction=direction,
        summary=summary,
        samples=scaled,
        rounds=rounds,
        iterations=iterations,
        warmup=warmup,
        extra=dict(extra or {}),
    )


def failed_result(
    benchmark: BenchmarkId,
    metric: str,
    unit: str,
    error: str,
    *,
    direction: Direction | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Result:
    """A Result for a benchmark that failed in its harness (an error, no summary)."""
    _, canon = scale_of(unit)
    if direction is None:
        direction = metric_info(metric, canon).direction
    return Result(
        benchmark=benchmark,
        metric=metric,
        unit=canon,
        direction=direction,
        error=error or "failed",
        extra=dict(extra or {}),
    )


def parse_timestamp(value: str | None) -> datetime | None:
    """An ISO 8601 timestamp as an aware datetime (naive ones are taken as UTC); None if unparseable."""
    if not value:
        return None
    s = value.strip()
    if s.endswith("Z"):
        s = s[:-1] + "+00:00"
    try:
        dt = datetime.fromisoformat(s)
    except ValueError:
        return None
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt
