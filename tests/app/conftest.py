"""A real git repository, a real SQLite store and canned runs: the baseline policy without measuring."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from builders import RunFactory
from gitproject import GitProject
from perfgate import app
from perfgate.model import CIInfo, GitInfo, Run, RunStatus
from perfgate.store import SqlStore, open_store

PYPROJECT = """\
[project]
name = "demo"

[tool.perfgate]
main_branch = "main"
"""


class Repo(GitProject):
    """A git project whose commits get canned runs (nothing is measured): ``run_at`` builds one,
    ``store_at`` stores it too, as CI would have at that commit."""

    def __init__(self, root: Path, db: Path, store: SqlStore) -> None:
        super().__init__(root, testbed="ci-linux")
        self.db = db
        self.store = store
        self.make = RunFactory()

    def commit(self, message: str) -> str:
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self.git("rev-parse", "HEAD")

    def workspace(self) -> app.Workspace:
        return app.Workspace.discover(self.root, environ=self.env, store_url=str(self.db))

    def run_at(
        self,
        commit: str,
        branch: str | None = None,
        *,
        dirty: bool = False,
        status: RunStatus = RunStatus.COMPLETE,
        ci: CIInfo | None = None,
        tier: str | None = None,
    ) -> Run:
        run = self.make(project="demo", status=status, ci=ci, tier=tier, testbed="ci-linux")
        return replace(run, git=GitInfo(commit=commit, branch=branch, dirty=dirty))

    def store_at(self, commit: str, branch: str | None = None, **kw: object) -> Run:
        run = self.run_at(commit, branch, **kw)  # type: ignore[arg-type]
        self.store.add_run(run)
        return run

    def baseline(self, run: Run, *, explicit: str | None = None) -> app.Baseline:
        return app.select_baseline(self.store, self.workspace(), run, explicit=explicit)

    def baseline_ids(self, run: Run, *, explicit: str | None = None) -> list[str]:
        return [r.id for r in self.baseline(run, explicit=explicit).runs]


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[Repo]:
    db = tmp_path / "perfgate.db"
    with open_store(db) as store:
        r = Repo(tmp_path / "proj", db, store)
        r.init()
        r.write("pyproject.toml", PYPROJECT)
        yield r
