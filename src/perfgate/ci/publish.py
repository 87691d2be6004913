"""What ``perfgate ci comment`` and ``perfgate ci status`` do: find perfgate's own comment and update it
(else create one), set the commit status and check run, and on a fork pull request write an artifact
instead for a trusted workflow to post (:func:`post_artifact`).

A comment is perfgate's when its first line is exactly its marker, ``<!-- perfgate-comment key=K -->``,
with ``K`` the ``--id`` or ``project/tier/testbed`` from the report's summary (percent-encoded): another
tool's comment, or a reply quoting perfgate's, is never touched.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from perfgate.ci.forges import Forge, GitHub, GitLab
from perfgate.ci.http import Api, ApiError
from perfgate.ci.target import Target
from perfgate.errors import ForgeError, InputError
from perfgate.report import GITHUB_COMMENT_LIMIT, ReportSummary, parse_summary

__all__ = [
    "ARTIFACT_VERSION",
    "WHEN",
    "Artifact",
    "Posted",
    "comment_body",
    "comment_key",
    "comment_marker",
    "description",
    "open_forge",
    "post_artifact",
    "post_comment",
    "post_status",
    "read_artifact",
    "said",
    "should_create",
    "write_artifact",
]

WHEN = ("always", "changed", "regression", "never")
ARTIFACT_VERSION = 1
REPORT_FILE, COMMENT_FILE, STATUS_FILE = "report.md", "comment.json", "status.json"
_MAX_REPORT_BYTES = 4 * 1024 * 1024
_URL = re.compile(r"https?://[^\s<>\"'`\\]+")


def comment_key(summary: ReportSummary, given: str | None = None) -> str:
    """The identity of perfgate's comment: ``--id``, else ``project/tier/testbed``."""
    if given is not None:
        return given
    return f"{summary.project}/{summary.tier or '-'}/{summary.testbed}"


def comment_marker(key: str) -> str:
    return f"<!-- perfgate-comment key={quote(key, safe='')} -->"


def should_create(when: str, summary: ReportSummary) -> bool:
    """Whether ``--when`` lets a new comment be created (an existing one is updated whatever the news)."""
    if when == "always":
        return True
    if when == "changed":
        return summary.changed
    if when == "regression":
        return not summary.passed
    return False


def description(summary: ReportSummary, *, warn_only: bool = False) -> str:
    """One line: ``2 regressions, 18 unchanged (45 s)``."""
    names = {"failed": "failed", "budgets_broken": "budget exceeded", "targets_missed": "target missed"}
    parts = []
    for name, n in summary.counts:
        word = names.get(name, name)
        if n == 1 and word.endswith("s"):
            word = word[:-1]
        if name == "budgets_broken" and n != 1:
            word = "budgets exceeded"
        if name == "targets_missed" and n != 1:
            word = "targets missed"
        parts.append(f"{n} {word}")
    text = ", ".join(parts) or "no results"
    if summary.seconds is not None:
        text += f" ({summary.seconds:.0f} s)"
    if warn_only and not summary.passed:
        text = "warn-only: " + text
    return text


def comment_body(report: str, key: str, job_url: str | None) -> str:
    """The comment: marker, the report, and a link to the CI job; within GitHub's comment limit."""
    marker = comment_marker(key)
    link = _URL.fullmatch(job_url) if job_url else None
    footer = f"\n\n<sub>Posted by perfgate from [this CI job](<{link.group()}>).</sub>\n" if link else "\n"
    room = GITHUB_COMMENT_LIMIT - len(marker) - len(footer) - 1
    text = report.rstrip("\n")
    if len(text) > room:
        cut = "\n\n… report truncated"
        text = text[: room - len(cut)].rsplit("\n", 1)[0] + cut
    return f"{marker}\n{text}{footer}"


def open_forge(target: Target, environ: Mapping[str, str], token_env: str | None) -> Forge:
    """A client for the target's forge with the token from ``token_env`` or the usual variables."""
    if target.provider == "github":
        names = [token_env] if token_env else ["GITHUB_TOKEN", "GH_TOKEN"]
        name, token = _token(environ, names)
        if token is None:
            raise ForgeError(
                f"no token: {' or '.join(names)} is not set; give the job a token with "
                "'permissions: pull-requests: write, statuses: write' (or pass --token-env NAME)"
            )
        headers = {
            "Authorization": f"Bearer {token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
            "User-Agent": "perfgate",
        }
        return GitHub(Api(target.api_url, headers, "GitHub", token), target.repository)
    names = [token_env] if token_env else ["GITLAB_TOKEN", "CI_JOB_TOKEN"]
    name, token = _token(environ, names)
    if token is None:
        raise ForgeError(
            f"no token: {' or '.join(names)} is not set; store a project access token with the 'api' "
            "scope as the CI/CD variable GITLAB_TOKEN (or pass --token-env NAME)"
        )
    header = "JOB-TOKEN" if name == "CI_JOB_TOKEN" else "PRIVATE-TOKEN"
    return GitLab(
        Api(target.api_url, {header: token, "User-Agent": "perfgate"}, "GitLab", token), target.repository
    )


def _token(environ: Mapping[str, str], names: list[str]) -> tuple[str, str | None]:
    for name in names:
        value = environ.get(name, "").strip()
        if value:
            return name, value
    return names[0], None


@dataclass(frozen=True, slots=True)
class Posted:
    """What happened: ``created``, ``updated`` or ``skipped`` (``url`` of the comment when known)."""

    action: str
    url: str | None = None


def post_comment(forge: Forge, number: int, body: str, *, create: bool) -> Posted:
    """Update perfgate's comment on pull request ``number`` (its first line is the marker), else
    create one when ``create``. Comments are read page by page until it is found."""
    marker = body.split("\n", 1)[0]
    try:
        for c in forge.comments(number):
            if c.body.split("\n", 1)[0].rstrip("\r") == marker:
                updated = forge.update_comment(number, c.id, body)
                return Posted("updated", updated.url)
        if not create:
            return Posted("skipped")
        return Posted("created", forge.create_comment(number, body).url)
    except ApiError as exc:
        raise ForgeError(_advice(exc, forge.api.forge, "pull-requests: write")) from None


def post_status(
    forge: Forge, target: Target, summary: ReportSummary, report: str, *, warn_only: bool, job_url: str | None
) -> list[str]:
    """Set the commit status ``perfgate/<tier>`` on the head commit, and on GitHub a check run; the
    notes to print (a check run the token may not create falls back to the status alone)."""
    sha = target.head_sha
    if not sha:
        raise ForgeError("no head commit: neither the event payload nor GITHUB_SHA/CI_COMMIT_SHA names one")
    context = f"perfgate/{summary.tier or 'default'}"
    text = description(summary, warn_only=warn_only)
    state = "success" if summary.passed or warn_only else "failure"
    notes = []
    try:
        forge.set_status(sha, context, state, text, job_url)
    except ApiError as exc:
        raise ForgeError(_advice(exc, forge.api.forge, "statuses: write")) from None
    notes.append(f"status {context} {state} on {sha[:12]}: {text}")
    if isinstance(forge, GitHub):
        conclusion = "success" if summary.passed else ("neutral" if warn_only else "failure")
        try:
            forge.check_run(sha, context, conclusion, text, report, job_url)
            notes.append(f"check run {context} {conclusion}")
        except ApiError as exc:
            if exc.status not in (403, 404):
                raise ForgeError(_advice(exc, forge.api.forge, "checks: write")) from None
            notes.append(
                f"no check run ({exc.status}: the token may not create check runs; grant 'checks: write' "
                "to the job's GITHUB_TOKEN): the commit status alone was set"
            )
    return notes


def _advice(exc: ApiError, forge: str, permission: str) -> str:
    if exc.rate_limited:
        return f"{exc}: the token's API rate limit is used up; try again after it resets"
    if exc.status == 401:
        return f"{exc}: the token was refused; check that it is valid and not expired"
    if exc.status == 403:
        return (
            f"{exc}: the token may not write here; grant the job '{permission}' (a pull request from a fork "
            "gets a read-only token: use the two-workflow pattern of docs/ci.md)"
        )
    if exc.status == 404:
        return (
            f"{exc}: no such repository or pull request for this token; check the repository and its access"
        )
    if exc.status == 0:
        return str(exc)
    if exc.status >= 500 or exc.status == 429:
        return f"{exc}: {forge} is having trouble; try again later"
    return f"{exc}: {forge} refused the request as perfgate made it; please report it"


# --- fork pull requests: an artifact the trusted workflow_run workflow posts -----------------------------


@dataclass(frozen=True, slots=True)
class Artifact:
    """What a fork's job left to post: its report, and the comment and/or status it asked for."""

    report: str
    summary: ReportSummary
    number: int
    key: str | None  # the comment's key; None: no comment asked for
    when: str
    status: bool  # a status asked for
    warn_only: bool


def write_artifact(
    directory: Path,
    report: str,
    target: Target,
    *,
    comment: tuple[str, str] | None = None,
    warn_only: bool | None = None,
) -> list[Path]:
    """Write the report and the comment (``(key, when)``) or status intent under ``directory``. Nothing
    else goes in: no token, no environment."""
    if target.number is None:
        raise ForgeError("not a pull request: nothing to write for a fork")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        written = [directory / REPORT_FILE]
        (directory / REPORT_FILE).write_text(report, encoding="utf-8")
        base: dict[str, Any] = {"version": ARTIFACT_VERSION, "pr": target.number}
        if comment is not None:
            data = {**base, "key": comment[0], "when": comment[1]}
            (directory / COMMENT_FILE).write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
            written.append(directory / COMMENT_FILE)
        if warn_only is not None:
            data = {**base, "warn_only": warn_only}
            (directory / STATUS_FILE).write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
            written.append(directory / STATUS_FILE)
    except OSError as exc:
        raise InputError(f"cannot write the artifact under {directory}: {exc.strerror or exc}") from None
    return written


def read_artifact(directory: Path) -> Artifact:
    """The artifact under ``directory``, read as untrusted input (it comes from a fork's job)."""
    report_path = directory / REPORT_FILE
    report = _read(report_path, _MAX_REPORT_BYTES)
    summary = parse_summary(report, str(report_path))
    comment = _json(directory / COMMENT_FILE)
    status = _json(directory / STATUS_FILE)
    if comment is None and status is None:
        raise InputError(f"{directory}: neither {COMMENT_FILE} nor {STATUS_FILE}: nothing to post")
    numbers = {
        _field(d, p, "pr", int) for d, p in ((comment, COMMENT_FILE), (status, STATUS_FILE)) if d is not None
    }
    if len(numbers) != 1:
        raise InputError(f"{directory}: {COMMENT_FILE} and {STATUS_FILE} name different pull requests")
    number = numbers.pop()
    if number <= 0:
        raise InputError(f"{directory / COMMENT_FILE}: key 'pr' must be a positive pull request number")
    key = when = None
    if comment is not None:
        key = _field(comment, COMMENT_FILE, "key", str)
        when = _field(comment, COMMENT_FILE, "when", str)
        if when not in WHEN:
            raise InputError(f"{directory / COMMENT_FILE}: key 'when' must be one of {', '.join(WHEN)}")
    warn_only = _field(status, STATUS_FILE, "warn_only", bool) if status is not None else False
    return Artifact(report, summary, number, key, when or "always", status is not None, warn_only)


def _read(path: Path, limit: int) -> str:
    try:
        with path.open("rb") as f:
            data = f.read(limit + 1)
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise InputError(f"{path}: larger than {limit} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 ({exc.reason} at byte {exc.start})") from None


def _json(path: Path) -> dict[str, Any] | None:
    if not path.exists():
        return None
    try:
        data = json.loads(_read(path, 64 * 1024))
    except ValueError as exc:
        raise InputError(f"{path}: not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: not a JSON object")
    version = data.get("version")
    if version != ARTIFACT_VERSION:
        raise InputError(f"{path}: key 'version' is {version!r:.20}, this perfgate reads {ARTIFACT_VERSION}")
    return data


def _field(data: dict[str, Any], name: str, key: str, kind: type) -> Any:
    value = data.get(key)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise InputError(f"{name}: key {key!r} must be a {kind.__name__}, got {value!r:.40}")
    return value


def post_artifact(forge: Forge, target: Target, artifact: Artifact) -> list[str]:
    """Post a fork's artifact from the trusted ``workflow_run`` workflow, to the pull request the run
    was really for: the artifact's number must be one of the run's pull requests, or a pull request
    whose head is the commit the run measured (GitHub leaves ``pull_requests`` empty for forks)."""
    run = target.workflow_run
    if target.provider != "github" or run is None:
        raise ForgeError(
            "--from-artifact posts from a GitHub 'workflow_run' workflow (this event is "
            f"{target.event or 'unknown'}); see docs/ci.md"
        )
    assert isinstance(forge, GitHub)
    number = artifact.number
    if number not in run.pull_requests:
        try:
            sha, repo = forge.pull_head(number)
        except ApiError as exc:
            raise ForgeError(_advice(exc, "GitHub", "pull-requests: read")) from None
        same_repo = run.head_repository is None or (repo or "").lower() == run.head_repository.lower()
        if sha != run.head_sha or not same_repo:
            raise ForgeError(
                f"the artifact names pull request #{number}, whose head is not the commit the workflow run "
                f"measured ({run.head_sha[:12]}): not posted"
            )
    notes = []
    if artifact.key is not None:
        body = comment_body(artifact.report, artifact.key, run.html_url)
        posted = post_comment(forge, number, body, create=should_create(artifact.when, artifact.summary))
        notes.append(said(posted, number))
    if artifact.status:
        at_head = Target(
            "github",
            target.api_url,
            target.repository,
            number,
            run.head_sha,
            True,
            run.html_url,
            target.event,
        )
        notes += post_status(forge, at_head, artifact.summary, artifact.report, warn_only=artifact.warn_only,
                             job_url=run.html_url)  # fmt: skip
    return notes


def said(posted: Posted, number: int) -> str:
    if posted.action == "skipped":
        return f"no comment on #{number}: nothing to report under --when, and none to update"
    return f"comment {posted.action} on #{number}" + (f": {posted.url}" if posted.url else "")
