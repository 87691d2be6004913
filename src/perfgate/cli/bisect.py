"""``perfgate bisect``: the commit between a good and a bad one that made a benchmark slower."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from perfgate.argtypes import positive_int
from perfgate.cli.common import EXIT_OK, Invocation, output_flags, threshold
from perfgate.escape import json_inert, visible
from perfgate.report import Console
from perfgate.report.formatting import format_change, format_interval

if TYPE_CHECKING:
    from perfgate.ab.bisect import BisectResult, Commit, Step

EXIT_NOT_SLOWER = 1


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "benchmark",
        help="benchmark id, e.g. 'bench/test_parse.py::test_small', or a unique substring or glob of it",
    )
    p.add_argument("--good", required=True, metavar="REF", help="a commit without the slowdown")
    p.add_argument("--bad", default="HEAD", metavar="REF", help="a commit with it (default: HEAD)")
    p.add_argument(
        "--metric", default="time", help="the metric to judge (default: time; measuring: time only)"
    )
    p.add_argument(
        "--threshold",
        type=threshold,
        metavar="PCT",
        help="a slowdown beyond this is bad (default: the config's)",
    )
    p.add_argument("--tier", help="tier from the configuration (time limits, thresholds, stored runs)")
    p.add_argument("--testbed", help="testbed label (default: config, $PERFGATE_TESTBED, the machine)")
    p.add_argument("--seed", type=int, default=0, help="seed of the A/B turn order (default: 0)")
    p.add_argument(
        "--episodes",
        type=positive_int,
        default=None,
        metavar="N",
        help="independent episodes per measured step (default: perfgate ab's, 24)",
    )
    p.add_argument(
        "--no-reuse",
        action="store_true",
        help="measure every step, even a commit whose runs are stored",
    )
    output_flags(p, ("text", "json"))


def run(inv: Invocation) -> int:
    from perfgate.ab.bisect import run_bisect  # spawns workers and git worktrees

    args = inv.args
    ws = inv.workspace()
    progress = inv.console.progress(0, "perfgate bisect")

    def on_step(k: int, expected: int, c: Commit) -> None:
        text = f"step {k} of ~{expected}: {c.short} {c.subject}"
        if progress.enabled:
            progress.total = expected
            progress.advance(0 if k == 1 else 1, label=text)
        else:
            sys.stderr.write(f"perfgate: bisect {visible(text)}\n")

    try:
        result = run_bisect(
            ws,
            good=args.good,
            bad=args.bad,
            benchmark=args.benchmark,
            metric=args.metric,
            tier=args.tier,
            threshold=args.threshold,
            seed=args.seed,
            **({"episodes": args.episodes} if args.episodes is not None else {}),
            use_store=not args.no_reuse,
            on_step=on_step,
            warn=lambda message: sys.stderr.write(f"perfgate: warning: {visible(message)}\n"),
        )
    finally:
        progress.close()
    out = inv.out()
    out.write(render_json(result) if args.format == "json" else render_text(result, inv.console))
    return EXIT_OK if result.regressed else EXIT_NOT_SLOWER


def _commit(c: Commit) -> str:
    return f"{c.short} {visible(c.subject)}".rstrip()


def _change(step: Step | None) -> str:
    if step is None or step.verdict is None:
        return ""
    v = step.verdict
    return f"{format_change(v.change)} {format_interval(v.change_low, v.change_high)}".strip()


def render_text(r: BisectResult, console: Console) -> str:
    """The answer for people: the culprit (or the suspects), its change against good, the steps."""
    lines = [
        f"perfgate bisect: {visible(r.benchmark)} ({visible(r.metric)}), good {r.good.short}..bad "
        f"{r.bad.short}: {r.commits} commit{'s' if r.commits != 1 else ''}"
    ]
    bad_step = r.step_of(r.bad)
    if not r.regressed:
        why = ""
        if bad_step is not None and bad_step.verdict is not None:
            why = f": {bad_step.verdict.status.value} {_change(bad_step)}".rstrip()
        elif bad_step is not None and bad_step.note:
            why = f": {visible(bad_step.note)}"
        lines.append(console.style(f"bad is not slower than good{why}", "bold"))
    elif r.culprit is not None:
        step = r.step_of(r.culprit)
        lines.append(console.style(f"culprit: {_commit(r.culprit)}", "bold"))
        lines.append(f"  {visible(r.metric)} {_change(step)} against good {r.good.short}")
    else:
        lines.append(
            console.style(f"the slowdown came in with one of {len(r.suspects)} commits", "bold")
            + " (those before the last were skipped: no verdict)"
        )
        lines.extend(f"  {_commit(c)}" for c in r.suspects)
    lines.append("")
    rows = [("step", "commit", "verdict", "change", "from")]
    for k, s in enumerate(r.steps, 1):
        how = s.source + (f" ({visible(s.note)})" if s.note else "")
        rows.append((str(k), s.commit.short, s.mark.value, _change(s), how))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        lines.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:4])) + "  " + row[4])
    stored = sum(1 for s in r.steps if s.source == "store")
    if stored:
        lines.append(f"{stored} of {len(r.steps)} steps judged from stored runs")
    return "\n".join(line.rstrip() for line in lines)


def _commit_json(c: Commit) -> dict[str, str]:
    return {"sha": c.sha, "subject": c.subject}


def render_json(r: BisectResult) -> str:
    steps: list[dict[str, Any]] = []
    for s in r.steps:
        v = s.verdict
        steps.append(
            {
                "commit": _commit_json(s.commit),
                "mark": s.mark.value,
                "status": v.status.value if v is not None else None,
                "change": v.change if v is not None else None,
                "change_low": v.change_low if v is not None else None,
                "change_high": v.change_high if v is not None else None,
                "source": s.source,
                "run_id": s.run_id,
                "note": s.note,
            }
        )
    doc = {
        "benchmark": r.benchmark,
        "metric": r.metric,
        "good": _commit_json(r.good),
        "bad": _commit_json(r.bad),
        "commits": r.commits,
        "regressed": r.regressed,
        "culprit": _commit_json(r.culprit) if r.culprit is not None else None,
        "suspects": [_commit_json(c) for c in r.suspects],
        "steps": steps,
    }
    return json_inert(json.dumps(doc, indent=2))
