"""``perfgate history BENCHMARK``: one benchmark's series over commits, as a table and a sparkline."""

from __future__ import annotations

import argparse
import sys

from perfgate import app
from perfgate.cli.common import EXIT_OK, Invocation, output_flags
from perfgate.context import redact_series
from perfgate.errors import UsageError
from perfgate.gcpause import gc_paused
from perfgate.report import history_title, render_history, render_history_json


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "benchmark",
        help="benchmark id, e.g. 'bench/test_parse.py::test_small', or a unique substring or glob of it",
    )
    p.add_argument("--metric", default="time")
    p.add_argument("--branch", help="only runs on this branch (default: the current branch, else main)")
    p.add_argument("--all-branches", action="store_true", help="runs on every branch")
    p.add_argument("--testbed", help="only runs on this testbed")
    p.add_argument("--tier", help="only runs of this tier (default: the configured default tier)")
    p.add_argument("--all-tiers", action="store_true", help="runs of every tier")
    p.add_argument("--limit", type=int, default=50, help="the most recent N points (default: 50)")
    output_flags(p, ("text", "json"))


def run(inv: Invocation) -> int:
    args = inv.args
    if args.branch is not None and args.all_branches:
        raise UsageError("perfgate history: --branch and --all-branches exclude each other")
    if args.tier is not None and args.all_tiers:
        raise UsageError("perfgate history: --tier and --all-tiers exclude each other")
    with gc_paused():  # (thousands of acyclic values read and rendered: see perfgate.gcpause)
        # (in a function of its own, so that the series and the text are freed before the collector
        # runs again: it would walk them all when it resumes)
        _history(inv)
    return EXIT_OK


def _history(inv: Invocation) -> None:
    args = inv.args
    ws = inv.workspace()
    h = app.history(
        ws,
        args.benchmark,
        metric=args.metric,
        branch=args.branch,
        testbed=args.testbed,
        tier=args.tier,
        all_branches=args.all_branches,
        all_tiers=args.all_tiers,
        limit=args.limit,
    )
    series = redact_series(h.series, ws.redactor())
    if series.benchmark != h.asked:
        sys.stderr.write(
            f"perfgate: history of {series.benchmark!r} (the one benchmark matching {h.asked!r})\n"
        )
    out = inv.out()
    if args.format == "json":
        out.write(render_history_json(series))
    else:
        out.write(render_history(series, inv.console, title=history_title(series, h.defaults)))
