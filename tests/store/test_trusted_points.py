"""The series fast path: points built from a store's rows without per-row checks are exactly the points
the checked constructors build, and any row the checks would refuse sends the caller to the checked path."""

from __future__ import annotations

import math
import struct
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from perfgate.model import Direction, SeriesPoint, Summary
from perfgate.store.rows import (
    pack_summary,
    trusted_columns,
    trusted_points,
    unpack_summary,
    utc_column,
)

NAN = float("nan")
finite = st.floats(min_value=-1e300, max_value=1e300, allow_nan=False)
optional = st.none() | finite


@st.composite
def summaries(draw: st.DrawFn) -> Summary:
    low, high = sorted((draw(finite), draw(finite)))
    ci = draw(st.none() | st.tuples(finite, finite))
    return Summary(
        n=draw(st.integers(1, 2**40)),
        mean=draw(finite),
        median=draw(finite),
        min=low,
        max=high,
        stddev=draw(st.floats(min_value=0, max_value=1e300)),
        q1=draw(optional),
        q3=draw(optional),
        ci_low=None if ci is None else ci[0],
        ci_high=None if ci is None else ci[1],
        ci_level=draw(st.none() | st.floats(min_value=0.01, max_value=0.99)),
        outliers=draw(st.integers(0, 1000)),
    )


def text_utc(text: Any) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text + "+00:00")


def row(i: int, packed: Any, direction: str = "lower", error: str | None = None) -> tuple[Any, ...]:
    commit_time = None if i % 3 == 0 else f"2026-01-01 00:{i % 60:02d}:00.000000"
    return (f"run{i}", f"{i:040x}", "main", commit_time, f"2026-01-02 00:{i % 60:02d}:00.123456", "bed",
            "s", direction, error, packed)  # fmt: skip


def checked(rows: list[tuple[Any, ...]]) -> list[SeriesPoint]:
    points = []
    for run_id, commit, branch, commit_time, started, testbed, unit, direction, error, packed in rows:
        start = text_utc(started)
        assert start is not None
        summary = None if packed is None else unpack_summary(packed)
        way = Direction(direction)
        point = SeriesPoint(
            run_id, commit, branch, text_utc(commit_time), start, testbed, summary, unit, way, error
        )
        points.append(point)
    return points


@given(st.lists(st.none() | summaries(), max_size=30))
def test_trusted_points_equal_the_checked_ones(items: list[Summary | None]) -> None:
    rows = [
        row(i, None if s is None else pack_summary(s), error="boom" if s is None else None)
        for i, s in enumerate(items)
    ]
    points = trusted_points(rows)
    assert points == checked(rows)
    for p, s in zip(points or (), items, strict=True):
        assert type(p) is SeriesPoint and (s is None) == (p.summary is None)
        assert p.started.tzinfo is not None and p.started.utcoffset() == UTC.utcoffset(None)


@given(st.lists(st.none() | summaries(), max_size=30))
def test_trusted_columns_hold_the_checked_points_values(items: list[Summary | None]) -> None:
    rows = [
        row(i, None if s is None else pack_summary(s), error="boom" if s is None else None)
        for i, s in enumerate(items)
    ]
    held = trusted_columns(rows)
    expected = checked(rows)
    assert held is not None and len(held) == len(expected)
    for name in (n for n in SeriesPoint._fields if n != "summary"):
        assert list(held.column(name)) == [getattr(p, name) for p in expected]
    for name in ("n", "median", "q1", "ci_low", "ci_high", "ci_level", "outliers"):
        assert held.summary_column(name) == [p.summary and getattr(p.summary, name) for p in expected]
    assert held._points is None or not rows  # (nothing built yet)
    assert held == tuple(expected)


def damaged(**fields: float) -> bytes:
    base = {"n": 5, "mean": 1.0, "median": 1.0, "min": 0.5, "max": 2.0, "stddev": 0.1, "q1": 0.9,
            "q3": 1.1, "ci_low": 0.95, "ci_high": 1.05, "ci_level": 0.95, "outliers": 0}  # fmt: skip
    base.update(fields)
    return struct.pack("<q10dq", *(int(v) if k in ("n", "outliers") else v for k, v in base.items()))


@pytest.mark.parametrize(
    "packed",
    [
        damaged(n=0),
        damaged(outliers=-1),
        damaged(mean=NAN),
        damaged(median=math.inf),
        damaged(min=3.0),  # above max
        damaged(stddev=-1.0),
        damaged(q1=math.inf),
        damaged(q3=-math.inf),
        damaged(ci_high=NAN),  # ci_low without ci_high
        damaged(ci_level=1.0),
        damaged(ci_level=0.0),
        b"\x00\x00",  # too short
        "1.0 2.0",  # text, not packed numbers
    ],
)
def test_a_row_the_checks_would_refuse_is_left_to_the_checked_path(packed: Any) -> None:
    good = [row(i, damaged()) for i in range(3)]
    assert trusted_points(good) == checked(good)
    assert trusted_points([*good, row(3, packed)]) is None
    assert trusted_columns([*good, row(3, packed)]) is None


def test_an_unknown_direction_is_left_to_the_checked_path() -> None:
    assert trusted_points([row(0, damaged()), row(1, damaged(), direction="sideways")]) is None


@given(st.lists(st.datetimes(timezones=st.none()), max_size=20))
def test_a_column_of_stored_times_is_parsed_as_each_time(times: list[datetime]) -> None:
    texts = [t.isoformat(sep=" ", timespec="microseconds") for t in times]
    assert utc_column(texts) == [text_utc(t) for t in texts] == [t.replace(tzinfo=UTC) for t in times]


def test_a_time_text_holding_a_newline_is_parsed_as_alone() -> None:
    """The column is parsed from one join of its texts; a text holding the join's newline does not
    shift the others: it is read (or refused) as parsed alone."""
    good = "2026-01-01 00:00:00.000000"
    texts = [good, "2026-01-02\n00:00:00", good]  # (fromisoformat takes any one separator)
    assert utc_column(texts) == [text_utc(t) for t in texts]
    with pytest.raises(ValueError, match="Invalid isoformat"):
        utc_column([good, "2026-01-01 00:00:00\nnot a time", good])
    assert utc_column([]) == []
