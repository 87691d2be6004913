"""``perfgate ci comment|status``: tell the pull request what the gate decided.

A comment or status that cannot be posted (no token, refused, unreachable, not a pull request) is a
one-line warning naming the cause and the fix, exit 0: the gate's exit code belongs to ``perfgate run``.
``--strict`` makes it an error (exit 2). A malformed report is an error either way.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from perfgate.ci import (
    WHEN,
    Target,
    comment_body,
    comment_key,
    detect_target,
    open_forge,
    post_artifact,
    post_comment,
    post_status,
    read_artifact,
    said,
    should_create,
    write_artifact,
)
from perfgate.cli.common import EXIT_ERROR, EXIT_OK, Invocation, Parser
from perfgate.context import redactor
from perfgate.errors import ForgeError, InputError, UsageError
from perfgate.escape import visible
from perfgate.report import ReportSummary, parse_summary

DEFAULT_ARTIFACT_DIR = "perfgate-artifact"
_MAX_REPORT_BYTES = 4 * 1024 * 1024


def configure(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="ci_command", metavar="VERB", required=True, parser_class=Parser)
    c = sub.add_parser(
        "comment",
        help="create perfgate's comment on the pull request, or update the one it made before",
        description="Post a Markdown report (perfgate run --format markdown -o FILE) as the pull "
        "request's comment (GitHub) or merge-request note (GitLab), updating perfgate's earlier one.",
    )
    c.add_argument(
        "report", nargs="?", metavar="REPORT", help="the Markdown report (not with --from-artifact)"
    )
    c.add_argument(
        "--when",
        choices=WHEN,
        default="always",
        help="create a comment always (default), only when something changed, only on a regression (or "
        "any failure of the gate), or never; an existing comment is updated whatever the news",
    )
    c.add_argument("--id", metavar="KEY", help="the comment's identity (default: project/tier/testbed)")
    c.add_argument(
        "--from-artifact",
        metavar="DIR",
        help="post what a fork pull request's job wrote to DIR (in a 'workflow_run' workflow)",
    )
    _shared(c)
    s = sub.add_parser(
        "status",
        help="set the commit status perfgate/<tier> (and a GitHub check run) on the head commit",
    )
    s.add_argument("report", metavar="REPORT", help="the Markdown report")
    s.add_argument(
        "--warn-only",
        action="store_true",
        help="an informational gate: a failed gate sets a neutral check run and a successful status",
    )
    _shared(s)


def _shared(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--strict", action="store_true", help="a post that fails is an error (exit 2), not a warning"
    )
    p.add_argument(
        "--token-env",
        metavar="NAME",
        help="the variable holding the token (default: GITHUB_TOKEN, GH_TOKEN; GITLAB_TOKEN, CI_JOB_TOKEN)",
    )
    p.add_argument(
        "--artifact-dir",
        default=DEFAULT_ARTIFACT_DIR,
        metavar="DIR",
        help=f"on a fork pull request, where to write what to post instead (default: {DEFAULT_ARTIFACT_DIR})",
    )


def run(inv: Invocation) -> int:
    verb = inv.args.ci_command
    try:
        notes = _comment(inv) if verb == "comment" else _status(inv)
    except ForgeError as exc:
        return _cannot(inv, verb, str(exc))
    for note in notes:
        _say(inv, verb, note)
    return EXIT_OK


def _comment(inv: Invocation) -> list[str]:
    args = inv.args
    if args.from_artifact is not None:
        if args.report is not None:
            raise UsageError("perfgate ci comment: give REPORT or --from-artifact DIR, not both")
        artifact = read_artifact(inv.cwd / args.from_artifact)
        target = detect_target(inv.env)
        forge = open_forge(target, inv.env, args.token_env)
        with forge.api:
            return post_artifact(forge, target, artifact)
    if args.report is None:
        raise UsageError("perfgate ci comment: give the REPORT file (or --from-artifact DIR)")
    report, summary = _read_report(inv.cwd / args.report, args.report)
    if args.when == "never":
        return ["--when never: nothing posted"]
    target = detect_target(inv.env)
    number = _pull_request(target)
    key = comment_key(summary, args.id)
    if target.fork:
        return _to_artifact(inv, report, target, comment=(key, args.when))
    forge = open_forge(target, inv.env, args.token_env)
    with forge.api:
        body = comment_body(report, key, target.job_url)
        return [said(post_comment(forge, number, body, create=should_create(args.when, summary)), number)]


def _status(inv: Invocation) -> list[str]:
    args = inv.args
    report, summary = _read_report(inv.cwd / args.report, args.report)
    target = detect_target(inv.env)
    if target.fork:
        _pull_request(target)
        return _to_artifact(inv, report, target, warn_only=args.warn_only)
    forge = open_forge(target, inv.env, args.token_env)
    with forge.api:
        return post_status(forge, target, summary, report, warn_only=args.warn_only, job_url=target.job_url)


def _pull_request(target: Target) -> int:
    if target.number is None:
        raise ForgeError(
            f"not a pull request (event {target.event or 'unknown'}): nothing to comment on; run this step "
            "on pull_request (GitHub) or merge-request pipelines (GitLab)"
        )
    return target.number


def _to_artifact(
    inv: Invocation,
    report: str,
    target: Target,
    *,
    comment: tuple[str, str] | None = None,
    warn_only: bool | None = None,
) -> list[str]:
    directory = inv.cwd / inv.args.artifact_dir
    write_artifact(directory, report, target, comment=comment, warn_only=warn_only)
    return [
        f"pull request #{target.number} comes from a fork: its token is read-only, so nothing was posted; "
        f"wrote {inv.args.artifact_dir}/ for a workflow_run workflow to post with "
        "'perfgate ci comment --from-artifact DIR' (see docs/ci.md)"
    ]


def _read_report(path: Path, given: str) -> tuple[str, ReportSummary]:
    try:
        with path.open("rb") as f:
            data = f.read(_MAX_REPORT_BYTES + 1)
    except OSError as exc:
        raise InputError(f"cannot read {given}: {exc.strerror or exc}") from None
    if len(data) > _MAX_REPORT_BYTES:
        raise InputError(f"{given}: larger than {_MAX_REPORT_BYTES} bytes: not a perfgate report")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{given}: not UTF-8 ({exc.reason} at byte {exc.start})") from None
    return text, parse_summary(text, given)


def _clean(inv: Invocation, text: str) -> str:
    token_env = inv.args.token_env
    names = [token_env] if token_env else []
    return visible(redactor(inv.env, names)(text))


def _say(inv: Invocation, verb: str, text: str) -> None:
    sys.stderr.write(f"perfgate ci {verb}: {_clean(inv, text)}\n")


def _cannot(inv: Invocation, verb: str, text: str) -> int:
    if inv.args.strict:
        sys.stderr.write(f"perfgate ci {verb}: error: {_clean(inv, text)}\n")
        return EXIT_ERROR
    sys.stderr.write(
        f"perfgate ci {verb}: warning: {_clean(inv, text)} (the gate's exit code is unchanged)\n"
    )
    return EXIT_OK
