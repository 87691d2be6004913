"""Managed baselines (issue 15): the update rules on a history of runs stored in a real SQLite file,
approval, rejection, the review window, and the audit trail. Nothing here measures."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from builders import T0, make_result
from perfgate import app
from perfgate.errors import InputError
from perfgate.model import Run
from perfgate.model.baselines import EventKind, current_baseline

from .conftest import Repo

MANAGED = """\
[project]
name = "demo"

[tool.perfgate]
main_branch = "main"

[tool.perfgate.baseline]
mode = "managed"

[tool.perfgate.baseline.update]
stable_runs = 7
min_improvement = "3%"
confidence = 0.99
review = "24h"
approval = {approval}
"""

# 20 samples around 1 ms with a deterministic spread of +-2%
NOISE = [1.0 + 0.01 * ((i * 7) % 5 - 2) for i in range(20)]


def stored(repo: Repo, factor: float) -> Run:
    """A run on main whose two benchmarks take ``factor`` times the baseline's time, stored."""
    results = [make_result(n, samples=[1e-3 * factor * x for x in NOISE]) for n in ("bench_a", "bench_b")]
    run = repo.make(project="demo", branch="main", testbed="ci-linux", results=results)
    repo.store.add_run(run)
    return run


def managed(repo: Repo, *, approval: bool = True) -> tuple[app.Workspace, Run]:
    """A managed project whose baseline is set by hand to one run at 1 ms."""
    repo.write("pyproject.toml", MANAGED.format(approval=str(approval).lower()))
    ws = repo.workspace()
    base = stored(repo, 1.0)
    app.set_baseline(
        repo.store, app.baseline_key(ws, base), [base], by="alice", reason="first release",
        reason_code="ManualOverride", now=base.finished,
    )  # fmt: skip
    return ws, base


def after(repo: Repo, ws: app.Workspace, run: Run, hours: float = 0.0) -> list[EventKind]:
    """What ``perfgate run`` does after storing ``run``: review the baseline; the events' kinds."""
    assert run.finished is not None
    return [
        e.kind for e in app.review_baseline(repo.store, ws, run, now=run.finished + timedelta(hours=hours))
    ]


def test_six_better_runs_propose_nothing_the_seventh_proposes_and_approve_moves_it(repo: Repo) -> None:
    ws, base = managed(repo)
    key = app.baseline_key(ws, base)
    better = []
    for _ in range(6):
        better.append(stored(repo, 0.9))
        assert after(repo, ws, better[-1]) == []
    better.append(stored(repo, 0.9))
    assert after(repo, ws, better[-1]) == [EventKind.PROPOSED]
    events = repo.store.baseline_events(key)
    proposal = events[-1]
    assert proposal.reason_code == "SustainedImprovement"
    assert proposal.by == "perfgate"
    assert proposal.old_runs == (base.id,)
    assert set(proposal.supporting) == {r.id for r in better}
    assert set(proposal.new_runs) == {r.id for r in better[-5:]}  # the newest `runs` (5) of them
    # with approval required, the baseline waits however long: nothing applies it
    assert after(repo, ws, stored(repo, 0.9), hours=48) == []
    assert current_baseline(repo.store.baseline_events(key)).new_runs == (base.id,)  # type: ignore[union-attr]
    approved = app.approve_proposal(repo.store, proposal.id, by="bob", reason="looks right")
    assert approved.new_runs == proposal.new_runs and approved.old_runs == (base.id,)
    # the gate now compares with the approved runs
    head = repo.make(project="demo", branch="main", testbed="ci-linux")
    chosen = app.select_baseline(repo.store, ws, head)
    assert {r.id for r in chosen.runs} == set(proposal.new_runs)
    assert chosen.description == f"managed baseline (event {approved.id}, SustainedImprovement)"
    # the audit trail: who, when, why, old, new and supporting runs, oldest first
    trail = repo.store.baseline_events(key)
    assert [(e.kind, e.by, e.reason_code) for e in trail] == [
        (EventKind.SET, "alice", "ManualOverride"),
        (EventKind.PROPOSED, "perfgate", "SustainedImprovement"),
        (EventKind.APPROVED, "bob", "SustainedImprovement"),
    ]
    assert trail[0].reason == "first release" and trail[0].new_runs == (base.id,)
    assert trail[2].proposal == proposal.id and trail[2].supporting == proposal.supporting
    assert trail[2].reason == "looks right"
    with pytest.raises(InputError, match=f"proposal {proposal.id} was already approved"):
        app.reject_proposal(repo.store, proposal.id, by="carol")


def test_a_worse_run_never_moves_the_baseline(repo: Repo) -> None:
    ws, base = managed(repo)
    key = app.baseline_key(ws, base)
    for _ in range(6):
        assert after(repo, ws, stored(repo, 0.9)) == []
    assert after(repo, ws, stored(repo, 1.1)) == []  # a regression in the window of seven
    for _ in range(6):
        assert after(repo, ws, stored(repo, 0.9)) == []  # the window still holds the worse run
    for _ in range(10):
        assert after(repo, ws, stored(repo, 1.1), hours=100) == []
    assert [e.kind for e in repo.store.baseline_events(key)] == [EventKind.SET]


def test_an_improvement_under_the_minimum_proposes_nothing(repo: Repo) -> None:
    ws, _base = managed(repo)
    for _ in range(8):
        assert after(repo, ws, stored(repo, 0.99)) == []  # 1% better: under the 3% minimum


def test_a_rejected_proposal_leaves_the_baseline(repo: Repo) -> None:
    ws, base = managed(repo)
    for _ in range(7):
        kinds = after(repo, ws, stored(repo, 0.9))
    assert kinds == [EventKind.PROPOSED]
    key = app.baseline_key(ws, base)
    proposal = repo.store.baseline_events(key)[-1]
    rejected = app.reject_proposal(repo.store, proposal.id, by="bob", reason="the speed-up is a caching bug")
    assert rejected.kind is EventKind.REJECTED and rejected.new_runs == (base.id,)
    assert current_baseline(repo.store.baseline_events(key)).new_runs == (base.id,)  # type: ignore[union-attr]


def test_without_approval_a_proposal_applies_after_the_review_window(repo: Repo) -> None:
    ws, base = managed(repo, approval=False)
    for _ in range(7):
        kinds = after(repo, ws, stored(repo, 0.9))
    assert kinds == [EventKind.PROPOSED]
    key = app.baseline_key(ws, base)
    proposal = repo.store.baseline_events(key)[-1]
    assert after(repo, ws, stored(repo, 0.9), hours=23) == []  # inside the 24 h review window
    assert after(repo, ws, stored(repo, 0.9), hours=25)[0] is EventKind.APPLIED
    applied = repo.store.baseline_events(key)[2]
    assert applied.proposal == proposal.id and applied.by == "perfgate"
    assert current_baseline(repo.store.baseline_events(key)).new_runs == proposal.new_runs  # type: ignore[union-attr]


def test_a_changed_environment_proposes_environmental_change(repo: Repo) -> None:
    ws, base = managed(repo)
    moved = repo.make(project="demo", branch="main", testbed="ci-linux")
    moved = replace(moved, environment=replace(moved.environment, fingerprint="fp-new-cpu"))
    repo.store.add_run(moved)
    assert after(repo, ws, moved) == [EventKind.PROPOSED]
    proposal = repo.store.baseline_events(app.baseline_key(ws, base))[-1]
    assert proposal.reason_code == "EnvironmentalChange" and proposal.new_runs == (moved.id,)


def test_set_needs_a_reason_and_without_a_managed_baseline_the_rolling_one_is_used(repo: Repo) -> None:
    repo.write("pyproject.toml", MANAGED.format(approval="true"))
    ws = repo.workspace()
    first = stored(repo, 1.0)
    head = repo.make(project="demo", branch="main", testbed="ci-linux", started=T0 + timedelta(days=1))
    chosen = app.select_baseline(repo.store, ws, head)
    assert [r.id for r in chosen.runs] == [first.id]
    assert chosen.description.endswith("(no managed baseline yet: `perfgate baseline set`)")
    with pytest.raises(InputError, match="with a reason"):
        app.set_baseline(
            repo.store,
            app.baseline_key(ws, first),
            [first],
            by="alice",
            reason=" ",
            reason_code="ManualOverride",
        )


def test_the_baseline_command_sets_proposes_rejects_approves_and_shows_the_trail(repo: Repo) -> None:
    repo.write("pyproject.toml", MANAGED.format(approval="true"))
    first, second, third = stored(repo, 1.0), stored(repo, 0.9), stored(repo, 0.9)
    db = ("--store", str(repo.db))
    r = repo.perfgate_here("baseline", "set", first.id, "--reason", "release 1.0", "--by", "alice", *db)
    assert r.code == 0, r.stderr
    assert "set by alice: ManualOverride: release 1.0" in r.stdout and f"new: {first.id}" in r.stdout
    assert (
        f"\n    new: {first.id}\n" in r.stdout and "\\n" not in r.stdout
    )  # one field a line, not "\n" shown
    r = repo.perfgate_here(
        "baseline", "propose", second.id, "--reason", "new fixtures", "--reason-code", "TestProceduresUpdated",
        "--by", "bob", *db,
    )  # fmt: skip
    assert r.code == 0, r.stderr
    assert "#2 " in r.stdout and "proposed by bob: TestProceduresUpdated: new fixtures" in r.stdout
    r = repo.perfgate_here("baseline", "reject", "2", "--reason", "not yet", "--by", "carol", *db)
    assert r.code == 0 and "rejected (proposal 2) by carol" in r.stdout
    repo.perfgate_here("baseline", "propose", third.id, "--reason", "again", "--by", "bob", *db)
    r = repo.perfgate_here("baseline", "show", *db)
    assert "current: #1 " in r.stdout and "open proposal: #4 " in r.stdout
    r = repo.perfgate_here("baseline", "approve", "4", *db, "--by", "dave")
    assert r.code == 0 and f"old: {first.id}" in r.stdout and f"new: {third.id}" in r.stdout
    r = repo.perfgate_here("baseline", "history", *db)
    assert r.code == 0
    lines = [ln.strip() for ln in r.stdout.splitlines() if ln.strip().startswith("#")]
    assert [ln.split("Z ", 1)[1].split(":")[0] for ln in lines] == [
        "set by alice", "proposed by bob", "rejected (proposal 2) by carol", "proposed by bob",
        "approved (proposal 4) by dave",
    ]  # fmt: skip
    r = repo.perfgate_here("baseline", "show", *db)
    assert "current: #5 " in r.stdout and "open proposal" not in r.stdout


def test_the_baseline_command_refuses_what_it_cannot_do_on_one_line(repo: Repo) -> None:
    run = stored(repo, 1.0)
    db = ("--store", str(repo.db))
    r = repo.perfgate_here("baseline", "set", run.id, *db, "--by", "alice")
    assert r.code == 2 and "--reason" in r.stderr
    r = repo.perfgate_here("baseline", "approve", "9", *db, "--by", "alice")
    assert (r.code, r.stderr.strip()) == (2, "perfgate: error: no baseline proposal 9")
    r = repo.perfgate_here("baseline", "set", run.id, "--reason", "x", "--reason-code", "Whim", *db)
    assert r.code == 2 and "invalid choice: 'Whim'" in r.stderr


def test_perfgate_run_gates_against_the_managed_baseline_and_proposes_after_seven_better_runs(
    repo: Repo,
) -> None:
    from .test_suites import Canned, ctx_for

    repo.write("pyproject.toml", MANAGED.format(approval="true"))
    ws = repo.workspace()

    def run_at(label: str, factor: float) -> app.Outcome:
        repo.write("README", f"{label}\n")
        # one commit a minute: the runs' order is their commits' (canned runs share a start time)
        when = (T0 + timedelta(minutes=len(repo.store.list_runs()))).isoformat()
        repo.env.update(GIT_COMMITTER_DATE=when, GIT_AUTHOR_DATE=when)
        repo.commit(label)
        results = tuple(
            make_result(n, samples=[1e-3 * factor * x for x in NOISE]) for n in ("bench_a", "bench_b")
        )
        return app.run_suites(ws, ctx_for(repo, None), [Canned(results)])

    first = run_at("A", 1.0)
    app.set_baseline(
        repo.store, app.baseline_key(ws, first.run), [first.run], by="alice", reason="v1",
        reason_code="ManualOverride",
    )  # fmt: skip
    run_at("B", 1.0)  # a newer run: the rolling baseline would be this one
    outcomes = [run_at(f"C{i}", 0.9) for i in range(7)]
    assert all(o.baseline_ids == (first.run.id,) and o.passed for o in outcomes)
    trail = repo.store.baseline_events(app.baseline_key(ws, first.run))
    assert [e.kind for e in trail] == [EventKind.SET, EventKind.PROPOSED]
    assert trail[1].supporting == tuple(o.run.id for o in reversed(outcomes))
