"""The ``perfgate`` command: parse arguments, call :mod:`perfgate.app`, render, exit.

Exit codes (a contract): 0 nothing fell short; 1 the gate said no (a regression, a failed benchmark or
a broken budget); 2 usage, configuration, input or internal error. Data goes to stdout (or ``-o FILE``),
everything else to stderr.

Each command is a module of :mod:`perfgate.cli` (see :mod:`perfgate.cli.common`), registered once in
:data:`COMMANDS`; this module only builds the parser from them, dispatches, and turns errors into one
line.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import traceback
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import TextIO

from perfgate import __version__
from perfgate.cli import (
    ab,
    alerts,
    baseline,
    bisect,
    ci,
    cmd,
    compare,
    detect,
    export,
    history,
    ingest,
    init,
    load,
    merge,
    notify,
    report,
    run,
    runs,
    serve,
    show,
    sync,
    trend,
)
from perfgate.cli.common import EXIT_ERROR, Invocation, Parser, common_flags
from perfgate.config import load_config
from perfgate.context import Redactor, redactor
from perfgate.errors import PerfgateError
from perfgate.report import make_console, visible

__all__ = ["COMMANDS", "build_parser", "main"]

#: The commands, one module each (see :mod:`perfgate.cli.common`), in the order ``perfgate --help``
#: lists them: adding a command is a module, its import above and one line here.
COMMANDS: tuple[ModuleType, ...] = (
    run,
    compare,
    ab,
    cmd,
    ingest,
    history,
    runs,
    show,
    export,
    sync,
    merge,
    init,
    detect,
    trend,
    bisect,
    report,
    serve,
    load,
    ci,
    notify,
    alerts,
    baseline,
)
_MODULES = {m.NAME: m for m in COMMANDS}


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="perfgate",
        description="Continuous benchmarking: measure, store, compare with a baseline, gate.",
        epilog="Exit codes: 0 nothing fell short; 1 regression, failed benchmark or broken budget; "
        "2 usage, configuration or input error.",
    )
    parser.add_argument("--version", action="version", version=f"perfgate {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for module in COMMANDS:
        p = sub.add_parser(module.NAME, help=module.HELP)
        module.configure(p)
        common_flags(p)
    return parser


def main(
    argv: Sequence[str] | None = None,
    *,
    cwd: Path | None = None,
    environ: Mapping[str, str] | None = None,
    stdout: TextIO | None = None,
    stdin: TextIO | None = None,
) -> int:
    """Run the CLI and return its exit code (the console script exits with it)."""
    env = dict(os.environ) if environ is None else dict(environ)
    out_stream = stdout or sys.stdout
    here = cwd or Path.cwd()
    config_path: Path | None = None
    try:
        parser = build_parser()
        args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
        config_path = args.config
        if args.command is None:
            parser.print_help(sys.stderr)
            return EXIT_ERROR
        console = make_console(args.color, stream=out_stream, environ=env)
        module = _MODULES[args.command]
        return int(module.run(Invocation(args, here, env, console, out_stream, stdin or sys.stdin)))
    except PerfgateError as exc:
        sys.stderr.write(error_line(str(exc), _error_redactor(here, config_path, env)))
        return EXIT_ERROR
    except KeyboardInterrupt:
        sys.stderr.write("perfgate: interrupted\n")
        return 130
    except Exception as exc:  # a bug: still one line and exit 2; the traceback on request
        if env.get("PERFGATE_DEBUG"):
            traceback.print_exc()
        where = ""
        tb = exc.__traceback__
        while tb is not None and tb.tb_next is not None:
            tb = tb.tb_next
        if tb is not None:
            where = f" at {Path(tb.tb_frame.f_code.co_filename).name}:{tb.tb_lineno}"
        message = (
            f"{type(exc).__name__}: {exc}{where} (set PERFGATE_DEBUG=1 for the traceback; please report it)"
        )
        sys.stderr.write(error_line(message, _error_redactor(here, config_path, env), kind="internal error"))
        return EXIT_ERROR


def _error_redactor(cwd: Path, config_path: Path | None, env: Mapping[str, str]) -> Redactor:
    """The Redactor for an error line: with the configuration's ``redact`` names when it can be read
    (the error may be that it cannot)."""
    try:
        names = load_config(cwd, config_path).redact
    except Exception:  # an unreadable configuration must not hide the error being reported
        names = ()
    return redactor(env, names)


_PROG = re.compile(r"perfgate(?: ([a-z][a-z-]*))?: ")


def error_line(message: str, redact: Redactor, *, kind: str = "error") -> str:
    """The one line an error prints: ``perfgate: error: ...`` (``perfgate cmd: error: ...`` when the
    message names its command), secrets redacted and control characters made visible.

    Messages that already start with ``perfgate:`` or ``perfgate COMMAND:`` (argparse's, a command's
    own) keep that prefix once instead of repeating it.
    """
    prog = "perfgate"
    m = _PROG.match(message)
    if m is not None:
        prog = f"perfgate {m.group(1)}" if m.group(1) else prog
        message = message[m.end() :]
    return f"{prog}: {kind}: {visible(redact(message))}\n"
