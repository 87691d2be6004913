"""Which pull request, head commit and fork status a job's environment and event payload name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from perfgate.ci import detect_target
from perfgate.errors import ForgeError

from .conftest import HEAD, MERGE, pull_request_event, workflow_run_event


def env_with(tmp_path: Path, name: str, payload: object) -> dict[str, str]:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(payload))
    return {
        "GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "octo/demo", "GITHUB_SHA": MERGE,
        "GITHUB_EVENT_NAME": name, "GITHUB_EVENT_PATH": str(path), "GITHUB_SERVER_URL": "https://ghe.example",
        "GITHUB_RUN_ID": "5", "GITHUB_API_URL": "https://ghe.example/api/v3/",
    }  # fmt: skip


def test_pull_request_head_sha_number_and_enterprise_api(tmp_path: Path) -> None:
    t = detect_target(env_with(tmp_path, "pull_request", pull_request_event(number=12)))
    assert (t.provider, t.repository, t.number, t.head_sha, t.fork) == (
        "github",
        "octo/demo",
        12,
        HEAD,
        False,
    )
    assert t.api_url == "https://ghe.example/api/v3"
    assert t.job_url == "https://ghe.example/octo/demo/actions/runs/5"


def test_fork_by_full_name_or_a_deleted_head_repo_not_by_the_fork_flag_alone(tmp_path: Path) -> None:
    assert detect_target(env_with(tmp_path, "pull_request", pull_request_event(head_repo="Forker/demo"))).fork
    event = pull_request_event()
    event["pull_request"]["head"]["repo"] = None  # the fork was deleted
    assert detect_target(env_with(tmp_path, "pull_request", event)).fork
    event = pull_request_event()
    for side in ("head", "base"):  # a PR between branches of a repository that is itself a fork
        event["pull_request"][side]["repo"]["fork"] = True
    assert not detect_target(env_with(tmp_path, "pull_request", event)).fork


def test_without_a_payload_the_pull_request_comes_from_github_ref() -> None:
    env = {"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "octo/demo", "GITHUB_REF": "refs/pull/31/merge",
           "GITHUB_SHA": MERGE}  # fmt: skip
    t = detect_target(env)
    assert (t.number, t.head_sha, t.fork, t.api_url) == (31, MERGE, False, "https://api.github.com")


def test_workflow_run_carries_the_measured_commit(tmp_path: Path) -> None:
    t = detect_target(env_with(tmp_path, "workflow_run", workflow_run_event([3], head_sha="d" * 40)))
    assert t.workflow_run is not None
    assert (t.head_sha, t.workflow_run.pull_requests, t.workflow_run.head_repository) == (
        "d" * 40, (3,), "forker/demo",
    )  # fmt: skip
    assert t.workflow_run.html_url == "https://github.com/octo/demo/actions/runs/99"


def test_gitlab_fork_and_merged_results_sha() -> None:
    env = {
        "GITLAB_CI": "true", "CI_API_V4_URL": "https://gl.example/api/v4", "CI_PROJECT_ID": "9",
        "CI_MERGE_REQUEST_IID": "4", "CI_COMMIT_SHA": MERGE, "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA": HEAD,
        "CI_MERGE_REQUEST_SOURCE_PROJECT_ID": "10", "CI_MERGE_REQUEST_PROJECT_ID": "9",
    }  # fmt: skip
    t = detect_target(env)
    assert (t.provider, t.number, t.head_sha, t.fork) == ("gitlab", 4, HEAD, True)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "not on GitHub Actions or GitLab CI"),
        ({"GITHUB_ACTIONS": "true"}, "GITHUB_REPOSITORY is not set"),
        ({"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "o/r", "GITHUB_EVENT_PATH": "/nonexistent/e.json"},
         "cannot read the event payload GITHUB_EVENT_PATH=/nonexistent/e.json"),
        ({"GITLAB_CI": "true"}, "CI_PROJECT_ID or CI_API_V4_URL is not set"),
    ],
)  # fmt: skip
def test_what_is_missing_is_named(env: dict[str, str], message: str) -> None:
    with pytest.raises(ForgeError, match=message):
        detect_target(env)
