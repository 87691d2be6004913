"""``perfgate merge``: the shards' run documents as one run, stored and gated once."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from perfgate import app
from perfgate.cli.common import Invocation, gate_flags, output_flags
from perfgate.context import strip_credentials
from perfgate.errors import UsageError


def configure(p: argparse.ArgumentParser) -> None:
    p.description = (
        "Make one run of the shards' run documents (same project, commit and tier; each benchmark in one "
        "shard), store it and gate it once against its baseline, as `perfgate run` gates an unsharded "
        "run: a benchmark of the baseline that no shard ran is missing, one that failed in its shard failed."
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="a shard's run document")
    p.add_argument("--tier", help="the tier of the run, when the shards do not say (they must agree)")
    p.add_argument("--no-store", action="store_true", help="do not store the merged run")
    gate_flags(p)
    output_flags(p)


def run(inv: Invocation) -> int:
    args = inv.args
    paths = [inv.cwd / f for f in args.files]
    for given, path in zip(args.files, paths, strict=True):
        if not path.is_file():
            raise UsageError(f"perfgate merge: {given}: no such file")
    ws = inv.workspace()
    outcome = app.merge_files(
        ws, [Path(p) for p in paths], tier=args.tier, store_run=not args.no_store, threshold=args.threshold
    )
    n = len(paths)
    if not args.no_store:
        sys.stderr.write(
            f"perfgate: stored run {outcome.run.id} (merged from {n} shard(s)) "
            f"in {strip_credentials(ws.url)}\n"
        )
    return inv.report(outcome)
