"""``perfgate serve``: the dashboard, live from the store, read-only (GET and HEAD only)."""

from __future__ import annotations

import argparse
import sys

from perfgate.argtypes import positive_int
from perfgate.cli.common import EXIT_OK, Invocation
from perfgate.errors import UsageError


def _port(value: str) -> int:
    port = positive_int(value) if value != "0" else 0
    if port > 65535:
        raise argparse.ArgumentTypeError(f"not a TCP port: {value!r}")
    return port


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: 127.0.0.1, this machine only; 0.0.0.0 shares the store's "
        "contents with the network)",
    )
    p.add_argument("--port", type=_port, default=8000, help="TCP port (default: 8000; 0: any free port)")


def run(inv: Invocation) -> int:
    from perfgate import dashboard

    problem = dashboard.missing_extra() or _missing_server()
    if problem:
        raise UsageError(problem)
    from perfgate.dashboard.server import serve

    ws = inv.workspace()
    serve(
        ws, inv.args.host, inv.args.port, announce=lambda url: sys.stderr.write(f"perfgate: serving {url}\n")
    )
    return EXIT_OK


def _missing_server() -> str | None:
    import importlib.util

    for module in ("starlette", "uvicorn"):
        if importlib.util.find_spec(module) is None:
            return f"perfgate serve needs {module}: pip install 'perfgate[dashboard]'"
    return None
