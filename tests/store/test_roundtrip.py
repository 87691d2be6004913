"""Runs come back from the store exactly as they went in."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perfgate.errors import SchemaError, StoreError
from perfgate.model import (
    BenchmarkId,
    CIInfo,
    Direction,
    Environment,
    GitInfo,
    Result,
    Run,
    RunStatus,
    new_run_id,
)
from perfgate.stats import summarize
from perfgate.store import SqlStore, open_store

from .conftest import RunFactory, make_result, rich_run


def test_rich_run_round_trips_exactly(store: SqlStore, db_path: Path) -> None:
    run = rich_run()
    store.add_run(run)
    back = store.get_run(run.id)
    assert back == run
    # Offsets are kept as written (CEST start, EST commit), not only the instants.
    assert back.started.utcoffset() == timedelta(hours=2)
    assert back.git is not None and back.git.commit_time is not None
    assert back.git.commit_time.utcoffset() == timedelta(hours=-5)
    # ... and survive closing and reopening the file.
    store.close()
    with open_store(db_path, create=False) as again:
        assert again.get_run(run.id) == run


def test_minimal_run_without_git_ci_or_results(store: SqlStore) -> None:
    run = Run(
        id=new_run_id(),
        project="p",
        started=datetime(2024, 1, 1, tzinfo=UTC),
        finished=None,
        source="go",
        environment=Environment(testbed="laptop"),
        status=RunStatus.FAILED,
    )
    store.add_run(run)
    assert store.get_run(run.id) == run
    [info] = store.list_runs()
    assert (info.commit, info.branch, info.commit_time, info.pr_number) == (None, None, None, None)
    assert (info.n_results, info.n_failed, info.status) == (0, 0, RunStatus.FAILED)


def test_result_order_is_kept(store: SqlStore, make_run: RunFactory) -> None:
    names = [f"b{i:03d}" for i in range(1200)]  # more than one insert batch
    run = make_run(results=[make_result(n, samples=(1.0,)) for n in reversed(names)])
    store.add_run(run)
    assert [r.benchmark.name for r in store.get_run(run.id).results] == list(reversed(names))


def test_queryable_columns_hold_utc_and_counts(store: SqlStore, db_path: Path) -> None:
    run = rich_run()
    store.add_run(run)
    [info] = store.list_runs()
    assert info.started == run.started and info.started.tzinfo == UTC
    assert info.commit == run.git.commit if run.git else False
    assert (info.n_results, info.n_failed, info.pr_number, info.tier) == (6, 1, 42, "pr")
    # The file itself stores UTC, so text ordering is time ordering.
    with sqlite3.connect(db_path) as raw:
        (started,) = raw.execute("SELECT started FROM runs").fetchone()
    assert started.startswith("2024-06-01 12:30:15.123456")


def test_unstorable_extra_is_refused_not_mangled(store: SqlStore, make_run: RunFactory) -> None:
    run = make_run(results=[make_result("x", extra={"bad": float("nan")})])
    with pytest.raises(StoreError, match=f"run {run.id} cannot be stored as JSON"):
        store.add_run(run)
    assert store.list_runs() == []


def test_document_of_a_newer_model_schema_is_refused(store: SqlStore, make_run: RunFactory) -> None:
    run = make_run()
    store.add_run(run)
    with store.engine.begin() as conn:
        doc = json.loads(conn.exec_driver_sql("SELECT document FROM runs").scalar_one())
        doc["perfgate_schema"] = 99
        conn.exec_driver_sql("UPDATE runs SET document = ?", (json.dumps(doc),))
    with pytest.raises(SchemaError, match="upgrade perfgate"):
        store.get_run(run.id)


def test_damaged_document_names_the_run(store: SqlStore, make_run: RunFactory) -> None:
    run = make_run()
    store.add_run(run)
    with store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE results SET document = '{\"metric\": 1}' WHERE position = 1")
    with pytest.raises(StoreError, match=f"run {run.id}") as info:
        store.get_run(run.id)
    assert "\n" not in str(info.value)


# -- property: any valid Run round-trips -------------------------------------------------------------

_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
_name = _text.map(str.strip).filter(bool)
_finite = st.floats(allow_nan=False, allow_infinity=False, width=64)
_json_scalar = st.none() | st.booleans() | st.integers(-(2**63), 2**63) | _finite | _text
_json = st.recursive(
    _json_scalar,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
    max_leaves=8,
)
_tz = st.sampled_from([UTC, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-8))])
_time = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2090, 1, 1), timezones=_tz)


@st.composite
def _results(draw: st.DrawFn) -> tuple[Result, ...]:
    out: dict[tuple[str, str], Result] = {}
    for _ in range(draw(st.integers(0, 4))):
        name = draw(_name)
        metric = draw(st.sampled_from(["time", "peak_memory", "custom"]))
        unit = draw(st.sampled_from(["s", "B", "count", "weird unit"]))
        # times, sizes and counts are never negative; a custom unit may be
        values = _finite.filter(lambda x: abs(x) < 1e100)
        samples = draw(st.lists(values if unit == "weird unit" else values.map(abs), max_size=6))
        error = None if samples else draw(_text.filter(bool))
        out[(name, metric)] = Result(
            benchmark=BenchmarkId(
                name, draw(st.none() | _text), tuple(draw(st.lists(st.tuples(_text, _text), max_size=2)))
            ),
            metric=metric,
            unit=unit,
            direction=draw(st.sampled_from(list(Direction))),
            summary=summarize(samples) if samples else None,
            samples=tuple(samples),
            rounds=draw(st.none() | st.integers(0, 10**6)),
            error=error,
            extra=draw(st.dictionaries(_text, _json, max_size=3)),
        )
    return tuple(out.values())


@st.composite
def _runs(draw: st.DrawFn) -> Run:
    started = draw(_time)
    finished = draw(st.none() | st.just(started + timedelta(seconds=draw(st.integers(0, 10**6)))))
    git = draw(
        st.none()
        | st.builds(
            GitInfo,
            commit=st.text("0123456789abcdef", min_size=7, max_size=40),
            branch=st.none() | _name,
            dirty=st.booleans(),
            parents=st.lists(st.text("0123456789abcdef", min_size=40, max_size=40), max_size=2).map(tuple),
            commit_time=st.none() | _time,
            subject=st.none() | _text,
        )
    )
    ci = draw(st.none() | st.builds(CIInfo, provider=_name, pr_number=st.none() | st.integers(1, 10**6)))
    return Run(
        id=new_run_id(now=started, rand=draw(st.binary(min_size=10, max_size=10))),
        project=draw(_name),
        started=started,
        finished=finished,
        source=draw(_name),
        environment=Environment(
            testbed=draw(_name),
            cores=draw(st.none() | st.integers(1, 512)),
            load_avg=draw(st.none() | st.tuples(_finite, _finite, _finite)),
            extra=draw(st.dictionaries(_text, _json, max_size=3)),
        ),
        results=draw(_results()),
        status=draw(st.sampled_from(list(RunStatus))),
        tier=draw(st.none() | _name),
        tags=tuple(draw(st.lists(_text, max_size=3))),
        git=git,
        ci=ci,
    )


def test_any_valid_run_round_trips(tmp_path: Path) -> None:
    with open_store(tmp_path / "prop.db") as s:

        @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(_runs())
        def check(run: Run) -> None:
            s.add_run(run)
            assert s.get_run(run.id) == run
            s.delete_run(run.id)

        check()


def test_make_result_helper_builds_failed_results() -> None:
    r = make_result("x", error="boom")
    assert r.summary is None and r.samples == () and not r.ok
