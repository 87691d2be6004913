"""git_info and friends against real repositories made with the real git."""

from __future__ import annotations

import stat
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from perfgate.context import (
    commit_times,
    git_info,
    is_ancestor,
    merge_base,
    repo_root,
    resolve_ref,
)
from perfgate.context.git import _run
from perfgate.errors import ContextError

from .conftest import Repo


def test_outside_a_repository_there_is_no_git_context(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    assert git_info(plain, {}) is None
    assert repo_root(plain) is None
    assert repo_root(tmp_path / "does-not-exist") is None
    with pytest.raises(ContextError, match="not inside a git work tree"):
        resolve_ref(plain, "HEAD")


def test_a_repository_without_commits_has_no_git_context(repo: Repo) -> None:
    assert git_info(repo.path, {}) is None
    assert repo_root(repo.path) == repo.path.resolve()


def test_plain_branch(repo: Repo) -> None:
    first = repo.commit("first", {"a.txt": "1"})
    second = repo.commit("add the parser\n\nlong body", {"b.txt": "2"})
    (repo.path / "sub").mkdir()

    info = git_info(repo.path / "sub", {})

    assert info is not None
    assert info.commit == second and len(info.commit) == 40
    assert info.branch == "main"
    assert info.dirty is False
    assert info.parents == (first,)
    assert info.commit_time == datetime.fromtimestamp(repo.last_time, UTC)
    assert info.commit_time is not None and info.commit_time.utcoffset() is not None
    assert info.subject == "add the parser"
    assert info.shallow is False


def test_root_commit_has_no_parents_and_a_file_path_works(repo: Repo) -> None:
    repo.commit("root", {"a.txt": "1"})
    info = git_info(repo.path / "a.txt", {})
    assert info is not None and info.parents == ()
    assert repo_root(repo.path / "a.txt") == repo.path.resolve()


def test_other_branch_name(repo: Repo) -> None:
    repo.commit("root", {"a.txt": "1"})
    repo.git("switch", "-q", "-c", "feature/fast-path")
    info = git_info(repo.path, {})
    assert info is not None and info.branch == "feature/fast-path"


def test_dirty_counts_tracked_changes_only(repo: Repo) -> None:
    repo.commit("root", {"a.txt": "1", "sub/b.txt": "2"})
    assert _dirty(repo) is False

    repo.write("untracked.txt", "new")
    repo.write("sub/also-untracked.txt", "new")
    assert _dirty(repo) is False

    repo.write("a.txt", "changed")
    assert _dirty(repo) is True

    repo.git("add", "a.txt")  # staged counts too
    assert _dirty(repo) is True

    repo.git("commit", "-qm", "commit it")
    assert _dirty(repo) is False

    (repo.path / "sub" / "b.txt").unlink()  # a deleted tracked file is a change
    assert _dirty(repo) is True


def test_perfgate_directory_never_makes_the_checkout_dirty(repo: Repo) -> None:
    # Even if someone committed files under .perfgate/ (top level or in a sub-project), perfgate
    # writing its database there must not mark the checkout dirty.
    repo.commit("root", {"a.txt": "1", ".perfgate/perfgate.db": "v1", "proj/.perfgate/runs.json": "v1"})
    repo.write(".perfgate/perfgate.db", "v2")
    repo.write("proj/.perfgate/runs.json", "v2")
    repo.write(".perfgate/perfgate.db-wal", "untracked")
    assert _dirty(repo) is False

    repo.write("a.txt", "changed")
    assert _dirty(repo) is True


def _dirty(repo: Repo) -> bool:
    info = git_info(repo.path, {})
    assert info is not None
    return info.dirty


GITHUB_PR = {
    "GITHUB_ACTIONS": "true",
    "GITHUB_REF": "refs/pull/12/merge",
    "GITHUB_HEAD_REF": "feature/x",
    "GITHUB_BASE_REF": "main",
}


def test_detached_head_has_no_branch_off_ci(repo: Repo) -> None:
    first = repo.commit("one", {"a.txt": "1"})
    repo.commit("two", {"a.txt": "2"})
    repo.git("checkout", "-q", "--detach", first)

    info = git_info(repo.path, {})

    assert info is not None and info.commit == first and info.branch is None


def test_detached_head_on_github_takes_the_pull_request_branch(repo: Repo) -> None:
    sha = repo.commit("one", {"a.txt": "1"})
    repo.git("checkout", "-q", "--detach", "HEAD")

    info = git_info(repo.path, {**GITHUB_PR, "GITHUB_SHA": sha})

    assert info is not None and info.branch == "feature/x"


def test_detached_head_on_github_push_takes_the_ref_branch(repo: Repo) -> None:
    repo.commit("one", {"a.txt": "1"})
    repo.git("checkout", "-q", "--detach", "HEAD")
    env = {"GITHUB_ACTIONS": "true", "GITHUB_REF": "refs/heads/release/2.0", "GITHUB_REF_NAME": "release/2.0"}

    info = git_info(repo.path, env)

    assert info is not None and info.branch == "release/2.0"


def test_detached_head_on_gitlab_takes_the_ci_branch(repo: Repo) -> None:
    repo.commit("one", {"a.txt": "1"})
    repo.git("checkout", "-q", "--detach", "HEAD")

    mr = {
        "GITLAB_CI": "true",
        "CI_COMMIT_REF_NAME": "mr-branch",
        "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME": "mr-branch",
    }
    pipeline = {"GITLAB_CI": "true", "CI_COMMIT_REF_NAME": "develop", "CI_COMMIT_BRANCH": "develop"}
    tag = {"GITLAB_CI": "true", "CI_COMMIT_REF_NAME": "v1.0", "CI_COMMIT_TAG": "v1.0"}

    assert _branch(repo, mr) == "mr-branch"
    assert _branch(repo, pipeline) == "develop"
    assert _branch(repo, tag) is None  # a tag pipeline builds no branch


def test_ci_branch_is_not_given_to_a_commit_the_ci_did_not_build(repo: Repo) -> None:
    # e.g. the base side of an A/B comparison checked out in the same job
    base = repo.commit("base", {"a.txt": "1"})
    head = repo.commit("head", {"a.txt": "2"})
    repo.git("checkout", "-q", "--detach", base)

    assert _branch(repo, {**GITHUB_PR, "GITHUB_SHA": head}) is None
    assert _branch(repo, {**GITHUB_PR, "GITHUB_SHA": base}) == "feature/x"


def test_a_checked_out_branch_wins_over_ci_variables(repo: Repo) -> None:
    repo.commit("one", {"a.txt": "1"})
    assert _branch(repo, GITHUB_PR) == "main"


def _branch(repo: Repo, environ: dict[str, str]) -> str | None:
    info = git_info(repo.path, environ)
    assert info is not None
    return info.branch


def test_merge_commit_has_both_parents_in_order(repo: Repo) -> None:
    repo.commit("root", {"a.txt": "1"})
    repo.git("switch", "-q", "-c", "feature")
    theirs = repo.commit("feature work", {"b.txt": "2"})
    repo.git("switch", "-q", "main")
    ours = repo.commit("main work", {"c.txt": "3"})
    repo.git("merge", "-q", "--no-ff", "--no-edit", "feature")

    info = git_info(repo.path, {})

    assert info is not None
    assert info.parents == (ours, theirs)
    assert info.subject == "Merge branch 'feature'"


@pytest.fixture
def history(repo: Repo) -> dict[str, str]:
    """main: root - m0 - m1 ; feature (from root): f1 ; tags v1 (annotated, at root), light (at m1)."""
    root = repo.commit("root", {"a.txt": "1"})
    repo.git("tag", "-a", "v1", "-m", "release 1")
    repo.git("switch", "-q", "-c", "feature")
    f1 = repo.commit("f1", {"b.txt": "2"})
    repo.git("switch", "-q", "main")
    m0 = repo.commit("m0", {"c.txt": "3"})
    m1 = repo.commit("m1", {"c.txt": "4"})
    repo.git("tag", "light")
    return {"root": root, "f1": f1, "m0": m0, "m1": m1}


def test_resolve_ref_names_of_all_kinds(repo: Repo, history: dict[str, str]) -> None:
    assert resolve_ref(repo.path, "main") == history["m1"]
    assert resolve_ref(repo.path, "feature") == history["f1"]
    assert resolve_ref(repo.path, "HEAD") == history["m1"]
    assert resolve_ref(repo.path, "HEAD~1") == history["m0"]
    assert resolve_ref(repo.path, "main^^") == history["root"]
    assert resolve_ref(repo.path, "v1") == history["root"]  # annotated tag peeled to its commit
    assert resolve_ref(repo.path, "light") == history["m1"]
    assert resolve_ref(repo.path, history["f1"][:10]) == history["f1"]
    assert resolve_ref(repo.path, history["f1"].upper()) == history["f1"]


@pytest.mark.parametrize("ref", ["no-such-branch", "v9", "deadbeef", "main~10"])
def test_resolve_ref_unknown_names_the_ref(repo: Repo, history: dict[str, str], ref: str) -> None:
    with pytest.raises(ContextError, match=f"'{ref}'"):
        resolve_ref(repo.path, ref)


@pytest.mark.parametrize("ref", ["", "--all", "-h", "a\nb"])
def test_resolve_ref_refuses_option_like_input(repo: Repo, history: dict[str, str], ref: str) -> None:
    with pytest.raises(ContextError, match="invalid git ref"):
        resolve_ref(repo.path, ref)


def test_merge_base_and_ancestry(repo: Repo, history: dict[str, str]) -> None:
    assert merge_base(repo.path, "main", "feature") == history["root"]
    assert merge_base(repo.path, "main", "main") == history["m1"]
    assert is_ancestor(repo.path, "v1", "feature") is True
    assert is_ancestor(repo.path, "feature", "main") is False
    assert is_ancestor(repo.path, "main", "main") is True
    with pytest.raises(ContextError, match="'nope'"):
        merge_base(repo.path, "main", "nope")


def test_merge_base_of_unrelated_histories_is_none(repo: Repo) -> None:
    repo.commit("root", {"a.txt": "1"})
    repo.git("switch", "-q", "--orphan", "other")
    repo.commit("other root", {"z.txt": "9"})
    assert merge_base(repo.path, "main", "other") is None
    assert is_ancestor(repo.path, "main", "other") is False


def test_commit_times_keyed_as_given(repo: Repo, history: dict[str, str]) -> None:
    root, f1, m1 = history["root"], history["f1"], history["m1"]
    times = commit_times(repo.path, [m1, root, "v1", f1[:12], "0" * 40, "nope", m1])

    assert set(times) == {m1, root, "v1", f1[:12]}
    assert times["v1"] == times[root]
    assert times[root] < times[f1[:12]] < times[m1]
    assert times[m1] == datetime.fromtimestamp(repo.last_time, UTC)
    info = git_info(repo.path, {})
    assert info is not None and info.commit_time == times[m1]
    assert commit_times(repo.path, []) == {}


def test_shallow_clone(tmp_path: Path, repo: Repo, history: dict[str, str]) -> None:
    clone = tmp_path / "clone"
    repo.git("clone", "-q", "--depth", "1", "--no-single-branch", f"file://{repo.path}", str(clone))

    info = git_info(clone, {})

    assert info is not None
    assert info.shallow is True
    assert info.commit == history["m1"]
    assert info.branch == "main"
    assert info.parents == ()  # the parent lies beyond the shallow boundary
    assert info.commit_time == datetime.fromtimestamp(repo.last_time, UTC)
    assert resolve_ref(clone, "origin/feature") == history["f1"]
    assert merge_base(clone, "HEAD", "origin/feature") is None  # history not fetched
    assert is_ancestor(clone, "origin/feature", "HEAD") is False
    assert commit_times(clone, [history["m1"], history["m0"]]).keys() == {history["m1"]}


def test_shallow_clone_detached_on_ci(tmp_path: Path, repo: Repo, history: dict[str, str]) -> None:
    clone = tmp_path / "clone"
    repo.git("clone", "-q", "--depth", "1", f"file://{repo.path}", str(clone))
    Repo(clone).git("checkout", "-q", "--detach", "HEAD")

    info = git_info(clone, {**GITHUB_PR, "GITHUB_SHA": history["m1"]})

    assert info is not None and info.shallow and info.branch == "feature/x"


def test_missing_git_executable_is_a_context_error(tmp_path: Path) -> None:
    with pytest.raises(ContextError, match="not installed"):
        _run(tmp_path, ["status"], executable=str(tmp_path / "no-git-here"))


def test_a_hanging_git_is_cut_off(tmp_path: Path) -> None:
    fake = tmp_path / "git"
    fake.write_text("#!/bin/sh\nexec sleep 30\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    with pytest.raises(ContextError, match="did not finish"):
        _run(tmp_path, ["status"], timeout=0.2, executable=str(fake))


def test_many_repositories(make_repo: Callable[[str], Repo]) -> None:
    # nested repositories: the innermost one is the context
    outer = make_repo("outer")
    outer.commit("outer", {"a.txt": "1"})
    inner = make_repo("outer/inner")
    inner_sha = inner.commit("inner", {"b.txt": "2"})
    info = git_info(inner.path, {})
    assert info is not None and info.commit == inner_sha
    assert repo_root(inner.path) == inner.path.resolve()


def test_linked_worktree_of_the_base_commit(tmp_path: Path, repo: Repo) -> None:
    # what an A/B run does: the base commit checked out beside the head, in the same CI job
    base = repo.commit("base", {"a.txt": "1"})
    head = repo.commit("head", {"a.txt": "2"})
    worktree = tmp_path / "base-tree"
    repo.git("worktree", "add", "-q", "--detach", str(worktree), base)
    environ = {**GITHUB_PR, "GITHUB_SHA": head}

    base_info = git_info(worktree, environ)
    head_info = git_info(repo.path, environ)

    assert base_info is not None and head_info is not None
    assert (base_info.commit, base_info.branch, base_info.dirty) == (base, None, False)
    assert (head_info.commit, head_info.branch) == (head, "main")
    assert repo_root(worktree) == worktree.resolve()
    assert resolve_ref(worktree, "main") == head


def test_inside_the_git_directory_there_is_no_work_tree(repo: Repo) -> None:
    repo.commit("root", {"a.txt": "1"})
    assert git_info(repo.path / ".git", {}) is None
