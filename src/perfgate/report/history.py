"""A metric's history (``perfgate history``) as terminal text or as a plain JSON list of objects.

A history may be 10,000 points long and is printed whole, so the table is built column by column
(:func:`perfgate.report.table.render_columns`): each column's texts are made in C-level passes over
the series (times, values of one unit, ids), and the lines are the same, byte for byte, as the table
built row by row (``tests/report/test_report_history.py`` checks it). Strings from input (names,
branches, errors) are made visible in text and escaped in JSON (:mod:`perfgate.escape`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from itertools import islice, repeat
from operator import add, attrgetter, sub, truediv
from typing import Any, cast

from perfgate.escape import inert_join, inert_lines, json_inert, visible
from perfgate.model import Direction, Series, SeriesPoints, format_value
from perfgate.model.units import format_in_units, format_template, format_values
from perfgate.report.console import Console
from perfgate.report.labels import (
    HEX,
    SHORT_ID,
    format_change,
    format_changes,
    format_time,
    short_commit,
    short_id,
)
from perfgate.report.table import Column, Formatted, render_columns

__all__ = [
    "format_changes",
    "format_times",
    "history_title",
    "render_history",
    "render_history_json",
    "sparkline",
]

SPARKS = "▁▂▃▄▅▆▇█"

_CLOCK = [f"{h:02d}:{m:02d}" for h in range(24) for m in range(60)]  # by minute of the day


def format_times(times: Sequence[datetime]) -> list[str]:
    """``[format_time(t) for t in times]``, about ten times faster for UTC times of four-digit years
    (all a store holds): each distinct day's text is made once, each time of day looked up (a
    ``datetime`` formats itself in over a microsecond; a 10,000-point history has 20,000). Other
    times one by one. (A store's series labels its times from the texts it read: :func:`_time_cells`.)"""
    if times and set(map(attrgetter("tzinfo"), times)) <= {UTC} and min(times).year >= 1000:
        dates = list(map(datetime.date, times))
        days = {d: d.isoformat() + " " for d in set(dates)}
        return [days[d] + _CLOCK[t.hour * 60 + t.minute] for t, d in zip(times, dates, strict=True)]
    return list(map(format_time, times))


def _labels_of(texts: Sequence[str | None] | None) -> bool:
    """Whether every text is a store's ``YYYY-MM-DD HH:MM:SS.ffffff`` of a four-digit year, whose first
    16 characters are :func:`format_time`'s label (checked at once on their join: the same length,
    the separators in their places)."""
    if not texts or None in texts:
        return False
    joined = "".join(cast("Sequence[str]", texts))
    n = len(texts)
    return (
        set(map(len, cast("Sequence[str]", texts))) == {_ISO}
        and joined[4::_ISO] == joined[7::_ISO] == "-" * n
        and joined[10::_ISO] == " " * n
        and joined[13::_ISO] == joined[16::_ISO] == ":" * n
        and "0" not in joined[0::_ISO]  # (a year from 1000 on, as format_time writes it)
    )


def _time_cells(times: Sequence[datetime], texts: Sequence[str | None] | None) -> Sequence[str] | Formatted:
    """A time column: the UTC texts the times were read from (:meth:`SeriesPoints.time_texts`) cut in
    the table's rows (``%.16s``) when each is a store's (:func:`_labels_of`), else the times' labels
    (:func:`format_times`)."""
    if _labels_of(texts):
        return Formatted("%.16s", [cast("Sequence[str]", texts)], 16)
    return format_times(times)


def _cut_cells(texts: Sequence[str], length: int) -> Sequence[str] | Formatted:
    """Each text's first ``length`` characters: cut in the table's rows (``%.10s``), without a text per
    cell, when every text is at least that long; else cut one by one."""
    if texts and min(map(len, texts)) >= length:
        return Formatted(f"%.{length}s", [texts], length)
    return list(map(str.__getitem__, texts, repeat(slice(length))))


_ISO = len("2026-01-01 12:03:00.000000")  # a store's UTC text of a time


_HEX_DIGITS = b"0123456789abcdefABCDEF"


def _short_commits(commits: Sequence[str | None]) -> Sequence[str] | Formatted:
    """``short_commit(c, 8) if c else "-"`` of each: C-level passes check that every commit is a hash
    (``short_commit``'s own rule, ``HEX``: 8 or more hex digits; it cuts only those), then each is cut
    in the table's rows (:func:`_cut_cells`)."""
    texts = cast("Sequence[str]", commits) if None not in commits else ()
    if texts and min(map(len, texts)) >= 8:
        joined = "".join(texts)
        # (only hex digits: nothing is left once they are deleted)
        if joined.isascii() and not joined.encode("ascii").translate(None, _HEX_DIGITS):
            return _cut_cells(texts, 8)
    known = [c for c in commits if c]
    if all(map(HEX.fullmatch, known)):
        return [c[:8] if c else "-" for c in commits]
    return [short_commit(c, 8) if c else "-" for c in commits]


def _intervals(lows: Sequence[float], highs: Sequence[float], unit: str) -> Formatted:
    """The right-aligned column ``[low, high]`` of intervals in one unit, formatted in the table's rows:
    each end's numbers in their template when one formats them all (:func:`format_template`), else
    its texts (ends near a unit's step: 999.96 ns is 1000.0 ns, 1.013 µs), and where the cells' widths
    differ a pad before each, as right-aligning pads them."""
    ends: list[tuple[str, Sequence[Any], Sequence[int] | None, int]] = []
    for values in (lows, highs):
        form = format_template(values, unit)
        if form is not None:
            ends.append((form[0], form[1], None, form[2]))
        else:
            texts = format_values(values, unit)
            lengths = list(map(len, texts))
            ends.append(("%s", texts, lengths, max(lengths)))
    (low_template, low_args, low_lengths, low_width), (high_template, high_args, high_lengths, high_width) = (
        ends
    )
    template = f"[{low_template}, {high_template}]"
    if low_lengths is None and high_lengths is None:  # (each end of one width)
        return Formatted(template, [low_args, high_args], low_width + high_width + 4)
    totals = list(map(add, low_lengths or repeat(low_width), high_lengths or repeat(high_width)))
    width = max(totals) + 4  # (the widest ends need not be in one row)
    if min(totals) + 4 == width:  # (one width after all)
        return Formatted(template, [low_args, high_args], width)
    pads = list(map(" ".__mul__, map(sub, repeat(width - 4), totals)))
    return Formatted(f"%s{template}", [pads, low_args, high_args], width)


def sparkline(values: Sequence[float | None]) -> str:
    """One character per value on ``▁``..``█`` scaled between the series' min and max; a gap (space)
    where a value is missing. A flat series sits in the middle."""
    known = [v for v in values if v is not None]
    if not known:
        return " " * len(values)
    lo, hi = min(known), max(known)
    out = []
    for v in values:
        if v is None:
            out.append(" ")
        elif hi == lo:
            out.append(SPARKS[len(SPARKS) // 2 - 1])
        else:
            out.append(SPARKS[min(len(SPARKS) - 1, int((v - lo) / (hi - lo) * len(SPARKS)))])
    return "".join(out)


def history_title(series: Series, defaults: Sequence[str] = ()) -> str:
    """What the series is: the benchmark and metric, then which branch, tier and testbed, and which of
    those were defaults (``defaults`` names them), so nobody reads one branch's series as everything."""

    def scope(key: str, value: str | None, everything: str) -> str:
        if value is None:
            return everything
        return f"{key} {value}" + (" (default)" if key in defaults else "")

    parts = [
        f"{series.benchmark} [{series.metric}]",
        scope("branch", series.branch, "all branches"),
        scope("tier", series.tier, "all tiers"),
        scope("testbed", series.testbed, "all testbeds"),
    ]
    return " · ".join(parts)


def render_history(series: Series, console: Console, *, title: str | None = None) -> str:
    """A series as a table (newest last), its sparkline, and the change from the first value to the last,
    coloured as better or worse by the series' direction.

    ``title`` names the series (e.g. :func:`history_title`). A "ran" column shows when each run ran
    where the series is ordered by commit times (re-runs of one commit differ only there).
    """
    lines: list[str] = [console.style(visible(title), "bold")] if title else []
    if not series.points:
        return inert_lines("\n".join([*lines, "no history"]) + "\n")
    cols = SeriesPoints.of(series.points)
    n = len(cols)
    commit_times = cols.column("commit_time")
    starts = cols.column("started")
    ran = any(t is not None for t in commit_times)
    times: Sequence[datetime]
    if not ran:
        times, time_texts = starts, cols.time_texts("started")
    elif None not in commit_times:
        times, time_texts = commit_times, cols.time_texts("commit_time")
    else:  # (a point without its commit's time is placed by its start)
        times, time_texts = (
            [c if c is not None else s for c, s in zip(commit_times, starts, strict=True)],
            None,
        )
    units: Sequence[str] = cols.column("unit")
    medians = cols.summary_column("median")  # None: the benchmark failed there

    # the points with a value (the others failed), their values formatted in their units; a column of
    # one unit that one printf template formats (the common one) formatted in the table's rows
    failed = [i for i, m in enumerate(medians) if m is None] if None in medians else []
    one_unit = units[0] if units and units.count(units[0]) == n else None
    value_cells: Sequence[str] | Formatted
    if failed:
        measured = [i for i, m in enumerate(medians) if m is not None]
        values = [medians[i] for i in measured]
        value_units: Sequence[str] = [units[i] for i in measured]
        texts = [""] * n
        for i, text in zip(measured, format_in_units(values, value_units), strict=True):
            texts[i] = text
        for i in failed:
            texts[i] = "failed"
        value_cells = texts
    else:
        measured, values, value_units = list(range(n)), medians, units
        form = format_template(values, one_unit) if one_unit is not None else None
        value_cells = Formatted(form[0], [form[1]], form[2]) if form else format_in_units(values, value_units)
    # each interval's ends, formatted in one pass
    lows, highs = cols.summary_column("ci_low"), cols.summary_column("ci_high")
    interval_cells: Sequence[str] | Formatted
    if None not in lows and None not in highs:  # every point has an interval (in C-level passes)
        if one_unit is not None:
            interval_cells = _intervals(lows, highs, one_unit)
        else:
            interval_cells = list(
                map("[{}, {}]".format, format_in_units(lows, units), format_in_units(highs, units))
            )
    else:
        bounded = [i for i in measured if lows[i] is not None and highs[i] is not None]
        ends = [e for i in bounded for e in (lows[i], highs[i])]
        end_texts = format_in_units(ends, [units[i] for i in bounded for _ in (0, 1)])
        interval_texts = [""] * n
        for k, i in enumerate(bounded):
            interval_texts[i] = f"[{end_texts[2 * k]}, {end_texts[2 * k + 1]}]"
        interval_cells = interval_texts
    # the change from the previous point with a value (none after a zero)
    if not failed and 0 not in values[:-1]:  # (the common case, in C-level passes)
        ratios = map(truediv, islice(values, 1, None), values)
        delta_cells = ["", *format_changes(list(map(sub, ratios, repeat(1))))] if n else []
    else:
        delta_cells = [""] * n
        after = [k for k in range(1, len(measured)) if values[k - 1]]
        changes = format_changes([values[k] / values[k - 1] - 1 for k in after])
        for k, text in zip(after, changes, strict=True):
            delta_cells[measured[k]] = text

    columns = [
        Column("when (UTC)"),
        *([Column("ran (UTC)")] if ran else []),
        Column("run"),
        Column("commit"),
        Column("branch", shrink=True),
        Column("value", "right"),
        Column("interval", "right"),
        Column("vs prev", "right"),
    ]
    value_column = 5 if ran else 4
    roles = {(i, value_column): "failed" for i in failed}
    cells = [
        _time_cells(times, time_texts),
        *([_time_cells(starts, cols.time_texts("started"))] if ran else []),
        _cut_cells(cols.column("run_id"), SHORT_ID),  # (short_id of each)
        _short_commits(cols.column("commit")),
        [b or "-" for b in cols.column("branch")],
        value_cells,
        interval_cells,
        delta_cells,
    ]
    lines += render_columns(columns, cells, console, roles=roles)
    series_values: list[float | None] = list(values) if not failed else [None] * n
    for i, v in zip(measured, values, strict=True) if failed else ():
        series_values[i] = v
    # the most recent points when the series is wider than the console
    room = max(1, console.width - 2)
    lines += ["", sparkline(series_values[-room:])]
    if len(measured) >= 2:
        first, last, unit = values[0], values[-1], value_units[0]
        change = format_change(last / first - 1) if first else "n/a"
        role = None
        direction = series.direction
        if direction is not None and first and last != first:
            worse = (last > first) == (direction is Direction.LOWER)
            role = "regression" if worse else "improvement"
        shown = console.style(change, role) if role else change
        lines.append(
            f"first → last: {format_value(first, unit)} → {format_value(last, unit)} ({shown})"
            f" over {len(measured)} runs"
        )
    errors = cols.column("error")
    for i in [i for i, e in enumerate(errors) if e] if any(errors) else ():
        text = f"{short_id(cols.column('run_id')[i])}: {errors[i]}"
        lines.append(f"{console.style('✗', 'failed')} {visible(text)}")
    return inert_join(lines)


def _dumps(value: object) -> str:
    import json  # (the text table, what most histories are, needs none of it)

    return json_inert(json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False)) + "\n"


def render_history_json(series: Series) -> str:
    """A series as a JSON list of objects, oldest first."""
    return _dumps(
        [
            {
                "run_id": p.run_id,
                "commit": p.commit,
                "branch": p.branch,
                "when": p.time.isoformat(),
                "started": p.started.isoformat(),
                "value": p.value,
                "unit": p.unit,
                "ci_low": p.interval[0] if p.interval is not None else None,
                "ci_high": p.interval[1] if p.interval is not None else None,
                "error": p.error,
            }
            for p in series.points
        ]
    )
