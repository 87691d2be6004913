"""Where a report goes: the forge, repository, pull request and head commit of this CI job.

Read from the environment the CI provider sets (an injectable mapping) and, on GitHub Actions, the
webhook payload at ``GITHUB_EVENT_PATH``:

- ``pull_request``: the PR number, its **head** sha (``GITHUB_SHA`` is the merge commit CI checks out)
  and whether it comes from a fork (``head.repo.full_name`` differs from ``base.repo.full_name``, or the
  head repository is gone). ``head.repo.fork`` alone is not used: it is also true for a pull request
  between two branches of a repository that is itself a fork.
- ``workflow_run`` (the second workflow of the fork pattern): the measuring run's head sha, its pull
  requests as GitHub lists them, its page (``html_url``) and head repository.
- anything else: ``GITHUB_SHA``, no pull request.

GitLab: ``CI_API_V4_URL``, ``CI_PROJECT_ID``, ``CI_MERGE_REQUEST_IID``, the head sha from
``CI_MERGE_REQUEST_SOURCE_BRANCH_SHA`` (set in merged-results pipelines) else ``CI_COMMIT_SHA``, and a
fork when ``CI_MERGE_REQUEST_SOURCE_PROJECT_ID`` differs from ``CI_MERGE_REQUEST_PROJECT_ID``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from perfgate.context import ci_info
from perfgate.context.ci import positive_int, truthy
from perfgate.errors import ForgeError

__all__ = ["Target", "WorkflowRun", "detect_target"]

_MAX_EVENT_BYTES = 16 * 1024 * 1024
GITHUB_API = "https://api.github.com"


@dataclass(frozen=True, slots=True)
class WorkflowRun:
    """The run a ``workflow_run`` event is about (GitHub wrote it: trusted, unlike an artifact)."""

    head_sha: str
    pull_requests: tuple[int, ...]
    html_url: str | None
    head_repository: str | None


@dataclass(frozen=True, slots=True)
class Target:
    """One CI job's forge coordinates. ``number`` is the PR (GitHub) or MR IID (GitLab), None when the
    job is not for one; ``head_sha`` the commit a status belongs on."""

    provider: str  # "github" or "gitlab"
    api_url: str
    repository: str  # "owner/name" on GitHub, the project id on GitLab
    number: int | None
    head_sha: str | None
    fork: bool
    job_url: str | None
    event: str | None
    workflow_run: WorkflowRun | None = None

    def __post_init__(self) -> None:
        if self.provider not in ("github", "gitlab"):
            raise ValueError(f"unknown forge {self.provider!r}")
        if not self.api_url.startswith(("https://", "http://")):
            raise ValueError(f"API URL must be http(s): {self.api_url!r}")
        if not self.repository:
            raise ValueError("repository must be non-empty")
        if self.number is not None and self.number <= 0:
            raise ValueError(f"pull request number must be positive, got {self.number}")


def detect_target(environ: Mapping[str, str] | None = None) -> Target:
    """The forge this job runs on; :class:`ForgeError` (naming what is missing) when none is known."""
    env = os.environ if environ is None else environ
    try:
        if truthy(env.get("GITHUB_ACTIONS")):
            return _github(env)
        if truthy(env.get("GITLAB_CI")):
            return _gitlab(env)
    except ValueError as exc:  # a Target refused what the environment says (e.g. an API URL not http(s))
        raise ForgeError(f"the CI environment names no usable forge: {exc}") from None
    raise ForgeError(
        "not on GitHub Actions or GitLab CI (neither GITHUB_ACTIONS nor GITLAB_CI is set): "
        "nothing to post to; run this step in the CI job"
    )


def _github(env: Mapping[str, str]) -> Target:
    repo = _get(env, "GITHUB_REPOSITORY")
    if repo is None or repo.count("/") != 1:
        raise ForgeError(
            "GITHUB_REPOSITORY is not set to owner/name: cannot tell which repository to post to"
        )
    event_name = _get(env, "GITHUB_EVENT_NAME")
    event = _event(env)
    info = ci_info(env)
    number: int | None = None
    head_sha = _get(env, "GITHUB_SHA")
    fork = False
    run: WorkflowRun | None = None
    pull = event.get("pull_request")
    if isinstance(pull, dict):
        number = positive_int(pull.get("number"))
        head_sha = _str(pull, "head", "sha") or head_sha
        head_repo = _at(pull, "head", "repo")
        base_name = _str(pull, "base", "repo", "full_name")
        if not isinstance(head_repo, dict):
            fork = True  # the fork was deleted: certainly not this repository
        else:
            head_name = head_repo.get("full_name")
            if isinstance(head_name, str) and base_name:
                fork = head_name.lower() != base_name.lower()
            else:
                fork = head_repo.get("fork") is True
    wr = event.get("workflow_run")
    if event_name == "workflow_run" and isinstance(wr, dict):
        prs = wr.get("pull_requests")
        numbers = tuple(
            n
            for p in (prs if isinstance(prs, list) else [])
            if isinstance(p, dict) and (n := positive_int(p.get("number")))
        )
        sha = wr.get("head_sha")
        if isinstance(sha, str) and sha:
            html = wr.get("html_url")
            run = WorkflowRun(
                head_sha=sha,
                pull_requests=numbers,
                html_url=html if isinstance(html, str) and html.startswith("https://") else None,
                head_repository=_str(wr, "head_repository", "full_name"),
            )
            head_sha = sha
    if number is None and run is None and info is not None:
        number = info.pr_number  # no payload: refs/pull/N/merge in GITHUB_REF still names the PR
    return Target(
        provider="github",
        api_url=(_get(env, "GITHUB_API_URL") or GITHUB_API).rstrip("/"),
        repository=repo,
        number=number,
        head_sha=head_sha,
        fork=fork,
        job_url=info.url if info else None,
        event=event_name,
        workflow_run=run,
    )


def _gitlab(env: Mapping[str, str]) -> Target:
    project = _get(env, "CI_PROJECT_ID")
    api = _get(env, "CI_API_V4_URL")
    if project is None or api is None:
        raise ForgeError(
            "CI_PROJECT_ID or CI_API_V4_URL is not set: cannot tell which GitLab project to post to"
        )
    source, target = _get(env, "CI_MERGE_REQUEST_SOURCE_PROJECT_ID"), _get(env, "CI_MERGE_REQUEST_PROJECT_ID")
    return Target(
        provider="gitlab",
        api_url=api.rstrip("/"),
        repository=project,
        number=positive_int(_get(env, "CI_MERGE_REQUEST_IID")),
        head_sha=_get(env, "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA") or _get(env, "CI_COMMIT_SHA"),
        fork=source is not None and target is not None and source != target,
        job_url=_get(env, "CI_JOB_URL"),
        event=_get(env, "CI_PIPELINE_SOURCE"),
    )


def _event(env: Mapping[str, str]) -> dict[str, Any]:
    path = _get(env, "GITHUB_EVENT_PATH")
    if path is None:
        return {}
    try:
        with open(path, "rb") as f:
            data = json.loads(f.read(_MAX_EVENT_BYTES))
    except OSError as exc:
        raise ForgeError(
            f"cannot read the event payload GITHUB_EVENT_PATH={path}: {exc.strerror or exc}"
        ) from None
    except ValueError as exc:
        raise ForgeError(f"the event payload GITHUB_EVENT_PATH={path} is not JSON: {exc}") from None
    return data if isinstance(data, dict) else {}


def _get(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name)
    return value.strip() or None if value is not None else None


def _at(obj: object, *keys: str) -> object:
    for key in keys:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def _str(obj: object, *keys: str) -> str | None:
    value = _at(obj, *keys)
    return value if isinstance(value, str) and value else None
