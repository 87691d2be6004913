"""``perfgate ingest FILE...``: store results from files (perfgate JSON or another harness's output);
``--gate`` then judges them as ``perfgate run`` does."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from perfgate import app
from perfgate.cli.common import EXIT_OK, Invocation, gate_flags, subset_flag
from perfgate.context import strip_credentials
from perfgate.errors import UsageError
from perfgate.gate import SUBSET_TAG

_REPORT_FORMATS = ("text", "json", "markdown")


def configure(p: argparse.ArgumentParser) -> None:
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
    subset_flag(p)
    gate_flags(p)
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


def run(inv: Invocation) -> int:
    import tempfile

    args, stdout = inv.args, inv.stdout
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
    ws = inv.workspace()
    with tempfile.TemporaryDirectory(prefix="perfgate-") as tmp:
        paths = _stdin_to_file(args.paths, inv.stdin, Path(tmp))
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
        return inv.report(outcome)
    stdout.write(run.id + "\n")
    return EXIT_OK


def _ingest_formats(input_format: str | None, fmt: str) -> tuple[str, str]:
    """(input format, report format) from ingest's ``--input-format`` and ``--format``.

    ``--format`` was once ingest's input format: a value that is not a report format still means one.
    """
    if fmt in _REPORT_FORMATS:
        return input_format or "auto", fmt
    if input_format is not None and input_format != fmt:
        raise UsageError(f"perfgate ingest: --format {fmt} and --input-format {input_format}: give one")
    return fmt, "text"


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
