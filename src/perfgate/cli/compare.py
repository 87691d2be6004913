"""``perfgate compare A B``: compare two runs, git refs or result files (B against A) and gate."""

from __future__ import annotations

import argparse
import sys

from perfgate import app
from perfgate.cli.common import Invocation, gate_flags, output_flags, send_alerts, subset_flag
from perfgate.errors import ConfigError, PerfgateError
from perfgate.gcpause import gc_paused


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
    p.add_argument(
        "--notify",
        action="store_true",
        help="send the configured alerts on these verdicts (each once; never resolves an alert)",
    )
    subset_flag(p)
    gate_flags(p)
    output_flags(p)


def run(inv: Invocation) -> int:
    args = inv.args
    ws = inv.workspace()
    if args.notify and not ws.config.alerts:
        where = ws.config.source or ws.config.root / "pyproject.toml"
        raise ConfigError(f"{where}: --notify: no alert rules configured ([[tool.perfgate.alerts]])")
    outcome = app.compare_specs(
        ws,
        args.base,
        args.head,
        fmt=args.input_format,
        threshold=args.threshold,
        tier=args.tier,
        subset=args.subset,
    )
    with gc_paused():  # (the report of 10,000 verdicts is 100,000s of acyclic strings: see gc_paused)
        code = inv.report(outcome)
    if args.notify:
        try:  # after the report; whatever the alerts meet, the gate's exit code stands
            send_alerts(ws, outcome, resolve=False)
        except PerfgateError as exc:
            sys.stderr.write(f"perfgate: warning: alerts not sent: {ws.redactor()(str(exc))}\n")
    return code
