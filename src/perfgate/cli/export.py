"""``perfgate export RUN``: a run as perfgate's JSON run document (``perfgate ingest`` reads it back)."""

from __future__ import annotations

import argparse

from perfgate import app
from perfgate.cli.common import EXIT_OK, Invocation
from perfgate.model import dumps_run
from perfgate.report import json_inert


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("run", help="run id (or unique prefix) or git ref")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE (default: stdout)")


def run(inv: Invocation) -> int:
    exported = app.load_spec(inv.workspace(), inv.args.run)
    inv.out().write(json_inert(dumps_run(exported)))  # bidi and C1 controls as \u escapes
    return EXIT_OK
