"""``perfgate cmd -- COMMAND``: benchmark shell commands ad hoc, like hyperfine (nothing stored unless
``--store-run``); ``--baseline`` gates against a run, git ref or result file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from perfgate import app
from perfgate.cli.common import Invocation, Out, duration, gate_flags, output_flags, testbed_flag
from perfgate.context import strip_credentials
from perfgate.errors import UsageError
from perfgate.measure.command import DEFAULT_MAX_TIME, DEFAULT_MIN_RUNS, SpecError

if TYPE_CHECKING:
    from perfgate.measure.command import CommandBenchmark, CommandSpec

DESCRIPTION = (
    "Run commands repeatedly and measure wall, user and system time and peak memory per run. Commands "
    "come after -- (executed directly, no shell) or from -c (split like a shell would, or run by /bin/sh "
    "with --shell)."
)


def configure(p: argparse.ArgumentParser) -> None:
    p.description = DESCRIPTION
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
        type=duration,
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
    p.add_argument("--timeout", type=duration, metavar="DURATION", help="kill a run after this long: failed")
    p.add_argument("--show-output", action="store_true", help="show the commands' output (on stderr)")
    p.add_argument("--export-json", metavar="FILE", help="write hyperfine's JSON export ('-' = stdout)")
    p.add_argument("--store-run", action="store_true", help="store the run in the project's store")
    p.add_argument("--baseline", metavar="RUN|REF|FILE", help="gate against a run, git ref or result file")
    p.add_argument("--tier", help="tier label of the run (for storing and baseline selection)")
    testbed_flag(p)
    gate_flags(p)
    output_flags(p)


def run(inv: Invocation) -> int:
    from perfgate.measure.command import expand, hyperfine_json

    args, cwd = inv.args, inv.cwd
    specs = _command_specs(args)
    for spec in specs:  # a bad command line (an unbalanced quote) is a usage error, before anything runs
        try:
            expand(spec)
        except ValueError as exc:
            raise UsageError(f"perfgate cmd: {exc}") from None
    ws = inv.workspace()
    total = sum(len(expand(s)) for s in specs)
    # paths on the command line are relative to the directory perfgate was started in
    baseline = args.baseline
    if baseline is not None and not Path(baseline).is_absolute() and (cwd / baseline).exists():
        baseline = str(cwd / baseline)
    export = args.export_json
    if export not in (None, "-") and not Path(export).is_absolute():
        export = str(cwd / export)
    with inv.console.progress(total, "measuring") as progress:

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
        Out(export, inv.stdout).write(ws.redactor()(json.dumps(hyperfine_json(measured), indent=2)))
        if export == "-" and args.output is None:
            return outcome.exit_code(args.warn_only)
    return inv.report(outcome)


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
