"""Reading whole runs in bulk (``perfgate.store.runread``): the Results built from a run's rows without
per-row checks are exactly those the checked constructors build, any row the checks would refuse sends
the read to the checked path (same error, naming the run and the result), and the ``sqlite3`` reader
``perfgate compare`` uses gives what the store gives, errors included."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builders import RunFactory, make_result
from perfgate.errors import AmbiguousError, NotFoundError, StoreError
from perfgate.model import Direction, Result, Run
from perfgate.store import open_store
from perfgate.store.fastread import open_reader
from perfgate.store.rows import result_from_values
from perfgate.store.runread import RESULT_SQL, trusted_results

values = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False)
names = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=12).map(
    lambda s: s.strip() or "x"
)


@st.composite
def results(draw: st.DrawFn, i: int) -> Result:
    name = f"{draw(names)}#{i}"  # (unique within a run)
    unit = draw(st.sampled_from(["s", "B", "count", "ops/s", "widgets"]))  # the last one a custom unit
    if draw(st.booleans()) and draw(st.booleans()):
        return make_result(name, unit=unit, error=draw(names))
    samples = draw(st.lists(values if unit == "widgets" else values.map(abs), min_size=1, max_size=6))
    extra = draw(
        st.none() | st.dictionaries(st.text(max_size=3), st.integers() | st.text(max_size=3), max_size=2)
    )
    return make_result(
        name,
        draw(st.sampled_from(["time", "peak_memory", "custom"])),
        samples=samples,
        unit=unit,
        direction=draw(st.sampled_from(Direction)),
        group=draw(st.none() | names) if draw(st.booleans()) and draw(st.booleans()) else None,
        params=(("n", draw(names)),) if draw(st.booleans()) and draw(st.booleans()) else (),
        extra=extra if draw(st.booleans()) and draw(st.booleans()) else None,
    )


@st.composite
def runs_results(draw: st.DrawFn) -> list[Result]:
    n = draw(st.integers(0, 12))
    return [draw(results(i)) for i in range(n)]


def rows_of(path: Path, run_id: str) -> list[Any]:
    with sqlite3.connect(path) as raw:
        (pk,) = raw.execute("SELECT pk FROM runs WHERE id = ?", (run_id,)).fetchone()
        return raw.execute(RESULT_SQL, (pk,)).fetchall()


def checked(rows: list[Any]) -> list[Result]:
    return [result_from_values(name, values) for _, name, *values in rows]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(items=runs_results())
def test_runs_read_in_bulk_equal_the_runs_stored(
    tmp_path_factory: pytest.TempPathFactory, items: list[Result]
) -> None:
    path = tmp_path_factory.mktemp("bulk") / "s.db"
    run = RunFactory()(results=items)
    with open_store(path) as store:
        store.add_run(run)
        from_store = store.get_run(run.id)
    rows = rows_of(path, run.id)
    trusted = trusted_results(rows)
    if trusted is not None:
        assert trusted == checked(rows)
        assert all(type(r) is Result for r in trusted)
    reader = open_reader(path)
    assert reader is not None
    with reader:
        from_reader = reader.get_run(run.id[:12].lower())
    assert from_store == run
    assert from_reader == run


@pytest.mark.parametrize("failed", [False, True], ids=["as many samples in every row", "one failed row"])
def test_plain_rows_are_built_in_bulk(tmp_path: Path, make_run: RunFactory, failed: bool) -> None:
    # (the fast path must be the one taken for what a benchmark run stores, or nothing was gained)
    path = tmp_path / "s.db"
    plain = [make_result(f"b{i}", samples=[1e-3 * (i + 1) + k * 1e-6 for k in range(7)]) for i in range(5)]
    run = make_run(results=[*plain, make_result("failed", error="boom")] if failed else plain)
    with open_store(path) as store:
        store.add_run(run)
    trusted = trusted_results(rows_of(path, run.id))
    assert trusted is not None
    assert trusted == list(run.results)
    assert all(type(r.samples) is tuple for r in trusted)


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("summary", "x'0000'"),  # too short
        ("samples", "x'00'"),  # not a whole number of doubles
        ("direction", "'sideways'"),
        ("metric", "''"),
        ("rounds", "-1"),
        ("iterations", "'many'"),
        ("error", "NULL"),  # on the failed result: neither a summary nor an error
        ("summary", "NULL"),  # on a measured result: the same
        ("document", "'{\"colour\": 1}'"),
    ],
)
def test_a_damaged_row_is_the_same_error_from_the_store_and_the_reader(
    tmp_path: Path, make_run: RunFactory, column: str, value: str
) -> None:
    path = tmp_path / "s.db"
    run = make_run(results=[make_result("a"), make_result("failed", error="boom"), make_result("c")])
    with open_store(path) as store:
        store.add_run(run)
    position = 1 if (column, value) == ("error", "NULL") else 2
    with sqlite3.connect(path) as raw:
        raw.execute(f"UPDATE results SET {column} = {value} WHERE position = ?", (position,))
    assert trusted_results(rows_of(path, run.id)) is None
    reader = open_reader(path)
    assert reader is not None
    with open_store(path, readonly=True) as store, reader:
        with pytest.raises(StoreError) as from_store:
            store.get_run(run.id)
        with pytest.raises(StoreError) as from_reader:
            reader.get_run(run.id)
    assert str(from_reader.value) == str(from_store.value)
    assert str(from_reader.value).startswith(f"{path}: run {run.id}, result {position}: damaged result row: ")


def test_a_negative_value_of_a_canonical_unit_is_refused_and_of_a_custom_unit_kept(
    tmp_path: Path, make_run: RunFactory
) -> None:
    path = tmp_path / "s.db"
    run = make_run(results=[make_result("a", unit="widgets", samples=(-2.0, -1.0, 1.0)), make_result("b")])
    with open_store(path) as store:
        store.add_run(run)
    reader = open_reader(path)
    assert reader is not None
    with reader:
        assert reader.get_run(run.id) == run  # (the checked path: a custom unit may be negative)
        with sqlite3.connect(path) as raw:
            raw.execute("UPDATE results SET unit = 's' WHERE position = 0")
        with pytest.raises(StoreError, match=r"run .*, result 0: damaged result row: .*negative"):
            reader.get_run(run.id)


def test_ids_and_prefixes_are_found_and_refused_as_the_store_does(
    tmp_path: Path, make_run: RunFactory
) -> None:
    path = tmp_path / "s.db"
    runs: list[Run] = [make_run() for _ in range(8)]
    with open_store(path) as store:
        for r in runs:
            store.add_run(r)
    common = runs[0].id[:6]
    assert all(r.id.startswith(common) for r in runs)
    reader = open_reader(path)
    assert reader is not None
    with open_store(path, readonly=True) as store, reader:
        assert reader.get_run(f" {runs[3].id} ") == store.get_run(runs[3].id) == runs[3]
        assert reader.get_run(runs[5].id.lower()) == runs[5]
        for spec, error in [(common, AmbiguousError), (runs[0].id[:-1] + "%", NotFoundError), ("", NotFoundError),
                            ("zz_", NotFoundError), ("HEAD", NotFoundError)]:  # fmt: skip
            with pytest.raises(error) as from_store:
                store.get_run(spec)
            with pytest.raises(error) as from_reader:
                reader.get_run(spec)
            assert str(from_reader.value) == str(from_store.value)
