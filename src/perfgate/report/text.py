"""The terminal report of a gate :class:`~perfgate.gate.outcome.Outcome`, in the spirit of benchstat.

One row per benchmark and metric (worst first, as the gate ordered them), then budgets, notes, failures,
the method, and one summary line that ends in the gate's decision. Every string from input is made
visible (:mod:`perfgate.escape`) before it is styled, and no line can start a CI log command.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from perfgate.escape import inert_lines, visible
from perfgate.gate.outcome import BudgetLevel, Outcome
from perfgate.model import Result, Status, Summary, Verdict, format_value
from perfgate.report.console import Console
from perfgate.report.formatting import (
    BUDGET_LEVEL_ORDER,
    baseline_phrase,
    budget_phrase,
    count_parts,
    distinct_short_ids,
    format_centre,
    format_change,
    format_interval,
    format_p,
    format_spread,
    geomean_phrase,
    git_label,
    inconclusive_reasons,
    method_phrase,
    verdict_error,
)
from perfgate.report.table import Cell, Column, min_table_width, render_table

__all__ = ["render_results_table", "render_text"]


def _context_line(outcome: Outcome) -> str:
    run = outcome.run
    # as long as it takes to tell it from its baseline (perfgate ab stores both in one millisecond)
    parts = [f"run {distinct_short_ids([run.id, *outcome.baseline_ids])[0]}", run.project]
    label = git_label(run.git)
    if label:
        parts.append(label)
    if run.tier:
        parts.append(f"tier {run.tier}")
    parts.append(f"testbed {run.environment.testbed}")
    return visible(" · ".join(parts))


def _show_metric(metrics: Sequence[str]) -> bool:
    return any(m != "time" for m in metrics)


def _wrap(text: str, console: Console, indent: str) -> list[str]:
    """Wrap prose to the console under ``indent`` (continuations align after it), made visible first:
    a line break in a message from input shows as ``\\n`` rather than starting a line of its own."""
    return textwrap.wrap(
        visible(text),
        width=max(20, console.width),
        initial_indent=indent,
        subsequent_indent=" " * len(indent),
        break_long_words=False,
        break_on_hyphens=False,
    ) or [indent.rstrip()]


def render_results_table(
    results: Sequence[Result], console: Console, *, detail: bool = False, indent: str = ""
) -> list[str]:
    """A run's own results: median, spread, rounds (and min/max with ``detail``), failures marked."""
    with_metric = _show_metric([r.metric for r in results])
    columns = [Column("benchmark", shrink=True)]
    if with_metric:
        columns.append(Column("metric"))
    columns += [Column("median", "right"), Column("±", "right")]
    if detail:
        columns += [Column("min", "right"), Column("max", "right")]
    columns.append(Column("rounds", "right"))
    rows: list[list[Cell | str]] = []
    for r in results:
        row: list[Cell | str] = [r.benchmark.name]
        if with_metric:
            row.append(r.metric)
        s = r.summary
        if r.error is not None or s is None:
            row += [Cell("failed", "failed"), ""]
            if detail:
                row += ["", ""]
            row.append("")
        else:
            row += [format_value(s.median, r.unit), format_spread(s, r.unit)]
            if detail:
                row += [format_value(s.min, r.unit), format_value(s.max, r.unit)]
            row.append(str(r.rounds if r.rounds is not None else s.n))
        rows.append(row)
    return render_table(columns, rows, console, indent=indent)


def _n(v: Verdict) -> str:
    base = str(v.baseline.n) if v.baseline is not None else "-"
    cur = str(v.current.n) if v.current is not None else "-"
    return f"{base}/{cur}"


def _verdict_rows(
    outcome: Outcome, *, n: bool, interval: bool, p: bool, spread: bool, severity: bool
) -> tuple[list[Column], list[list[Cell | str]]]:
    verdicts = outcome.verdicts
    with_metric = _show_metric([v.metric for v in verdicts])
    with_p = p and any(v.p_value is not None for v in verdicts)
    columns = [Column("benchmark", shrink=True)]
    if with_metric:
        columns.append(Column("metric"))
    columns += [Column("baseline", "right"), Column("current", "right"), Column("change", "right")]
    if with_p:
        columns.append(Column("p", "right"))
    if n:
        columns.append(Column("n", "right"))
    columns.append(Column("verdict"))
    rows: list[list[Cell | str]] = []
    for v in verdicts:
        row: list[Cell | str] = [v.benchmark.name]
        if with_metric:
            row.append(v.metric)
        change = format_change(v.change)
        if interval:
            change = f"{change} {format_interval(v.change_low, v.change_high)}".strip()
        role = v.status.value
        moved = v.status in (Status.REGRESSION, Status.IMPROVEMENT)
        if spread:
            row += [format_centre(v.baseline, v.unit), format_centre(v.current, v.unit)]
        else:
            row += [_median(v.baseline, v.unit), _median(v.current, v.unit)]
        row.append(Cell(change, role if moved else None))
        if with_p:
            row.append(format_p(v.p_value))
        if n:
            row.append(_n(v))
        verdict = v.status.value + (f" ({v.severity})" if severity and v.severity else "")
        row.append(Cell(verdict, role))
        rows.append(row)
    return columns, rows


def _median(summary: Summary | None, unit: str) -> str:
    return "-" if summary is None else format_value(summary.median, unit)


# What a narrow terminal gives up, in order, before names would be cut below legibility.
_DEGRADE = (
    {"n": True, "interval": True, "p": True, "spread": True, "severity": True},
    {"n": False, "interval": True, "p": True, "spread": True, "severity": True},
    {"n": False, "interval": False, "p": True, "spread": True, "severity": True},
    {"n": False, "interval": False, "p": False, "spread": True, "severity": True},
    {"n": False, "interval": False, "p": False, "spread": False, "severity": True},
    {"n": False, "interval": False, "p": False, "spread": False, "severity": False},
)


def _verdict_table(outcome: Outcome, console: Console) -> list[str]:
    if not console.fit:  # a pipe or a file: every column, nothing cut
        return render_table(*_verdict_rows(outcome, **_DEGRADE[0]), console)
    # Names are what a reader looks for: give up the other columns, in order, before cutting them.
    for level in _DEGRADE:
        columns, rows = _verdict_rows(outcome, **level)
        if min_table_width(columns, rows, shrink=False) <= console.width:
            return render_table(columns, rows, console)
    # Even the barest table is too wide: cut names in the fullest table that then fits (never with n).
    for level in _DEGRADE[1:]:
        columns, rows = _verdict_rows(outcome, **level)
        if min_table_width(columns, rows) <= console.width:
            break
    return render_table(columns, rows, console)


def _summary_line(outcome: Outcome, console: Console) -> str:
    parts = [console.style(text, role) for text, role in count_parts(outcome)]
    counts = ", ".join(parts) if parts else "no results"
    decision = (
        console.style("gate passed", "ok") if outcome.passed else console.style("gate FAILED", "failed")
    )
    return f"{counts} — {decision}"


def _reasons(
    verdicts: Sequence[Verdict], status: Status, title: str, mark: str, console: Console
) -> list[str]:
    """A section of the reasons given for the verdicts of ``status``, one line per distinct reason."""
    lines: list[str] = []
    for who, reason in inconclusive_reasons(verdicts, status):
        if len(who) == 1:
            lines += _wrap(f"{who[0]}: {reason}", console, mark)
        else:
            lines += _wrap(f"{reason}:", console, mark)
            lines += _wrap(", ".join(who), console, "      ")
    return ["", title, *lines] if lines else []


_BUDGET_MARKS = {
    BudgetLevel.OK: ("✓", "ok"),
    BudgetLevel.TARGET_MISSED: ("!", "warn"),
    BudgetLevel.CRITICAL: ("✗", "failed"),
}


def render_text(outcome: Outcome, console: Console) -> str:
    """The terminal report of ``outcome``, fitted to ``console.width`` and coloured when it allows.

    The outcome's ``baseline_git`` says which commit each baseline run is (``main@abc1234``); a run
    without git information is named by its id only.
    """
    lines = [console.style(_context_line(outcome), "dim"), ""]
    if not outcome.baseline_ids:
        if outcome.run.results:
            lines += render_results_table(outcome.run.results, console)
        else:
            lines.append("no results")
    elif outcome.verdicts:
        lines += _verdict_table(outcome, console)
        if (geomean := geomean_phrase(outcome)) is not None:
            lines += ["", geomean]
    else:
        lines.append("no results to compare")

    if outcome.budgets:
        lines += ["", "budgets:"]
        # broken first: they are why the gate said no
        for b in sorted(outcome.budgets, key=lambda b: BUDGET_LEVEL_ORDER[b.level]):
            mark = console.style(*_BUDGET_MARKS[b.level])
            lines.append(f"  {mark} {visible(budget_phrase(b))}")

    # How a regression was judged ("cpu_time did not move", "one value per run", ...) is part of it.
    lines += _reasons(outcome.verdicts, Status.REGRESSION, "regressions:", "  ! ", console)
    lines += _reasons(outcome.verdicts, Status.INCONCLUSIVE, "inconclusive:", "  ? ", console)

    failed_lines: list[str] = []
    failed_verdicts = outcome.failures
    if failed_verdicts:
        for v in failed_verdicts:
            failed_lines.append(
                f"  {console.style('✗', 'failed')} {visible(f'{v.benchmark.name} [{v.metric}]')}"
            )
            failed_lines += _wrap(verdict_error(outcome, v), console, "      ")
    elif not outcome.baseline_ids:
        for r in outcome.run.failed_results:
            failed_lines.append(
                f"  {console.style('✗', 'failed')} {visible(f'{r.benchmark.name} [{r.metric}]')}"
            )
            failed_lines += _wrap(r.error or "failed", console, "      ")
    if failed_lines:
        lines += ["", "failed:", *failed_lines]

    if outcome.notes:
        lines += ["", "notes:"]
        for note in outcome.notes:
            lines += _wrap(note, console, "  - ")

    baseline = baseline_phrase(outcome.baseline_ids, outcome.baseline_git, outcome.run.id)
    lines += ["", console.style(visible(f"({method_phrase(outcome)}; {baseline})"), "dim")]
    lines.append(_summary_line(outcome, console))
    return inert_lines("\n".join(lines) + "\n")
