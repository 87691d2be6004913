"""``perfgate ab --base REF``: run base and head interleaved on this machine, compare, gate."""

from __future__ import annotations

import argparse
import sys

from perfgate.argtypes import positive_int
from perfgate.cli.common import Invocation, gate_flags, output_flags, pytest_args_flag, testbed_flag
from perfgate.context import strip_credentials
from perfgate.report import visible


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--base", required=True, metavar="REF", help="the git ref to compare against")
    p.add_argument("--head", metavar="REF", help="the git ref to judge (default: the working tree as it is)")
    p.add_argument("--tier", help="tier from the configuration (default: its default_tier)")
    p.add_argument("--seed", type=int, default=0, help="seed of the A/B turn order (default: 0)")
    p.add_argument(
        "--episodes",
        type=positive_int,
        default=None,
        metavar="N",
        help="independent episodes per benchmark, each in a fresh fork of the workers; the paired test "
        "takes one ratio per episode (default: 24; 1: one measurement, paired ABBA blocks)",
    )
    p.add_argument(
        "--slices",
        type=positive_int,
        default=None,
        metavar="N",
        help="load scenarios: interleaved slices per side (default: each scenario's slices, else 10)",
    )
    p.add_argument("--no-store", action="store_true", help="do not store the two runs")
    testbed_flag(p)
    pytest_args_flag(p)
    gate_flags(p)
    output_flags(p)


def run(inv: Invocation) -> int:
    from perfgate.ab import (
        ab_load_specs,
        run_ab,  # spawns workers and git worktrees; keep other commands' imports light
        run_ab_load,
    )

    args = inv.args
    ws = inv.workspace()
    specs = ab_load_specs(ws.config, ws.config.tier(args.tier), args.pytest_args)
    if specs:  # the tier's load scenarios against each side's services (docs/ab.md, "Load scenarios")
        base_run, head_run, outcome = run_ab_load(
            ws,
            specs,
            base=args.base,
            head=args.head,
            tier=args.tier,
            threshold=args.threshold,
            seed=args.seed,
            slices=args.slices,
            store_runs=not args.no_store,
            console=inv.console,
        )
        if not args.no_store:
            where = strip_credentials(ws.url)
            sys.stderr.write(
                f"perfgate: stored runs {base_run.id} (base) and {head_run.id} (head) in {where}\n"
            )
        return inv.report(outcome)
    ab = run_ab(
        ws,
        base=args.base,
        head=args.head,
        tier=args.tier,
        pytest_args=args.pytest_args,
        threshold=args.threshold,
        seed=args.seed,
        **({"episodes": args.episodes} if args.episodes is not None else {}),
        store_runs=not args.no_store,
        console=inv.console,
        warn=lambda message: sys.stderr.write(f"perfgate: warning: {visible(message)}\n"),
    )
    if not args.no_store:
        where = strip_credentials(ws.url)
        sys.stderr.write(f"perfgate: stored runs {ab.base.id} (base) and {ab.head.id} (head) in {where}\n")
    return inv.report(ab.outcome)
