"""Real git repositories built in tmp_path for the context tests."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

# Fixed, distinct timestamps so commit times are known answers.
T0 = 1_700_000_000


class Repo:
    """A throw-away git repository driven through the real git executable."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._clock = T0

    def git(self, *args: str, env: dict[str, str] | None = None) -> str:
        full_env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "LC_ALL": "C", **(env or {})}
        cp = subprocess.run(
            ["git", *args], cwd=self.path, env=full_env, capture_output=True, text=True, check=False
        )
        if cp.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} failed: {cp.stderr}")
        return cp.stdout.strip()

    def write(self, name: str, text: str) -> Path:
        path = self.path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return path

    def commit(self, message: str, files: dict[str, str] | None = None) -> str:
        """Write ``files`` (relative path -> content), commit everything, return the new sha."""
        for name, text in (files or {}).items():
            self.write(name, text)
        self.git("add", "-A")
        self._clock += 60
        stamp = f"@{self._clock} +0200"
        self.git(
            "commit", "-q", "--allow-empty", "-m", message,
            env={"GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp},
        )  # fmt: skip
        return self.git("rev-parse", "HEAD")

    @property
    def last_time(self) -> int:
        return self._clock


def init_repo(path: Path) -> Repo:
    path.mkdir(parents=True, exist_ok=True)
    repo = Repo(path)
    repo.git("-c", "init.defaultBranch=main", "init", "-q")
    repo.git("config", "user.name", "Perf Gate")
    repo.git("config", "user.email", "perfgate@example.invalid")
    repo.git("config", "commit.gpgsign", "false")
    repo.git("config", "tag.gpgsign", "false")
    return repo


@pytest.fixture
def make_repo(tmp_path: Path) -> Callable[[str], Repo]:
    def make(name: str = "repo") -> Repo:
        return init_repo(tmp_path / name)

    return make


@pytest.fixture
def repo(make_repo: Callable[[str], Repo]) -> Repo:
    return make_repo("repo")
