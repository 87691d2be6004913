"""``perfgate run``: run the project's benchmarks for a tier, store the run, compare with the baseline,
report, exit with the gate's code."""

from __future__ import annotations

import argparse
import sys

from perfgate import app
from perfgate.argtypes import shard as shard_spec
from perfgate.cli.common import (
    Invocation,
    Out,
    duration,
    gate_flags,
    output_flags,
    pytest_args_flag,
    send_alerts,
    subset_flag,
    testbed_flag,
)
from perfgate.context import strip_credentials
from perfgate.errors import PerfgateError
from perfgate.model import dumps_run
from perfgate.report import json_inert


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--tier", help="tier from the configuration (selection, thresholds, time limits)")
    p.add_argument("--baseline", metavar="RUN|REF", help="compare with this run id or git ref instead")
    p.add_argument("--no-store", action="store_true", help="do not store this run")
    p.add_argument(
        "--shard",
        type=shard_spec,
        metavar="K/N",
        help="measure shard K of N of the selected benchmarks (one of N CI jobs; not stored: "
        "`perfgate merge` gates the shards as one run)",
    )
    p.add_argument("--export", metavar="FILE", help="also write the run as a perfgate JSON run document")
    p.add_argument(
        "--soak",
        type=duration,
        metavar="DURATION",
        help="keep the services running and sampled this long at least (e.g. 10m), for their memory "
        "growth per hour (default: the tier's soak)",
    )
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
        shard=args.shard,
        soak=args.soak,
    )
    if args.shard is not None:
        k, n = args.shard
        sys.stderr.write(
            f"perfgate: shard {k}/{n}: run {outcome.run.id} not stored "
            "(`perfgate merge` stores the whole run)\n"
        )
    elif not args.no_store:
        sys.stderr.write(f"perfgate: stored run {outcome.run.id} in {strip_credentials(ws.url)}\n")
    if args.export is not None:  # '-' is stdout; a path is relative to where perfgate was started
        export = args.export if args.export == "-" else str(inv.cwd / args.export)
        Out(export, inv.stdout).write(json_inert(dumps_run(outcome.run)))
    code = inv.report(outcome)
    if ws.config.alerts and not args.no_store and args.shard is None:
        try:  # after the report; whatever the alerts meet, the gate's exit code stands
            send_alerts(ws, outcome)
        except PerfgateError as exc:
            sys.stderr.write(f"perfgate: warning: alerts not sent: {ws.redactor()(str(exc))}\n")
    return code
