"""Fake forges, event payloads in GitHub's shapes, reports, and the CLI run in-process."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from perfgate.cli.main import main
from perfgate.report import ReportSummary, render_summary

from .forge import State, github, gitlab, serve

TOKEN = "ghs_s3cretT0kenValue1234567890"
READ_TOKEN = "ghs_readOnlyToken0987654321"
NOCHECKS_TOKEN = "ghp_personalTokenNoChecks42"
HEAD = "a" * 40  # the pull request's head commit
MERGE = "m" * 40  # the merge commit GITHUB_SHA names on a pull_request event


def report(*, regressions: int = 0, improvements: int = 0, unchanged: int = 18, failed: int = 0,
           tier: str | None = "fast", testbed: str = "ci-linux", project: str = "demo",
           note: str = "") -> str:  # fmt: skip
    """A Markdown report as ``perfgate run --format markdown`` writes it: marker, summary, heading."""
    passed = not (regressions or failed)
    s = ReportSummary(
        project=project, run_id="01J00000000000000000000000", tier=tier, testbed=testbed, commit=MERGE,
        branch="feature", baseline_run="01HZZZZZZZZZZZZZZZZZZZZZZZ", baseline_commit="b" * 40,
        passed=passed, regressions=regressions, improvements=improvements, unchanged=unchanged,
        failed=failed, seconds=45.0,
    )  # fmt: skip
    verdict = "gate passed" if passed else "gate FAILED"
    return (
        f"<!-- perfgate-report project={project} -->\n{render_summary(s)}\n"
        f"### perfgate: {regressions} regressions, {unchanged} unchanged — {verdict}\n\n"
        f"Run `01J0000000` (feature@{MERGE[:7]}) · baseline: run 01HZZZZZZZ, main@bbbbbbb{note}\n"
    )


def repo_json(full_name: str, fork: bool) -> dict[str, Any]:
    owner, name = full_name.split("/")
    return {
        "id": abs(hash(full_name)) % 10**8, "name": name, "full_name": full_name, "private": False,
        "owner": {"login": owner, "type": "User"}, "fork": fork,
        "html_url": f"https://github.com/{full_name}", "default_branch": "main",
    }  # fmt: skip


def pull_request_event(number: int = 7, head_repo: str = "octo/demo", head_sha: str = HEAD) -> dict[str, Any]:
    """A ``pull_request`` (opened) webhook payload in GitHub's shape, trimmed of fields nobody reads."""
    pr = {
        "url": f"https://api.github.com/repos/octo/demo/pulls/{number}",
        "id": 1000 + number, "number": number, "state": "open", "title": "Make parsing faster",
        "user": {"login": head_repo.split("/")[0], "type": "User"},
        "head": {"label": f"{head_repo.split('/')[0]}:feature", "ref": "feature", "sha": head_sha,
                 "user": {"login": head_repo.split("/")[0]}, "repo": repo_json(head_repo, head_repo != "octo/demo")},
        "base": {"label": "octo:main", "ref": "main", "sha": "b" * 40, "user": {"login": "octo"},
                 "repo": repo_json("octo/demo", False)},
        "merged": False, "draft": False,
    }  # fmt: skip
    return {"action": "opened", "number": number, "pull_request": pr,
            "repository": repo_json("octo/demo", False), "sender": {"login": "someone"}}  # fmt: skip


def workflow_run_event(
    pull_requests: list[int], head_sha: str = HEAD, head_repo: str = "forker/demo"
) -> dict[str, Any]:
    """A ``workflow_run`` (completed) payload: the measuring run as GitHub describes it."""
    run = {
        "id": 99, "name": "perfgate", "head_branch": "feature", "head_sha": head_sha, "event": "pull_request",
        "status": "completed", "conclusion": "success",
        "html_url": "https://github.com/octo/demo/actions/runs/99",
        "pull_requests": [{"number": n, "head": {"sha": head_sha}, "base": {"ref": "main"}} for n in pull_requests],
        "head_repository": repo_json(head_repo, head_repo != "octo/demo"),
        "repository": repo_json("octo/demo", False),
    }  # fmt: skip
    return {"action": "completed", "workflow_run": run, "repository": repo_json("octo/demo", False)}


@dataclass
class CI:
    """A job's surroundings: a directory, an environment, a fake forge."""

    tmp: Path
    url: str
    state: State
    env: dict[str, str]
    capsys: pytest.CaptureFixture[str]

    def event(self, name: str, payload: dict[str, Any]) -> None:
        path = self.tmp / "event.json"
        path.write_text(json.dumps(payload), encoding="utf-8")
        self.env.update(GITHUB_EVENT_NAME=name, GITHUB_EVENT_PATH=str(path))

    def write(self, name: str, text: str) -> str:
        (self.tmp / name).write_text(text, encoding="utf-8")
        return name

    def run(self, *argv: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        code = main(["ci", *argv], cwd=self.tmp, environ=self.env)
        out, err = self.capsys.readouterr()
        return code, out, err


@pytest.fixture
def gh(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Iterator[CI]:
    with serve(github) as (url, state):
        state.tokens.update({TOKEN: "write", READ_TOKEN: "read", NOCHECKS_TOKEN: "nochecks"})
        state.pulls[7] = {"sha": HEAD, "repo": "octo/demo"}
        env = {
            "GITHUB_ACTIONS": "true", "GITHUB_API_URL": url, "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_REPOSITORY": "octo/demo", "GITHUB_RUN_ID": "42", "GITHUB_SHA": MERGE,
            "GITHUB_REF": "refs/pull/7/merge", "GITHUB_TOKEN": TOKEN, "PATH": "/usr/bin:/bin",
        }  # fmt: skip
        ci = CI(tmp_path, url, state, env, capsys)
        ci.event("pull_request", pull_request_event())
        yield ci


@pytest.fixture
def gl(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Iterator[CI]:
    with serve(gitlab) as (url, state):
        state.tokens.update({"glpat-writeTokenValue123": "write", "jobTokenValue12345678": "write"})
        state.pulls[5] = {"sha": HEAD, "repo": "group/demo"}
        env = {
            "GITLAB_CI": "true", "CI_API_V4_URL": f"{url}/api/v4", "CI_PROJECT_ID": "42",
            "CI_MERGE_REQUEST_IID": "5", "CI_COMMIT_SHA": HEAD, "CI_PIPELINE_SOURCE": "merge_request_event",
            "CI_JOB_URL": "https://gitlab.example/group/demo/-/jobs/77",
            "GITLAB_TOKEN": "glpat-writeTokenValue123", "PATH": "/usr/bin:/bin",
        }  # fmt: skip
        yield CI(tmp_path, url, state, env, capsys)
