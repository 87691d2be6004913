"""The ``perfgate`` command: parse arguments, call :mod:`perfgate.app`, render, exit.

Exit codes (a contract): 0 nothing fell short; 1 the gate said no (a regression, a failed benchmark or
a broken budget); 2 usage, configuration, input or internal error. Data goes to stdout (or ``-o FILE``),
everything else to stderr.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, TextIO

from perfgate import __version__, app
from perfgate.argtypes import positive_int
from perfgate.cli import report, runs, serve
from perfgate.cli.common import EXIT_ERROR, EXIT_OK, Invocation
from perfgate.cli.common import Out as _Out
from perfgate.cli.common import Parser as _Parser
from perfgate.cli.common import common_flags as _common
from perfgate.cli.common import duration as _duration
from perfgate.cli.common import gate_flags as _gate_flags
from perfgate.cli.common import output_flags as _output
from perfgate.cli.common import report as _report
from perfgate.cli.common import subset_flag as _subset_flag
from perfgate.cli.common import workspace as _workspace
from perfgate.config import load_config
from perfgate.context import Redactor, redact_run, redactor, strip_credentials
from perfgate.errors import PerfgateError, UsageError
from perfgate.gate import SUBSET_TAG
from perfgate.measure.command import DEFAULT_MAX_TIME, DEFAULT_MIN_RUNS, SpecError
from perfgate.model import dumps_run
from perfgate.report import (
    Console,
    HistoryPoint,
    json_inert,
    make_console,
    render_history,
    render_history_json,
    render_run,
    render_run_json,
    visible,
)

if TYPE_CHECKING:
    from perfgate.measure.command import CommandBenchmark, CommandSpec

__all__ = ["COMMANDS", "build_parser", "main"]

#: The commands, one module each (see :mod:`perfgate.cli.common`): adding a command is a module and
#: one line here.
COMMANDS: tuple[ModuleType, ...] = (runs, report, serve)
_MODULES = {m.NAME: m for m in COMMANDS}



def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="perfgate",
        description="Continuous benchmarking: measure, store, compare with a baseline, gate.",
        epilog="Exit codes: 0 nothing fell short; 1 regression, failed benchmark or broken budget; "
        "2 usage, configuration or input error.",
    )
    parser.add_argument("--version", action="version", version=f"perfgate {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for module in COMMANDS:
        p = sub.add_parser(module.NAME, help=module.HELP)
        module.configure(p)
        _common(p)

    p = sub.add_parser("run", help="run the benchmarks, store the run, compare with the baseline")
    p.add_argument("--tier", help="tier from the configuration (selection, thresholds, time limits)")
    p.add_argument("--baseline", metavar="RUN|REF", help="compare with this run id or git ref instead")
    p.add_argument("--no-store", action="store_true", help="do not store this run")
    p.add_argument("--testbed", help="testbed label (default: config, $PERFGATE_TESTBED, the machine)")
    _subset_flag(p)
    p.add_argument("pytest_args", nargs="*", metavar="-- PYTEST_ARGS", help="extra arguments for pytest")
    _gate_flags(p)
    _output(p)
    _common(p)

    p = sub.add_parser("compare", help="compare two runs, git refs or result files (B against A)")
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
    _subset_flag(p)
    _gate_flags(p)
    _output(p)
    _common(p)

    p = sub.add_parser("ab", help="run base and head interleaved on this machine, compare, gate (for PRs)")
    p.add_argument("--base", required=True, metavar="REF", help="the git ref to compare against")
    p.add_argument("--head", metavar="REF", help="the git ref to judge (default: the working tree as it is)")
    p.add_argument("--tier", help="tier from the configuration (default: its default_tier)")
    p.add_argument("--seed", type=int, default=0, help="seed of the A/B turn order (default: 0)")
    p.add_argument(
        "--episodes",
        type=positive_int,
        default=None,
        metavar="N",
        help="independent episodes per benchmark, each in a fresh fork of the workers; the paired test "
        "takes one ratio per episode (default: 24; 1: one measurement, paired ABBA blocks)",
    )
    p.add_argument("--no-store", action="store_true", help="do not store the two runs")
    p.add_argument("--testbed", help="testbed label (default: config, $PERFGATE_TESTBED, the machine)")
    p.add_argument("pytest_args", nargs="*", metavar="-- PYTEST_ARGS", help="extra arguments for pytest")
    _gate_flags(p)
    _output(p)
    _common(p)

    p = sub.add_parser("history", help="a benchmark's series over commits: table and sparkline")
    p.add_argument(
        "benchmark",
        help="benchmark id, e.g. 'bench/test_parse.py::test_small', or a unique substring or glob of it",
    )
    p.add_argument("--metric", default="time")
    p.add_argument("--branch", help="only runs on this branch (default: the current branch, else main)")
    p.add_argument("--all-branches", action="store_true", help="runs on every branch")
    p.add_argument("--testbed", help="only runs on this testbed")
    p.add_argument("--tier", help="only runs of this tier (default: the configured default tier)")
    p.add_argument("--all-tiers", action="store_true", help="runs of every tier")
    p.add_argument("--limit", type=int, default=50, help="the most recent N points (default: 50)")
    _output(p, ("text", "json"))
    _common(p)

    p = sub.add_parser(
        "cmd",
        help="benchmark shell commands ad hoc, like hyperfine (nothing stored unless --store-run)",
        description="Run commands repeatedly and measure wall, user and system time and peak memory per "
        "run. Commands come after -- (executed directly, no shell) or from -c (split like a shell would, "
        "or run by /bin/sh with --shell).",
    )
    p.add_argument("argv", nargs="*", metavar="-- COMMAND [ARGS...]", help="a command to benchmark")
    p.add_argument(
        "-c", "--command", dest="commands", action="append", default=[], metavar="CMD", help="another command"
    )
    p.add_argument("-n", "--name", action="append", default=[], help="names of the commands, in order")
    p.add_argument("-w", "--warmup", type=int, default=0, metavar="N", help="warm-up runs (default: 0)")
    p.add_argument("-r", "--runs", type=int, metavar="N", help="exactly N timed runs")
    p.add_argument(
        "-m",
        "--min-runs",
        type=int,
        default=DEFAULT_MIN_RUNS,
        metavar="N",
        help=f"at least N runs (default: {DEFAULT_MIN_RUNS})",
    )
    p.add_argument("-M", "--max-runs", type=int, metavar="N", help="at most N runs (default: no limit)")
    p.add_argument(
        "--max-time",
        type=_duration,
        default=DEFAULT_MAX_TIME,
        metavar="DURATION",
        help=f"time to fill with runs (default: {DEFAULT_MAX_TIME:g}s)",
    )
    p.add_argument("-p", "--prepare", metavar="CMD", help="run before every run (untimed)")
    p.add_argument("--cleanup", metavar="CMD", help="run once after the last run")
    p.add_argument("-S", "--shell", action="store_true", help="run commands with /bin/sh -c")
    p.add_argument("-i", "--ignore-failure", action="store_true", help="non-zero exit codes do not fail")
    p.add_argument(
        "-L",
        "--parameter-list",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "V1,V2"),
        help="one benchmark per value, {NAME} replaced in the command (repeat for combinations)",
    )
    p.add_argument("--timeout", type=_duration, metavar="DURATION", help="kill a run after this long: failed")
    p.add_argument("--show-output", action="store_true", help="show the commands' output (on stderr)")
    p.add_argument("--export-json", metavar="FILE", help="write hyperfine's JSON export ('-' = stdout)")
    p.add_argument("--store-run", action="store_true", help="store the run in the project's store")
    p.add_argument("--baseline", metavar="RUN|REF|FILE", help="gate against a run, git ref or result file")
    p.add_argument("--tier", help="tier label of the run (for storing and baseline selection)")
    p.add_argument("--testbed", help="testbed label (default: config, $PERFGATE_TESTBED, the machine)")
    _gate_flags(p)
    _output(p)
    _common(p)

    p = sub.add_parser("show", help="show one run: context and results")
    p.add_argument("run", help="run id (or unique prefix) or git ref")
    _output(p, ("text", "json"))
    _common(p)

    p = sub.add_parser("export", help="write a run as perfgate JSON (ingest reads it back)")
    p.add_argument("run", help="run id (or unique prefix) or git ref")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE (default: stdout)")
    _common(p)

    p = sub.add_parser(
        "ingest",
        help="store results from files (perfgate JSON or another harness's output); --gate judges them",
    )
    p.add_argument("paths", nargs="*", metavar="FILE|DIR|-")
    p.add_argument("--list-formats", action="store_true", help="list the input formats and exit")
    p.add_argument(
        "--input-format",
        dest="input_format",
        default=None,
        metavar="NAME",
        help="input format (default: auto-detect by content)",
    )
    p.add_argument("--commit", help="the commit the results belong to (default: the checkout's HEAD)")
    p.add_argument("--branch", help="the branch (default: the checkout's)")
    p.add_argument("--testbed", help="testbed label")
    p.add_argument("--tier", help="tier label")
    p.add_argument("--project", help="project name (default: from the configuration)")
    p.add_argument(
        "--name",
        action="append",
        default=[],
        metavar="NAME",
        help="name of the one benchmark in the input at the same position, once per input in order "
        "(load tests: Vegeta and hey reports do not record their target), e.g. 'GET /api/users'",
    )
    p.add_argument(
        "--gate",
        action="store_true",
        help="then compare the run with its baseline and exit as `perfgate run` does (0, 1 or 2)",
    )
    p.add_argument("--baseline", metavar="RUN|REF", help="with --gate: compare with this run id or git ref")
    _subset_flag(p)
    _gate_flags(p)
    p.add_argument(
        "--format",
        dest="format",
        default="text",
        metavar="FORMAT",
        help="with --gate: report format, text, json or markdown (default: text); an input format "
        "name here is taken as --input-format, as before",
    )
    p.add_argument(
        "-o", "--output", metavar="FILE", help="with --gate: write the report to FILE ('-' = stdout)"
    )
    _common(p)
    return parser


def _stdin_to_file(paths: Sequence[str], stdin: TextIO, tmpdir: Path) -> list[Path]:
    out = []
    for p in paths:
        if p == "-":
            f = tmpdir / "stdin"
            f.write_text(stdin.read(), encoding="utf-8")
            out.append(f)
        else:
            path = Path(p)
            if not path.exists():
                raise UsageError(f"{p}: no such file or directory")
            out.append(path)
    return out


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
        module = _MODULES.get(args.command)
        if module is not None:
            return int(module.run(Invocation(args, here, env, console, out_stream, stdin or sys.stdin)))
        return _COMMANDS[args.command](args, here, env, console, out_stream, stdin or sys.stdin)
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


Handler = Callable[[argparse.Namespace, Path, dict[str, str], Console, TextIO, TextIO], int]


def _cmd_run(
    args: argparse.Namespace, cwd: Path, env: dict[str, str], console: Console, stdout: TextIO, stdin: TextIO
) -> int:
    ws = _workspace(args, cwd, env)
    outcome = app.run_suite(
        ws,
        tier=args.tier,
        pytest_args=args.pytest_args,
        store_run=not args.no_store,
        baseline=args.baseline,
        threshold=args.threshold,
        subset=args.subset,
    )
    if not args.no_store:
        sys.stderr.write(f"perfgate: stored run {outcome.run.id} in {strip_credentials(ws.url)}\n")
    return _report(args, outcome, console, _Out(args.output, stdout), env)


def _cmd_compare(
    args: argparse.Namespace, cwd: Path, env: dict[str, str], console: Console, stdout: TextIO, stdin: TextIO
) -> int:
    ws = _workspace(args, cwd, env)
    outcome = app.compare_specs(
        ws,
        args.base,
        args.head,
        fmt=args.input_format,
        threshold=args.threshold,
        tier=args.tier,
        subset=args.subset,
    )
    return _report(args, outcome, console, _Out(args.output, stdout), env)


def _cmd_ab(
    args: argparse.Namespace, cwd: Path, env: dict[str, str], console: Console, stdout: TextIO, stdin: TextIO
) -> int:
    from perfgate.ab import run_ab  # spawns workers and git worktrees; keep other commands' imports light

    ws = _workspace(args, cwd, env)
    ab = run_ab(
        ws,
        base=args.base,
        head=args.head,
        tier=args.tier,
        pytest_args=args.pytest_args,
        threshold=args.threshold,
        seed=args.seed,
        **({"episodes": args.episodes} if args.episodes is not None else {}),
        store_runs=not args.no_store,
        console=console,
        warn=lambda message: sys.stderr.write(f"perfgate: warning: {visible(message)}\n"),
    )
    if not args.no_store:
        where = strip_credentials(ws.url)
        sys.stderr.write(f"perfgate: stored runs {ab.base.id} (base) and {ab.head.id} (head) in {where}\n")
    return _report(args, ab.outcome, console, _Out(args.output, stdout), env)


def _cmd_history(
    args: argparse.Namespace, cwd: Path, env: dict[str, str], console: Console, stdout: TextIO, stdin: TextIO
) -> int:
    ws = _workspace(args, cwd, env)
    if args.branch is not None and args.all_branches:
        raise UsageError("perfgate history: --branch and --all-branches exclude each other")
    if args.tier is not None and args.all_tiers:
        raise UsageError("perfgate history: --tier and --all-tiers exclude each other")
    h = app.history(
        ws,
        args.benchmark,
        metric=args.metric,
        branch=args.branch,
        testbed=args.testbed,
        tier=args.tier,
        all_branches=args.all_branches,
        all_tiers=args.all_tiers,
        limit=args.limit,
    )
    redact = ws.redactor()
    rows = [
        HistoryPoint(
            run_id=p.run_id,
            commit=p.commit,
            branch=p.branch,
            when=p.commit_time or p.started,
            value=p.summary.median if p.summary is not None else None,
            unit=p.unit,
            ci_low=p.summary.ci_low if p.summary is not None else None,
            ci_high=p.summary.ci_high if p.summary is not None else None,
            error=redact.optional(p.error),
            started=p.started,
        )
        for p in h.points
    ]
    if h.benchmark != h.asked:
        sys.stderr.write(f"perfgate: history of {h.benchmark!r} (the one benchmark matching {h.asked!r})\n")
    out = _Out(args.output, stdout)
    if args.format == "json":
        out.write(render_history_json(rows))
    else:
        out.write(render_history(rows, console, title=_history_title(h), direction=h.points[-1].direction))
    return EXIT_OK


def _history_title(h: app.History) -> str:
    """What the series is: the benchmark and metric, then which branch, tier and testbed, and which of
    those were defaults (so nobody reads one branch's series as everything)."""

    def scope(key: str, value: str | None, everything: str) -> str:
        if value is None:
            return everything
        return f"{key} {value}" + (" (default)" if key in h.defaults else "")

    parts = [
        f"{h.benchmark} [{h.metric}]",
        scope("branch", h.branch, "all branches"),
        scope("tier", h.tier, "all tiers"),
        scope("testbed", h.testbed, "all testbeds"),
    ]
    return " · ".join(parts)


def _cmd_show(
    args: argparse.Namespace, cwd: Path, env: dict[str, str], console: Console, stdout: TextIO, stdin: TextIO
) -> int:
    ws = _workspace(args, cwd, env)
    run = redact_run(app.load_spec(ws, args.run), ws.redactor())
    out = _Out(args.output, stdout)
    out.write(render_run_json(run) if args.format == "json" else render_run(run, console))
    return EXIT_OK


def _cmd_export(
    args: argparse.Namespace, cwd: Path, env: dict[str, str], console: Console, stdout: TextIO, stdin: TextIO
) -> int:
    ws = _workspace(args, cwd, env)
    run = app.load_spec(ws, args.run)
    _Out(args.output, stdout).write(json_inert(dumps_run(run)))  # bidi and C1 controls as \u escapes
    return EXIT_OK


def _cmd_ingest(
    args: argparse.Namespace, cwd: Path, env: dict[str, str], console: Console, stdout: TextIO, stdin: TextIO
) -> int:
    import tempfile

    if args.list_formats:
        from perfgate.adapters.registry import available

        adapters = available()
        width = max(len(n) for n in adapters)
        stdout.write("".join(f"{n:<{width}}  {a.description}\n" for n, a in sorted(adapters.items())))
        return EXIT_OK
    if not args.paths:
        raise UsageError("perfgate ingest: give at least one FILE, DIR or - (or --list-formats)")
    input_format, args.format = _ingest_formats(args.input_format, args.format)
    if not args.gate:
        for flag, given in (("--baseline", args.baseline), ("--threshold", args.threshold),
                            ("--warn-only", args.warn_only), ("-o", args.output),
                            ("--format " + args.format, args.format != "text")):  # fmt: skip
            if given:
                raise UsageError(f"perfgate ingest: {flag} applies to a gate: add --gate")
    ws = _workspace(args, cwd, env)
    with tempfile.TemporaryDirectory(prefix="perfgate-") as tmp:
        paths = _stdin_to_file(args.paths, stdin, Path(tmp))
        where = dict(commit=args.commit, branch=args.branch, tier=args.tier, project=args.project)
        if args.gate:
            outcome = app.ingest_gate(
                ws, paths, fmt=input_format, **where, names=args.name, baseline=args.baseline,
                threshold=args.threshold, subset=args.subset,
            )  # fmt: skip
            run = outcome.run
        else:
            run = app.ingest_paths(ws, paths, fmt=input_format, **where, names=args.name)
            if args.subset:
                run = replace(run, tags=(*run.tags, SUBSET_TAG))
            with ws.store() as store:
                store.add_run(run)
    n = len(run.results)
    sys.stderr.write(
        f"perfgate: stored run {run.id} ({n} result{'s' if n != 1 else ''} from {run.source})"
        f" in {strip_credentials(ws.url)}\n"
    )
    if args.gate:
        return _report(args, outcome, console, _Out(args.output, stdout), env)
    stdout.write(run.id + "\n")
    return EXIT_OK


_REPORT_FORMATS = ("text", "json", "markdown")


def _ingest_formats(input_format: str | None, fmt: str) -> tuple[str, str]:
    """(input format, report format) from ingest's ``--input-format`` and ``--format``.

    ``--format`` was once ingest's input format: a value that is not a report format still means one.
    """
    if fmt in _REPORT_FORMATS:
        return input_format or "auto", fmt
    if input_format is not None and input_format != fmt:
        raise UsageError(f"perfgate ingest: --format {fmt} and --input-format {input_format}: give one")
    return fmt, "text"


def _command_specs(args: argparse.Namespace) -> list[CommandSpec]:
    from perfgate.measure.command import CommandSpec

    commands: list[str | tuple[str, ...]] = [*args.commands]
    if args.argv:
        commands.append(tuple(args.argv))
    if not commands:
        raise UsageError("perfgate cmd: give a command after -- (or with -c)")
    if len(args.name) > len(commands):
        raise UsageError(f"perfgate cmd: {len(args.name)} names for {len(commands)} command(s)")
    params = []
    for pname, values in args.parameter_list:
        params.append((pname, tuple(v.strip() for v in values.split(","))))
    specs = []
    for i, command in enumerate(commands):
        try:
            specs.append(
                CommandSpec(
                    command=command,
                    name=args.name[i] if i < len(args.name) else None,
                    shell=args.shell,
                    warmup=args.warmup,
                    runs=args.runs,
                    min_runs=args.min_runs,
                    max_runs=args.max_runs,
                    max_time=args.max_time,
                    prepare=args.prepare,
                    cleanup=args.cleanup,
                    ignore_failure=args.ignore_failure,
                    timeout=args.timeout,
                    parameters=tuple(params),
                    show_output=args.show_output,
                )
            )
        except SpecError as exc:
            raise UsageError(f"perfgate cmd: {_cmd_flag(exc.key)}: {exc.problem}") from None
    return specs


def _cmd_flag(key: str) -> str:
    """The ``perfgate cmd`` flag that sets the command benchmark setting ``key`` (see SpecError)."""
    if key.startswith("parameters."):
        return f"-L {key.removeprefix('parameters.')}"
    return {"command": "the command", "parameters": "-L"}.get(key, "--" + key.replace("_", "-"))


def _cmd_cmd(
    args: argparse.Namespace, cwd: Path, env: dict[str, str], console: Console, stdout: TextIO, stdin: TextIO
) -> int:
    from perfgate.measure.command import expand, hyperfine_json

    specs = _command_specs(args)
    for spec in specs:  # a bad command line (an unbalanced quote) is a usage error, before anything runs
        try:
            expand(spec)
        except ValueError as exc:
            raise UsageError(f"perfgate cmd: {exc}") from None
    ws = _workspace(args, cwd, env)
    total = sum(len(expand(s)) for s in specs)
    # paths on the command line are relative to the directory perfgate was started in
    baseline = args.baseline
    if baseline is not None and not Path(baseline).is_absolute() and (cwd / baseline).exists():
        baseline = str(cwd / baseline)
    export = args.export_json
    if export not in (None, "-") and not Path(export).is_absolute():
        export = str(cwd / export)
    with console.progress(total, "measuring") as progress:

        def on_run(bench: CommandBenchmark, done: int, planned: int | None) -> None:
            finished = planned is not None and done >= planned
            progress.advance(1 if finished else 0, label=f"{bench.id.name}: run {done}/{planned or '?'}")

        outcome, measured = app.command_suite(
            ws,
            specs,
            cwd=cwd,
            store_run=args.store_run,
            baseline=baseline,
            threshold=args.threshold,
            tier=args.tier,
            on_run=on_run,
        )
    if args.store_run:
        sys.stderr.write(f"perfgate: stored run {outcome.run.id} in {strip_credentials(ws.url)}\n")
    if export is not None:
        import json

        # the commands are in it, as the shell filled them in: without the environment's secrets
        _Out(export, stdout).write(ws.redactor()(json.dumps(hyperfine_json(measured), indent=2)))
        if export == "-" and args.output is None:
            return outcome.exit_code(args.warn_only)
    return _report(args, outcome, console, _Out(args.output, stdout), env)


_COMMANDS: dict[str, Handler] = {
    "run": _cmd_run,
    "cmd": _cmd_cmd,
    "compare": _cmd_compare,
    "ab": _cmd_ab,
    "history": _cmd_history,
    "show": _cmd_show,
    "export": _cmd_export,
    "ingest": _cmd_ingest,
}
