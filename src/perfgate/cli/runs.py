"""``perfgate runs``: list stored runs, newest first."""

from __future__ import annotations

import argparse

from perfgate import app
from perfgate.argtypes import positive_int
from perfgate.cli.common import EXIT_OK, Invocation, output_flags
from perfgate.report import render_runs, render_runs_json


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--branch")
    p.add_argument("--commit", help="a commit sha or prefix")
    p.add_argument("--testbed")
    p.add_argument("--tier")
    p.add_argument("--limit", type=positive_int, default=20, metavar="N", help="default: 20")
    output_flags(p, ("text", "json"))


def run(inv: Invocation) -> int:
    args = inv.args
    rows = app.list_runs(
        inv.workspace(),
        branch=args.branch,
        commit=args.commit,
        testbed=args.testbed,
        tier=args.tier,
        limit=args.limit,
    )
    inv.out().write(render_runs_json(rows) if args.format == "json" else render_runs(rows, inv.console))
    return EXIT_OK
