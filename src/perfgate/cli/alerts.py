"""``perfgate alerts list | ack ID | silence GLOB --for 7d``: the recorded alerts (see
:mod:`perfgate.app.alerts`)."""

from __future__ import annotations

import argparse

from perfgate import app
from perfgate.cli.common import EXIT_OK, Invocation, Parser
from perfgate.errors import UsageError
from perfgate.escape import visible


def configure(p: argparse.ArgumentParser) -> None:
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True, parser_class=Parser)
    ls = verbs.add_parser("list", help="the open alerts (--all: resolved ones too)")
    ls.add_argument("--all", action="store_true", help="resolved alerts too")
    ack = verbs.add_parser("ack", help="acknowledge an alert: its deliveries stop")
    ack.add_argument("id", metavar="ID", help="an alert id or unique id prefix (perfgate alerts list)")
    sil = verbs.add_parser("silence", help="hold back the alerts of matching benchmarks for a while")
    sil.add_argument("glob", metavar="GLOB", help="a benchmark name glob, e.g. 'bench/io_*'")
    sil.add_argument("--for", dest="period", required=True, metavar="PERIOD", help="e.g. 7d, 12h, 30m")


def run(inv: Invocation) -> int:
    ws = inv.workspace()
    args = inv.args
    out = inv.out()
    if args.verb == "ack":
        a = app.ack_alert(ws, args.id)
        out.write(f"acknowledged {a.id}: {visible(a.rule)} on {visible(a.benchmark)} [{visible(a.metric)}]\n")
        return EXIT_OK
    if args.verb == "silence":
        try:
            period = app.parse_period(args.period)
        except ValueError as exc:
            raise UsageError(f"perfgate alerts silence: --for: {exc}") from None
        s = app.silence_alerts(ws, args.glob, period)
        out.write(f"silenced {visible(s.glob)} until {s.until.isoformat(timespec='minutes')}\n")
        return EXIT_OK
    rows = app.list_alerts(ws, include_resolved=args.all)
    if not rows:
        out.write("no open alerts\n" if not args.all else "no alerts recorded\n")
        return EXIT_OK
    for a in rows:
        channels = ", ".join(f"{c} {st}" for c, st in a.channels)
        state = a.state if a.acked is None else f"{a.state}, acked {a.acked[:16]}"
        if a.resolved_run is not None:
            state += f" by run {a.resolved_run[:10]}"
        commit = f" ({a.commit[:12]})" if a.commit else ""
        out.write(
            f"{a.id}  {a.severity or '-'}  {visible(a.rule)}  {visible(a.benchmark)} [{visible(a.metric)}]  "
            f"{state}  since run {a.run[:10]}{commit} {a.opened[:16]}  channels: {channels}\n"
        )
    return EXIT_OK
