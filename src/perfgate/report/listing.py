"""Run listings (``perfgate runs``) and one run in detail (``perfgate show``), as terminal text or as
plain JSON lists of objects (a metric's history: :mod:`perfgate.report.history`).

Strings from input (names, branches, errors) are made visible in text and escaped in JSON
(:mod:`perfgate.escape`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from perfgate.escape import inert_lines, json_inert, visible
from perfgate.model import Run, RunInfo, format_value, run_to_dict
from perfgate.report.console import Console
from perfgate.report.formatting import (
    distinct_short_ids,
    format_time,
    git_label,
    short_commit,
)
from perfgate.report.table import Cell, Column, render_table
from perfgate.report.text import render_results_table

__all__ = [
    "render_run",
    "render_run_json",
    "render_runs",
    "render_runs_json",
]


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
