"""``perfgate report``: write a report of the stored history; ``--html DIR`` writes the static dashboard.

More formats can join ``--html`` later (one flag each, one of them required).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from perfgate.cli.common import EXIT_OK, Invocation
from perfgate.errors import UsageError


def configure(p: argparse.ArgumentParser) -> None:
    kind = p.add_mutually_exclusive_group(required=True)
    kind.add_argument(
        "--html",
        metavar="DIR",
        type=Path,
        help="write the static dashboard into DIR (new, empty, or a dashboard written before: replaced "
        "whole); open DIR/index.html or publish DIR (GitHub Pages, a CI artifact)",
    )


def run(inv: Invocation) -> int:
    from perfgate import dashboard

    problem = dashboard.missing_extra()
    if problem:
        raise UsageError(problem)
    target: Path = inv.args.html
    if not target.is_absolute():
        target = inv.cwd / target
    count = dashboard.write_site(inv.workspace(), target)
    sys.stderr.write(f"perfgate: wrote the dashboard ({count} pages) to {target}/index.html\n")
    return EXIT_OK
