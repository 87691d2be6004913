"""Plain-text tables for the terminal: padded columns, styled cells, long names cut in the middle.

Widths are measured on the unstyled text and styles are applied after padding, so ANSI codes never
disturb the alignment. Every cell's text is made :func:`~perfgate.escape.visible` first: cells
hold names and values from input, and a control character in one would act on the terminal or log.
Names are cut only on a console that fits tables to its width (a terminal, see ``Console.fit``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import repeat

from perfgate.escape import visible
from perfgate.report.console import Console

__all__ = ["Cell", "Column", "min_table_width", "render_table", "truncate_middle"]

ELLIPSIS = "…"
MIN_SHRINK = 12  # a name cut shorter than this says nothing


def truncate_middle(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters by replacing its middle with ``…``.

    The middle goes because benchmark names differ at both ends: the file or module at the start, the
    parameters at the end.
    """
    if width < 0:
        raise ValueError(f"width must be >= 0, got {width}")
    if len(text) <= width:
        return text
    if width <= 1:
        return ELLIPSIS[:width]
    # a little more of the end: the test function and its parameters tell benchmarks apart best
    head = (width - 1) * 2 // 5
    tail = width - 1 - head
    return text[:head] + ELLIPSIS + text[len(text) - tail :]


@dataclass(frozen=True, slots=True)
class Column:
    """A table column: its header, alignment, and whether it may be cut to fit the console."""

    header: str
    align: str = "left"  # "left" or "right"
    shrink: bool = False

    def __post_init__(self) -> None:
        if self.align not in ("left", "right"):
            raise ValueError(f"column align must be 'left' or 'right', got {self.align!r}")


@dataclass(frozen=True, slots=True)
class Cell:
    """One cell: plain text and the console role to style it with (None: unstyled)."""

    text: str
    role: str | None = None


def _cell(value: Cell | str) -> Cell:
    if isinstance(value, Cell):
        return Cell(visible(value.text), value.role)
    return Cell(visible(value))


def min_table_width(
    columns: Sequence[Column],
    rows: Sequence[Sequence[Cell | str]],
    *,
    gap: int = 2,
    indent: str = "",
    shrink: bool = True,
) -> int:
    """How narrow the table can get with every shrinkable column cut as far as it may be
    (``shrink=False``: its natural width, nothing cut)."""
    widths = [len(col.header) for col in columns]
    for row in rows:
        for j, cell in enumerate(row):
            widths[j] = max(widths[j], len(_cell(cell).text))
    for j, col in enumerate(columns):
        if col.shrink and shrink:
            widths[j] = min(widths[j], max(MIN_SHRINK, len(col.header)))
    return len(indent) + sum(widths) + gap * (len(columns) - 1)


def render_table(
    columns: Sequence[Column],
    rows: Sequence[Sequence[Cell | str]],
    console: Console,
    *,
    gap: int = 2,
    indent: str = "",
) -> list[str]:
    """The table as lines (header first), no wider than ``console.width`` when shrinking allows it.

    A history renders tens of thousands of cells: texts and roles are kept in plain lists (no Cell
    built per cell) and a cell is cut only when it is wider than its column.
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
