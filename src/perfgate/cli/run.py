"""``perfgate run``: run the project's benchmarks for a tier, store the run, compare with the baseline,
report, exit with the gate's code."""

from __future__ import annotations

import argparse
import sys

from perfgate import app
from perfgate.cli.common import (
    Invocation,
    gate_flags,
    output_flags,
    pytest_args_flag,
    subset_flag,
    testbed_flag,
)
from perfgate.context import strip_credentials

NAME = "run"
HELP = "run the benchmarks, store the run, compare with the baseline"


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--tier", help="tier from the configuration (selection, thresholds, time limits)")
    p.add_argument("--baseline", metavar="RUN|REF", help="compare with this run id or git ref instead")
    p.add_argument("--no-store", action="store_true", help="do not store this run")
    testbed_flag(p)
    subset_flag(p)
    pytest_args_flag(p)
    gate_flags(p)
    output_flags(p)


def run(inv: Invocation) -> int:
    args = inv.args
    ws = inv.workspace()
    outcome = app.run_suite(
        ws,
        tier=args.tier,
        pytest_args=args.pytest_args,
        store_run=not args.no_store,
        baseline=args.baseline,
        threshold=args.threshold,
        subset=args.subset,
    )
    if not args.no_store:
        sys.stderr.write(f"perfgate: stored run {outcome.run.id} in {strip_credentials(ws.url)}\n")
    return inv.report(outcome)
