"""Two CI jobs on ephemeral runners keep one history with `perfgate sync` (GitHub Actions' variables set)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from .conftest import Project


def github(project: Project, tmp_path: Path, run_id: int) -> None:
    """The variables a GitHub Actions push job on main has, with its event payload file."""
    event = tmp_path / f"event-{run_id}.json"
    sha = project.git("rev-parse", "HEAD")
    event.write_text(json.dumps({"ref": "refs/heads/main", "after": sha, "repository": {"full_name": "o/r"}}))
    project.env.update(
        GITHUB_ACTIONS="true", CI="true", GITHUB_EVENT_NAME="push", GITHUB_EVENT_PATH=str(event),
        GITHUB_REF="refs/heads/main", GITHUB_REF_NAME="main", GITHUB_SHA=sha, GITHUB_RUN_ID=str(run_id),
        GITHUB_JOB="bench", GITHUB_REPOSITORY="o/r", GITHUB_SERVER_URL="https://github.example",
    )  # fmt: skip


@pytest.mark.measuring
def test_the_second_job_is_judged_against_the_first_jobs_run(project, tmp_path):
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    project.git("remote", "add", "origin", str(remote))
    project.git("push", "-q", "origin", "main")

    # job 1, on the commit A: nothing stored anywhere yet
    github(project, tmp_path, 1)
    assert project.perfgate("sync").code == 0
    first = project.perfgate("run", "--tier", "fast", "--format", "json")
    assert first.code == 0, first.stderr
    first_id = first.json()["run"]["id"]
    pushed = project.perfgate("sync")
    assert pushed.code == 0, pushed.stderr
    assert "pushed 1, created the branch" in pushed.stderr

    # job 2: a fresh runner (a new clone, no store) on the next commit of main
    job2 = Project(tmp_path / "job2")
    subprocess.run(["git", "clone", "-q", str(remote), str(job2.root)], check=True, env=job2.env)
    job2.write("README", "B\n")
    job2.commit("B")
    job2.git("push", "-q", "origin", "main")
    github(job2, tmp_path, 2)
    pulled = job2.perfgate("sync")
    assert pulled.code == 0, pulled.stderr
    assert "pulled 1 run(s), pushed 0" in pulled.stderr
    second = job2.perfgate("run", "--tier", "fast", "--format", "json")
    report = second.json()
    assert report["baseline"]["run_ids"] == [first_id]  # the history survived the first runner
    assert report["run"]["ci"]["run_id"] == "2"
    assert job2.perfgate("sync").code == 0
    files = subprocess.run(
        ["git", f"--git-dir={remote}", "ls-tree", "-r", "--name-only", "perfgate-data"],
        check=True, capture_output=True, text=True,
    ).stdout.split()  # fmt: skip
    assert sorted(Path(f).stem for f in files) == sorted([first_id, report["run"]["id"]])
    # the checkouts were left as they were: no data branch checked out, nothing staged
    assert job2.git("status", "--porcelain") == "" and job2.git("branch", "--show-current") == "main"
