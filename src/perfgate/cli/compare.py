"""``perfgate compare A B``: compare two runs, git refs or result files (B against A) and gate."""

from __future__ import annotations

import argparse

from perfgate import app
from perfgate.cli.common import Invocation, gate_flags, output_flags, subset_flag

NAME = "compare"
HELP = "compare two runs, git refs or result files (B against A)"


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("base", metavar="A", help="baseline: run id (prefix), git ref, or result file")
    p.add_argument("head", metavar="B", help="current: run id (prefix), git ref, or result file")
    p.add_argument(
        "--input-format", default="auto", metavar="NAME", help="format of result files (default: auto-detect)"
    )
    p.add_argument(
        "--tier",
        help="a git ref stands for its newest run of this tier (default: the head run's tier, else the "
        "configured default tier); both sides are always of one tier",
    )
    subset_flag(p)
    gate_flags(p)
    output_flags(p)


def run(inv: Invocation) -> int:
    args = inv.args
    outcome = app.compare_specs(
        inv.workspace(),
        args.base,
        args.head,
        fmt=args.input_format,
        threshold=args.threshold,
        tier=args.tier,
        subset=args.subset,
    )
    return inv.report(outcome)
