"""Which CI a run ran on, read from the environment variables the providers set.

Everything here reads an injectable ``environ`` mapping (default: :data:`os.environ`), so callers and
tests pass plain dicts. Providers are recognised by their marker variable, most specific first:

==============  ==========================  ==================================================
provider        marker                      fields
==============  ==========================  ==================================================
``github``      ``GITHUB_ACTIONS=true``     ``GITHUB_RUN_ID``, ``GITHUB_JOB``, ``GITHUB_EVENT_NAME``,
                                            PR number from ``GITHUB_REF`` (``refs/pull/N/merge``) or
                                            the event JSON at ``GITHUB_EVENT_PATH``,
                                            ``GITHUB_BASE_REF``, ``GITHUB_HEAD_REF``, run URL
``gitlab``      ``GITLAB_CI=true``          ``CI_PIPELINE_ID``, ``CI_JOB_NAME``, ``CI_PIPELINE_SOURCE``,
                                            ``CI_MERGE_REQUEST_IID``, target/source branch, ``CI_JOB_URL``
``buildkite``   ``BUILDKITE=true``          build id, step label, source, PR number and base branch, URL
``circleci``    ``CIRCLECI=true``           workflow id, job, PR number, branch, build URL
``azure``       ``TF_BUILD=True``           build id, job, reason, PR number, target/source branch, URL
``jenkins``     ``JENKINS_URL``             build number, job, ``CHANGE_ID``/``CHANGE_TARGET``, URL
``generic``     ``CI`` truthy               provider only
==============  ==========================  ==================================================
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote

from perfgate.context.secrets import strip_credentials
from perfgate.model import CIInfo

__all__ = ["ci_branch", "ci_info", "positive_int", "truthy"]

_SHA = re.compile(r"[0-9a-fA-F]{40}([0-9a-fA-F]{24})?")  # SHA-1 or SHA-256 object names
_PULL_REF = re.compile(r"refs/pull/(\d+)/(?:merge|head)")
_TRAILING_NUMBER = re.compile(r"/(\d+)/?$")
# The largest event payload we are willing to parse; real ones are well under a megabyte.
_MAX_EVENT_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class _Detected:
    """A provider's view of the job: what it reports, the branch it built, and the commits it means."""

    info: CIInfo
    branch: str | None = None
    commits: tuple[str, ...] = ()


def ci_info(environ: Mapping[str, str] | None = None) -> CIInfo | None:
    """The CI provider and job this process runs in, or None when not on CI.

    ``head_ref`` is the pull request's source branch, or on a push build the branch being built. The
    job's URL never carries credentials (``https://user:pw@host`` loses ``user:pw@``).
    """
    detected = _detect(os.environ if environ is None else environ)
    if detected is None:
        return None
    info = detected.info
    # a server URL with credentials in it (https://user:token@host) must not reach the store or a report
    if info.url is not None and strip_credentials(info.url) != info.url:
        info = replace(info, url=strip_credentials(info.url))
    return info


def ci_branch(environ: Mapping[str, str] | None = None, commit: str | None = None) -> str | None:
    """The branch the CI says it is building (the PR's source branch for a pull request), or None.

    CI systems check out a detached HEAD, so this is how a run on CI is attributed to a branch. When
    ``commit`` is given and the provider names the commit(s) it built, the branch is returned only if
    ``commit`` is one of them: a checkout of some other commit (say, the base of an A/B comparison)
    does not belong to the branch under test.
    """
    detected = _detect(os.environ if environ is None else environ)
    if detected is None or detected.branch is None:
        return None
    known = {c.lower() for c in detected.commits if _SHA.fullmatch(c)}
    if commit is not None and known and commit.lower() not in known:
        return None
    return detected.branch


def _detect(env: Mapping[str, str]) -> _Detected | None:
    if truthy(env.get("GITHUB_ACTIONS")):
        return _github(env)
    if truthy(env.get("GITLAB_CI")):
        return _gitlab(env)
    if truthy(env.get("BUILDKITE")):
        return _buildkite(env)
    if truthy(env.get("CIRCLECI")):
        return _circleci(env)
    if truthy(env.get("TF_BUILD")):
        return _azure(env)
    if _get(env, "JENKINS_URL") and _get(env, "BUILD_NUMBER"):
        return _jenkins(env)
    if truthy(env.get("CI")):
        return _Detected(CIInfo(provider="generic"))
    return None


def _github(env: Mapping[str, str]) -> _Detected:
    ref = _get(env, "GITHUB_REF")
    event = _github_event(env)
    raw_pull = event.get("pull_request")
    pull: dict[str, Any] = raw_pull if isinstance(raw_pull, dict) else {}

    pr_number: int | None
    if ref is not None and (m := _PULL_REF.fullmatch(ref)):
        pr_number = int(m.group(1))
    else:
        pr_number = positive_int(pull.get("number")) or positive_int(event.get("number"))

    head_ref = _get(env, "GITHUB_HEAD_REF") or _json_str(pull, "head", "ref")
    branch = head_ref
    if branch is None and ref is not None and ref.startswith("refs/heads/"):
        branch = ref.removeprefix("refs/heads/")

    run_id = _get(env, "GITHUB_RUN_ID")
    server, repo = _get(env, "GITHUB_SERVER_URL"), _get(env, "GITHUB_REPOSITORY")
    url = f"{server.rstrip('/')}/{repo}/actions/runs/{run_id}" if server and repo and run_id else None

    commits = tuple(c for c in (_get(env, "GITHUB_SHA"), _json_str(pull, "head", "sha")) if c)
    info = CIInfo(
        provider="github",
        run_id=run_id,
        job=_get(env, "GITHUB_JOB"),
        event=_get(env, "GITHUB_EVENT_NAME"),
        pr_number=pr_number,
        base_ref=_get(env, "GITHUB_BASE_REF") or _json_str(pull, "base", "ref"),
        head_ref=branch,
        url=url,
    )
    return _Detected(info, branch, commits)


def _github_event(env: Mapping[str, str]) -> dict[str, Any]:
    """The webhook payload GitHub writes for the job; ``{}`` when absent, unreadable or not JSON."""
    path = _get(env, "GITHUB_EVENT_PATH")
    if path is None:
        return {}
    try:
        with open(path, "rb") as f:
            data = json.loads(f.read(_MAX_EVENT_BYTES))
    except (OSError, ValueError):  # the payload only adds detail: never fail a run over it
        return {}
    return data if isinstance(data, dict) else {}


def _gitlab(env: Mapping[str, str]) -> _Detected:
    source_branch = _get(env, "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME")
    branch = source_branch or _get(env, "CI_COMMIT_BRANCH")
    if branch is None and _get(env, "CI_COMMIT_TAG") is None:
        branch = _get(env, "CI_COMMIT_REF_NAME")
    info = CIInfo(
        provider="gitlab",
        run_id=_get(env, "CI_PIPELINE_ID"),
        job=_get(env, "CI_JOB_NAME"),
        event=_get(env, "CI_PIPELINE_SOURCE"),
        pr_number=positive_int(_get(env, "CI_MERGE_REQUEST_IID")),
        base_ref=_get(env, "CI_MERGE_REQUEST_TARGET_BRANCH_NAME"),
        head_ref=branch,
        url=_get(env, "CI_JOB_URL") or _get(env, "CI_PIPELINE_URL"),
    )
    commits = _present(env, "CI_COMMIT_SHA", "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA")
    return _Detected(info, branch, commits)


def _buildkite(env: Mapping[str, str]) -> _Detected:
    pr = _get(env, "BUILDKITE_PULL_REQUEST")  # the PR number, or the literal "false"
    pr_number = positive_int(pr) if pr != "false" else None
    branch = _get(env, "BUILDKITE_BRANCH")
    info = CIInfo(
        provider="buildkite",
        run_id=_get(env, "BUILDKITE_BUILD_ID"),
        job=_get(env, "BUILDKITE_LABEL"),
        event=_get(env, "BUILDKITE_SOURCE"),
        pr_number=pr_number,
        base_ref=_get(env, "BUILDKITE_PULL_REQUEST_BASE_BRANCH") if pr_number else None,
        head_ref=branch,
        url=_get(env, "BUILDKITE_BUILD_URL"),
    )
    return _Detected(info, branch, _present(env, "BUILDKITE_COMMIT"))


def _circleci(env: Mapping[str, str]) -> _Detected:
    pr_number = positive_int(_get(env, "CIRCLE_PR_NUMBER"))
    pr_url = _get(env, "CIRCLE_PULL_REQUEST")  # set for every PR build, the number only for forks
    if pr_number is None and pr_url is not None and (m := _TRAILING_NUMBER.search(pr_url)):
        pr_number = int(m.group(1))
    branch = _get(env, "CIRCLE_BRANCH")
    info = CIInfo(
        provider="circleci",
        run_id=_get(env, "CIRCLE_WORKFLOW_ID") or _get(env, "CIRCLE_BUILD_NUM"),
        job=_get(env, "CIRCLE_JOB"),
        event="pull_request" if pr_number is not None else None,
        pr_number=pr_number,
        head_ref=branch,
        url=_get(env, "CIRCLE_BUILD_URL"),
    )
    return _Detected(info, branch, _present(env, "CIRCLE_SHA1"))


def _azure(env: Mapping[str, str]) -> _Detected:
    pr_number = positive_int(_get(env, "SYSTEM_PULLREQUEST_PULLREQUESTNUMBER")) or positive_int(
        _get(env, "SYSTEM_PULLREQUEST_PULLREQUESTID")
    )
    branch = _branch_name(_get(env, "SYSTEM_PULLREQUEST_SOURCEBRANCH")) or _branch_name(
        _get(env, "BUILD_SOURCEBRANCH"), heads_only=True
    )
    build_id = _get(env, "BUILD_BUILDID")
    collection = _get(env, "SYSTEM_COLLECTIONURI") or _get(env, "SYSTEM_TEAMFOUNDATIONCOLLECTIONURI")
    project = _get(env, "SYSTEM_TEAMPROJECT")
    url = None
    if collection and project and build_id:
        url = f"{collection.rstrip('/')}/{quote(project)}/_build/results?buildId={build_id}"
    info = CIInfo(
        provider="azure",
        run_id=build_id,
        job=_get(env, "AGENT_JOBNAME") or _get(env, "SYSTEM_JOBDISPLAYNAME"),
        event=_get(env, "BUILD_REASON"),
        pr_number=pr_number,
        base_ref=_branch_name(_get(env, "SYSTEM_PULLREQUEST_TARGETBRANCH")),
        head_ref=branch,
        url=url,
    )
    return _Detected(info, branch, _present(env, "BUILD_SOURCEVERSION", "SYSTEM_PULLREQUEST_SOURCECOMMITID"))


def _jenkins(env: Mapping[str, str]) -> _Detected:
    change_id = _get(env, "CHANGE_ID")  # multibranch pipelines: the PR/MR number
    branch = _get(env, "CHANGE_BRANCH")
    if branch is None and change_id is None:
        branch = _get(env, "BRANCH_NAME") or _get(env, "GIT_LOCAL_BRANCH")
    if branch is None and change_id is None and (git_branch := _get(env, "GIT_BRANCH")):
        branch = git_branch.removeprefix("origin/")  # the git plugin reports the remote-tracking name
    info = CIInfo(
        provider="jenkins",
        run_id=_get(env, "BUILD_NUMBER"),
        job=_get(env, "JOB_NAME"),
        event="pull_request" if change_id is not None else None,
        pr_number=positive_int(change_id),
        base_ref=_get(env, "CHANGE_TARGET"),
        head_ref=branch,
        url=_get(env, "BUILD_URL"),
    )
    return _Detected(info, branch, _present(env, "GIT_COMMIT"))


def _get(env: Mapping[str, str], name: str) -> str | None:
    """The variable's value, or None when unset or blank (providers export empty strings freely)."""
    value = env.get(name)
    if value is None:
        return None
    value = value.strip()
    return value or None


def _present(env: Mapping[str, str], *names: str) -> tuple[str, ...]:
    return tuple(v for name in names if (v := _get(env, name)) is not None)


def truthy(value: str | None) -> bool:
    """A CI flag variable that is set: ``1``, ``true``, ``yes``, ``on`` (any case)."""
    return value is not None and value.strip().lower() in {"1", "true", "yes", "on"}


def positive_int(value: object) -> int | None:
    """A positive whole number from a payload or variable (an int or its digits), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    if isinstance(value, str) and value.strip().isdecimal():
        n = int(value.strip())
        return n if n > 0 else None
    return None


def _json_str(obj: Mapping[str, Any], *keys: str) -> str | None:
    """``obj[k1][k2]...`` when every step is a mapping and the end is a non-empty string."""
    cur: Any = obj
    for key in keys:
        if not isinstance(cur, Mapping):
            return None
        cur = cur.get(key)
    return cur if isinstance(cur, str) and cur else None


def _branch_name(ref: str | None, *, heads_only: bool = False) -> str | None:
    """``refs/heads/x`` -> ``x``; other names pass through unless ``heads_only``."""
    if ref is None:
        return None
    if ref.startswith("refs/heads/"):
        return ref.removeprefix("refs/heads/") or None
    return None if heads_only else ref
