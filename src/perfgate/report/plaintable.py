"""A big table without colour, built column by column: the same lines as
:func:`perfgate.report.table.render_table`, for a fraction of the time.

``perfgate compare`` of two 10,000-result runs renders 80,000 cells; ``render_table`` spends a Python
call per cell on escaping and another per cell on padding and styling. Without colour no cell is
styled, so here each column is escaped with one check when none of its texts needs it, and each line
is one ``str.format`` of padded fields. A console with colour (or a role the console does not know,
which is ``render_table``'s error to raise) takes ``render_table`` itself; a test compares the two on
random tables.
"""

from __future__ import annotations

from collections.abc import Sequence

from perfgate.escape import visible
from perfgate.report.console import ROLES, Console
from perfgate.report.table import MIN_SHRINK, Cell, Column, render_table, truncate_middle

__all__ = ["plain_table"]


def _visible_column(texts: list[str]) -> list[str]:
    """Every text of a column made :func:`visible`; one C-level check when none needs it."""
    joined = "".join(texts)
    if joined.isprintable() and "#" not in joined:
        return texts
    return list(map(visible, texts))


def plain_table(
    columns: Sequence[Column],
    rows: Sequence[Sequence[Cell | str]],
    console: Console,
    *,
    gap: int = 2,
    indent: str = "",
) -> list[str]:
    """What :func:`perfgate.report.table.render_table` returns, built column-wise when the console has
    no colour."""
    if console.color:
        return render_table(columns, rows, console, gap=gap, indent=indent)
    for i, row in enumerate(rows):
        if len(row) != len(columns):
            raise ValueError(f"table row {i} has {len(row)} cells for {len(columns)} columns")
    cells = list(zip(*rows, strict=True)) if rows else [() for _ in columns]
    roles = {c.role for column in cells for c in column if not isinstance(c, str)} - {None}
    if not roles <= ROLES.keys():
        return render_table(columns, rows, console, gap=gap, indent=indent)
    texts = [_visible_column([c if isinstance(c, str) else c.text for c in column]) for column in cells]
    widths = [max([len(col.header), *map(len, column)]) for col, column in zip(columns, texts, strict=True)]
    total = len(indent) + sum(widths) + gap * (len(columns) - 1)
    excess = total - console.width if console.fit else 0
    # (as render_table: the shrinkable columns, the widest first, down to MIN_SHRINK or their header)
    for j in sorted((j for j, c in enumerate(columns) if c.shrink), key=lambda j: -widths[j]):
        if excess <= 0:
            break
        floor = max(MIN_SHRINK, len(columns[j].header))
        cut = min(excess, max(0, widths[j] - floor))
        widths[j] -= cut
        excess -= cut
    for j, width in enumerate(widths):
        if any(len(t) > width for t in texts[j]):
            texts[j] = [truncate_middle(t, width) if len(t) > width else t for t in texts[j]]
    fields = [f"{{:{'>' if c.align == 'right' else '<'}{w}}}" for c, w in zip(columns, widths, strict=True)]
    template = indent.replace("{", "{{").replace("}", "}}") + (" " * gap).join(fields)
    header = [visible(c.header) for c in columns]
    header = [truncate_middle(h, w) if len(h) > w else h for h, w in zip(header, widths, strict=True)]
    fill = template.format
    out = [fill(*header).rstrip()]
    out.extend(line.rstrip() for line in map(fill, *texts))
    return out
