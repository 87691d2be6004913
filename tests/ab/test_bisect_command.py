"""`perfgate bisect` end to end: a real git repository of 8 commits, one of which makes a benchmark 30%
slower; the real command measures in git worktrees with real workers and names that commit (8 commits:
bad, then log2(7) rounded up = 3 halvings, so the search still takes more than one step each way)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gitproject import GitProject

PYPROJECT = """\
[project]
name = "bisectdemo"

[tool.perfgate]
benchmarks = ["bench"]
default_tier = "fast"

[tool.perfgate.tiers.fast]
max_time = "0.1s"
"""

# About 1 ms of pure-Python work for SIZE = 20000 on a slow runner; SIZE * 1.3 makes it 30% slower.
SIZE = "SIZE = {size}\n"
BENCH = """\
from size import SIZE


def spin(n):
    total = 0
    for i in range(n):
        total += i * i
    return total


def test_spin(benchmark):
    assert benchmark(spin, SIZE) > 0


def test_other(benchmark):
    assert benchmark(sum, range(100)) > 0
"""


@pytest.mark.measuring
def test_bisect_names_the_commit_that_made_the_benchmark_30_percent_slower(tmp_path: Path) -> None:
    r = GitProject(tmp_path / "proj", testbed="bisect-e2e")
    r.init()
    r.write("pyproject.toml", PYPROJECT)
    r.write(".gitignore", ".perfgate/\n__pycache__/\n")
    r.write("bench/test_b.py", BENCH)
    shas = []
    for i in range(8):
        r.write("size.py", SIZE.format(size=26000 if i >= 5 else 20000))
        r.write("notes.txt", f"change {i}\n")
        shas.append(r.commit(f"commit {i}" if i != 5 else "grow the work by 30%"))
    cp = r.perfgate(
        "bisect", "--good", shas[0], "--bad", shas[7], "--threshold", "12%", "--episodes", "12",
        "spin", "--format", "json",
    )  # fmt: skip
    assert cp.code == 0, cp.stderr
    doc = json.loads(cp.stdout)
    assert doc["culprit"] == {"sha": shas[5], "subject": "grow the work by 30%"}, doc["steps"]
    assert doc["benchmark"] == "bench/test_b.py::test_spin"
    assert doc["steps"][0]["commit"]["sha"] == shas[7] and doc["steps"][0]["mark"] == "bad"
    assert all(s["source"].startswith("measured") for s in doc["steps"])
    assert len(doc["steps"]) <= 5  # bad, log2(7) rounded up, at most one skip
    assert "perfgate: bisect step 1 of ~4" in cp.stderr  # progress lines where stderr is not a TTY
    assert r.worktrees() == [f"worktree {r.root}"]  # every temporary worktree is gone

    # Again: every step is now judged from the runs the first bisect stored, nothing is measured.
    again = r.perfgate_here("bisect", "--good", shas[0], "--bad", shas[7], "--threshold", "12%", "spin")
    assert again.code == 0, again.stderr
    assert again.stdout.splitlines()[1] == f"culprit: {shas[5][:8]} grow the work by 30%"
    assert again.stdout.splitlines()[-1].endswith("steps judged from stored runs")


@pytest.mark.measuring
def test_a_benchmark_no_commit_has_exits_2(tmp_path: Path) -> None:
    r = GitProject(tmp_path / "proj", testbed="bisect-e2e")
    r.init()
    r.write("pyproject.toml", PYPROJECT)
    r.write(".gitignore", ".perfgate/\n__pycache__/\n")
    r.write("bench/test_b.py", BENCH)
    r.write("size.py", SIZE.format(size=100))
    good = r.commit("good")
    r.write("notes.txt", "x\n")
    r.commit("bad")
    cp = r.perfgate("bisect", "--good", good, "--bad", "HEAD", "no_such_bench")
    assert cp.code == 2
    assert "no benchmark matches 'no_such_bench'" in cp.stderr
    assert r.worktrees() == [f"worktree {r.root}"]
