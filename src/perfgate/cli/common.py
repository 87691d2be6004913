"""What every command shares: the parser class, the common flags, where data goes, the invocation.

A command is a module under :mod:`perfgate.cli` with ``configure(parser)`` (its arguments; the common
flags ``--config``, ``--store`` and ``--color`` are added for it) and ``run(inv) -> int`` (the exit
code), registered once with its name and help line in :data:`perfgate.cli.main.COMMANDS`, which imports
it only when it runs.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TextIO

from perfgate import app
from perfgate.errors import UsageError
from perfgate.escape import visible
from perfgate.urls import is_url

if TYPE_CHECKING:
    from perfgate.gate import Outcome
    from perfgate.report import Console

# What a command imports is what it pays for at every start (docs/scale.md, "Start-up"): this module is
# imported by every command, so what only some need (the configuration's parsers, the report formats)
# is imported where it is used.

__all__ = [
    "EXIT_ERROR",
    "EXIT_OK",
    "Invocation",
    "Out",
    "Parser",
    "common_flags",
    "duration",
    "gate_flags",
    "output_flags",
    "pytest_args_flag",
    "report",
    "say_notified",
    "send_alerts",
    "subset_flag",
    "testbed_flag",
    "threshold",
    "workspace",
]

EXIT_OK, EXIT_ERROR = 0, 2  # 1 is the gate's: Outcome.exit_code


class _HelpFormatter(argparse.HelpFormatter):
    """argparse's help formatter with the width ``shutil.get_terminal_size`` gives, found without
    importing ``shutil`` (and the compression modules it imports): argparse makes a formatter for
    every argument added, to check its metavar, and so every command paid for it."""

    def __init__(
        self, prog: str, indent_increment: int = 2, max_help_position: int = 24, width: int | None = None
    ) -> None:
        if width is None:
            width = _terminal_columns() - 2
        super().__init__(prog, indent_increment, max_help_position, width)


def _terminal_columns() -> int:
    """``shutil.get_terminal_size().columns``: ``$COLUMNS``, else the terminal's, else 80."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns if columns > 0 else 80


class Parser(argparse.ArgumentParser):
    """argparse that raises UsageError (one line, exit 2) instead of printing usage and exiting."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message}")


def threshold(value: str) -> float:
    from perfgate.config import parse_percent

    try:
        return parse_percent(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def common_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--config",
        type=Path,
        help="configuration file (default: nearest perfgate.toml or pyproject.toml with [tool.perfgate])",
    )
    p.add_argument(
        "--store",
        metavar="URL",
        help="result store: a path or database URL "
        "(default: .perfgate/perfgate.db under the project root; $PERFGATE_DATABASE_URL)",
    )
    p.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour output (default: auto; honours NO_COLOR and FORCE_COLOR)",
    )


def output_flags(p: argparse.ArgumentParser, formats: Sequence[str] = ("text", "json", "markdown")) -> None:
    p.add_argument("--format", choices=formats, default="text", help="output format (default: text)")
    p.add_argument("-o", "--output", metavar="FILE", help="write the output to FILE ('-' = stdout)")


def duration(value: str) -> float:
    from perfgate.config import parse_duration

    try:
        return parse_duration(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def gate_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--threshold",
        type=threshold,
        metavar="PCT",
        help="override every relative threshold, e.g. 5%% or 1.5",
    )
    p.add_argument(
        "--warn-only", action="store_true", help="report regressions but exit 0 (an informational gate)"
    )


def subset_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--subset",
        action="store_true",
        help="the run measures a deliberate subset: benchmarks of the baseline it lacks do not fail the "
        "gate (pytest selection such as -k, -m or a test path implies it)",
    )


def testbed_flag(p: argparse.ArgumentParser) -> None:
    """``--testbed`` of a command that measures (run, ab, cmd)."""
    p.add_argument("--testbed", help="testbed label (default: config, $PERFGATE_TESTBED, the machine)")


def pytest_args_flag(p: argparse.ArgumentParser) -> None:
    """The pytest arguments after ``--`` of a command that runs the pytest benchmarks (run, ab)."""
    p.add_argument("pytest_args", nargs="*", metavar="-- PYTEST_ARGS", help="extra arguments for pytest")


class Out:
    """Where data goes: stdout, or a file written only once the data is complete."""

    def __init__(self, target: str | None, stdout: TextIO) -> None:
        self.target = target
        self.stdout = stdout

    def write(self, text: str) -> None:
        if not text.endswith("\n"):
            text += "\n"
        if self.target in (None, "-"):
            self.stdout.write(text)
            return
        assert self.target is not None
        path = Path(self.target)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(path.name + ".tmp")
            tmp.write_text(text, encoding="utf-8")
            tmp.replace(path)
        except OSError as exc:
            raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None


def report(
    args: argparse.Namespace, outcome: Outcome, console: Console, out: Out, environ: Mapping[str, str]
) -> int:
    from perfgate.report import append_step_summary, render_json, render_markdown, render_text

    if args.format == "json":
        out.write(render_json(outcome))
    elif args.format == "markdown":
        out.write(render_markdown(outcome))
    else:
        out.write(render_text(outcome, console))
    if environ.get("GITHUB_STEP_SUMMARY"):
        append_step_summary(render_markdown(outcome), environ)
    code = outcome.exit_code(args.warn_only)
    if args.warn_only and not outcome.passed:
        sys.stderr.write("perfgate: --warn-only: the gate failed, exiting 0\n")
    return code


def send_alerts(ws: app.Workspace, outcome: Outcome, *, resolve: bool = True) -> app.Notified:
    """Send the alerts the configured rules raise on ``outcome`` (each once, :func:`perfgate.app.notify`),
    and the notices of those it resolves,
    and say so on stderr: one line per alert sent, one warning per channel that failed (never an error:
    an alert channel does not decide the gate)."""
    return say_notified(app.notify(ws, outcome, resolve=resolve))


def say_notified(notified: app.Notified) -> app.Notified:
    """What the alerts did, on stderr (see :func:`send_alerts`)."""
    for alert, channel in notified.sent:
        sys.stderr.write(
            f"perfgate: alert {visible(alert.rule)} ({alert.severity}) sent to {channel}: "
            f"{visible(alert.benchmark)} [{visible(alert.metric)}]\n"
        )
    for alert, channel in notified.resolutions_sent:
        sys.stderr.write(
            f"perfgate: resolution of alert {visible(alert.rule)} sent to {channel}: "
            f"{visible(alert.benchmark)} [{visible(alert.metric)}]\n"
        )
    if notified.already:
        sys.stderr.write(f"perfgate: {notified.already} alert(s) already sent, not sent again\n")
    for note in notified.skipped:
        sys.stderr.write(f"perfgate: note: {visible(note)}\n")
    for failure in notified.failures:
        sys.stderr.write(f"perfgate: warning: {visible(failure)} (tried again at the next notify)\n")
    return notified


def workspace(args: argparse.Namespace, cwd: Path, environ: Mapping[str, str]) -> app.Workspace:
    config = args.config
    if config is not None and not config.is_absolute():
        config = cwd / config  # relative to where perfgate was started, as every path argument is
    ws = app.Workspace.discover(
        cwd,
        config_path=config,
        environ=environ,
        store_url=args.store,
        testbed=getattr(args, "testbed", None),
    )
    if config is not None:
        _note_config_root(ws, cwd, args.config)
    return ws


def _note_config_root(ws: app.Workspace, cwd: Path, given: Path) -> None:
    """Say where the store is when ``--config`` names a file in another directory: the paths in a
    configuration file (``storage``, ``benchmarks``) are relative to its directory, the project root."""
    cfg = ws.config
    if cfg.root == cwd.resolve() or ws.store_url is not None:
        return
    if is_url(cfg.storage) or Path(cfg.storage).expanduser().is_absolute():
        return
    sys.stderr.write(
        f"perfgate: project root {cfg.root} (the directory of --config {given}); store {ws.url}\n"
    )


class Invocation(NamedTuple):
    """One command's call: its parsed arguments and the process's surroundings (passed in, so tests
    run the CLI in-process with their own directory, environment and streams). A named tuple, not a
    dataclass, as every command's start builds it (see :mod:`perfgate.frozen`)."""

    args: argparse.Namespace
    cwd: Path
    env: dict[str, str]
    console: Console
    stdout: TextIO
    stdin: TextIO

    def workspace(self) -> app.Workspace:
        """The project, its configuration and its store, as the common flags name them."""
        return workspace(self.args, self.cwd, self.env)

    def out(self) -> Out:
        """Where this command's data goes: stdout or ``-o FILE``."""
        return Out(getattr(self.args, "output", None), self.stdout)

    def report(self, outcome: Outcome) -> int:
        """Render a gate's outcome in ``--format`` to the output; the exit code it earns."""
        return report(self.args, outcome, self.console, self.out(), self.env)
