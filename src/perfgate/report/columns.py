"""A plain-text table built column by column: :func:`perfgate.report.table.render_table`'s lines, for tables
of tens of thousands of cells (a history of 10,000 points).

:func:`render_table` walks the table cell by cell (about 1 µs a cell in Python). Here every step is a
pass over a whole column in C (``map`` of ``str`` methods, one ``join`` per line), and a cell is
touched one by one only where it must be: cut to its column's width, or styled (its ``role``). The
lines are the same, byte for byte (a property test checks it against :func:`render_table`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import repeat

from perfgate.escape import visible
from perfgate.report.console import Console
from perfgate.report.table import MIN_SHRINK, Column, truncate_middle

__all__ = ["render_columns", "visible_column"]


def visible_column(texts: Sequence[str]) -> list[str]:
    """:func:`~perfgate.escape.visible` of every text: one C-level check of the whole column (a control
    character or a ``##`` in any text shows in their join), then each text only when one needs it."""
    joined = " ".join(texts)  # (a space joins no two texts into a "##" and is printable)
    if joined.isprintable() and "##" not in joined:
        return list(texts)
    return list(map(visible, texts))


def render_columns(
    columns: Sequence[Column],
    cells: Sequence[Sequence[str]],
    console: Console,
    *,
    roles: Mapping[tuple[int, int], str] | None = None,
    gap: int = 2,
    indent: str = "",
) -> list[str]:
    """The lines :func:`~perfgate.report.table.render_table` gives for the rows ``zip(*cells)``
    (header first): ``cells`` holds one sequence of texts per column, all of one length, and ``roles``
    maps (row, column) to the console role of the cells that have one (the others are unstyled)."""
    if len(cells) != len(columns):
        raise ValueError(f"table has {len(cells)} columns of cells for {len(columns)} columns")
    if len({len(c) for c in cells}) > 1:
        raise ValueError(f"table columns have different lengths: {sorted({len(c) for c in cells})}")
    texts = [visible_column(c) for c in cells]
    widths = [max([len(col.header), *map(len, column)]) for col, column in zip(columns, texts, strict=True)]
    total = len(indent) + sum(widths) + gap * (len(columns) - 1)
    excess = total - console.width if console.fit else 0
    # (the same shrinking as render_table: the shrinkable columns, the widest first)
    for j in sorted((j for j, c in enumerate(columns) if c.shrink), key=lambda j: -widths[j]):
        if excess <= 0:
            break
        floor = max(MIN_SHRINK, len(columns[j].header))
        cut = min(excess, max(0, widths[j] - floor))
        widths[j] -= cut
        excess -= cut
    styled: dict[int, list[tuple[int, str]]] = {}
    for (i, j), role in (roles or {}).items():
        styled.setdefault(j, []).append((i, role))
    padded = []
    for j, (column, width) in enumerate(zip(texts, widths, strict=True)):
        if column and max(map(len, column)) > width:
            column = [truncate_middle(t, width) if len(t) > width else t for t in column]
        right = columns[j].align == "right"
        out = list(map(str.rjust if right else str.ljust, column, repeat(width)))
        for i, role in styled.get(j, ()):
            text = column[i]
            if text:
                # style only the text, not the padding, so underlines/backgrounds never spill
                pad = " " * (width - len(text))
                out[i] = pad + console.style(text, role) if right else console.style(text, role) + pad
        padded.append(out)
    spaces = " " * gap
    header = []
    for col, width in zip(columns, widths, strict=True):
        text = visible(col.header)
        if len(text) > width:
            text = truncate_middle(text, width)
        pad = " " * (width - len(text))
        text = console.style(text, "bold") if text else text
        header.append(pad + text if col.align == "right" else text + pad)
    rows = map(spaces.join, zip(*padded, strict=True))
    if indent:
        rows = map(indent.__add__, rows)
    return [(indent + spaces.join(header)).rstrip(), *map(str.rstrip, rows)]
