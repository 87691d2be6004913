"""The history table built column by column is the table built row by row, byte for byte.

``reference_history`` is the renderer as it was (a Cell per cell through the cell-by-cell table of ``reftable``, each value
through ``format_value``, each time through ``format_time``); hypothesis feeds both the same series:
hostile strings, failed points, zeros, tiny and huge values, several units, times in other zones and
in early years, every console.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import fields
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from perfgate.escape import inert_lines, visible
from perfgate.model import Direction, Series, SeriesPoint, SeriesPoints, Summary, format_value
from perfgate.model.units import format_template, format_values
from perfgate.report import render_history
from perfgate.report.console import Console
from perfgate.report.formatting import format_change, format_time, short_commit, short_id
from perfgate.report.history import _short_commits, format_changes, format_times, sparkline
from perfgate.report.table import Cell, Column, Formatted, render_columns
from reftable import reference_table


def reference_history(series: Series, console: Console, *, title: str | None = None) -> str:
    """``render_history`` as it was before it was built by columns (the definition of its bytes)."""
    lines: list[str] = [console.style(visible(title), "bold")] if title else []
    if not series.points:
        return inert_lines("\n".join([*lines, "no history"]) + "\n")
    points = series.points
    ran = any(p.commit_time is not None for p in points)
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
    body: list[list[Cell | str]] = []
    previous: float | None = None
    for p in points:
        if p.value is None:
            value: Cell | str = Cell("failed", "failed")
            interval, delta = "", ""
        else:
            value = format_value(p.value, p.unit)
            interval = (
                f"[{format_value(p.interval[0], p.unit)}, {format_value(p.interval[1], p.unit)}]"
                if p.interval is not None
                else ""
            )
            delta = format_change(p.value / previous - 1) if previous else ""
            previous = p.value
        body.append(
            [
                format_time(p.time),
                *([format_time(p.started)] if ran else []),
                short_id(p.run_id),
                short_commit(p.commit, 8) if p.commit else "-",
                p.branch or "-",
                value,
                interval,
                delta,
            ]
        )
    lines += reference_table(columns, body, console)
    room = max(1, console.width - 2)
    lines += ["", sparkline(series.values[-room:])]
    known = [(p.value, p.unit) for p in points if p.value is not None]
    if len(known) >= 2:
        (first, unit), (last, _) = known[0], known[-1]
        change = format_change(last / first - 1) if first else "n/a"
        role = None
        direction = series.direction
        if direction is not None and first and last != first:
            worse = (last > first) == (direction is Direction.LOWER)
            role = "regression" if worse else "improvement"
        shown = console.style(change, role) if role else change
        lines.append(
            f"first → last: {format_value(first, unit)} → {format_value(last, unit)} ({shown})"
            f" over {len(known)} runs"
        )
    for p in points:
        if p.error:
            lines.append(f"{console.style('✗', 'failed')} {visible(f'{short_id(p.run_id)}: {p.error}')}")
    return inert_lines("\n".join(lines) + "\n")


HOSTILE = st.text(
    st.sampled_from(
        ["a", "Z", "0", "f", "#", ":", "@", " ", "\n", "\r", "\x1b", "\x00", "\x9b", "\u202e", "é", "界"]
    ),
    max_size=30,
)
UNITS = st.sampled_from(["s", "B", "count", "req/s", "ratio", "widgets", "B/h"])
NUMBERS = st.one_of(
    st.floats(min_value=-1e15, max_value=1e15, allow_nan=False, allow_infinity=False),
    st.sampled_from([0.0, -0.0, 1e-9, 1e-6, 1e-3, 1.0, 60.0, 3600.0, 1024.0, 1e3, 1e12, 9.99995e-7, 5e-324]),
)
HUGE = st.sampled_from([1e308, -1e308, 1.7976931348623157e308])  # (their sum overflows)
ZONES = st.sampled_from([UTC, timezone(timedelta(0)), timezone(timedelta(hours=5, minutes=30))])
TIMES = st.builds(
    lambda base, zone: base.replace(tzinfo=UTC).astimezone(zone),
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
    ZONES,
)


@st.composite
def points(draw: st.DrawFn) -> SeriesPoint:
    summary = None
    if draw(st.booleans()):
        value = draw(NUMBERS)
        bounds = draw(st.one_of(st.none(), st.tuples(NUMBERS, NUMBERS)))
        low, high = (None, None) if bounds is None else bounds
        summary = Summary(n=1, mean=value, median=value, min=value, max=value, ci_low=low, ci_high=high)
    return SeriesPoint(
        run_id=draw(st.one_of(HOSTILE, st.just("01HWR00000000000000000000A"))),
        commit=draw(st.one_of(st.none(), HOSTILE, st.just("0123456789abcdef0123"))),
        branch=draw(st.one_of(st.none(), HOSTILE)),
        commit_time=draw(st.one_of(st.none(), TIMES)),
        started=draw(TIMES),
        testbed="ci",
        summary=summary,
        unit=draw(UNITS),
        direction=draw(st.sampled_from(Direction)),
        error=draw(st.one_of(st.none(), HOSTILE)),
    )


@st.composite
def series(draw: st.DrawFn) -> Series:
    drawn = draw(st.lists(points(), max_size=12))
    drawn.sort(key=lambda p: p.time)
    return Series("b", "time", tuple(drawn))


CONSOLES = st.builds(
    Console,
    color=st.booleans(),
    width=st.integers(min_value=1, max_value=160),
    is_tty=st.booleans(),
    fit=st.booleans(),
)


SUMMARY_FIELDS = tuple(f.name for f in fields(Summary))
POINT_COLUMNS = tuple(name for name in SeriesPoint._fields if name != "summary")


def as_columns(s: Series) -> Series:
    """The same series with its points held as columns, as a store reads it (nothing built)."""
    present = [p.summary is not None for p in s.points]
    summaries = [p.summary for p in s.points if p.summary is not None]
    points = SeriesPoints.trusted(
        {name: [getattr(p, name) for p in s.points] for name in POINT_COLUMNS},
        [[getattr(x, name) for x in summaries] for name in SUMMARY_FIELDS],
        present,
    )
    return Series(s.benchmark, s.metric, points, s.branch, s.tier, s.testbed, s.project)


@settings(max_examples=300, deadline=None)
@given(series(), CONSOLES, st.one_of(st.none(), HOSTILE))
def test_a_series_held_as_columns_renders_the_same_bytes_without_building_its_points(
    s: Series, console: Console, title: str | None
) -> None:
    columnar = as_columns(s)
    text = render_history(columnar, console, title=title)
    assert isinstance(columnar.points, SeriesPoints) and columnar.points._points is None  # (still columns)
    assert text == reference_history(s, console, title=title)
    assert columnar == s and columnar.points == s.points and s.points == columnar.points


@settings(max_examples=300, deadline=None)
@given(series(), CONSOLES, st.one_of(st.none(), HOSTILE))
def test_the_columnar_history_is_the_row_by_row_history_byte_for_byte(
    s: Series, console: Console, title: str | None
) -> None:
    assert render_history(s, console, title=title) == reference_history(s, console, title=title)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.one_of(NUMBERS, HUGE, st.sampled_from([math.inf, -math.inf, math.nan])), max_size=20), UNITS
)
def test_format_values_is_format_value_of_each(values: list[float], unit: str) -> None:
    assert format_values(values, unit) == [format_value(v, unit) for v in values]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.floats(),
            st.sampled_from(
                [
                    0.0,
                    -0.0,
                    0.9995,
                    0.99949,
                    0.98999999,
                    0.99,
                    -0.99,
                    -0.0004,
                    0.0004,
                    0.00005,
                    -1.0,
                    1e300,
                    math.nan,
                    5.0,
                ]
            ),
            st.none(),  # (a compare's change without a value)
        ),
        max_size=20,
    )
)
def test_format_changes_is_format_change_of_each(changes: list[float | None]) -> None:
    assert format_changes(changes) == [format_change(c) for c in changes]


@settings(max_examples=200, deadline=None)
@given(st.lists(TIMES, max_size=10))
def test_format_times_is_format_time_of_each(times: list[datetime]) -> None:
    assert format_times(times) == [format_time(t) for t in times]


ROLE_CELLS = st.tuples(HOSTILE, st.sampled_from([None, "failed", "bold", "improvement"]))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(HOSTILE, st.sampled_from(["left", "right"]), st.booleans()), min_size=1, max_size=5),
    st.data(),
    CONSOLES,
    st.sampled_from(["", "  "]),
)
def test_render_columns_is_the_cell_by_cell_table(
    heads: list[tuple[str, str, bool]], data: st.DataObject, console: Console, indent: str
) -> None:
    columns = [Column(h, align, shrink) for h, align, shrink in heads]
    rows = data.draw(st.lists(st.lists(ROLE_CELLS, min_size=len(columns), max_size=len(columns)), max_size=8))
    body: list[list[Cell | str]] = [[t if r is None else Cell(t, r) for t, r in row] for row in rows]
    cells = [[row[j][0] for row in rows] for j in range(len(columns))]
    roles = {(i, j): r for i, row in enumerate(rows) for j, (_, r) in enumerate(row) if r is not None}
    expected = reference_table(columns, body, console, indent=indent)
    assert render_columns(columns, cells, console, roles=roles, indent=indent) == expected


def test_a_history_of_ten_thousand_points_keeps_every_row() -> None:
    """The whole series is printed (no row dropped to save time): one line per point."""
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    summary = Summary(n=3, mean=1e-6, median=1e-6, min=9e-7, max=2e-6, ci_low=9e-7, ci_high=1.1e-6)
    pts = tuple(
        SeriesPoint(f"01HWR{i:021d}", f"{i:040x}", "main", t0 + timedelta(minutes=i), t0 + timedelta(minutes=i, seconds=5),
                    "ci", summary, "s", Direction.LOWER, None)
        for i in range(10_000)
    )  # fmt: skip
    plain = Console(color=False, width=100, is_tty=False, fit=False)
    s = Series("b", "time", pts)
    text = render_history(s, plain)
    assert text == reference_history(s, plain)
    assert text.count("1.000 µs  [900.0 ns, 1.100 µs]") == 10_000


def test_commits_are_cut_only_where_each_alone_is_a_hash() -> None:
    """The column is checked in one pass over its join: a commit holding a newline between two
    hashes must not pass for two hashes."""
    commits = ["0123abcd0123abcd\n89abcdef", "0123456789abcdef0123", "v1.0", None, ""]
    assert texts_of(_short_commits(commits)) == [short_commit(c, 8) if c else "-" for c in commits]
    assert texts_of(_short_commits(commits[:2])) == [commits[0], "01234567"]
    hashes = ["0123456789abcdef0123", "fedcba9876543210fedc"]
    cut = _short_commits(hashes)  # (hashes all: cut in the table's rows, "%.8s")
    assert isinstance(cut, Formatted) and texts_of(cut) == ["01234567", "fedcba98"] and cut.width == 8


def test_run_ids_and_stored_times_are_cut_in_the_rows_as_each_alone() -> None:
    """Ids at least as long as the short form and a store's time texts are cut by the row's printf
    (``%.10s``, ``%.16s``), not a text per cell; anything else is cut (or formatted) one by one."""
    from perfgate.report.history import _cut_cells, _time_cells

    ids = ["01KDVDNA00ABCDEFGHJKMNPQRS", "01KDVDQ4K0ABCDEFGHJKMNPQRS"]
    cut = _cut_cells(ids, 10)
    assert isinstance(cut, Formatted) and texts_of(cut) == [short_id(i) for i in ids] == [
        "01KDVDNA00",
        "01KDVDQ4K0",
    ]
    assert _cut_cells(["short", *ids], 10) == ["short", "01KDVDNA00", "01KDVDQ4K0"]
    times = [datetime(2026, 1, 1, 12, 3, tzinfo=UTC), datetime(2026, 1, 2, 0, 0, 59, 5, tzinfo=UTC)]
    stored = [t.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds") for t in times]
    labels = _time_cells(times, stored)
    assert isinstance(labels, Formatted) and texts_of(labels) == [format_time(t) for t in times]
    assert _time_cells(times, None) == [format_time(t) for t in times]


def texts_of(cells: Sequence[str] | Formatted) -> list[str]:
    return cells.texts() if isinstance(cells, Formatted) else list(cells)


def test_format_values_of_values_whose_sum_overflows() -> None:
    """Every value finite and not zero, their sum too large for a float: formatted, not a recursion
    without end (the check for zeros and non-finite values found none to set aside)."""
    values = [1e308, 1.7e308, -1e308]
    assert format_values(values, "B") == [format_value(v, "B") for v in values]


@st.composite
def regular_series(draw: st.DrawFn) -> Series:
    """A series as a stable benchmark's history looks: every point measured, of one unit, with an
    interval, the values on one or two rungs of the unit's scale (the table formats such columns in
    its rows' one ``%``, :class:`perfgate.report.table.Formatted`)."""
    unit = draw(st.sampled_from(["s", "B", "count", "req/s"]))
    scale = draw(st.sampled_from([1e-9, 1e-6, 1e-3, 1.0, 1024.0, 1e6]))
    size = draw(st.integers(min_value=1, max_value=12))
    values = draw(st.lists(st.floats(min_value=0.9, max_value=9.9995), min_size=size, max_size=size))
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    pts = []
    for i, v in enumerate(values):
        value = v * scale
        summary = Summary(
            n=5, mean=value, median=value, min=value, max=value, ci_low=value * 0.99, ci_high=value * 1.01
        )
        pts.append(
            SeriesPoint(f"01HWR{i:021d}", f"{i:040x}", draw(st.sampled_from(["main", "feature/x"])),
                        t0 + timedelta(minutes=i), t0 + timedelta(minutes=i, seconds=5), "ci", summary, unit,
                        Direction.LOWER, None)
        )  # fmt: skip
    return Series("b", "time", tuple(pts))


@settings(max_examples=300, deadline=None)
@given(regular_series(), CONSOLES)
def test_a_regular_history_formatted_in_its_rows_is_the_row_by_row_history(
    s: Series, console: Console
) -> None:
    assert render_history(s, console) == reference_history(s, console)
    assert render_history(as_columns(s), console) == reference_history(s, console)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.one_of(NUMBERS, HUGE, st.sampled_from([math.inf, math.nan])), min_size=1, max_size=20), UNITS
)
def test_a_format_template_formats_each_value_as_format_value_in_one_width(
    values: list[float], unit: str
) -> None:
    form = format_template(values, unit)
    if form is None:
        return
    template, scaled, width = form
    assert [template % x for x in scaled] == [format_value(v, unit) for v in values]
    assert {len(template % x) for x in scaled} == {width}


def test_a_format_template_is_found_for_the_common_column_only() -> None:
    form = format_template([1.2e-6, 3.4e-6, 9.8e-6], "s")
    assert form is not None and (form[0], form[2]) == ("%.3f µs", 8)
    form = format_template([5.0, 6.0], "%/s")  # (a unit's "%" is escaped in the template)
    assert form is not None and form[0] % 5.0 == "5.000 %/s"
    assert format_template([9.9e-6, 10.1e-6], "s") is None  # two exponents
    assert format_template([999e-9, 1.01e-6], "s") is None  # two rungs
    assert format_template([9.9996e-6, 1e-6], "s") is None  # one rounds up to one more digit
    assert format_template([-1e-6, 2e-6], "s") is None
    assert format_template([1.0, 2.0], "widgets") is None  # no scale


FORMATTED_TEMPLATES = st.sampled_from(
    ["%.3f µs", "[%.1f ns, %.2f s]", "%.0f%% of a", "%.2f \x1b[31m", "%.2f ##[x", "%.1f"]
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(HOSTILE, st.sampled_from(["left", "right"]), st.booleans()), min_size=1, max_size=5),
    st.data(),
    CONSOLES,
    st.sampled_from(["", "  ", "%s "]),
)
def test_render_columns_with_formatted_columns_is_the_table_of_their_texts(
    heads: list[tuple[str, str, bool]], data: st.DataObject, console: Console, indent: str
) -> None:
    """A column of numbers formatted in the rows' one ``%`` gives the lines of the same texts given
    one by one: any console, styles, cuts, hostile templates and indents."""
    columns = [Column(h, align, shrink) for h, align, shrink in heads]
    n = data.draw(st.integers(min_value=0, max_value=8))
    numbers = st.floats(min_value=0.5, max_value=9.4)  # (one width for each template)
    cells: list[list[str] | Formatted] = []
    for _ in columns:
        if data.draw(st.booleans()):
            template = data.draw(FORMATTED_TEMPLATES)
            count = template.count("%") - 2 * template.count("%%")
            args = [data.draw(st.lists(numbers, min_size=n, max_size=n)) for _ in range(count)]
            width = len(template % tuple(1.0 for _ in range(count)))
            cells.append(Formatted(template, args, width))
        else:
            cells.append(data.draw(st.lists(HOSTILE, min_size=n, max_size=n)))
    roles = data.draw(
        st.dictionaries(
            st.tuples(st.integers(0, max(0, n - 1)), st.integers(0, len(columns) - 1)),
            st.sampled_from(["failed", "bold"]),
            max_size=3,
        )
        if n
        else st.just({})
    )
    texts = [c.texts() if isinstance(c, Formatted) else c for c in cells]
    expected = render_columns(columns, texts, console, roles=roles, indent=indent)
    assert render_columns(columns, cells, console, roles=roles, indent=indent) == expected


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.none(),
            HOSTILE,
            st.text(st.sampled_from("0123456789abcdefABCDEFgé\n "), max_size=12),
            st.just("0123456789abcdef0123"),
        ),
        max_size=8,
    )
)
def test_short_commits_is_short_commit_of_each(commits: list[str | None]) -> None:
    assert texts_of(_short_commits(commits)) == [short_commit(c, 8) if c else "-" for c in commits]


def test_an_interval_column_whose_widest_ends_are_in_different_rows() -> None:
    """Ends formatted as texts of different widths: the column is as wide as its widest cell, not as
    its widest low and widest high put together (one row holds "[0 s, 1.000 s]", the other
    "[1.000 s, 0 s]")."""
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    pts = tuple(
        SeriesPoint(f"01HWR{i:021d}", None, None, None, t0 + timedelta(minutes=i), "ci",
                    Summary(n=1, mean=v, median=v, min=v, max=v, ci_low=lo, ci_high=hi), "s", Direction.LOWER, None)
        for i, (v, lo, hi) in enumerate([(0.5, 0.0, 1.0), (0.5, 1.0, 0.0)])
    )  # fmt: skip
    s = Series("b", "time", pts)
    plain = Console(color=False, width=100, is_tty=False, fit=False)
    assert render_history(s, plain) == reference_history(s, plain)
    assert render_history(as_columns(s), plain) == reference_history(s, plain)


def test_a_column_of_an_unknown_alignment_is_refused() -> None:
    plain = Console(color=False, width=80, is_tty=False, fit=False)
    with pytest.raises(ValueError, match="column align must be 'left' or 'right', got 'middle'"):
        render_columns([Column("x", "middle")], [["a"]], plain)


def _stored_text(t: datetime, form: str) -> str:
    """A UTC text of ``t`` a store might hold: its own (``canonical``), or another ISO 8601 spelling
    of the same time that ``datetime.fromisoformat`` reads (only a damaged store holds one)."""
    u = t.astimezone(UTC).replace(tzinfo=None)
    if form == "canonical":
        return u.isoformat(" ", "microseconds")
    if form == "seconds":
        return u.isoformat(" ", "seconds")
    if form == "T":
        return u.isoformat("T", "microseconds")
    year, week, day = u.isocalendar()
    return f"{year:04d}-W{week:02d}-{day} {u.time().isoformat('microseconds')}"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(TIMES, st.sampled_from(["canonical"] * 3 + ["seconds", "T", "week"])), max_size=8))
def test_time_labels_from_the_stored_texts_are_format_time_of_each(drawn: list[tuple[datetime, str]]) -> None:
    """Labels cut from a store's texts are the times' labels; a text in another spelling (or a year
    before 1000) is not cut."""
    from perfgate.report.history import _time_cells

    texts = [_stored_text(t, form) for t, form in drawn]
    times = [datetime.fromisoformat(x + "+00:00") for x in texts]  # (the times read from them)
    assert texts_of(_time_cells(times, texts)) == [format_time(t) for t in times]
