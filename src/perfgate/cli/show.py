"""``perfgate show RUN``: one run in detail, its context and results."""

from __future__ import annotations

import argparse

from perfgate import app
from perfgate.cli.common import EXIT_OK, Invocation, output_flags
from perfgate.context import redact_run
from perfgate.report import render_run, render_run_json


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("run", help="run id (or unique prefix) or git ref")
    output_flags(p, ("text", "json"))


def run(inv: Invocation) -> int:
    ws = inv.workspace()
    shown = redact_run(app.load_spec(ws, inv.args.run), ws.redactor())
    inv.out().write(render_run_json(shown) if inv.args.format == "json" else render_run(shown, inv.console))
    return EXIT_OK
