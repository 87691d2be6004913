"""End-to-end helpers: real git repositories in tmp dirs and the real `perfgate` command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

PYPROJECT = """\
[project]
name = "e2e"

[tool.pytest.ini_options]
testpaths = ["bench"]

[tool.perfgate]
benchmarks = ["bench"]
main_branch = "main"

[tool.perfgate.thresholds]
time = "25%"

[tool.perfgate.tiers.fast]
max_time = "0.15s"
"""

CODE = """\
def work(n):
    total = 0
    for i in range({factor} * n):
        total += i * i
    return total


def cheap(n):
    return sum(range(n))
"""

BENCH = """\
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lib import cheap, work


def test_work(benchmark):
    assert benchmark(work, 2000) > 0


def test_cheap(benchmark):
    assert benchmark(cheap, 2000) > 0
"""


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    def json(self):
        return json.loads(self.stdout)


class Project:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.env = {
            k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "GITLAB", "CI", "PERFGATE_"))
        }
        self.env.update(
            GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.invalid", GIT_COMMITTER_NAME="t",
            GIT_COMMITTER_EMAIL="t@example.invalid", NO_COLOR="1", PERFGATE_TESTBED="e2e",
        )

    def git(self, *args: str) -> str:
        out = subprocess.run(["git", *args], cwd=self.root, env=self.env, check=True, capture_output=True, text=True)
        return out.stdout.strip()

    def write(self, rel: str, text: str) -> None:
        p = self.root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")

    def commit(self, message: str) -> str:
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)
        return self.git("rev-parse", "HEAD")

    def perfgate(self, *args: str, stdin: str | None = None) -> Result:
        proc = subprocess.run(
            [sys.executable, "-m", "perfgate", *args], cwd=self.root, env=self.env, capture_output=True,
            text=True, input=stdin, timeout=600,
        )
        return Result(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def project(tmp_path: Path) -> Project:
    p = Project(tmp_path / "proj")
    p.root.mkdir()
    p.git("init", "-q", "-b", "main")
    p.write("pyproject.toml", PYPROJECT)
    p.write(".gitignore", ".perfgate/\n__pycache__/\n")
    p.write("lib.py", CODE.format(factor=1))
    p.write("bench/test_work.py", BENCH)
    p.commit("A")
    return p
