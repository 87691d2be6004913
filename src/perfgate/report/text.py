"""The terminal report of a gate :class:`~perfgate.gate.outcome.Outcome`, in the spirit of benchstat.

One row per benchmark and metric (worst first, as the gate ordered them), then budgets, notes, failures,
the method, and one summary line that ends in the gate's decision. Every string from input is made
visible (:mod:`perfgate.escape`) before it is styled, and no line can start a CI log command.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from perfgate.escape import inert_join, visible
from perfgate.gate.outcome import BudgetLevel, Outcome
from perfgate.model import Result, Status, Verdict, format_value
from perfgate.report.console import Console
from perfgate.report.formatting import (
    BUDGET_LEVEL_ORDER,
    baseline_phrase,
    budget_phrase,
    count_parts,
    distinct_short_ids,
    format_centres,
    format_changes,
    format_intervals,
    format_ps,
    format_spread,
    geomean_phrase,
    git_label,
    inconclusive_reasons,
    method_phrase,
    verdict_error,
)
from perfgate.report.table import Cell, Column, min_columns_width, render_columns, render_table

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


class _VerdictColumns:
    """The verdict table's columns, each formatted once, column by column (:func:`format_centres` and
    the like): a compare of 10,000 benchmarks is 100,000 cells, and a narrow terminal may ask for the
    table at several levels of detail."""

    def __init__(self, verdicts: Sequence[Verdict]) -> None:
        self.verdicts = verdicts
        self.units = [v.unit for v in verdicts]
        self.with_metric = _show_metric([v.metric for v in verdicts])
        self.has_p = any(v.p_value is not None for v in verdicts)
        self._done: dict[str, list[str]] = {}

    def _get(self, key: str) -> list[str]:
        if key not in self._done:
            self._done[key] = self._make(key)
        return self._done[key]

    def _make(self, key: str) -> list[str]:
        vs = self.verdicts
        if key == "benchmark":
            return [v.benchmark.name for v in vs]
        if key == "metric":
            return [v.metric for v in vs]
        if key in ("baseline", "current", "baseline±", "current±"):
            side = key.rstrip("±")
            summaries = [v.baseline for v in vs] if side == "baseline" else [v.current for v in vs]
            return format_centres(summaries, self.units, spread=key.endswith("±"))
        if key == "change":
            return format_changes([v.change for v in vs])
        if key == "change[]":
            intervals = format_intervals([v.change_low for v in vs], [v.change_high for v in vs])
            return [f"{c} {i}".strip() for c, i in zip(self._get("change"), intervals, strict=True)]
        if key == "p":
            return format_ps([v.p_value for v in vs])
        if key == "n":
            return [
                f"{'-' if v.baseline is None else v.baseline.n}/{'-' if v.current is None else v.current.n}"
                for v in vs
            ]
        if key == "verdict":
            return [v.status.value for v in vs]
        assert key == "verdict!", key
        return [f"{v.status.value} ({v.severity})" if v.severity else v.status.value for v in vs]

    def table(
        self, *, n: bool, interval: bool, p: bool, spread: bool, severity: bool, styled: bool = True
    ) -> tuple[list[Column], list[list[str]], dict[tuple[int, int], str]]:
        """(columns, the cells of each column, the roles of the styled cells: none unless ``styled``)
        at one level of detail."""
        mark = "±" if spread else ""
        parts = [(Column("benchmark", shrink=True), "benchmark")]
        if self.with_metric:
            parts.append((Column("metric"), "metric"))
        parts += [
            (Column("baseline", "right"), "baseline" + mark),
            (Column("current", "right"), "current" + mark),
            (Column("change", "right"), "change[]" if interval else "change"),
        ]
        if p and self.has_p:
            parts.append((Column("p", "right"), "p"))
        if n:
            parts.append((Column("n", "right"), "n"))
        parts.append((Column("verdict"), "verdict!" if severity else "verdict"))
        columns = [c for c, _ in parts]
        keys = [k for _, k in parts]
        # a moved change is coloured as its verdict; every verdict is
        change, verdict = keys.index("change[]" if interval else "change"), len(keys) - 1
        roles: dict[tuple[int, int], str] = {}
        for i, v in enumerate(self.verdicts if styled else ()):
            role = v.status.value
            roles[(i, verdict)] = role
            if v.status in (Status.REGRESSION, Status.IMPROVEMENT):
                roles[(i, change)] = role
        return columns, [self._get(k) for k in keys], roles


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
    made = _VerdictColumns(outcome.verdicts)
    if not console.fit:  # a pipe or a file: every column, nothing cut
        columns, cells, roles = made.table(**_DEGRADE[0], styled=console.color)
        return render_columns(columns, cells, console, roles=roles)
    # Names are what a reader looks for: give up the other columns, in order, before cutting them.
    for level in _DEGRADE:
        columns, cells, roles = made.table(**level, styled=console.color)
        if min_columns_width(columns, cells, shrink=False) <= console.width:
            return render_columns(columns, cells, console, roles=roles)
    # Even the barest table is too wide: cut names in the fullest table that then fits (never with n).
    for level in _DEGRADE[1:]:
        columns, cells, roles = made.table(**level, styled=console.color)
        if min_columns_width(columns, cells) <= console.width:
            break
    return render_columns(columns, cells, console, roles=roles)


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
    return inert_join(lines)
