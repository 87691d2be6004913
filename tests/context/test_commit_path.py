"""The commits `perfgate bisect` searches: bad's first-parent line after good, in a real repository."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitproject import GitProject
from perfgate.context import commit_path, commit_subject
from perfgate.errors import ContextError


def test_first_parent_commits_after_good_oldest_first_with_subjects(tmp_path: Path) -> None:
    r = GitProject(tmp_path / "repo", testbed="t")
    r.init()
    r.write("a", "0")
    good = r.commit("good")
    r.write("a", "1")
    one = r.commit("one")
    r.git("checkout", "-q", "-b", "topic")
    r.write("b", "x")
    side = r.commit("on the topic branch")
    r.git("checkout", "-q", "main")
    r.write("a", "2")
    two = r.commit("two")
    r.git("merge", "-q", "--no-ff", "-m", "merge topic", "topic")
    merge = r.git("rev-parse", "HEAD")
    path = commit_path(r.root, good, "HEAD")
    assert path == [(one, "one"), (two, "two"), (merge, "merge topic")]  # the topic's commit is stepped over
    assert side not in [sha for sha, _ in path]
    assert commit_path(r.root, good, good) == []
    assert commit_subject(r.root, "HEAD~1") == "two"
    with pytest.raises(ContextError, match="is not an ancestor of bad"):
        commit_path(r.root, side, two)
