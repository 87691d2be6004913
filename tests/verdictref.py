"""The verdict table of ``perfgate compare`` stated row by row, each cell by its one-value formatter:
what ``perfgate.report.text`` (built column by column) must give, byte for byte."""

from __future__ import annotations

from collections.abc import Sequence

from perfgate.model import Status, Verdict, format_value
from perfgate.report.console import Console
from perfgate.report.formatting import format_centre, format_change, format_interval, format_p
from perfgate.report.table import Cell, Column
from reftable import reference_min_width, reference_table

LEVELS = (
    {"n": True, "interval": True, "p": True, "spread": True, "severity": True},
    {"n": False, "interval": True, "p": True, "spread": True, "severity": True},
    {"n": False, "interval": False, "p": True, "spread": True, "severity": True},
    {"n": False, "interval": False, "p": False, "spread": True, "severity": True},
    {"n": False, "interval": False, "p": False, "spread": False, "severity": True},
    {"n": False, "interval": False, "p": False, "spread": False, "severity": False},
)


def _rows(
    verdicts: Sequence[Verdict], *, n: bool, interval: bool, p: bool, spread: bool, severity: bool
) -> tuple[list[Column], list[list[Cell | str]]]:
    with_metric = any(v.metric != "time" for v in verdicts)
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
        moved = v.status in (Status.REGRESSION, Status.IMPROVEMENT)
        for side in (v.baseline, v.current):
            if spread:
                row.append(format_centre(side, v.unit))
            else:
                row.append("-" if side is None else format_value(side.median, v.unit))
        row.append(Cell(change, v.status.value if moved else None))
        if with_p:
            row.append(format_p(v.p_value))
        if n:
            base = str(v.baseline.n) if v.baseline is not None else "-"
            cur = str(v.current.n) if v.current is not None else "-"
            row.append(f"{base}/{cur}")
        row.append(
            Cell(v.status.value + (f" ({v.severity})" if severity and v.severity else ""), v.status.value)
        )
        rows.append(row)
    return columns, rows


def reference_verdict_table(verdicts: Sequence[Verdict], console: Console) -> list[str]:
    """The lines of the verdict table on ``console``: every column on a pipe; on a terminal, the
    columns given up in order until it fits, then names cut."""
    if not console.fit:
        return reference_table(*_rows(verdicts, **LEVELS[0]), console)
    for level in LEVELS:
        columns, rows = _rows(verdicts, **level)
        if reference_min_width(columns, rows, shrink=False) <= console.width:
            return reference_table(columns, rows, console)
    for level in LEVELS[1:]:
        columns, rows = _rows(verdicts, **level)
        if reference_min_width(columns, rows) <= console.width:
            break
    return reference_table(columns, rows, console)
