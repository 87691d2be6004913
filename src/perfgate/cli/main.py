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
import importlib
import os
import re
import sys
from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, NamedTuple, TextIO

from perfgate import __version__
from perfgate.cli.common import EXIT_ERROR, Invocation, Parser, common_flags
from perfgate.errors import PerfgateError
from perfgate.escape import visible

if TYPE_CHECKING:
    from perfgate.context import Redactor

__all__ = ["COMMANDS", "Command", "build_parser", "chosen_command", "main"]


class Command(NamedTuple):
    """One command of ``perfgate``: its name, the module holding its arguments and its ``run`` (see
    :mod:`perfgate.cli.common`), and its line in ``perfgate --help``.

    The module is imported only when its command runs (or its parser is built): a command pays for its
    own imports, not for every other command's (docs/scale.md, "Start-up"). (A named tuple: every
    command defines the registry, and a frozen dataclass costs ten times as much to define; the
    registrations are checked by ``tests/core/test_cli_commands.py``.)
    """

    name: str
    module: str
    help: str

    def load(self) -> ModuleType:
        """The command's module (imported on first use)."""
        return importlib.import_module(self.module)


#: The commands in the order ``perfgate --help`` lists them: adding a command is a module under
#: :mod:`perfgate.cli` and one line here.
COMMANDS: tuple[Command, ...] = (
    Command("run", "perfgate.cli.run", "run the benchmarks, store the run, compare with the baseline"),
    Command("compare", "perfgate.cli.compare", "compare two runs, git refs or result files (B against A)"),
    Command(
        "ab",
        "perfgate.cli.ab",
        "run base and head interleaved on this machine, compare, gate (for PRs)",
    ),
    Command(
        "cmd",
        "perfgate.cli.cmd",
        "benchmark shell commands ad hoc, like hyperfine (nothing stored unless --store-run)",
    ),
    Command(
        "ingest",
        "perfgate.cli.ingest",
        "store results from files (perfgate JSON or another harness's output); --gate judges them",
    ),
    Command("history", "perfgate.cli.history", "a benchmark's series over commits: table and sparkline"),
    Command("runs", "perfgate.cli.runs", "list stored runs, newest first"),
    Command("show", "perfgate.cli.show", "show one run: context and results"),
    Command("export", "perfgate.cli.export", "write a run as perfgate JSON (ingest reads it back)"),
    Command(
        "sync",
        "perfgate.cli.sync",
        "pull the run history from a git data branch into the store, then push the store's new runs",
    ),
    Command(
        "merge",
        "perfgate.cli.merge",
        "merge the run documents of `perfgate run --shard K/N --export FILE` into one run; store and gate it",
    ),
    Command(
        "init",
        "perfgate.cli.init",
        "detect the benchmarks and CI; write [tool.perfgate] and the CI workflows",
    ),
    Command(
        "detect",
        "perfgate.cli.detect",
        "change points in every stored series, or in a CSV series (--series)",
    ),
    Command(
        "trend",
        "perfgate.cli.trend",
        "each benchmark's sparkline, change and slope over a recent window, with its change points",
    ),
    Command(
        "bisect",
        "perfgate.cli.bisect",
        "find the commit between --good and --bad that made a benchmark slower (measures in git worktrees)",
    ),
    Command(
        "report",
        "perfgate.cli.report",
        "write the dashboard of the stored runs as a static site (--html DIR)",
    ),
    Command(
        "serve",
        "perfgate.cli.serve",
        "serve the dashboard live from the store, read-only (default: http://127.0.0.1:8000/)",
    ),
    Command(
        "load",
        "perfgate.cli.load",
        "load-test a local HTTP server (open model: --rate; closed model: --users)",
    ),
    Command(
        "ci",
        "perfgate.cli.ci",
        "post the report to the pull request: 'ci comment' (updated in place), 'ci status' (status, check)",
    ),
    Command("notify", "perfgate.cli.notify", "send the configured alerts for a stored run (each alert once)"),
    Command("alerts", "perfgate.cli.alerts", "list, acknowledge or silence the recorded alerts"),
    Command(
        "baseline",
        "perfgate.cli.baseline",
        "show, set, propose, approve or reject the managed baseline; its history",
    ),
)
_BY_NAME = {c.name: c for c in COMMANDS}


def build_parser(commands: Collection[str] | None = None, *, every: bool = True) -> argparse.ArgumentParser:
    """The parser of ``perfgate``: every command is listed (name and help), and those named in
    ``commands`` (all when None) get their arguments, which imports their modules. Without ``every``
    only those are listed: the parser of a command being run needs no other (each sub-parser costs
    its construction, ~0.4 ms)."""
    parser = Parser(
        prog="perfgate",
        description="Continuous benchmarking: measure, store, compare with a baseline, gate.",
        epilog="Exit codes: 0 nothing fell short; 1 regression, failed benchmark or broken budget; "
        "2 usage, configuration or input error.",
    )
    parser.add_argument("--version", action="version", version=f"perfgate {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for command in COMMANDS:
        if not every and commands is not None and command.name not in commands:
            continue
        p = sub.add_parser(command.name, help=command.help)
        if commands is None or command.name in commands:
            command.load().configure(p)
            common_flags(p)
    return parser


def chosen_command(argv: Sequence[str]) -> str | None:
    """The command ``argv`` names: its first word not starting with '-' (``perfgate`` itself takes no
    option with a value), or None when there is none or it names no command (argparse then says so)."""
    word = next((a for a in argv if not a.startswith("-")), None)
    return word if word in _BY_NAME else None


def main(
    argv: Sequence[str] | None = None,
    *,
    cwd: Path | None = None,
    environ: Mapping[str, str] | None = None,
    stdout: TextIO | None = None,
    stdin: TextIO | None = None,
    started: Callable[[], object] | None = None,
) -> int:
    """Run the CLI and return its exit code (the console script exits with it). ``started`` is called
    once the command is loaded, before it runs (not for ``--help``, ``--version`` or a usage error)."""
    env = dict(os.environ) if environ is None else dict(environ)
    out_stream = stdout or sys.stdout
    here = cwd or Path.cwd()
    config_path: Path | None = None
    try:
        words = list(sys.argv[1:] if argv is None else argv)
        name = chosen_command(words)
        parser = build_parser(() if name is None else (name,), every=name is None)
        args = parser.parse_args(words)
        config_path = getattr(args, "config", None)  # (none without a command)
        if args.command is None:
            parser.print_help(sys.stderr)
            return EXIT_ERROR
        from perfgate.report.console import make_console  # (after parsing: --version and --help need none)

        console = make_console(args.color, stream=out_stream, environ=env)
        module = _BY_NAME[args.command].load()
        if started is not None:
            started()
        return int(module.run(Invocation(args, here, env, console, out_stream, stdin or sys.stdin)))
    except PerfgateError as exc:
        sys.stderr.write(error_line(str(exc), _error_redactor(here, config_path, env)))
        return EXIT_ERROR
    except KeyboardInterrupt:
        sys.stderr.write("perfgate: interrupted\n")
        return 130
    except Exception as exc:  # a bug: still one line and exit 2; the traceback on request
        if env.get("PERFGATE_DEBUG"):
            import traceback  # (its imports are paid by a bug only)

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
    from perfgate.config import load_config  # (the configuration's imports, paid only on an error)
    from perfgate.context import redactor

    try:
        names = load_config(cwd, config_path).redact
    except Exception:  # an unreadable configuration must not hide the error being reported
        names = ()
    return redactor(env, names)


_PROG = r"perfgate(?: ([a-z][a-z-]*))?: "  # (compiled by re on first use: an error)


def error_line(message: str, redact: Redactor, *, kind: str = "error") -> str:
    """The one line an error prints: ``perfgate: error: ...`` (``perfgate cmd: error: ...`` when the
    message names its command), secrets redacted and control characters made visible.

    Messages that already start with ``perfgate:`` or ``perfgate COMMAND:`` (argparse's, a command's
    own) keep that prefix once instead of repeating it.
    """
    prog = "perfgate"
    m = re.match(_PROG, message)
    if m is not None:
        prog = f"perfgate {m.group(1)}" if m.group(1) else prog
        message = message[m.end() :]
    return f"{prog}: {kind}: {visible(redact(message))}\n"
