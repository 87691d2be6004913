"""The read models of perfgate.model: a run listing's line and a benchmark's series, on literal values."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime, timedelta

import pytest

from perfgate.context import Redactor, redact_series
from perfgate.model import Direction, RunInfo, RunStatus, Series, SeriesPoint, SeriesPoints, Summary

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def point(
    run_id: str,
    started: datetime,
    value: float | None = 1.0,
    *,
    commit_time: datetime | None = None,
    branch: str | None = "main",
    testbed: str = "ci",
    ci: tuple[float, float] | None = None,
    error: str | None = None,
) -> SeriesPoint:
    summary = None
    if value is not None:
        low, high = ci if ci is not None else (None, None)
        summary = Summary(n=3, mean=value, median=value, min=value, max=value, ci_low=low, ci_high=high)
    return SeriesPoint(
        run_id, None, branch, commit_time, started, testbed, summary, "s", Direction.LOWER, error
    )


def test_a_point_is_ordered_by_its_commit_time_else_when_it_ran() -> None:
    assert point("a", T0, commit_time=T0 - timedelta(hours=2)).time == T0 - timedelta(hours=2)
    assert point("b", T0).time == T0


def test_a_point_gives_its_median_and_interval_and_none_when_it_failed() -> None:
    p = point("a", T0, 2.0, ci=(1.5, 2.5))
    assert (p.value, p.interval) == (2.0, (1.5, 2.5))
    assert point("b", T0, 2.0).interval is None
    failed = point("c", T0, None, error="boom")
    assert (failed.value, failed.interval) == (None, None)


def test_a_point_refuses_naive_times() -> None:
    with pytest.raises(ValueError, match="series point a: started must be timezone-aware"):
        point("a", T0.replace(tzinfo=None))


def test_a_series_is_oldest_first_and_says_its_scope() -> None:
    points = (
        point("a", T0 + timedelta(days=1), 1.0, commit_time=T0),
        point("b", T0 + timedelta(hours=1), None, error="boom"),
        point("c", T0 + timedelta(days=2), 3.0),
    )
    series = Series("bench", "time", points, branch="main", tier="fast", testbed="ci", project="p")
    assert [p.run_id for p in series] == ["a", "b", "c"] and len(series) == 3
    assert series.values == (1.0, None, 3.0)
    assert (series.unit, series.direction) == ("s", Direction.LOWER)
    empty = Series("bench", "time")
    assert (len(empty), empty.unit, empty.direction, empty.values) == (0, None, None, ())


def test_a_series_refuses_points_out_of_order() -> None:
    with pytest.raises(ValueError, match=r"series bench \[time\]: point b .* comes after a .*oldest first"):
        Series("bench", "time", (point("a", T0 + timedelta(days=1)), point("b", T0)))


@pytest.mark.parametrize(
    ("scope", "odd"), [({"branch": "main"}, {"branch": "feature"}), ({"testbed": "ci"}, {"testbed": "arm"})]
)
def test_a_series_refuses_a_point_outside_its_scope(scope: dict[str, str], odd: dict[str, str]) -> None:
    key, value = next(iter(odd.items()))
    with pytest.raises(ValueError, match=f"of {key} '{scope[key]}': point b is of '{value}'"):
        Series("bench", "time", (point("a", T0), point("b", T0, **odd)), **scope)  # type: ignore[arg-type]


def test_a_run_info_counts_failures_within_its_results() -> None:
    def info(n_results: int, n_failed: int) -> RunInfo:
        return RunInfo("r", "p", T0, None, "perfgate", RunStatus.COMPLETE, None, None, None, None, "ci",
                       n_results, n_failed, None)  # fmt: skip

    assert info(3, 3).n_failed == 3
    for bad in ((1, 2), (-1, 0), (2, -1)):
        with pytest.raises(ValueError, match="run r: need 0 <= n_failed <= n_results"):
            info(*bad)


def test_redacting_a_series_takes_secrets_out_of_its_errors_only() -> None:
    token = "ghp_0123456789abcdef"
    series = Series("bench", "time", (point("a", T0), point("b", T0, None, error=f"401 with {token}")))
    redact = Redactor(((token, "GITHUB_TOKEN"),))
    clean = redact_series(series, redact)
    assert [p.error for p in clean] == [None, "401 with [redacted $GITHUB_TOKEN]"]
    assert clean.points[0] is series.points[0] and clean.benchmark == series.benchmark
    assert redact_series(clean, redact) is clean


SUMMARY_FIELDS = tuple(f.name for f in fields(Summary))
POINT_COLUMNS = tuple(name for name in SeriesPoint._fields if name != "summary")


def columns(points: tuple[SeriesPoint, ...]) -> SeriesPoints:
    """``points`` held as columns, as a store reads them."""
    summaries = [p.summary for p in points if p.summary is not None]
    return SeriesPoints.trusted(
        {name: [getattr(p, name) for p in points] for name in POINT_COLUMNS},
        [[getattr(s, name) for s in summaries] for name in SUMMARY_FIELDS],
        [p.summary is not None for p in points],
    )


def test_points_held_as_columns_are_the_points_they_build() -> None:
    points = (
        point("a", T0, 1.0, commit_time=T0 - timedelta(hours=1), ci=(0.9, 1.1)),
        point("b", T0 + timedelta(hours=1), None, error="boom"),
        point("c", T0 + timedelta(hours=2), 3.0),
    )
    held = columns(points)
    assert len(held) == 3 and held.column("run_id") == ["a", "b", "c"]
    assert held.summary_column("median") == [1.0, None, 3.0]
    assert held.summary_column("ci_low") == [0.9, None, None]
    assert held._points is None  # (reading columns builds no point)
    assert held == points and points == held and hash(held) == hash(points)
    assert held[1] == points[1] and held[-1:] == points[-1:] and list(held) == list(points)
    assert SeriesPoints.of(points).summary_column("median") == [1.0, None, 3.0]
    series = Series("bench", "time", columns(points), branch="main")
    assert series == Series("bench", "time", points, branch="main")
    assert (series.values, series.unit, series.direction) == ((1.0, None, 3.0), "s", Direction.LOWER)
    for bad in ("summary", "value", "nope"):
        with pytest.raises(ValueError, match="not a column of a series"):
            held.column(bad)
    with pytest.raises(ValueError, match="not a field of a summary"):
        held.summary_column("value")
    with pytest.raises(TypeError, match="series points must be SeriesPoint values, got str"):
        SeriesPoints(["a"])  # type: ignore[list-item]


def test_columns_of_different_lengths_are_refused() -> None:
    good = columns((point("a", T0), point("b", T0)))
    cols = {name: good.column(name) for name in POINT_COLUMNS}
    with pytest.raises(ValueError, match="different lengths"):
        SeriesPoints.trusted({**cols, "error": [None]}, [good.summary_column(f) for f in SUMMARY_FIELDS])
    with pytest.raises(ValueError, match="summary columns must be 12 of 2 values"):
        SeriesPoints.trusted(cols, [[1]] * 12)


def test_a_series_held_as_columns_is_checked_as_one_of_points() -> None:
    with pytest.raises(ValueError, match=r"series bench \[time\]: point b .* comes after a .*oldest first"):
        Series("bench", "time", columns((point("a", T0 + timedelta(days=1)), point("b", T0))))
    with pytest.raises(ValueError, match="of branch 'main': point b is of 'feature'"):
        Series("bench", "time", columns((point("a", T0), point("b", T0, branch="feature"))), branch="main")


def test_redacting_a_series_held_as_columns() -> None:
    token = "ghp_0123456789abcdef"
    redact = Redactor(((token, "GITHUB_TOKEN"),))
    clean = Series("bench", "time", columns((point("a", T0), point("b", T0, None, error="timeout"))))
    assert redact_series(clean, redact) is clean and clean.points._points is None  # type: ignore[attr-defined]
    leaky = Series("bench", "time", columns((point("a", T0), point("b", T0, None, error=f"401 {token}"))))
    assert [p.error for p in redact_series(leaky, redact)] == [None, "401 [redacted $GITHUB_TOKEN]"]


def test_series_points_know_the_fields_of_a_summary() -> None:
    """SeriesPoints spells out Summary's fields (so reading columns imports no value class): they
    must stay the same, in the same order."""
    from perfgate.model import read

    assert tuple(f.name for f in fields(Summary)) == read._SUMMARY_FIELDS
