"""Real git repositories in a temporary directory sharing one bare remote, each with its own store."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from builders import RunFactory
from gitproject import GitProject
from perfgate.model import Run
from perfgate.store import open_store

PYPROJECT = """\
[project]
name = "demo"

[tool.perfgate]
main_branch = "main"
"""


class Clone(GitProject):
    """A checkout of the shared remote with its own store (a CI job's runner)."""

    def __init__(self, root: Path, remote: Path) -> None:
        super().__init__(root, testbed="ci-linux")
        self.remote = remote

    @property
    def db(self) -> Path:
        return self.root / ".perfgate" / "perfgate.db"

    def add(self, *runs: Run) -> None:
        with open_store(str(self.db)) as store:
            for run in runs:
                store.add_run(run)

    def run_ids(self) -> set[str]:
        if not self.db.exists():
            return set()
        with open_store(str(self.db), create=False, readonly=True) as store:
            return {i.id for i in store.list_runs(limit=None)}

    def get(self, run_id: str) -> Run:
        with open_store(str(self.db), create=False, readonly=True) as store:
            return store.get_run(run_id)


class Remote:
    def __init__(self, path: Path) -> None:
        self.path = path

    def git(self, *args: str) -> str:
        out = subprocess.run(
            ["git", f"--git-dir={self.path}", *args], check=True, capture_output=True, text=True
        )
        return out.stdout.strip()

    def files(self, branch: str = "perfgate-data") -> list[str]:
        return sorted(self.git("ls-tree", "-r", "--name-only", branch).splitlines())

    def has_branch(self, branch: str = "perfgate-data") -> bool:
        return bool(self.git("for-each-ref", f"refs/heads/{branch}"))


@pytest.fixture
def remote(tmp_path: Path) -> Remote:
    path = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(path)], check=True)
    return Remote(path)


@pytest.fixture
def clone(tmp_path: Path, remote: Remote):
    """``clone(name)``: a new checkout of the project with ``origin`` the shared remote."""

    def make(name: str) -> Clone:
        c = Clone(tmp_path / name, remote.path)
        c.init()
        c.write("pyproject.toml", PYPROJECT)
        c.write(".gitignore", ".perfgate/\n")
        c.commit("A")
        c.git("remote", "add", "origin", str(remote.path))
        return c

    return make


@pytest.fixture
def runs() -> RunFactory:
    return RunFactory()
