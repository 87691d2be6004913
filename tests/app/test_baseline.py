"""Which runs a new run is compared with (``app.select_baseline``, ``app.with_history``): every rule, on
canned runs in a real SQLite file and commits of a real git repository. Nothing here measures."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from perfgate import app
from perfgate.errors import NotFoundError
from perfgate.model import CIInfo, RunStatus

from .conftest import Repo

GO = Path(__file__).resolve().parents[1] / "data" / "go-bench" / "perf-suffixarray.bench"


def feature_off_main(repo: Repo) -> tuple[str, str, str]:
    """A on main, B on feature (branched at A), C on main after it: the three commits' shas."""
    a = repo.commit("A")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("lib.py", "# feature\n")
    b = repo.commit("B on feature")
    repo.git("checkout", "-q", "main")
    repo.write("README", "main moves on\n")
    c = repo.commit("C on main")
    return a, b, c


# --- 1. explicit (--baseline) or pinned ---------------------------------------------------------


def test_an_explicit_run_id_or_prefix_is_the_baseline(repo):
    a, _b, c = feature_off_main(repo)
    at_a = repo.store_at(a, "main")
    repo.store_at(c, "main")
    head = repo.run_at(c, "main")
    base = repo.baseline(head, explicit=at_a.id[:10])
    assert [r.id for r in base.runs] == [at_a.id]
    assert base.description == at_a.id[:10]


def test_an_explicit_git_ref_names_its_commits_runs(repo):
    a, _b, c = feature_off_main(repo)
    at_a = repo.store_at(a, "main")
    again_a = repo.store_at(a, "main")
    head = repo.run_at(c, "main")
    assert repo.baseline_ids(head, explicit="main~1") == [again_a.id, at_a.id]  # newest first


def test_a_git_ref_reads_only_the_runs_it_uses(repo):
    """A commit's runs are listed, and only the newest ``baseline.runs`` read: an old run of the ref that
    cannot be read (damaged here; elsewhere merely large) costs nothing."""
    a, _b, c = feature_off_main(repo)
    damaged = repo.store_at(a, "main")
    at_a = [repo.store_at(a, "main") for _ in range(5)]  # [tool.perfgate.baseline] runs = 5
    with sqlite3.connect(repo.db) as db:
        db.execute("UPDATE runs SET document = '{' WHERE id = ?", (damaged.id,))
    db.close()
    head = repo.run_at(c, "main")
    assert repo.baseline_ids(head, explicit="main~1") == [r.id for r in reversed(at_a)]
    again = repo.store_at(a, "main")  # the run judged is left out, and one more is read in its place
    assert repo.baseline_ids(again, explicit=a) == [r.id for r in reversed(at_a)]


def test_the_configured_pin_is_the_baseline_and_an_explicit_one_overrides_it(repo):
    a, b, c = feature_off_main(repo)
    at_a = repo.store_at(a, "main")
    at_c = repo.store_at(c, "main")
    ws = repo.workspace()
    pinned = ws._replace(config=ws.config._replace(baseline=ws.config.baseline._replace(pin=at_a.id)))
    head = repo.run_at(b, "feature")
    assert [r.id for r in app.select_baseline(repo.store, pinned, head).runs] == [at_a.id]
    assert [r.id for r in app.select_baseline(repo.store, pinned, head, explicit=at_c.id).runs] == [at_c.id]


def test_an_explicit_baseline_that_is_only_the_run_itself_is_refused(repo):
    a = repo.commit("A")
    head = repo.store_at(a, "main")
    with pytest.raises(NotFoundError, match="no stored run other than the current one"):
        repo.baseline(head, explicit=head.id)
    with pytest.raises(NotFoundError, match="no-such-ref"):
        repo.baseline(head, explicit="no-such-ref")


# --- 2. a branch or a pull request: the merge-base ----------------------------------------------


def test_a_branch_is_compared_with_its_merge_base_not_the_newest_main(repo):
    a, b, c = feature_off_main(repo)
    at_a = repo.store_at(a, "main")
    repo.store_at(c, "main")
    head = repo.store_at(b, "feature")
    base = repo.baseline(head)
    assert [r.id for r in base.runs] == [at_a.id]
    assert base.description == f"merge-base {a[:8]} with main"


def test_the_merge_base_s_runs_are_read_only_as_far_as_needed(repo):
    a, b, _c = feature_off_main(repo)
    damaged = repo.store_at(a, "main")
    repo.store.add_run(replace(repo.run_at(a, "main"), project="other"))  # another project's: never
    at_a = [repo.store_at(a, "main") for _ in range(5)]
    with sqlite3.connect(repo.db) as db:
        db.execute("UPDATE runs SET document = '{' WHERE id = ?", (damaged.id,))
    db.close()
    assert repo.baseline_ids(repo.run_at(b, "feature")) == [r.id for r in reversed(at_a)]


def test_a_pull_request_is_compared_with_the_merge_base_of_its_base_ref(repo):
    a = repo.commit("A")
    repo.git("checkout", "-q", "-b", "release")
    r = repo.commit("R on release")
    repo.git("checkout", "-q", "-b", "fix")
    f = repo.commit("F on fix")
    repo.git("checkout", "-q", "main")
    repo.write("README", "main moves on\n")
    c = repo.commit("C on main")
    repo.store_at(a, "main")
    repo.store_at(c, "main")
    at_r = repo.store_at(r, "release")
    # a detached CI checkout knows no branch; the pull request names its base
    head = repo.run_at(f, None, ci=CIInfo(provider="github", event="pull_request", base_ref="release"))
    base = repo.baseline(head)
    assert [x.id for x in base.runs] == [at_r.id]
    assert base.description == f"merge-base {r[:8]} with release"


def test_a_merge_base_without_runs_falls_back_to_the_latest_ancestor_runs_on_main(repo):
    a0 = repo.commit("A0")
    at_a0 = repo.store_at(a0, "main")
    _a, b, c = feature_off_main(repo)  # nothing stored at A, the merge-base
    repo.store_at(c, "main")  # newer on main, but no ancestor of B
    base = repo.baseline(repo.run_at(b, "feature"))
    assert [r.id for r in base.runs] == [at_a0.id]
    assert base.description == "latest 1 run(s) on main"


# --- 3. the latest runs on main; 4. the branch's own; any without git ----------------------------


def test_on_main_the_latest_runs_newest_first_never_the_own_commits(repo):
    a, _b, c = feature_off_main(repo)
    at_a = repo.store_at(a, "main")
    at_c = repo.store_at(c, "main")
    # a second run at C is judged against A's, as the first run at C was
    again_c = repo.store_at(c, "main")
    base = repo.baseline(again_c)
    assert [r.id for r in base.runs] == [at_a.id]
    assert base.description == "latest 1 run(s) on main"
    repo.write("README", "main moves on again\n")
    d = repo.commit("D on main")
    assert repo.baseline_ids(repo.run_at(d, "main")) == [again_c.id, at_c.id, at_a.id]


def test_at_most_the_configured_number_of_runs(repo):
    ids = []
    for i in range(7):
        repo.write("README", f"commit {i}\n")
        ids.append(repo.store_at(repo.commit(f"main {i}"), "main").id)
    repo.write("README", "head\n")
    head = repo.run_at(repo.commit("head"), "main")
    assert repo.baseline_ids(head) == ids[::-1][:5]  # [tool.perfgate.baseline] runs = 5 by default
    ws = repo.workspace()
    two = ws._replace(config=ws.config._replace(baseline=ws.config.baseline._replace(runs=2)))
    assert [r.id for r in app.select_baseline(repo.store, two, head).runs] == ids[::-1][:2]


def test_a_branch_with_nothing_on_main_or_its_merge_base_uses_its_own_earlier_runs(repo):
    repo.commit("A")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("lib.py", "1\n")
    b1 = repo.store_at(repo.commit("B1"), "feature")
    repo.write("lib.py", "2\n")
    head = repo.run_at(repo.commit("B2"), "feature")
    base = repo.baseline(head)
    assert [r.id for r in base.runs] == [b1.id]
    assert base.description == "latest 1 run(s) on feature (none on main)"


def test_without_git_the_latest_runs_on_main_else_of_any_branch(repo):
    a = repo.commit("A")
    other = repo.store_at(a, "other")
    head = replace(repo.run_at(a, "main"), git=None)
    base = repo.baseline(head)
    assert [r.id for r in base.runs] == [other.id]
    assert base.description == "latest 1 run(s) without git"
    on_main = repo.store_at(a, "main")
    base = repo.baseline(head)
    assert [r.id for r in base.runs] == [on_main.id]
    assert base.description == "latest 1 run(s) on main"


def test_only_runs_of_the_same_tier_testbed_and_project(repo):
    a = repo.commit("A")
    repo.store_at(a, "main", tier="slow")
    repo.store.add_run(replace(repo.run_at(a, "main"), project="another"))
    repo.store.add_run(
        replace(repo.make(testbed="elsewhere", project="demo"), git=repo.run_at(a, "main").git)
    )
    fast = repo.store_at(a, "main", tier="fast")
    repo.write("README", "B\n")
    head = repo.run_at(repo.commit("B"), "main", tier="fast")
    assert repo.baseline_ids(head) == [fast.id]


# --- never the run itself, its own commit, a non-ancestor or a failed run ------------------------


def test_never_a_later_commit_nor_another_branchs(repo):
    a, b, c = feature_off_main(repo)
    at_a = repo.store_at(a, "main")
    repo.store_at(c, "main")  # a later commit on main, stored before the re-run at A below
    repo.store_at(b, "main")  # B mislabelled as main (a force-pushed branch): git says it is no ancestor
    assert repo.baseline_ids(repo.run_at(a, "main")) == []
    repo.write("README", "D\n")
    d = repo.commit("D on main")
    base = repo.baseline_ids(repo.run_at(d, "main"))
    assert at_a.id in base and len(base) == 2  # A and C, never B


def test_never_a_failed_run(repo):
    a = repo.commit("A")
    ok = repo.store_at(a, "main")
    repo.store_at(a, "main", status=RunStatus.FAILED)
    partial = repo.store_at(a, "main", status=RunStatus.PARTIAL)
    repo.write("README", "B\n")
    assert repo.baseline_ids(repo.run_at(repo.commit("B"), "main")) == [partial.id, ok.id]


def test_a_commit_git_does_not_know_is_kept(repo):
    a = repo.commit("A")
    foreign = repo.store_at("f" * 40, "main")  # ingested for another repository, or a shallow clone
    assert repo.baseline_ids(repo.run_at(a, "main")) == [foreign.id]


def test_only_runs_of_its_own_commit_give_no_baseline_and_say_why(repo):
    a = repo.commit("A")
    first = repo.store_at(a, "main")
    again = repo.store_at(a, "main")
    base = repo.baseline(again)
    assert base.runs == ()
    assert "only runs of this same commit" in base.description
    outcome = app.gate_run(repo.workspace(), again, base)
    assert any("only runs of this same commit" in n for n in outcome.notes)
    # the user can still name it
    assert repo.baseline_ids(again, explicit=first.id) == [first.id]


def test_a_dirty_work_tree_is_compared_with_the_clean_runs_of_its_commit(repo):
    a = repo.commit("A")
    clean = repo.store_at(a, "main")
    repo.store_at(a, "main", dirty=True)
    head = repo.run_at(a, "main", dirty=True)
    assert repo.baseline_ids(head) == [clean.id]


# --- the noise model's history ------------------------------------------------------------------


def test_with_history_takes_main_s_runs_never_the_run_nor_its_commit(repo):
    ids = []
    for i in range(4):
        repo.write("README", f"{i}\n")
        ids.append(repo.store_at(repo.commit(f"main {i}"), "main").id)
    last = repo.git("rev-parse", "HEAD")
    rerun = repo.store_at(last, "main")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("lib.py", "x\n")
    repo.store_at(repo.commit("F"), "feature")  # a branch's run is no part of main's noise
    ws = repo.workspace()
    base = app.with_history(repo.store, ws, rerun, app.Baseline((), "none"))
    assert [r.id for r in base.history] == ids[:3][::-1]  # newest first; not the rerun nor its commit
    assert base.description == "none"
    assert [r.id for r in app.with_history(repo.store, ws, rerun, base, limit=2).history] == ids[1:3][::-1]


def test_with_history_follows_a_pull_request_s_base_ref(repo):
    repo.commit("A")
    repo.git("checkout", "-q", "-b", "release")
    on_release = repo.store_at(repo.commit("R"), "release")
    repo.store_at(repo.git("rev-parse", "main"), "main")
    repo.git("checkout", "-q", "-b", "fix")
    head = repo.run_at(repo.commit("F"), "fix", ci=CIInfo(provider="github", base_ref="release"))
    base = app.with_history(repo.store, repo.workspace(), head, app.Baseline((), "none"))
    assert [r.id for r in base.history] == [on_release.id]


# --- through ingest: real result files, the real checkout's git ---------------------------------


def test_ingest_gate_stores_then_judges_with_the_same_policy(repo, tmp_path):
    repo.commit("A")
    ws = repo.workspace()
    first = app.ingest_gate(ws, [GO], fmt="go")
    assert first.baseline_ids == () and first.passed
    repo.write("README", "B\n")
    b = repo.commit("B")
    second = app.ingest_gate(ws, [GO], fmt="go")
    assert second.baseline_ids == (first.run.id,)
    assert second.run.git is not None and second.run.git.commit == b and second.run.git.branch == "main"
    retry = app.ingest_gate(ws, [GO], fmt="go")  # a retried job at B: B's first run is not its baseline
    assert retry.baseline_ids == (first.run.id,)
    stored = {r.id for r in app.list_runs(ws)}
    assert stored == {first.run.id, second.run.id, retry.run.id}
