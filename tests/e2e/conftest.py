"""End-to-end helpers: real git repositories in tmp dirs and the real `perfgate` command."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitproject import LIB as CODE
from gitproject import GitProject

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


GO = Path(__file__).resolve().parents[1] / "data" / "go-bench" / "perf-suffixarray.bench"
"""Real Go benchmark output: canned results for tests of logic (ingested, nothing measured)."""


class Project(GitProject):
    def __init__(self, root: Path) -> None:
        super().__init__(root, testbed="e2e")


@pytest.fixture
def project(tmp_path: Path) -> Project:
    p = Project(tmp_path / "proj")
    p.init()
    p.write("pyproject.toml", PYPROJECT)
    p.write(".gitignore", ".perfgate/\n__pycache__/\n")
    p.write("lib.py", CODE.format(factor=1))
    p.write("bench/test_work.py", BENCH)
    p.commit("A")
    return p
