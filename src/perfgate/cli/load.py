"""``perfgate load URL``: an HTTP load test of a local server, ad hoc like ``perfgate cmd`` (nothing
stored unless ``--store-run``); ``--baseline`` gates against a run, git ref or result file.

Without a URL, ``perfgate load`` runs the configured ``[[tool.perfgate.load]]`` scenarios of ``--tier``
(all, or ``--scenario NAME``) with the tier's services started around them, as ``perfgate run``
starts them; ``--service NAME`` starts the services named instead (also for a URL)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

from perfgate import app
from perfgate.argtypes import positive_int
from perfgate.cli.common import Invocation, duration, gate_flags, output_flags, testbed_flag
from perfgate.config import Tier
from perfgate.context import strip_credentials
from perfgate.errors import UsageError
from perfgate.load import (
    ClosedModel,
    LoadSpec,
    OpenModel,
    Scenario,
    Stage,
    Window,
    parse_rate,
)
from perfgate.load.results import describe
from perfgate.model import format_value

DESCRIPTION = (
    "Send HTTP/1.1 requests to URL from several worker processes. Open model (--rate): requests on a "
    "schedule, each one's latency timed from when it was due, so a stalled server shows in the "
    "percentiles. Closed model (--users): each user waits for its answer before the next request "
    "(closed-loop: a stall hides). Each second of the run is one sample of rps, latency_p50 ... "
    "latency_max, error_rate and throughput. Only 127.0.0.1, localhost and ::1 unless --allow-remote. "
    "Without URL: the configured [[tool.perfgate.load]] scenarios of --tier (or --scenario NAME), with "
    "the tier's [[tool.perfgate.services]] started, sampled and stopped around them."
)


def _rate(value: str) -> float:
    try:
        return parse_rate(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _stage(value: str) -> Stage:
    length, sep, rate = value.partition(":")
    if not sep:
        raise argparse.ArgumentTypeError(f"expected DURATION:RATE like 30s:5000/s, got {value!r}")
    try:
        return Stage(duration(length), parse_rate(rate))
    except (ValueError, argparse.ArgumentTypeError) as exc:
        raise argparse.ArgumentTypeError(f"{value!r}: {exc}") from None


def _statuses(value: str) -> frozenset[int]:
    try:
        codes = frozenset(int(v) for v in value.split(",") if v.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected status codes like 200,201, got {value!r}") from None
    if not codes or any(not 100 <= c <= 599 for c in codes):
        raise argparse.ArgumentTypeError(f"expected status codes 100-599 like 200,201, got {value!r}")
    return codes


def configure(p: argparse.ArgumentParser) -> None:
    p.description = DESCRIPTION
    p.add_argument(
        "url",
        metavar="URL",
        nargs="?",
        help="http://127.0.0.1:PORT/path (default: the configured [[tool.perfgate.load]] scenarios)",
    )
    p.add_argument(
        "--scenario",
        action="append",
        default=[],
        metavar="NAME",
        help="without URL: run only this configured scenario (repeat; default: all of the tier's)",
    )
    p.add_argument(
        "--service",
        action="append",
        metavar="NAME",
        help="start this [[tool.perfgate.services]] entry first, sample it, stop it after (repeat; "
        "default: none with a URL, the tier's without)",
    )
    p.add_argument("-X", "--method", help="HTTP method (default: GET, or POST with a body)")
    p.add_argument(
        "-H", "--header", action="append", default=[], metavar="'K: V'", help="a request header (repeat)"
    )
    body = p.add_mutually_exclusive_group()
    body.add_argument("--data", metavar="TEXT", help="request body")
    body.add_argument("--data-file", metavar="FILE", help="request body from a file")
    body.add_argument("--json", metavar="FILE", help="JSON request body from a file (sets Content-Type)")
    p.add_argument(
        "--expect",
        type=_statuses,
        metavar="CODES",
        help="expected statuses, e.g. 200,201 (default: any 2xx); any other is an error",
    )
    p.add_argument(
        "--timeout", type=duration, default=10.0, metavar="DURATION", help="per request (default: 10s)"
    )
    p.add_argument("-n", "--name", help="benchmark name (default: 'METHOD URL')")
    model = p.add_argument_group("open model")
    model.add_argument("--rate", type=_rate, metavar="RATE", help="arrival rate, e.g. 2000/s")
    model.add_argument(
        "--stage",
        type=_stage,
        action="append",
        default=[],
        metavar="DURATION:RATE",
        help="then ramp linearly to RATE over DURATION (repeat)",
    )
    model.add_argument(
        "--connections", type=positive_int, default=256, metavar="N", help="connection limit (default: 256)"
    )
    closed = p.add_argument_group("closed model")
    closed.add_argument("--users", type=positive_int, metavar="N", help="concurrent users")
    closed.add_argument("--requests", type=positive_int, metavar="N", help="requests per user")
    closed.add_argument(
        "--think", type=duration, default=0.0, metavar="DURATION", help="pause between requests"
    )
    p.add_argument("--duration", type=duration, metavar="DURATION", help="measured time, e.g. 30s")
    p.add_argument(
        "--warmup", type=duration, default=0.0, metavar="DURATION", help="unrecorded warm-up first"
    )
    p.add_argument("--workers", type=positive_int, metavar="N", help="worker processes (default: CPU count)")
    p.add_argument("--allow-remote", action="store_true", help="allow a target that is not this machine")
    p.add_argument("--store-run", action="store_true", help="store the run in the project's store")
    p.add_argument("--baseline", metavar="RUN|REF|FILE", help="gate against a run, git ref or result file")
    p.add_argument(
        "--tier",
        help="tier of the run (for storing and baseline selection; without URL, whose scenarios and "
        "services run)",
    )
    testbed_flag(p)
    gate_flags(p)
    output_flags(p)


def _read(cwd: Path, name: str, flag: str) -> bytes:
    path = Path(name) if Path(name).is_absolute() else cwd / name
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UsageError(f"perfgate load: {flag} {name}: {exc.strerror or exc}") from None


def scenario_and_model(args: argparse.Namespace, cwd: Path) -> tuple[Scenario, OpenModel | ClosedModel]:
    """The command line as a scenario and a model; a bad combination is a usage error naming the flag."""
    headers: list[tuple[str, str]] = []
    for h in args.header:
        k, sep, v = h.partition(":")
        if not sep or not k.strip():
            raise UsageError(f"perfgate load: -H {h!r}: expected 'Name: value'")
        headers.append((k.strip(), v.strip()))
    body = b""
    if args.data is not None:
        body = args.data.encode("utf-8")
    elif args.data_file is not None:
        body = _read(cwd, args.data_file, "--data-file")
    elif args.json is not None:
        body = _read(cwd, args.json, "--json")
        try:
            json.loads(body)
        except ValueError as exc:
            raise UsageError(f"perfgate load: --json {args.json}: not JSON: {exc}") from None
        if not any(k.lower() == "content-type" for k, _ in headers):
            headers.append(("Content-Type", "application/json"))
    method = args.method.upper() if args.method else ("POST" if body else "GET")  # as curl does
    try:
        sc = Scenario(
            url=args.url,
            method=method,
            headers=tuple(headers),
            body=body,
            expect=args.expect if args.expect is not None else frozenset(range(200, 300)),
            timeout=args.timeout,
            name=args.name,
            allow_remote=args.allow_remote,
        )
    except ValueError as exc:
        raise UsageError(f"perfgate load: {exc}") from None
    if (args.rate is None) == (args.users is None):
        raise UsageError("perfgate load: give either --rate (open model) or --users (closed model)")
    try:
        if args.rate is not None:
            if args.requests is not None or args.think:
                raise UsageError("perfgate load: --requests and --think belong to the closed model (--users)")
            return sc, OpenModel(
                rate=args.rate,
                duration=args.duration or 0.0,
                stages=tuple(args.stage),
                warmup=args.warmup,
                connections=args.connections,
            )
        if args.stage:
            raise UsageError("perfgate load: --stage belongs to the open model (--rate)")
        if args.requests is None and args.duration is None:
            raise UsageError("perfgate load: --users needs --requests N (per user) or --duration")
        return sc, ClosedModel(
            users=args.users,
            requests=args.requests,
            duration=args.duration if args.requests is None else None,
            think=args.think,
            warmup=args.warmup,
        )
    except ValueError as exc:
        raise UsageError(f"perfgate load: {exc}") from None


#: the flags that describe a scenario: (flag, attribute, value when not given)
_SCENARIO_FLAGS: tuple[tuple[str, str, object], ...] = (
    ("-X", "method", None),
    ("-H", "header", []),
    ("--data", "data", None),
    ("--data-file", "data_file", None),
    ("--json", "json", None),
    ("--expect", "expect", None),
    ("--timeout", "timeout", 10.0),
    ("--name", "name", None),
    ("--rate", "rate", None),
    ("--stage", "stage", []),
    ("--connections", "connections", 256),
    ("--users", "users", None),
    ("--requests", "requests", None),
    ("--think", "think", 0.0),
    ("--duration", "duration", None),
    ("--warmup", "warmup", 0.0),
    ("--workers", "workers", None),
    ("--allow-remote", "allow_remote", False),
)


def _configured(args: argparse.Namespace, ws: app.Workspace) -> tuple[tuple[LoadSpec, ...], Tier | None]:
    """Without a URL: the configured scenarios of ``--tier`` (the default tier without it), and it."""
    given = [flag for flag, attr, unset in _SCENARIO_FLAGS if getattr(args, attr) != unset]
    if given:
        raise UsageError(
            f"perfgate load: {given[0]} describes a scenario: give it with a URL, "
            "or in [[tool.perfgate.load]]"
        )
    tier = ws.config.tier(args.tier)
    return app.configured_scenarios(ws, tier, args.scenario), tier


def run(inv: Invocation) -> int:
    args, cwd = inv.args, inv.cwd
    tier: Tier | None = None
    if args.url is not None:  # a bad command line is an error before the project is read
        if args.scenario:
            raise UsageError("perfgate load: --scenario picks configured scenarios: give it without a URL")
        sc, model = scenario_and_model(args, cwd)
        specs: tuple[LoadSpec, ...] = (LoadSpec(sc, model, workers=args.workers),)
        ws = inv.workspace()
    else:
        ws = inv.workspace()
        specs, tier = _configured(args, ws)
    # with a URL, only the services asked for; without, the tier's (as perfgate run), or those asked for
    services = args.service if args.service is not None or args.url is None else ()
    baseline = args.baseline
    if baseline is not None and not Path(baseline).is_absolute() and (cwd / baseline).exists():
        baseline = str(cwd / baseline)
    with inv.console.progress(0, "load") as progress:

        def on_scenario(spec: LoadSpec) -> Callable[[int, Window], None]:
            title = spec.scenario.title
            progress.advance(0, label=f"load: {title}")

            def on_window(i: int, w: Window) -> None:
                p99 = format_value(w.latency["p99"], "s") if "p99" in w.latency else "-"
                label = f"{i + 1}s: {w.rps:,.0f} req/s, p99 {p99}, errors {w.errors}"
                progress.advance(0, label=label if len(specs) == 1 else f"{title}: {label}")

            return on_window

        measured = app.measure_load(ws, specs, tier=tier, services=services, on_scenario=on_scenario)
    outcome = app.gate_measured(
        ws,
        measured.results,
        started=measured.started,
        finished=measured.finished,
        store_run=args.store_run,
        baseline=baseline,
        threshold=args.threshold,
        tier=tier.name if tier is not None else args.tier,
    )
    if args.store_run:
        sys.stderr.write(f"perfgate: stored run {outcome.run.id} in {strip_credentials(ws.url)}\n")
    summary = "\n".join(describe(report) for report in measured.reports)
    if args.format == "text" and args.output in (None, "-"):
        inv.stdout.write(summary + "\n")
    else:
        sys.stderr.write(summary)
    return inv.report(outcome)
