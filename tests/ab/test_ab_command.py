"""`perfgate ab` end to end: a real git repository with two commits, the real command, real workers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gitproject import LIB, GitProject
from perfgate.ab import DEFAULT_EPISODES, run_ab

PYPROJECT = """\
[project]
name = "abdemo"

[tool.perfgate]
benchmarks = ["bench"]
default_tier = "fast"

[tool.perfgate.tiers.fast]
max_time = "0.05s"
"""

BENCH = """\
from lib import cheap, work


def test_work(benchmark):
    assert benchmark(work, 300) > 0


def test_cheap(benchmark):
    assert benchmark(cheap, 300) > 0


def test_flaky(benchmark):
    benchmark(cheap, {flaky})
"""

NEW = """\
from lib import cheap


def test_new(benchmark):
    benchmark(cheap, 10)
"""


class Repo(GitProject):
    def __init__(self, root: Path) -> None:
        super().__init__(root, testbed="ab-test")


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    r = Repo(tmp_path / "proj")
    r.init()
    r.write("pyproject.toml", PYPROJECT)
    r.write(".gitignore", ".perfgate/\n__pycache__/\n")
    r.write("lib.py", LIB.format(factor=1))
    r.write("bench/test_b.py", BENCH.format(flaky="3"))
    r.commit("base")
    return r


def _verdicts(stdout: str) -> dict[str, str]:
    report = json.loads(stdout)
    return {v["benchmark"].split("::")[-1]: v["status"] for v in report["verdicts"]}


@pytest.mark.measuring
def test_slower_head_is_a_regression_new_and_failed_benchmarks_reported(repo: Repo) -> None:
    repo.write("lib.py", LIB.format(factor=3))  # work() three times slower; cheap() unchanged
    repo.write("bench/test_b.py", BENCH.format(flaky="None"))  # sum(range(None)) raises TypeError
    repo.write("bench/test_new.py", NEW)
    repo.commit("head")
    cp = repo.perfgate("ab", "--base", "HEAD~1", "--head", "HEAD", "--threshold", "50%", "--format", "json")
    assert cp.code == 1, cp.stderr
    verdicts = _verdicts(cp.stdout)
    assert verdicts["test_work"] == "regression"
    assert verdicts["test_cheap"] not in ("regression", "failed")
    assert verdicts["test_flaky"] == "failed"
    assert verdicts["test_new"] == "new"
    report = json.loads(cp.stdout)
    flaky = next(v for v in report["verdicts"] if v["benchmark"].endswith("test_flaky"))
    assert "TypeError" in json.dumps(flaky)
    assert repo.worktrees() == [f"worktree {repo.root}"]  # the temporary worktrees are gone
    assert "stored runs" in cp.stderr
    # both runs are stored, tagged ab; head carries the head commit
    head_id = report["run"]["id"]
    shown = json.loads(repo.perfgate_here("show", head_id, "--format", "json").stdout)
    assert "ab" in shown["run"]["tags"]
    assert shown["run"]["git"]["commit"] == repo.git("rev-parse", "HEAD")
    # judged on paired episodes; each stored sample records its episode (the paired unit, in "blocks")
    # and its ABBA block, so the run can be re-analysed either way
    work = next(v for v in report["verdicts"] if v["benchmark"].endswith("test_work"))
    assert work["method"] == "paired-blocks-signed-rank"
    assert f"{DEFAULT_EPISODES} paired blocks" in json.dumps(work)
    stored = next(r for r in shown["run"]["results"] if r["benchmark"]["name"].endswith("test_work"))
    extra = stored["extra"]
    assert extra["unit"] == "episode" and extra["episodes"] == DEFAULT_EPISODES
    blocks, turns = extra["blocks"], extra["turn_blocks"]
    assert len(blocks) == len(turns) == len(stored["samples"])
    assert blocks == sorted(blocks) and sorted(set(blocks)) == list(range(DEFAULT_EPISODES))
    assert turns == sorted(turns) and turns[0] == 0
    # a benchmark only one side has is measured once, alone
    new = next(r for r in shown["run"]["results"] if r["benchmark"]["name"].endswith("test_new"))
    assert new["extra"] == {"mode": "ab", "interleaved": False}


@pytest.mark.measuring
def test_identical_code_passes_and_a_dirty_working_tree_is_the_head(repo: Repo) -> None:
    repo.write("NOTES.txt", "not code\n")  # an uncommitted change: the head is the working tree, dirty
    repo.git("add", "NOTES.txt")
    # three episodes, not the default 24: the verdicts' shape is the point (the default's count is
    # checked by the test above)
    cp = repo.perfgate(
        "ab", "--base", "main", "--episodes", "3", "--threshold", "50%", "--format", "json", "--no-store"
    )
    assert cp.code == 0, cp.stderr
    verdicts = _verdicts(cp.stdout)
    assert set(verdicts) == {"test_work", "test_cheap", "test_flaky"}
    assert "regression" not in verdicts.values() and "failed" not in verdicts.values()
    report = json.loads(cp.stdout)
    assert report["run"]["git"]["dirty"] is True
    assert any("working tree" in n for n in report["notes"])
    assert repo.worktrees() == [f"worktree {repo.root}"]
    assert not (repo.root / ".perfgate").exists()  # --no-store


def test_unknown_base_is_a_one_line_error(repo: Repo) -> None:
    cp = repo.perfgate("ab", "--base", "no-such-ref")
    assert cp.code == 2
    assert cp.stderr.count("\n") == 1 and "no-such-ref" in cp.stderr
    assert repo.worktrees() == [f"worktree {repo.root}"]


@pytest.mark.parametrize(
    ("episodes", "fork", "unit"), [(1, True, "block"), (3, False, "episode"), (3, True, "episode")]
)
@pytest.mark.measuring
def test_episodes_in_forks_in_the_worker_or_one_measurement_of_paired_blocks(
    repo: Repo, episodes: int, fork: bool, unit: str
) -> None:
    from perfgate.app import Workspace
    from perfgate.model import Status

    repo.write("NOTES.txt", "not code\n")
    repo.commit("head")
    ws = Workspace.discover(repo.root, environ=repo.env)
    res = run_ab(
        ws, base="HEAD~1", head="HEAD", threshold=0.5, episodes=episodes, fork=fork, store_runs=False
    )
    assert {v.status for v in res.outcome.verdicts} <= {Status.UNCHANGED, Status.INCONCLUSIVE}
    for run in (res.base, res.head):
        for r in run.results:
            assert r.error is None and r.extra["unit"] == unit
            blocks = r.extra["blocks"]
            assert len(blocks) == len(r.samples)
            if unit == "episode":
                assert sorted(set(blocks)) == list(range(episodes)) and r.extra["episodes"] == episodes
                assert len(r.extra["turn_blocks"]) == len(r.samples)
            else:
                assert "turn_blocks" not in r.extra and blocks[0] == 0
    assert repo.worktrees() == [f"worktree {repo.root}"]


@pytest.mark.measuring
def test_episodes_from_the_command_line(repo: Repo) -> None:
    repo.write("NOTES.txt", "not code\n")
    repo.commit("head")
    cp = repo.perfgate(
        "ab",
        "--base",
        "HEAD~1",
        "--head",
        "HEAD",
        "--episodes",
        "2",
        "--threshold",
        "50%",
        "--format",
        "json",
    )
    assert cp.code == 0, cp.stderr
    head_id = json.loads(cp.stdout)["run"]["id"]
    shown = json.loads(repo.perfgate_here("show", head_id, "--format", "json").stdout)
    paired = [r for r in shown["run"]["results"] if r["extra"].get("interleaved")]
    assert paired and all(r["extra"]["episodes"] == 2 for r in paired)

    bad = repo.perfgate_here("ab", "--base", "HEAD~1", "--episodes", "0")
    assert bad.code == 2
    assert "--episodes" in bad.stderr and "expected a whole number >= 1" in bad.stderr
    helptext = repo.perfgate("ab", "--help").stdout
    assert f"default: {DEFAULT_EPISODES}" in " ".join(helptext.split())


STALL = """\
import time

calls = 0


def stall():
    global calls
    calls += 1
    if calls > 2000:
        time.sleep(30)  # a call that hangs, well past the tier's timeout


def test_stall(benchmark):
    benchmark(stall)
"""


@pytest.mark.measuring
def test_a_call_past_the_tier_timeout_fails_that_benchmark_and_the_rest_is_measured(repo: Repo) -> None:
    # The tier's timeout reaches ab's workers as it reaches `perfgate run`'s pytest (one builder).
    repo.write("pyproject.toml", PYPROJECT + 'timeout = "1s"\n')
    repo.commit("a timeout")
    repo.write("bench/test_stall.py", STALL)
    repo.commit("head")
    cp = repo.perfgate(
        "ab",
        "--base",
        "HEAD~1",
        "--head",
        "HEAD",
        "--episodes",
        "3",
        "--threshold",
        "50%",
        "--format",
        "json",
    )
    assert cp.code == 1, cp.stderr
    report = json.loads(cp.stdout)
    stall = next(v for v in report["verdicts"] if v["benchmark"].endswith("test_stall"))
    assert stall["status"] == "failed" and "timed out after 1s" in stall["reason"]
    assert _verdicts(cp.stdout)["test_work"] not in ("failed", "new")


@pytest.mark.measuring
def test_the_configured_default_tier_is_the_one_ab_measures_with(repo: Repo) -> None:
    from perfgate.app import Workspace

    pyproject = PYPROJECT.replace('default_tier = "fast"', 'default_tier = "pr"')
    pr = '\n[tool.perfgate.tiers.pr]\nmax_time = "0.05s"\nselect = ["-k", "cheap"]\n'
    repo.write("pyproject.toml", pyproject + pr)
    repo.commit("head")
    ws = Workspace.discover(repo.root, environ=repo.env)
    res = run_ab(ws, base="HEAD~1", head="HEAD", threshold=0.5, episodes=1, store_runs=False)
    assert res.head.tier == "pr" and res.base.tier == "pr"
    assert [r.benchmark.name.split("::")[-1] for r in res.head.results] == ["test_cheap"]
