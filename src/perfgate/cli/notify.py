"""``perfgate notify RUN``: send the alerts the configured rules raise on a stored run's verdicts
against its baseline (each alert once: see :func:`perfgate.app.notify`)."""

from __future__ import annotations

import argparse
import sys

from perfgate import app
from perfgate.cli.common import EXIT_OK, Invocation, send_alerts
from perfgate.errors import ConfigError


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("run_id", metavar="RUN", help="a stored run id or unique id prefix")


def run(inv: Invocation) -> int:
    ws = inv.workspace()
    if not ws.config.alerts:
        where = ws.config.source or ws.config.root / "pyproject.toml"
        raise ConfigError(
            f"{where}: no alert rules configured ([[tool.perfgate.alerts]], see docs/alerts.md)"
        )
    notified = send_alerts(ws, app.judge_stored(ws, inv.args.run_id))
    if not notified.alerts:
        sys.stderr.write("perfgate: no alert rule matched\n")
    return EXIT_OK
