"""``perfgate baseline show | set | history | propose | approve | reject``: managed baselines
(``[tool.perfgate.baseline] mode = "managed"``, docs/baselines.md) and their audit trail."""

from __future__ import annotations

import argparse
from collections import defaultdict
from pathlib import Path

from perfgate import app
from perfgate.argtypes import positive_int
from perfgate.cli.common import EXIT_OK, Invocation, Parser
from perfgate.errors import InputError
from perfgate.escape import visible
from perfgate.model.baselines import (
    REASON_CODES,
    BaselineEvent,
    BaselineKey,
    current_baseline,
    open_proposals,
)


def configure(p: argparse.ArgumentParser) -> None:
    verbs = p.add_subparsers(dest="verb", required=True, metavar="VERB", parser_class=Parser)
    for name, help_ in (
        ("show", "the current managed baselines and open proposals"),
        ("history", "the audit trail"),
    ):
        v = verbs.add_parser(name, help=help_)
        v.add_argument("--testbed", help="only this testbed's baselines")
        v.add_argument("--tier", help="only this tier's baselines")
        _common(v)
    for name, help_ in (
        ("set", "make a run (or a git ref's runs) the baseline now"),
        ("propose", "propose a run (or a git ref's runs) as the new baseline"),
    ):
        v = verbs.add_parser(name, help=help_)
        v.add_argument("spec", metavar="RUN|REF")
        v.add_argument("--reason", required=True, help="why (kept in the audit trail)")
        v.add_argument(
            "--reason-code",
            choices=REASON_CODES,
            default="ManualOverride" if name == "set" else "TestProceduresUpdated",
        )
        v.add_argument(
            "--runs", type=positive_int, metavar="N", help="of a git ref, its newest N runs (default: 1)"
        )
        _by(v)
    for name, help_ in (
        ("approve", "approve a proposal: its runs become the baseline"),
        ("reject", "reject a proposal: the baseline stays"),
    ):
        v = verbs.add_parser(name, help=help_)
        v.add_argument(
            "id", type=positive_int, metavar="ID", help="the proposal's id (perfgate baseline show)"
        )
        v.add_argument("--reason", default="", help="why (kept in the audit trail)")
        _by(v)


def _by(v: argparse.ArgumentParser) -> None:
    v.add_argument("--by", help="who decides (default: $GITHUB_ACTOR, else $USER)")
    _common(v)


def _common(v: argparse.ArgumentParser) -> None:
    """``--config``/``--store`` after the verb too (``perfgate baseline show --store X``); SUPPRESS
    keeps a value given before the verb."""
    v.add_argument("--config", type=Path, default=argparse.SUPPRESS, help="as before the verb")
    v.add_argument("--store", metavar="URL", default=argparse.SUPPRESS, help="as before the verb")


def _who(inv: Invocation) -> str:
    by = inv.args.by or inv.env.get("GITHUB_ACTOR") or inv.env.get("USER") or ""
    if not by:
        raise InputError("who made the change is not known: pass --by NAME (or set $USER)")
    return str(by)


def _line(e: BaselineEvent) -> str:
    tail = f" (proposal {e.proposal})" if e.proposal is not None else ""
    runs = ", ".join(e.new_runs) or "-"
    old = ", ".join(e.old_runs) or "-"
    supporting = ", ".join(e.supporting) or "-"
    lines = (
        f"#{e.id} {e.at:%Y-%m-%d %H:%M:%S}Z {e.kind.value}{tail} by {e.by}: {e.reason_code}: {e.reason}",
        f"    old: {old}",
        f"    new: {runs}",
        f"    supporting: {supporting}",
    )
    return "\n".join(visible(line) for line in lines)  # each line inert: a reason's newline shows as \n


def run(inv: Invocation) -> int:
    args = inv.args
    ws = inv.workspace()
    out: list[str] = []
    if args.verb in ("show", "history"):
        ws.require_store(f"perfgate baseline {args.verb}")
        with ws.store(readonly=True) as store:
            events = store.baseline_events()
        by_key: dict[BaselineKey, list[BaselineEvent]] = defaultdict(list)
        for e in events:
            if (args.testbed is None or e.key.testbed == args.testbed) and (
                args.tier is None or e.key.tier == args.tier
            ):
                by_key[e.key].append(e)
        if not by_key:
            out.append("no managed baseline (set one with `perfgate baseline set RUN --reason TEXT`)")
        for key, trail in by_key.items():
            out.append(visible(f"{key.describe()}:"))
            if args.verb == "history":
                out.extend(f"  {_line(e)}" for e in trail)
                continue
            now = current_baseline(trail)
            out.append(f"  current: {_line(now)}" if now else "  current: none")
            out.extend(f"  open proposal: {_line(p)}" for p in open_proposals(trail))
    else:
        with ws.store() as store:
            if args.verb in ("set", "propose"):
                runs = app.resolve_runs(store, ws, args.spec, limit=args.runs or 1)
                key = app.baseline_key(ws, runs[0])
                act = app.set_baseline if args.verb == "set" else app.propose_baseline
                event = act(store, key, runs, by=_who(inv), reason=args.reason, reason_code=args.reason_code)
            elif args.verb == "approve":
                event = app.approve_proposal(store, args.id, by=_who(inv), reason=args.reason)
            else:
                event = app.reject_proposal(store, args.id, by=_who(inv), reason=args.reason)
        out.append(visible(f"{event.key.describe()}:"))
        out.append(f"  {_line(event)}")
    inv.out().write("\n".join(out) + "\n")
    return EXIT_OK
