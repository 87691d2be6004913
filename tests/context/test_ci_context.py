"""CI detection from literal environment dicts, one provider at a time."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from perfgate.context import ci_branch, ci_info
from perfgate.model import CIInfo

HEAD_SHA = "a" * 40
MERGE_SHA = "b" * 40

GITHUB_BASE = {
    "CI": "true",
    "GITHUB_ACTIONS": "true",
    "GITHUB_RUN_ID": "9876543210",
    "GITHUB_JOB": "bench",
    "GITHUB_SERVER_URL": "https://github.com",
    "GITHUB_REPOSITORY": "acme/widgets",
}


@pytest.mark.parametrize(
    "environ",
    [{}, {"CI": "false"}, {"CI": "0"}, {"CI": ""}, {"GITHUB_ACTIONS": "false"}, {"JENKINS_URL": "http://j/"}],
)
def test_not_on_ci(environ: dict[str, str]) -> None:
    assert ci_info(environ) is None
    assert ci_branch(environ) is None


@pytest.mark.parametrize("value", ["true", "1", "TRUE", "yes"])
def test_generic_ci(value: str) -> None:
    assert ci_info({"CI": value, "BRANCH": "x"}) == CIInfo(provider="generic")
    assert ci_branch({"CI": value}) is None


def test_github_push() -> None:
    env = {
        **GITHUB_BASE,
        "GITHUB_EVENT_NAME": "push",
        "GITHUB_REF": "refs/heads/main",
        "GITHUB_REF_NAME": "main",
        "GITHUB_REF_TYPE": "branch",
        "GITHUB_HEAD_REF": "",  # GitHub exports the PR variables empty on push builds
        "GITHUB_BASE_REF": "",
        "GITHUB_SHA": HEAD_SHA,
    }
    assert ci_info(env) == CIInfo(
        provider="github",
        run_id="9876543210",
        job="bench",
        event="push",
        pr_number=None,
        base_ref=None,
        head_ref="main",
        url="https://github.com/acme/widgets/actions/runs/9876543210",
    )
    assert ci_branch(env) == "main"
    assert ci_branch(env, HEAD_SHA) == "main"
    assert ci_branch(env, HEAD_SHA.upper()) == "main"
    assert ci_branch(env, "c" * 40) is None


def test_github_tag_push_has_no_branch() -> None:
    env = {
        **GITHUB_BASE,
        "GITHUB_EVENT_NAME": "push",
        "GITHUB_REF": "refs/tags/v1.2",
        "GITHUB_REF_NAME": "v1.2",
    }
    info = ci_info(env)
    assert info is not None and info.head_ref is None and info.pr_number is None
    assert ci_branch(env) is None


def test_github_pull_request_from_ref() -> None:
    env = {
        **GITHUB_BASE,
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_REF": "refs/pull/42/merge",
        "GITHUB_REF_NAME": "42/merge",
        "GITHUB_HEAD_REF": "feature/faster",
        "GITHUB_BASE_REF": "main",
        "GITHUB_SHA": MERGE_SHA,
    }
    info = ci_info(env)
    assert info is not None
    assert (info.event, info.pr_number, info.base_ref, info.head_ref) == (
        "pull_request",
        42,
        "main",
        "feature/faster",
    )
    assert ci_branch(env, MERGE_SHA) == "feature/faster"


def _event_file(tmp_path: Path, payload: object) -> str:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(payload))
    return str(path)


def test_github_pull_request_from_event_file(tmp_path: Path) -> None:
    # pull_request_target runs on the base branch: GITHUB_REF is no pull ref, the payload has the PR
    payload = {
        "action": "synchronize",
        "number": 7,
        "pull_request": {
            "number": 7,
            "head": {"ref": "fix/leak", "sha": HEAD_SHA},
            "base": {"ref": "develop", "sha": "c" * 40},
        },
    }
    env = {
        **GITHUB_BASE,
        "GITHUB_EVENT_NAME": "pull_request_target",
        "GITHUB_REF": "refs/heads/develop",
        "GITHUB_SHA": "c" * 40,
        "GITHUB_EVENT_PATH": _event_file(tmp_path, payload),
    }
    info = ci_info(env)
    assert info is not None
    assert (info.pr_number, info.base_ref, info.head_ref) == (7, "develop", "fix/leak")
    # the PR's head sha from the payload counts as a commit the CI built (checkout of the PR head)
    assert ci_branch(env, HEAD_SHA) == "fix/leak"
    assert ci_branch(env, "d" * 40) is None


@pytest.mark.parametrize("content", [None, "{not json", "[1, 2]", '{"pull_request": "x", "number": "abc"}'])
def test_github_unusable_event_file_is_ignored(tmp_path: Path, content: str | None) -> None:
    path = tmp_path / "event.json"
    if content is not None:
        path.write_text(content)
    env = {**GITHUB_BASE, "GITHUB_EVENT_NAME": "workflow_dispatch", "GITHUB_EVENT_PATH": str(path)}
    info = ci_info(env)
    assert info is not None and info.provider == "github" and info.pr_number is None


def test_github_without_server_has_no_url() -> None:
    info = ci_info({"GITHUB_ACTIONS": "true", "GITHUB_RUN_ID": "1"})
    assert info == CIInfo(provider="github", run_id="1")


GITLAB_BASE = {
    "CI": "true",
    "GITLAB_CI": "true",
    "CI_PIPELINE_ID": "1234",
    "CI_JOB_NAME": "benchmarks",
    "CI_JOB_URL": "https://gitlab.example.com/acme/widgets/-/jobs/5678",
    "CI_PIPELINE_URL": "https://gitlab.example.com/acme/widgets/-/pipelines/1234",
}


def test_gitlab_merge_request() -> None:
    env = {
        **GITLAB_BASE,
        "CI_PIPELINE_SOURCE": "merge_request_event",
        "CI_MERGE_REQUEST_IID": "17",
        "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main",
        "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME": "feature/x",
        "CI_COMMIT_REF_NAME": "feature/x",
        "CI_COMMIT_SHA": HEAD_SHA,
    }
    assert ci_info(env) == CIInfo(
        provider="gitlab",
        run_id="1234",
        job="benchmarks",
        event="merge_request_event",
        pr_number=17,
        base_ref="main",
        head_ref="feature/x",
        url="https://gitlab.example.com/acme/widgets/-/jobs/5678",
    )
    assert ci_branch(env, HEAD_SHA) == "feature/x"


def test_gitlab_branch_pipeline() -> None:
    env = {
        **GITLAB_BASE,
        "CI_PIPELINE_SOURCE": "push",
        "CI_COMMIT_BRANCH": "main",
        "CI_COMMIT_REF_NAME": "main",
    }
    info = ci_info(env)
    assert info is not None
    assert (info.event, info.pr_number, info.base_ref, info.head_ref) == ("push", None, None, "main")
    assert ci_branch(env) == "main"


def test_gitlab_tag_pipeline_has_no_branch() -> None:
    env = {**GITLAB_BASE, "CI_PIPELINE_SOURCE": "push", "CI_COMMIT_TAG": "v2", "CI_COMMIT_REF_NAME": "v2"}
    assert ci_branch(env) is None


def test_buildkite() -> None:
    env = {
        "BUILDKITE": "true",
        "CI": "true",
        "BUILDKITE_BUILD_ID": "0190-abc",
        "BUILDKITE_LABEL": ":stopwatch: bench",
        "BUILDKITE_SOURCE": "webhook",
        "BUILDKITE_PULL_REQUEST": "55",
        "BUILDKITE_PULL_REQUEST_BASE_BRANCH": "main",
        "BUILDKITE_BRANCH": "feat",
        "BUILDKITE_BUILD_URL": "https://buildkite.com/acme/widgets/builds/3",
        "BUILDKITE_COMMIT": "HEAD",  # Buildkite allows a symbolic commit: it proves nothing
    }
    assert ci_info(env) == CIInfo("buildkite", "0190-abc", ":stopwatch: bench", "webhook", 55, "main", "feat",
                                  "https://buildkite.com/acme/widgets/builds/3")  # fmt: skip
    assert ci_branch(env, HEAD_SHA) == "feat"
    no_pr = ci_info({**env, "BUILDKITE_PULL_REQUEST": "false"})
    assert no_pr is not None and no_pr.pr_number is None and no_pr.base_ref is None


def test_circleci() -> None:
    env = {
        "CIRCLECI": "true",
        "CI": "true",
        "CIRCLE_WORKFLOW_ID": "wf-1",
        "CIRCLE_BUILD_NUM": "88",
        "CIRCLE_JOB": "bench",
        "CIRCLE_BRANCH": "feat",
        "CIRCLE_PULL_REQUEST": "https://github.com/acme/widgets/pull/31",
        "CIRCLE_BUILD_URL": "https://circleci.com/gh/acme/widgets/88",
        "CIRCLE_SHA1": HEAD_SHA,
    }
    info = ci_info(env)
    assert info is not None
    assert (info.provider, info.run_id, info.job, info.pr_number, info.head_ref) == (
        "circleci", "wf-1", "bench", 31, "feat",
    )  # fmt: skip
    assert ci_branch(env, HEAD_SHA) == "feat"
    assert ci_branch(env, MERGE_SHA) is None


def test_azure_pipelines() -> None:
    env = {
        "TF_BUILD": "True",
        "BUILD_BUILDID": "321",
        "AGENT_JOBNAME": "Bench linux",
        "BUILD_REASON": "PullRequest",
        "SYSTEM_PULLREQUEST_PULLREQUESTID": "900001",
        "SYSTEM_PULLREQUEST_PULLREQUESTNUMBER": "12",
        "SYSTEM_PULLREQUEST_TARGETBRANCH": "refs/heads/main",
        "SYSTEM_PULLREQUEST_SOURCEBRANCH": "refs/heads/feature/y",
        "BUILD_SOURCEBRANCH": "refs/pull/12/merge",
        "SYSTEM_COLLECTIONURI": "https://dev.azure.com/acme/",
        "SYSTEM_TEAMPROJECT": "Widget Team",
    }
    assert ci_info(env) == CIInfo(
        provider="azure",
        run_id="321",
        job="Bench linux",
        event="PullRequest",
        pr_number=12,
        base_ref="main",
        head_ref="feature/y",
        url="https://dev.azure.com/acme/Widget%20Team/_build/results?buildId=321",
    )
    push = {"TF_BUILD": "True", "BUILD_SOURCEBRANCH": "refs/heads/release"}
    assert ci_branch(push) == "release"
    assert ci_branch({"TF_BUILD": "True", "BUILD_SOURCEBRANCH": "refs/tags/v1"}) is None


def test_jenkins() -> None:
    base = {"JENKINS_URL": "https://jenkins.example.com/", "BUILD_NUMBER": "41", "JOB_NAME": "widgets/PR-5"}
    pr = {**base, "CHANGE_ID": "5", "CHANGE_TARGET": "main", "CHANGE_BRANCH": "feat", "BRANCH_NAME": "PR-5",
          "BUILD_URL": "https://jenkins.example.com/job/widgets/job/PR-5/41/"}  # fmt: skip
    assert ci_info(pr) == CIInfo("jenkins", "41", "widgets/PR-5", "pull_request", 5, "main", "feat",
                                 "https://jenkins.example.com/job/widgets/job/PR-5/41/")  # fmt: skip
    assert ci_branch({**base, "BRANCH_NAME": "main"}) == "main"
    assert ci_branch({**base, "GIT_BRANCH": "origin/develop"}) == "develop"


def test_github_wins_over_generic_markers() -> None:
    info = ci_info({**GITHUB_BASE, "CI": "true", "JENKINS_URL": "x", "BUILD_NUMBER": "1"})
    assert info is not None and info.provider == "github"


@pytest.mark.parametrize(
    ("server", "url"),
    [
        ("https://user:pw@github.example", "https://github.example/acme/widgets/actions/runs/9876543210"),
        (
            "https://x-access-token:ghs_abc@ghe.corp:8443/",
            "https://ghe.corp:8443/acme/widgets/actions/runs/9876543210",
        ),
        ("https://token@github.com", "https://github.com/acme/widgets/actions/runs/9876543210"),
    ],
)
def test_credentials_in_the_server_url_are_never_kept(server: str, url: str) -> None:
    info = ci_info({**GITHUB_BASE, "GITHUB_SERVER_URL": server})
    assert info is not None and info.url == url


def test_credentials_in_a_provider_job_url_are_never_kept() -> None:
    env = {
        "GITLAB_CI": "true",
        "CI_PIPELINE_ID": "5",
        "CI_JOB_URL": "https://gitlab-ci-token:glpat-s3cr3t@gl.example/-/jobs/5",
    }
    info = ci_info(env)
    assert info is not None and info.url == "https://gl.example/-/jobs/5"
