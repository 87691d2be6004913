"""``perfgate sync``: pull the run history from a git branch into the store, push the store's new runs."""

from __future__ import annotations

import argparse
import sys

from perfgate.argtypes import positive_int
from perfgate.cli.common import EXIT_OK, Invocation
from perfgate.context import strip_credentials
from perfgate.escape import visible
from perfgate.sync import DEFAULT_BRANCH, DEFAULT_REMOTE, Prune, sync_store


def _days(value: str) -> float:
    try:
        days = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of days, got {value!r}") from None
    if not days > 0 or days == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number of days > 0, got {value!r}")
    return days


def configure(p: argparse.ArgumentParser) -> None:
    p.description = (
        "Keep the run history on a git branch (one file per run), so it survives ephemeral CI runners: "
        "call it before `perfgate run` (to have the baseline) and after it (to keep the new run)."
    )
    p.add_argument("--branch", default=DEFAULT_BRANCH, help=f"the data branch (default: {DEFAULT_BRANCH})")
    p.add_argument(
        "--remote",
        default=DEFAULT_REMOTE,
        help=f"a remote of the checkout, or a URL (default: {DEFAULT_REMOTE})",
    )
    p.add_argument("--no-push", action="store_true", help="only pull: store the branch's runs, push nothing")
    p.add_argument(
        "--keep",
        type=positive_int,
        metavar="N",
        help="prune the branch to its newest N runs (the store keeps all)",
    )
    p.add_argument(
        "--max-age",
        type=_days,
        metavar="DAYS",
        help="prune runs older than DAYS from the branch (the store keeps all)",
    )


def run(inv: Invocation) -> int:
    args = inv.args
    ws = inv.workspace()
    prune = Prune(keep=args.keep, max_age_days=args.max_age)
    with ws.store() as store:
        report = sync_store(
            store,
            ws.config.root,
            branch=args.branch,
            remote=args.remote,
            push=not args.no_push,
            prune=prune,
            project=ws.config.project,
            environ=ws.environ,
            redact=ws.redactor(),
        )
    for warning in report.warnings:
        sys.stderr.write(f"perfgate sync: warning: {visible(warning)}\n")
    where = f"{visible(report.branch)} on {visible(strip_credentials(report.remote))}"
    parts = [f"pulled {len(report.pulled)} run(s)"]
    if not args.no_push:
        parts.append(f"pushed {len(report.pushed)}")
    if report.pruned:
        parts.append(f"pruned {len(report.pruned)} from the branch")
    if report.created:
        parts.append("created the branch")
    if report.not_pushed:
        parts.append(f"{report.not_pushed} run(s) of other projects than {ws.config.project!r} left out")
    if report.attempts > 1:
        parts.append(f"{report.attempts} attempts (other jobs pushed meanwhile)")
    sys.stderr.write(f"perfgate sync: {', '.join(parts)} ({where}; store {strip_credentials(ws.url)})\n")
    return EXIT_OK
