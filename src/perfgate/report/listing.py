"""Run listings (``perfgate runs``), one run in detail (``perfgate show``) and a metric's history
(``perfgate history``), as terminal text or as plain JSON lists of objects.

Strings from input (names, branches, errors) are made visible in text and escaped in JSON
(:mod:`perfgate.escape`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from perfgate.escape import inert_lines, json_inert, visible
from perfgate.model import Direction, Run, RunInfo, Series, format_value, run_to_dict
from perfgate.report.console import Console
from perfgate.report.formatting import (
    distinct_short_ids,
    format_change,
    format_time,
    git_label,
    short_commit,
    short_id,
)
from perfgate.report.table import Cell, Column, render_table
from perfgate.report.text import render_results_table

__all__ = [
    "history_title",
    "render_history",
    "render_history_json",
    "render_run",
    "render_run_json",
    "render_runs",
    "render_runs_json",
    "sparkline",
]

SPARKS = "▁▂▃▄▅▆▇█"


def _dumps(value: Any) -> str:
    return json_inert(json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False)) + "\n"


def render_runs(rows: Sequence[RunInfo], console: Console) -> str:
    """A table of runs, in the order given (stores list newest first)."""
    if not rows:
        return "no runs\n"
    columns = [
        Column("id"),
        Column("started (UTC)"),
        Column("branch", shrink=True),
        Column("commit"),
        Column("tier"),
        Column("testbed", shrink=True),
        Column("status"),
        Column("results", "right"),
        Column("failed", "right"),
    ]
    body: list[list[Cell | str]] = []
    ids = distinct_short_ids([r.id for r in rows])
    for r, shown_id in zip(rows, ids, strict=True):
        status = r.status.value
        status_role = {"complete": None, "partial": "warn", "failed": "failed"}.get(status, "warn")
        body.append(
            [
                Cell(shown_id, "bold"),
                format_time(r.started),
                r.branch or "-",
                short_commit(r.commit, 8) if r.commit else "-",
                r.tier or "-",
                r.testbed,
                Cell(status, status_role),
                str(r.n_results),
                Cell(str(r.n_failed), "failed" if r.n_failed else None),
            ]
        )
    return inert_lines("\n".join(render_table(columns, body, console)) + "\n")


def render_runs_json(rows: Sequence[RunInfo]) -> str:
    """The run listing as a JSON list of objects (full ids, ISO 8601 times)."""
    return _dumps(
        [
            {
                "id": r.id,
                "started": r.started.isoformat(),
                "branch": r.branch,
                "commit": r.commit,
                "tier": r.tier,
                "testbed": r.testbed,
                "source": r.source,
                "status": r.status.value,
                "n_results": r.n_results,
                "n_failed": r.n_failed,
            }
            for r in rows
        ]
    )


def render_run(run: Run, console: Console) -> str:
    """One run in detail: its context (git, CI, machine) and a table of its results."""
    env = run.environment
    fields: list[tuple[str, str]] = [
        ("run", run.id),
        ("project", run.project),
        ("started", format_time(run.started) + " UTC"),
        ("duration", format_value(run.duration, "s") if run.duration is not None else "-"),
        ("status", run.status.value),
        ("source", run.source),
    ]
    if run.tier:
        fields.append(("tier", run.tier))
    if run.tags:
        fields.append(("tags", ", ".join(run.tags)))
    if run.git:
        label = git_label(run.git) or run.git.commit
        fields.append(
            ("git", f"{label} ({run.git.commit})" + (f" {run.git.subject}" if run.git.subject else ""))
        )
    if run.ci:
        ci = run.ci
        bits = [ci.provider] + [x for x in (ci.event, f"run {ci.run_id}" if ci.run_id else None) if x]
        if ci.pr_number is not None:
            bits.append(f"PR #{ci.pr_number}")
        if ci.url:
            bits.append(ci.url)
        fields.append(("ci", " · ".join(bits)))
    machine = [x for x in (env.os, env.kernel, env.arch) if x]
    if env.cpu_model:
        machine.append(env.cpu_model + (f" ({env.cores} cores)" if env.cores else ""))
    if env.memory_bytes:
        machine.append(format_value(float(env.memory_bytes), "B", 3))
    if env.python:
        machine.append(f"Python {env.python}")
    fields.append(("testbed", env.testbed + (f": {', '.join(machine)}" if machine else "")))
    key_width = max(len(k) for k, _ in fields)
    lines = [f"{console.style(k.ljust(key_width), 'dim')}  {visible(v)}" for k, v in fields]
    lines.append("")
    if run.results:
        lines += render_results_table(run.results, console, detail=True)
        for r in run.failed_results:
            lines.append(
                f"{console.style('✗', 'failed')} {visible(f'{r.benchmark.name} [{r.metric}]: {r.error}')}"
            )
    else:
        lines.append("no results")
    return inert_lines("\n".join(lines) + "\n")


def render_run_json(run: Run) -> str:
    """One run as perfgate's versioned run document (the same JSON ``perfgate export`` writes)."""
    return _dumps(run_to_dict(run))


def sparkline(values: Sequence[float | None]) -> str:
    """One character per value on ``▁``..``█`` scaled between the series' min and max; a gap (space)
    where a value is missing. A flat series sits in the middle."""
    known = [v for v in values if v is not None]
    if not known:
        return " " * len(values)
    lo, hi = min(known), max(known)
    out = []
    for v in values:
        if v is None:
            out.append(" ")
        elif hi == lo:
            out.append(SPARKS[len(SPARKS) // 2 - 1])
        else:
            out.append(SPARKS[min(len(SPARKS) - 1, int((v - lo) / (hi - lo) * len(SPARKS)))])
    return "".join(out)


def history_title(series: Series, defaults: Sequence[str] = ()) -> str:
    """What the series is: the benchmark and metric, then which branch, tier and testbed, and which of
    those were defaults (``defaults`` names them), so nobody reads one branch's series as everything."""

    def scope(key: str, value: str | None, everything: str) -> str:
        if value is None:
            return everything
        return f"{key} {value}" + (" (default)" if key in defaults else "")

    parts = [
        f"{series.benchmark} [{series.metric}]",
        scope("branch", series.branch, "all branches"),
        scope("tier", series.tier, "all tiers"),
        scope("testbed", series.testbed, "all testbeds"),
    ]
    return " · ".join(parts)


def render_history(series: Series, console: Console, *, title: str | None = None) -> str:
    """A series as a table (newest last), its sparkline, and the change from the first value to the last,
    coloured as better or worse by the series' direction.

    ``title`` names the series (e.g. :func:`history_title`). A "ran" column shows when each run ran
    where the series is ordered by commit times (re-runs of one commit differ only there).
    """
    lines: list[str] = [console.style(visible(title), "bold")] if title else []
    if not series.points:
        return inert_lines("\n".join([*lines, "no history"]) + "\n")
    points = series.points
    ran = any(p.commit_time is not None for p in points)
    columns = [
        Column("when (UTC)"),
        *([Column("ran (UTC)")] if ran else []),
        Column("run"),
        Column("commit"),
        Column("branch", shrink=True),
        Column("value", "right"),
        Column("interval", "right"),
        Column("vs prev", "right"),
    ]
    body: list[list[Cell | str]] = []
    previous: float | None = None
    for p in points:
        if p.value is None:
            value: Cell | str = Cell("failed", "failed")
            interval, delta = "", ""
        else:
            value = format_value(p.value, p.unit)
            interval = (
                f"[{format_value(p.interval[0], p.unit)}, {format_value(p.interval[1], p.unit)}]"
                if p.interval is not None
                else ""
            )
            delta = format_change(p.value / previous - 1) if previous else ""
            previous = p.value
        body.append(
            [
                format_time(p.time),
                *([format_time(p.started)] if ran else []),
                short_id(p.run_id),
                short_commit(p.commit, 8) if p.commit else "-",
                p.branch or "-",
                value,
                interval,
                delta,
            ]
        )
    lines += render_table(columns, body, console)
    values = series.values
    # the most recent points when the series is wider than the console
    room = max(1, console.width - 2)
    lines += ["", sparkline(values[-room:])]
    known = [(p.value, p.unit) for p in points if p.value is not None]
    if len(known) >= 2:
        (first, unit), (last, _) = known[0], known[-1]
        change = format_change(last / first - 1) if first else "n/a"
        role = None
        direction = series.direction
        if direction is not None and first and last != first:
            worse = (last > first) == (direction is Direction.LOWER)
            role = "regression" if worse else "improvement"
        shown = console.style(change, role) if role else change
        lines.append(
            f"first → last: {format_value(first, unit)} → {format_value(last, unit)} ({shown})"
            f" over {len(known)} runs"
        )
    failed = [p for p in points if p.error]
    for p in failed:
        lines.append(f"{console.style('✗', 'failed')} {visible(f'{short_id(p.run_id)}: {p.error}')}")
    return inert_lines("\n".join(lines) + "\n")


def render_history_json(series: Series) -> str:
    """A series as a JSON list of objects, oldest first."""
    return _dumps(
        [
            {
                "run_id": p.run_id,
                "commit": p.commit,
                "branch": p.branch,
                "when": p.time.isoformat(),
                "started": p.started.isoformat(),
                "value": p.value,
                "unit": p.unit,
                "ci_low": p.interval[0] if p.interval is not None else None,
                "ci_high": p.interval[1] if p.interval is not None else None,
                "error": p.error,
            }
            for p in series.points
        ]
    )
