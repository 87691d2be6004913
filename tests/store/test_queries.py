"""Every query, with its filters and its ordering, on a real SQLite file."""

from __future__ import annotations

from datetime import timedelta

import pytest

from perfgate.errors import AmbiguousError, NotFoundError, StoreError
from perfgate.model import CIInfo, Direction, Run, RunInfo, RunStatus, SeriesPoint
from perfgate.store import RunStore, SqlStore

from .conftest import T0, RunFactory, make_result, sha


def ids(items: list[Run] | list[RunInfo]) -> list[str]:
    return [x.id for x in items]


def test_sql_store_satisfies_the_protocol(store: SqlStore) -> None:
    assert isinstance(store, RunStore)


# -- add / get / delete ------------------------------------------------------------------------------


def test_duplicate_id_is_refused_naming_it(store: SqlStore, make_run: RunFactory) -> None:
    run = make_run()
    store.add_run(run)
    other = make_run(run_id=run.id, results=[make_result("zzz")])
    with pytest.raises(StoreError, match=f"run {run.id} already exists"):
        store.add_run(other)
    assert store.get_run(run.id) == run
    assert len(store.list_runs()) == 1


def test_runs_added_together_are_stored_all_or_none(store: SqlStore, make_run: RunFactory) -> None:
    """``add_runs`` (perfgate ab's base and head): one transaction; a duplicate, already stored or
    given twice, stores none of them."""
    a = make_run(run_id="01HAAAAAAAAAAAAAAAAAAAAAA1")
    b = make_run(run_id="01HAAAAAAAAAAAAAAAAAAAAAA2", results=[make_result("other")])
    c = make_run(run_id="01HAAAAAAAAAAAAAAAAAAAAAA3")
    store.add_runs([a, b])
    assert store.get_run(a.id) == a and store.get_run(b.id) == b
    with pytest.raises(StoreError, match=f"run {a.id} already exists"):
        store.add_runs([c, a])  # (c first: inserted, then rolled back with a's refusal)
    with pytest.raises(StoreError, match=f"run {c.id} given twice"):
        store.add_runs([c, c])
    assert ids(store.list_runs(newest_first=False)) == [a.id, b.id]
    store.add_runs([])
    assert len(store.list_runs()) == 2


def test_prefix_lookup(store: SqlStore, make_run: RunFactory) -> None:
    a = make_run(run_id="01HAAAAAAAAAAAAAAAAAAAAAA1")
    b = make_run(run_id="01HAAAAAAAAAAAAAAAAAAAAAA2")
    c = make_run(run_id="01HBBBBBBBBBBBBBBBBBBBBBB3")
    for r in (a, b, c):
        store.add_run(r)
    assert store.get_run("01HB") == c
    assert store.get_run("01hb") == c  # ULIDs are case-insensitive
    assert store.get_run(a.id) == a
    assert store.get_run("01HAAAAAAAAAAAAAAAAAAAAAA2") == b
    with pytest.raises(AmbiguousError, match=rf"2 runs match '01HA' in .*: {a.id}, {b.id} \(give more"):
        store.get_run("01HA")
    with pytest.raises(NotFoundError, match=r"no run matches '01HZ'"):
        store.get_run("01HZ")
    with pytest.raises(NotFoundError, match=r"no run matches ''"):
        store.get_run("")


def test_an_ambiguous_prefix_counts_every_match_and_lists_the_first(
    store: SqlStore, make_run: RunFactory
) -> None:
    many = [make_run(run_id=f"01HC{i:022d}") for i in range(7)]
    for r in many:
        store.add_run(r)
    with pytest.raises(AmbiguousError) as caught:
        store.get_run("01hc")
    message = str(caught.value)
    assert message.startswith("7 runs match '01hc'")
    assert message.count("01HC") == 5 and ", ..." in message and "\n" not in message


def test_prefix_lookup_treats_like_wildcards_literally(store: SqlStore, make_run: RunFactory) -> None:
    store.add_run(make_run(run_id="run_1"))
    store.add_run(make_run(run_id="runX1"))
    assert store.get_run("run_").id == "run_1"
    with pytest.raises(NotFoundError):
        store.get_run("%")


def test_exact_id_wins_over_a_longer_id_it_prefixes(store: SqlStore, make_run: RunFactory) -> None:
    store.add_run(make_run(run_id="abc"))
    store.add_run(make_run(run_id="abcd"))
    assert store.get_run("abc").id == "abc"


def test_delete_run_removes_it_and_its_results(store: SqlStore, make_run: RunFactory) -> None:
    keep, gone = make_run(), make_run()
    store.add_run(keep)
    store.add_run(gone)
    assert store.delete_run(gone.id[:-1]) == gone.id  # unique prefix accepted
    assert ids(store.list_runs()) == [keep.id]
    with pytest.raises(NotFoundError):
        store.get_run(gone.id)
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM results").scalar_one() == len(keep.results)
    with pytest.raises(NotFoundError, match="no run matches"):
        store.delete_run(gone.id)
    store.add_run(gone)  # the id is free again
    assert store.get_run(gone.id) == gone


def test_closed_store_refuses_use(store: SqlStore) -> None:
    store.close()
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.list_runs()


# -- list_runs ---------------------------------------------------------------------------------------


@pytest.fixture
def populated(store: SqlStore, make_run: RunFactory) -> dict[str, Run]:
    runs = {
        "main1": make_run(commit=sha("c1")),
        "main2": make_run(commit=sha("c2"), tier="nightly"),
        "feat": make_run(branch="feat", commit=sha("c3"), ci=CIInfo("github", pr_number=7)),
        "other_bed": make_run(commit=sha("c2"), testbed="arm"),
        "other_proj": make_run(project="other", commit=sha("c4"), source="go"),
        "nogit": make_run(git=False),
    }
    for r in runs.values():
        store.add_run(r)
    return runs


def test_list_runs_orders_by_start(store: SqlStore, populated: dict[str, Run]) -> None:
    in_order = [r.id for r in sorted(populated.values(), key=lambda r: r.started)]
    assert ids(store.list_runs()) == in_order[::-1]
    assert ids(store.list_runs(newest_first=False)) == in_order
    assert ids(store.list_runs(limit=2)) == in_order[::-1][:2]
    assert store.list_runs(limit=0) == []


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"project": "other"}, ["other_proj"]),
        ({"branch": "main"}, ["main1", "main2", "other_bed", "other_proj"]),
        ({"commit": sha("c2")}, ["main2", "other_bed"]),
        ({"commit": sha("c2")[:7].upper()}, ["main2", "other_bed"]),
        ({"testbed": "arm"}, ["other_bed"]),
        ({"tier": "nightly"}, ["main2"]),
        ({"source": "go"}, ["other_proj"]),
        ({"branch": "main", "testbed": "ci-linux", "project": "demo"}, ["main1", "main2"]),
        ({"branch": "nope"}, []),
    ],
)
def test_list_runs_filters(
    store: SqlStore, populated: dict[str, Run], filters: dict[str, str], expected: list[str]
) -> None:
    got = store.list_runs(newest_first=False, **filters)  # type: ignore[arg-type]
    assert ids(got) == [populated[k].id for k in expected]


def test_run_info_fields(store: SqlStore, populated: dict[str, Run]) -> None:
    feat = populated["feat"]
    [info] = store.list_runs(branch="feat")
    assert info == RunInfo(
        id=feat.id,
        project="demo",
        started=feat.started,
        finished=feat.finished,
        source="perfgate",
        status=RunStatus.COMPLETE,
        tier=None,
        branch="feat",
        commit=sha("c3"),
        commit_time=feat.git.commit_time if feat.git else None,
        testbed="ci-linux",
        n_results=2,
        n_failed=0,
        pr_number=7,
    )


def test_list_runs_counts_failed_results(store: SqlStore, make_run: RunFactory) -> None:
    store.add_run(make_run(results=[make_result("ok"), make_result("bad", error="boom")]))
    [info] = store.list_runs()
    assert (info.n_results, info.n_failed) == (2, 1)


# -- runs_for_commit ---------------------------------------------------------------------------------


def test_runs_for_commit(store: SqlStore, populated: dict[str, Run]) -> None:
    assert store.runs_for_commit(sha("c2")) == [populated["other_bed"], populated["main2"]]
    assert store.runs_for_commit(sha("c2")[:8]) == [populated["other_bed"], populated["main2"]]
    assert store.runs_for_commit(sha("c2"), testbed="arm") == [populated["other_bed"]]
    assert store.runs_for_commit(sha("c2"), tier="nightly") == [populated["main2"]]
    assert store.runs_for_commit(sha("unknown")) == []


def test_runs_for_an_ambiguous_commit_prefix(store: SqlStore, make_run: RunFactory) -> None:
    store.add_run(make_run(commit="abc1" + "0" * 36))
    store.add_run(make_run(commit="abc2" + "0" * 36))
    with pytest.raises(NotFoundError, match="2 commits match 'abc'"):
        store.runs_for_commit("abc")
    with pytest.raises(NotFoundError, match="empty commit prefix"):
        store.runs_for_commit("")
    assert len(store.runs_for_commit("abc1")) == 1


# -- latest_runs -------------------------------------------------------------------------------------


def test_latest_runs_orders_by_commit_time_then_start(store: SqlStore, make_run: RunFactory) -> None:
    # Started in the order a, b, c, d; but c's commit is the oldest and d has no commit time.
    a = make_run(started=T0, commit_time=T0 - timedelta(hours=3))
    b = make_run(started=T0 + timedelta(minutes=1), commit_time=T0 - timedelta(hours=2))
    c = make_run(started=T0 + timedelta(minutes=2), commit_time=T0 - timedelta(hours=10))
    d = make_run(started=T0 + timedelta(minutes=3), commit_time=None)
    for r in (a, b, c, d):
        store.add_run(r)
    assert ids(store.latest_runs(branch="main", limit=10)) == [d.id, b.id, a.id, c.id]
    assert store.latest_runs(branch="main") == [d]
    assert ids(store.latest_runs(branch="main", limit=2, exclude_id=d.id)) == [b.id, a.id]


def test_latest_runs_filters(store: SqlStore, populated: dict[str, Run]) -> None:
    assert store.latest_runs(branch="main", testbed="arm") == [populated["other_bed"]]
    assert store.latest_runs(branch="main", tier="nightly") == [populated["main2"]]
    assert store.latest_runs(branch="main", project="other") == [populated["other_proj"]]
    assert store.latest_runs(branch="feat", limit=5) == [populated["feat"]]
    assert store.latest_runs(branch="nope") == []
    assert store.latest_runs(branch=None, limit=0) == []
    # branch=None: any branch, including runs without git information.
    assert len(store.latest_runs(branch=None, limit=100)) == len(populated)


# -- series and benchmarks ---------------------------------------------------------------------------


def test_series_is_oldest_first_by_commit_time(store: SqlStore, make_run: RunFactory) -> None:
    late = make_run(
        started=T0, commit_time=T0 + timedelta(days=2), results=[make_result("x", samples=(3.0,))]
    )
    early = make_run(
        started=T0 + timedelta(hours=1), commit_time=T0, results=[make_result("x", samples=(1.0, 2.0))]
    )
    no_time = make_run(
        started=T0 + timedelta(days=1), commit_time=None, results=[make_result("x", error="boom")]
    )
    other = make_run(results=[make_result("y")])
    for r in (late, early, no_time, other):
        store.add_run(r)
    points = store.series("x").points
    assert [p.run_id for p in points] == [early.id, no_time.id, late.id]
    first = points[0]
    assert first == SeriesPoint(
        run_id=early.id,
        commit=early.git.commit if early.git else None,
        branch="main",
        commit_time=T0,
        started=early.started,
        testbed="ci-linux",
        summary=early.results[0].summary,
        unit="s",
        direction=Direction.LOWER,
        error=None,
    )
    assert first.time == T0
    assert points[1].summary is None and points[1].error == "boom" and points[1].time == no_time.started
    # limit keeps the newest points, still oldest first.
    assert [p.run_id for p in store.series("x", limit=2)] == [no_time.id, late.id]
    assert store.series("x", "peak_memory").points == ()
    assert store.series("nope").points == ()


def test_series_filters(store: SqlStore, populated: dict[str, Run]) -> None:
    def run_ids(**kw: str) -> list[str]:
        return [p.run_id for p in store.series("bench_a", **kw)]  # type: ignore[arg-type]

    assert run_ids(testbed="arm") == [populated["other_bed"].id]
    assert run_ids(branch="feat") == [populated["feat"].id]
    assert run_ids(project="other") == [populated["other_proj"].id]
    assert run_ids(tier="nightly") == [populated["main2"].id]
    assert len(run_ids()) == len(populated)


def test_a_series_carries_its_scope(store: SqlStore, populated: dict[str, Run]) -> None:
    series = store.series("bench_a", "time", branch="feat", testbed="ci-linux", tier=None, project="demo")
    assert (series.benchmark, series.metric) == ("bench_a", "time")
    assert (series.branch, series.tier, series.testbed, series.project) == ("feat", None, "ci-linux", "demo")
    assert [p.run_id for p in series] == [populated["feat"].id]
    assert (series.unit, series.direction) == ("s", Direction.LOWER)


def test_series_keeps_the_metric_direction_and_unit(store: SqlStore, make_run: RunFactory) -> None:
    r = make_result("t", "throughput", samples=(5.0, 6.0), unit="ops/s", direction=Direction.HIGHER)
    store.add_run(make_run(results=[r]))
    [p] = store.series("t", "throughput")
    assert (p.unit, p.direction, p.summary) == ("ops/s", Direction.HIGHER, r.summary)


def test_benchmarks(store: SqlStore, make_run: RunFactory) -> None:
    store.add_run(make_run(results=[make_result("b"), make_result("a", "peak_memory", unit="B")]))
    store.add_run(make_run(results=[make_result("a"), make_result("b")]))
    store.add_run(make_run(project="other", results=[make_result("z")]))
    assert store.benchmarks() == [("a", "peak_memory"), ("a", "time"), ("b", "time"), ("z", "time")]
    assert store.benchmarks(project="demo") == [("a", "peak_memory"), ("a", "time"), ("b", "time")]
    assert store.benchmarks(project="nope") == []


def test_negative_limit_is_a_programming_error(store: SqlStore) -> None:
    with pytest.raises(ValueError, match="limit"):
        store.list_runs(limit=-1)
