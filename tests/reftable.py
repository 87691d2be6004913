"""The cell-by-cell statement of a text table: what ``perfgate.report.table.render_table`` (built
column by column) must give, byte for byte. The property tests in this folder compare the two on
random tables of hostile texts, roles, alignments, widths and consoles."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import repeat

from perfgate.escape import visible
from perfgate.report.console import Console
from perfgate.report.table import MIN_SHRINK, Cell, Column, truncate_middle

__all__ = ["reference_table"]


def reference_table(
    columns: Sequence[Column],
    rows: Sequence[Sequence[Cell | str]],
    console: Console,
    *,
    gap: int = 2,
    indent: str = "",
) -> list[str]:
    """The table as lines (header first), no wider than ``console.width`` when shrinking allows it:
    each cell padded, cut and styled on its own.
    """
    for i, row in enumerate(rows):
        if len(row) != len(columns):
            raise ValueError(f"table row {i} has {len(row)} cells for {len(columns)} columns")
    texts = [[visible(c) if isinstance(c, str) else visible(c.text) for c in row] for row in rows]
    roles = [[None if isinstance(c, str) else c.role for c in row] for row in rows]
    widths = [len(col.header) for col in columns]
    for j, column in enumerate(zip(*texts, strict=True)):
        widths[j] = max(widths[j], *map(len, column))
    total = len(indent) + sum(widths) + gap * (len(columns) - 1)
    excess = total - console.width if console.fit else 0
    # Shrink the shrinkable columns, the widest first, down to MIN_SHRINK (or their header) each.
    for j in sorted((j for j, c in enumerate(columns) if c.shrink), key=lambda j: -widths[j]):
        if excess <= 0:
            break
        floor = max(MIN_SHRINK, len(columns[j].header))
        cut = min(excess, max(0, widths[j] - floor))
        widths[j] -= cut
        excess -= cut
    right = [c.align == "right" for c in columns]
    spaces = " " * gap

    def line(row: Sequence[str], row_roles: Sequence[str | None], header: bool) -> str:
        parts = []
        for j, text in enumerate(row):
            width = widths[j]
            if len(text) > width:
                text = truncate_middle(text, width)
            pad = " " * (width - len(text))
            role = "bold" if header else row_roles[j]
            if role is not None and text:
                # style only the text, not the padding, so underlines/backgrounds never spill
                text = console.style(text, role)
            parts.append(pad + text if right[j] else text + pad)
        return (indent + spaces.join(parts)).rstrip()

    out = [line([visible(c.header) for c in columns], [None] * len(columns), header=True)]
    out.extend(map(line, texts, roles, repeat(False)))
    return out


def reference_min_width(
    columns: Sequence[Column], rows: Sequence[Sequence[Cell | str]], *, shrink: bool = True
) -> int:
    """How narrow the table can get with every shrinkable column cut as far as it may be."""
    widths = [len(col.header) for col in columns]
    for row in rows:
        for j, cell in enumerate(row):
            widths[j] = max(widths[j], len(visible(cell if isinstance(cell, str) else cell.text)))
    for j, col in enumerate(columns):
        if col.shrink and shrink:
            widths[j] = min(widths[j], max(MIN_SHRINK, len(col.header)))
    return sum(widths) + 2 * (len(columns) - 1)
