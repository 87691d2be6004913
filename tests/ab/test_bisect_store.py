"""`perfgate bisect` judged from stored runs: a real git repository, a real SQLite store of canned runs,
the real command in-process. Nothing is measured: a step that needed measuring would start pytest workers
in a project without benchmarks and fail."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from builders import RunFactory, make_result
from gitproject import GitProject
from perfgate.ab.bisect import Mark, run_bisect
from perfgate.app import Workspace
from perfgate.config import load_config
from perfgate.store import open_store

PYPROJECT = """\
[project]
name = "demo"

[tool.perfgate]
benchmarks = ["bench"]
"""

NAME = "bench/test_b.py::test_work"
TESTBED = "bisect-test"
FAST = [1.00e-3, 1.01e-3, 0.99e-3, 1.02e-3, 0.98e-3, 1.00e-3, 1.03e-3, 0.97e-3, 1.01e-3, 0.99e-3] * 2
SLOW = [v * 1.3 for v in FAST]


@pytest.fixture
def repo(tmp_path: Path) -> tuple[GitProject, list[str]]:
    """16 commits: ``shas[0]`` is good, ``shas[9]`` (subject 'slow \\x1b[31m down') made it slower."""
    r = GitProject(tmp_path / "proj", testbed=TESTBED)
    r.init()
    r.write("pyproject.toml", PYPROJECT)
    r.write(".gitignore", ".perfgate/\n")
    shas = []
    for i in range(16):
        r.write("n.txt", f"{i}\n")
        shas.append(r.commit("slow \x1b[31m down" if i == 9 else f"commit {i}"))
    return r, shas


def _store(r: GitProject, shas: list[str], slow_from: int, *, skip: tuple[int, ...] = ()) -> None:
    make = RunFactory()
    with open_store(str(r.root / ".perfgate" / "perfgate.db")) as store:
        for i, sha in enumerate(shas):
            if i in skip:
                continue
            samples = SLOW if i >= slow_from else FAST
            store.add_run(make(commit=sha, testbed=TESTBED, results=[make_result(NAME, samples=samples)]))


def test_every_step_from_the_store_names_the_culprit(repo: tuple[GitProject, list[str]]) -> None:
    r, shas = repo
    _store(r, shas, slow_from=9)
    ws = Workspace(load_config(r.root), r.env)
    result = run_bisect(ws, good=shas[0], bad=shas[15], benchmark="test_work")
    assert result.culprit is not None and result.culprit.sha == shas[9]
    assert result.benchmark == NAME  # the substring resolved against the store
    assert result.commits == 15
    assert all(s.source == "store" for s in result.steps)
    assert len(result.steps) == 5  # bad, then log2(15) rounded up
    assert result.steps[0].commit.sha == shas[15] and result.steps[0].mark is Mark.BAD
    step = result.step_of(result.culprit)
    assert step is not None and step.verdict is not None
    assert step.verdict.change == pytest.approx(0.3, abs=0.02)


def test_the_command_prints_the_culprit_escaped_and_the_steps(repo: tuple[GitProject, list[str]]) -> None:
    r, shas = repo
    _store(r, shas, slow_from=9)
    cp = r.perfgate_here("bisect", "--good", shas[0], "--bad", shas[15], "test_work")
    assert cp.code == 0, cp.stderr
    lines = cp.stdout.splitlines()
    assert lines[1] == f"culprit: {shas[9][:8]} slow \\x1b[31m down"  # the subject shown, never acted on
    assert "\x1b" not in cp.stdout
    assert lines[2].startswith("  time +30.0% [") and lines[2].endswith(f"against good {shas[0][:8]}")
    assert lines[4].split() == ["step", "commit", "verdict", "change", "from"]
    assert lines[5].split()[:3] == ["1", shas[15][:8], "bad"]
    assert lines[-1] == "5 of 5 steps judged from stored runs"
    cp = r.perfgate_here("bisect", "--good", shas[0], "--bad", shas[15], "test_work", "--format", "json")
    doc = json.loads(cp.stdout)
    assert doc["culprit"]["sha"] == shas[9]
    assert [s["source"] for s in doc["steps"]] == ["store"] * 5


def test_bad_not_slower_than_good_exits_1(repo: tuple[GitProject, list[str]]) -> None:
    r, shas = repo
    _store(r, shas, slow_from=99)
    cp = r.perfgate_here("bisect", "--good", shas[0], "--bad", shas[15], NAME)
    assert cp.code == 1, cp.stderr
    assert cp.stdout.splitlines()[1].startswith("bad is not slower than good: unchanged")
    assert "culprit" not in cp.stdout


def test_the_last_commit_can_be_the_culprit(repo: tuple[GitProject, list[str]]) -> None:
    r, shas = repo
    _store(r, shas, slow_from=15)
    ws = Workspace(load_config(r.root), r.env)
    result = run_bisect(ws, good=shas[0], bad=shas[15], benchmark=NAME)
    assert result.culprit is not None and result.culprit.sha == shas[15]


@pytest.mark.parametrize(
    ("good", "bad", "message"),
    [
        ("nosuchref", "HEAD", "unknown or ambiguous git ref 'nosuchref'"),
        ("HEAD", "HEAD~3", "is not an ancestor of bad 'HEAD~3'"),
        ("HEAD", "HEAD", "are the same commit"),
    ],
)
def test_bad_refs_exit_2_with_one_line(
    repo: tuple[GitProject, list[str]], good: str, bad: str, message: str
) -> None:
    r, _ = repo
    cp = r.perfgate_here("bisect", "--good", good, "--bad", bad, NAME)
    assert cp.code == 2
    assert message in cp.stderr and len(cp.stderr.strip().splitlines()) == 1


def test_another_metric_is_judged_from_the_store_and_never_measured(
    repo: tuple[GitProject, list[str]],
) -> None:
    r, shas = repo
    make = RunFactory()
    with open_store(str(r.root / ".perfgate" / "perfgate.db")) as store:
        for i, sha in enumerate(shas[:-1]):  # bad has no stored run
            n = 1300.0 if i >= 9 else 1000.0
            result = make_result(NAME, "instructions", samples=[n] * 5, unit="count")
            store.add_run(make(commit=sha, testbed=TESTBED, results=[result]))
    cp = r.perfgate_here("bisect", "--good", shas[0], "--bad", shas[14], "--metric", "instructions", NAME)
    assert cp.code == 0, cp.stderr
    assert cp.stdout.splitlines()[1].startswith(f"culprit: {shas[9][:8]} ")
    cp = r.perfgate_here("bisect", "--good", shas[0], "--bad", shas[15], "--metric", "instructions", NAME)
    assert cp.code == 2
    assert f"measures time only; commit {shas[15][:8]} has no stored instructions results" in cp.stderr
