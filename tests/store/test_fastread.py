"""The standard library's reader of a SQLite store (what ``perfgate history`` reads, without SQLAlchemy)
gives exactly what the store gives, and what the runs themselves say; it steps aside for every store
it is not the way to read."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from perfgate.errors import StoreError
from perfgate.model import Run, Series, SeriesPoint
from perfgate.store import LATEST_VERSION, SqlStore, open_store
from perfgate.store.fastread import (
    SCHEMA,
    SERIES_COLUMNS,
    SERIES_FILTERS,
    SqliteReader,
    newest_sql,
    open_reader,
    readonly_connect,
    series_columns,
    series_rows,
    series_sql,
)
from perfgate.store.sql import series_query

from .conftest import T0, RunFactory, make_result

BENCHMARKS = ("bench_a", "bench_%_x", "ünï [1]")
SCHEMA_5 = Path(__file__).resolve().parents[1] / "data" / "store" / "schema5.db"


@dataclass(frozen=True, repr=False)
class Varied:
    path: Path
    runs: tuple[Run, ...]

    def __repr__(self) -> str:  # (hypothesis shows it with a failing example)
        return f"Varied({str(self.path)!r}, {len(self.runs)} runs)"


def _varied_runs(seed: int = 7, n: int = 60) -> list[Run]:
    """Runs of two projects, branches, tiers and testbeds, some without git or a commit time, ties in
    commit time and in start, failed results, two metrics, names with LIKE's wildcards and unicode."""
    rng = random.Random(seed)
    make = RunFactory()
    runs = []
    for i in range(n):
        results = []
        for name in BENCHMARKS:
            if rng.random() < 0.8:
                failed = rng.random() < 0.15
                base = 1e-3 * (1 + rng.random())
                results.append(
                    make_result(
                        name,
                        error="boom: x\nline 2" if failed else None,
                        samples=() if failed else (base, base * 1.01),
                    )
                )
            if rng.random() < 0.3:
                results.append(make_result(name, "peak_memory", samples=(1024.0 * (i + 1),), unit="B"))
        started = T0 + timedelta(minutes=rng.choice((i, i, i // 3)))  # some runs start together
        commit_time = rng.choice((None, T0 - timedelta(hours=rng.randrange(5)), started - timedelta(hours=1)))
        runs.append(
            make(
                project=rng.choice(("demo", "demo", "other")),
                branch=rng.choice(("main", "main", "feature")),
                git=rng.random() > 0.1,
                testbed=rng.choice(("ci-linux", "ci-mac")),
                tier=rng.choice((None, "fast", "slow")),
                started=started,
                commit_time=commit_time,
                results=results,
            )
        )
    return runs


@pytest.fixture(scope="module")
def varied(tmp_path_factory: pytest.TempPathFactory) -> Varied:
    path = tmp_path_factory.mktemp("varied") / "perfgate.db"
    runs = _varied_runs()
    with open_store(path) as store:
        for run in runs:
            store.add_run(run)
    return Varied(path, tuple(runs))


@pytest.fixture(scope="module")
def opened(varied: Varied) -> Iterator[tuple[SqlStore, SqliteReader]]:
    reader = open_reader(varied.path)
    assert reader is not None
    with open_store(varied.path, readonly=True) as store, reader:
        yield store, reader


def expected(
    runs: tuple[Run, ...], benchmark: str, metric: str, filters: dict[str, str | None], limit: int | None
) -> Series:
    """The series as the runs themselves say it: oldest first by commit time (else start), then start,
    then run id; the newest ``limit``."""
    points = []
    for run in runs:
        git = run.git
        values = {
            "project": run.project,
            "branch": git.branch if git else None,
            "testbed": run.environment.testbed,
            "tier": run.tier,
        }
        if any(v is not None and values[k] != v for k, v in filters.items()):
            continue
        for r in run.results:
            if r.benchmark.name == benchmark and r.metric == metric:
                points.append(
                    SeriesPoint(
                        run.id, git.commit if git else None, values["branch"], git.commit_time if git else None,
                        run.started, run.environment.testbed, r.summary, r.unit, r.direction, r.error,
                    )
                )  # fmt: skip
    points.sort(key=lambda p: (p.time, p.started, p.run_id))
    if limit is not None:
        points = points[-limit:] if limit else []
    f = filters
    return Series(benchmark, metric, tuple(points), f["branch"], f["tier"], f["testbed"], f["project"])


filters_st = st.fixed_dictionaries(
    {
        "project": st.sampled_from((None, "demo", "other", "nope")),
        "branch": st.sampled_from((None, "main", "feature")),
        "testbed": st.sampled_from((None, "ci-linux", "ci-mac")),
        "tier": st.sampled_from((None, "fast", "slow")),
    }
)


@settings(max_examples=80, deadline=None)
@given(
    benchmark=st.sampled_from((*BENCHMARKS, "bench_")),
    metric=st.sampled_from(("time", "peak_memory")),
    filters=filters_st,
    limit=st.sampled_from((None, 0, 1, 3, 1000)),
)
def test_the_reader_the_store_and_the_runs_agree_on_every_series(
    opened: tuple[SqlStore, SqliteReader],
    varied: Varied,
    benchmark: str,
    metric: str,
    filters: dict[str, str | None],
    limit: int | None,
) -> None:
    store, reader = opened
    want = expected(varied.runs, benchmark, metric, filters, limit)
    assert reader.series(benchmark, metric, **filters, limit=limit) == want
    assert store.series(benchmark, metric, **filters, limit=limit) == want
    # the Core query other databases run: the same rows as the SQL text SQLite runs
    with store.engine.connect() as conn:
        core = [tuple(row) for row in conn.execute(series_query(benchmark, metric, filters, limit))]
    core.reverse()
    with readonly_connect(str(varied.path), 1.0) as raw:
        assert core == series_rows(raw, benchmark, metric, filters, limit)


def test_the_varied_store_has_series_worth_comparing(opened: tuple[SqlStore, SqliteReader]) -> None:
    """(the property above compares something: long series, failed points, ties, runs without git)"""
    _, reader = opened
    series = reader.series("bench_a")
    assert len(series) > 30
    assert any(p.summary is None for p in series) and any(p.commit is None for p in series)
    times = [p.time for p in series]
    assert len(set(times)) < len(times)


def test_benchmarks_are_the_stores(opened: tuple[SqlStore, SqliteReader]) -> None:
    store, reader = opened
    for project in (None, "demo", "other", "nope"):
        assert reader.benchmarks(project=project) == store.benchmarks(project=project)
    assert ("bench_%_x", "peak_memory") in reader.benchmarks()


def test_the_series_reads_runs_from_the_covering_index(varied: Varied) -> None:
    with readonly_connect(str(varied.path), 1.0) as raw:
        plan = " | ".join(
            row[3]
            for row in raw.execute("EXPLAIN QUERY PLAN " + series_sql(SERIES_FILTERS, limit=True), [""] * 7)
        )
    assert "USING COVERING INDEX ix_runs_series" in plan, plan
    assert "ix_results_series" in plan, plan


def test_the_reader_reads_the_latest_schema() -> None:
    assert SCHEMA == LATEST_VERSION


def test_a_column_the_series_is_narrowed_by_is_not_read(varied: Varied) -> None:
    """A series of one branch and testbed has them in every row: the query does not read them (each
    value read costs), and the points have them all the same (the property test above compares the
    points with the runs' for every filter)."""
    selected = series_sql(["project", "branch", "testbed"], limit=False).split(" FROM ")[0]
    assert "runs.branch" not in selected and "runs.testbed" not in selected and "runs.commit_sha" in selected
    assert series_columns(["project", "tier"]) == SERIES_COLUMNS
    filters = {"project": "demo", "branch": "main", "testbed": "ci-linux", "tier": None}
    with readonly_connect(str(varied.path), 1.0) as raw:
        rows = series_rows(raw, "bench_a", "time", filters, None)
    assert rows and {len(r) for r in rows} == {len(SERIES_COLUMNS) - 2}
    reader = open_reader(varied.path)
    assert reader is not None
    with reader:
        series = reader.series("bench_a", **filters)
    assert {(p.branch, p.testbed) for p in series.points} == {("main", "ci-linux")}


@pytest.mark.parametrize("filters", [{}, {"branch": "main", "testbed": "ci"}])
def test_a_damaged_row_is_the_same_error_as_the_stores(
    tmp_path: Path, make_run: RunFactory, filters: dict[str, str]
) -> None:
    path = tmp_path / "s.db"
    run = make_run()
    with open_store(path) as store:
        store.add_run(run)
    with sqlite3.connect(path) as raw:
        raw.execute("UPDATE results SET summary = x'0000' WHERE position = 0")
        raw.execute("UPDATE runs SET branch = 'main', testbed = 'ci'")
    reader = open_reader(path)
    assert reader is not None
    with open_store(path, readonly=True) as store, reader:
        with pytest.raises(StoreError) as from_store:
            store.series("bench_a", **filters)
        with pytest.raises(StoreError) as from_reader:
            reader.series("bench_a", **filters)
    assert str(from_reader.value) == str(from_store.value)
    assert str(from_reader.value).startswith(f"{path}: run {run.id}, bench_a [time]: damaged result row: ")


@pytest.mark.parametrize("limit", [None, 10])
def test_a_damaged_time_among_texts_is_ordered_by_sqlite_and_named(
    tmp_path: Path, make_run: RunFactory, limit: int | None
) -> None:
    """A whole series is sorted in Python, which cannot compare a number with a text: such a row
    (only a damaged store holds one) is left to SQLite's order, and the points' build names its run."""
    path = tmp_path / "s.db"
    runs = [make_run(started=T0 + timedelta(minutes=i)) for i in range(3)]
    with open_store(path) as store:
        for run in runs:
            store.add_run(run)
    with sqlite3.connect(path) as raw:
        raw.execute("UPDATE runs SET commit_time = 12345 WHERE id = ?", (runs[1].id,))
    with readonly_connect(str(path), 1.0) as raw:
        by_sqlite = raw.execute(series_sql([], limit=False), ("bench_a", "time")).fetchall()
        assert series_rows(raw, "bench_a", "time", {}, limit) == by_sqlite[::-1]
    assert by_sqlite[-1][0] == runs[1].id  # (SQLite puts numbers before texts)
    reader = open_reader(path)
    assert reader is not None
    with reader, pytest.raises(StoreError, match=f"run {runs[1].id}, bench_a \\[time\\]: damaged result row"):
        reader.series("bench_a", limit=limit)


@pytest.mark.parametrize(("limit", "statements"), [(None, 1), (60, 1), (1000, 1), (3, 2)])
def test_a_series_is_read_in_one_pass_unless_the_limit_cuts_it(
    varied: Varied, limit: int | None, statements: int
) -> None:
    """No count before the read: a series the limit does not cut (bench_a of project demo has about
    40 points) is one query; a cut one reads one row more than the limit, then SQLite's newest N."""
    sql: list[str] = []
    with readonly_connect(str(varied.path), 1.0) as raw:
        raw.set_trace_callback(sql.append)
        rows = series_rows(raw, "bench_a", "time", {"project": "demo"}, limit)
    assert len(sql) == statements and not any("count(" in s.lower() for s in sql)
    assert 3 <= len(rows) <= (limit or 1000)


def test_a_closed_reader_says_so(varied: Varied) -> None:
    reader = open_reader(varied.path)
    assert reader is not None
    reader.close()
    reader.close()
    with pytest.raises(StoreError, match="closed"):
        reader.series("bench_a")


def _declined(path: Path) -> None:
    before = path.read_bytes() if path.is_file() else None
    assert open_reader(path) is None
    assert open_reader(str(path)) is None
    assert (path.read_bytes() if path.is_file() else None) == before  # looked at, never changed


def test_the_reader_steps_aside_for_every_store_it_cannot_read(tmp_path: Path, make_run: RunFactory) -> None:
    assert open_reader("postgresql://u:p@host/db") is None
    assert open_reader(f"sqlite:///{tmp_path / 'x.db'}") is None
    _declined(tmp_path / "missing.db")
    _declined(tmp_path)  # a directory
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    _declined(empty)
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"not a database\x00" * 300)
    _declined(garbage)
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as raw:
        raw.execute("CREATE TABLE customers (id INTEGER)")
    _declined(other)
    older = tmp_path / "v5.db"
    older.write_bytes(SCHEMA_5.read_bytes())
    _declined(older)
    newer = tmp_path / "newer.db"
    with open_store(newer) as store:
        store.add_run(make_run())
    with sqlite3.connect(newer) as raw:
        raw.execute("UPDATE schema_version SET version = ?", (LATEST_VERSION + 1,))
    _declined(newer)


def test_the_core_query_compiles_for_postgresql() -> None:
    from sqlalchemy.dialects import postgresql

    filters: dict[str, str | None] = {"project": "p", "branch": None, "testbed": "t", "tier": None}
    sql = str(series_query("b", "time", filters, 5).compile(dialect=postgresql.dialect()))  # type: ignore[no-untyped-call]
    assert "coalesce(runs.commit_time, runs.started) DESC" in sql and "LIMIT" in sql
    assert isinstance(series_query("b", "time", filters, None), sa.Select)


def test_a_driver_error_is_a_store_error_naming_the_store(tmp_path: Path, make_run: RunFactory) -> None:
    """(the SQL runs on the driver's connection: its errors are translated like SQLAlchemy's)"""
    path = tmp_path / "s.db"
    with open_store(path) as store:
        store.add_run(make_run())
    with sqlite3.connect(path) as raw:
        raw.execute("DROP INDEX ix_runs_series")  # a store someone changed by hand
    reader = open_reader(path)
    assert reader is not None
    with open_store(path, readonly=True) as store, reader:
        for source in (store, reader):
            with pytest.raises(StoreError) as info:
                source.series("bench_a")
            want = f"{path}: reading the series of bench_a [time]: no such index: ix_runs_series"
            assert str(info.value) == want


def test_a_series_keeps_the_texts_of_its_times_and_renders_the_same_with_them(varied: Varied) -> None:
    """The history labels its times from the texts SQLite returned: the same labels as from the
    times themselves (the series with its points built has no texts)."""
    from perfgate.model import SeriesPoints
    from perfgate.report import render_history
    from perfgate.report.console import Console

    reader = open_reader(varied.path)
    assert reader is not None
    with reader:
        series = reader.series("bench_a", project="demo")
    columns = SeriesPoints.of(series.points)
    starts = columns.time_texts("started")
    assert starts is not None and len(starts) == len(series) >= 3
    assert [datetime.fromisoformat(t + "+00:00") for t in starts] == [p.started for p in series.points]
    built = Series(series.benchmark, series.metric, tuple(series.points), series.branch, series.tier)
    assert SeriesPoints.of(built.points).time_texts("started") is None
    console = Console(color=False, width=120, is_tty=False, fit=False)
    assert render_history(series, console) == render_history(built, console)


@pytest.mark.parametrize("limit", [1, 3, 10])
def test_the_newest_points_of_a_cut_series_are_the_ordered_querys(varied: Varied, limit: int) -> None:
    """A limit that cuts the series reads the newest points' keys on the indexes, then those rows:
    the rows the ordered query keeps, oldest first."""
    filters = ["project"]
    with readonly_connect(str(varied.path), 1.0) as raw:
        ordered = raw.execute(series_sql(filters, limit=True), ("bench_a", "time", "demo", limit)).fetchall()
        newest = raw.execute(newest_sql(filters), ("bench_a", "time", "demo", limit)).fetchall()
        assert series_rows(raw, "bench_a", "time", {"project": "demo"}, limit) == ordered[::-1]
    assert sorted(newest) == sorted(ordered) and len(ordered) == limit
