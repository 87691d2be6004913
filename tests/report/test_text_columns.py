"""The verdict table of ``perfgate compare`` is built column by column (a compare of 10,000 benchmarks
is 100,000 cells); each column formatter gives exactly what its one-value form gives, and the table is
``verdictref``'s row-by-row statement, byte for byte: random verdicts with hostile names, every unit,
missing sides, on pipes and terminals of any width, with and without colour."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from perfgate.model import BenchmarkId, Direction, Status, Summary, Verdict
from perfgate.report.console import Console
from perfgate.report.formatting import (
    format_centre,
    format_centres,
    format_interval,
    format_intervals,
    format_p,
    format_ps,
)
from perfgate.report.text import _verdict_table
from verdictref import reference_verdict_table

UNITS = st.sampled_from(["s", "B", "count", "ratio", "req/s", "items/s", "B/h", "ms delta", "widgets"])
# values of every scale, and the ones that take another path: zero, tiny, huge
VALUES = st.floats(-1e15, 1e15, allow_nan=False) | st.sampled_from(
    [0.0, -0.0, 1e-300, 5e-13, 999.95, 59.99999]
)
CHANGES = (
    st.none() | st.floats(-50, 50, allow_nan=False) | st.sampled_from([0.0, -0.0, 0.99995, -0.0004999, 1e-9])
)
P = st.none() | st.floats(0, 1) | st.sampled_from([0.0, 0.001, 0.0009999, 1.0])


@st.composite
def summaries(draw: st.DrawFn) -> Summary:
    median = draw(VALUES)
    lo, hi = sorted(draw(st.tuples(VALUES, VALUES)))
    ci = draw(st.booleans())
    quartiles = draw(st.booleans())
    return Summary(
        n=draw(st.integers(1, 40)),
        mean=median,
        median=median,
        min=min(lo, median),
        max=max(hi, median),
        q1=lo if quartiles else None,
        q3=hi if quartiles else None,
        ci_low=lo if ci else None,
        ci_high=hi if ci else None,
    )


NAMES = st.text(st.sampled_from("ab_/:[]-µ#\n\x1b\u202e@ ") | st.characters(), min_size=1, max_size=40).map(
    lambda s: "x" + s + "y"
)


@st.composite
def verdicts(draw: st.DrawFn) -> Verdict:
    low, high = sorted(draw(st.tuples(st.floats(-50, 50), st.floats(-50, 50))))
    interval = draw(st.booleans())
    return Verdict(
        benchmark=BenchmarkId(draw(NAMES)),
        metric=draw(st.sampled_from(["time", "time", "peak_memory", "rps"])),
        unit=draw(UNITS),
        direction=draw(st.sampled_from(list(Direction))),
        status=draw(st.sampled_from(list(Status))),
        baseline=draw(st.none() | summaries()),
        current=draw(st.none() | summaries()),
        change=draw(CHANGES),
        change_low=low if interval else None,
        change_high=high if interval else None,
        p_value=draw(P),
        severity=draw(st.none() | st.sampled_from(["minor", "major", "critical"])),
    )


@given(st.lists(st.tuples(CHANGES, CHANGES), max_size=30))
def test_format_intervals_is_format_interval_of_each(pairs: list[tuple[float | None, float | None]]) -> None:
    lows, highs = [lo for lo, _ in pairs], [hi for _, hi in pairs]
    assert format_intervals(lows, highs) == [format_interval(lo, hi) for lo, hi in pairs]


@given(st.lists(P, max_size=30))
def test_format_ps_is_format_p_of_each(ps: list[float | None]) -> None:
    assert format_ps(ps) == [format_p(p) for p in ps]


@given(st.lists(st.tuples(st.none() | summaries(), UNITS), max_size=30))
def test_format_centres_is_format_centre_of_each(pairs: list[tuple[Summary | None, str]]) -> None:
    sides, units = [s for s, _ in pairs], [u for _, u in pairs]
    assert format_centres(sides, units) == [format_centre(s, u) for s, u in pairs]


consoles = st.builds(Console, st.booleans(), st.integers(1, 240), st.booleans(), fit=st.booleans())


@settings(max_examples=200, deadline=None)
@given(st.lists(verdicts(), max_size=12), consoles)
def test_the_verdict_table_is_the_row_by_row_table(vs: list[Verdict], console: Console) -> None:
    class Outcome:  # (the table reads the verdicts alone)
        verdicts = tuple(vs)

    assert _verdict_table(Outcome, console) == reference_verdict_table(vs, console)  # type: ignore[arg-type]
