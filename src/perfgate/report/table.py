"""Plain-text tables for the terminal: padded columns, styled cells, long names cut in the middle.

Widths are measured on the unstyled text and styles are applied after padding, so ANSI codes never
disturb the alignment. Every cell's text is made :func:`~perfgate.escape.visible` first: cells
hold names and values from input, and a control character in one would act on the terminal or log.
Names are cut only on a console that fits tables to its width (a terminal, see ``Console.fit``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import repeat
from typing import Any, NamedTuple, cast

from perfgate.escape import printable, visible
from perfgate.report.console import Console

__all__ = [
    "Cell",
    "Column",
    "Formatted",
    "min_columns_width",
    "render_columns",
    "render_table",
    "truncate_middle",
    "visible_column",
]

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


class Column(NamedTuple):
    """A table column: its header, alignment, and whether it may be cut to fit the console.

    (A named tuple, as :class:`Cell`; :func:`render_columns` refuses an alignment it does not know.)"""

    header: str
    align: str = "left"  # "left" or "right"
    shrink: bool = False


class Cell(NamedTuple):
    """One cell: plain text and the console role to style it with (None: unstyled).

    (A named tuple, not a dataclass: the history imports the table and uses no Cell, and a frozen
    dataclass costs ten times as much to define.)"""

    text: str
    role: str | None = None


class Formatted:
    """A column of numbers that a table formats in its rows: cell ``i`` is ``template % (a[i] for a in
    args)``, one sequence in ``args`` per conversion of the printf ``template`` (numbers, or texts for
    a ``%s``), and every cell is ``width`` characters long (e.g. ``Formatted("%.3f µs", [scaled], 8)``,
    from :func:`perfgate.model.units.format_template`).

    :func:`render_columns` then formats each row's cells, padding and gaps included, in one ``%`` per
    row, without a text per cell (a 10,000-point history's values and intervals are 30,000 numbers).
    Texts are made visible as any cell's are: a template or a text that needs it (a control character,
    a ``#``) makes the column's cells texts again.
    """

    __slots__ = ("args", "template", "width")

    def __init__(self, template: str, args: Sequence[Sequence[float] | Sequence[str]], width: int) -> None:
        if not args or len({len(a) for a in args}) > 1:
            raise ValueError("a formatted column needs one or more sequences of values, all of one length")
        self.template = template
        self.args = tuple(args)
        self.width = width

    def __len__(self) -> int:
        return len(self.args[0])

    def texts(self) -> list[str]:
        """Every cell's text."""
        return list(map(self.template.__mod__, zip(*self.args, strict=True)))


def _cell(value: Cell | str) -> Cell:
    if isinstance(value, Cell):
        return Cell(visible(value.text), value.role)
    return Cell(visible(value))


def min_columns_width(
    columns: Sequence[Column],
    cells: Sequence[Sequence[str]],
    *,
    gap: int = 2,
    indent: str = "",
    shrink: bool = True,
) -> int:
    """How narrow the table of the rows ``zip(*cells)`` (one sequence of texts per column) can get with
    every shrinkable column cut as far as it may be (``shrink=False``: its natural width, nothing cut)."""
    widths = [
        max([len(col.header), *map(len, visible_column(c))]) for col, c in zip(columns, cells, strict=True)
    ]
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

    Built column by column (:func:`render_columns`): a history or a compare of
    10,000 benchmarks renders tens of thousands of cells, and a pass over a column in C costs a fraction
    of a Python call per cell. ``tests/reftable.py`` keeps the cell-by-cell statement of the same
    lines, and property tests hold the two equal.
    """
    for i, row in enumerate(rows):
        if len(row) != len(columns):
            raise ValueError(f"table row {i} has {len(row)} cells for {len(columns)} columns")
    cells: list[list[str]] = [[] for _ in columns]
    roles: dict[tuple[int, int], str] = {}
    for i, row in enumerate(rows):
        for j, c in enumerate(row):
            if isinstance(c, str):
                cells[j].append(c)
            else:
                cells[j].append(c.text)
                if c.role is not None:
                    roles[(i, j)] = c.role
    return render_columns(columns, cells, console, roles=roles, gap=gap, indent=indent)


def visible_column(texts: Sequence[str]) -> list[str]:
    """:func:`~perfgate.escape.visible` of every text: one C-level check of the whole column (a control
    character or a ``##`` in any text shows in their join), then each text only when one needs it."""
    joined = " ".join(texts)  # (a space joins no two texts into a "##" and is printable)
    if printable(joined) and "##" not in joined:
        return list(texts)
    return list(map(visible, texts))


def render_columns(
    columns: Sequence[Column],
    cells: Sequence[Sequence[str] | Formatted],
    console: Console,
    *,
    roles: Mapping[tuple[int, int], str] | None = None,
    gap: int = 2,
    indent: str = "",
) -> list[str]:
    """The lines :func:`render_table` gives for the rows ``zip(*cells)``
    (header first): ``cells`` holds one sequence of texts per column, or a :class:`Formatted` column of
    numbers, all of one length, and ``roles`` maps (row, column) to the console role of the cells that
    have one (the others are unstyled)."""
    if len(cells) != len(columns):
        raise ValueError(f"table has {len(cells)} columns of cells for {len(columns)} columns")
    for col in columns:
        if col.align not in ("left", "right"):
            raise ValueError(f"column align must be 'left' or 'right', got {col.align!r}")
    if len({len(c) for c in cells}) > 1:
        raise ValueError(f"table columns have different lengths: {sorted({len(c) for c in cells})}")
    if roles and not console.color:  # nothing to style: only say an unknown role, as style() would
        for role in set(roles.values()):
            console.style("", role)
        roles = None
    # (a Formatted column whose template and texts are printable, without a "#": its cells need no
    # visible(), numbers being printable)
    plain = [isinstance(c, Formatted) and _inert(c) for c in cells]
    texts = [
        None if p else visible_column(c.texts() if isinstance(c, Formatted) else c)
        for c, p in zip(cells, plain, strict=True)
    ]
    natural = [
        (c.width if len(c) else 0) if t is None else max(map(len, t), default=0)  # type: ignore[union-attr]
        for c, t in zip(cells, texts, strict=True)
    ]  # (each column's widest text)
    widths = [max(len(col.header), n) for col, n in zip(columns, natural, strict=True)]
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
    spaces = " " * gap
    header = _header(columns, widths, console, spaces, indent)
    if any(plain) and not roles and all(n <= w for n, w in zip(natural, widths, strict=True)):
        # nothing to cut or style: each row in one "%", its numbers formatted there
        lines = _formatted_rows(columns, cells, texts, widths, spaces, indent)
        return [header, *map(str.rstrip, lines)]
    texts = [t if t is not None else c.texts() for c, t in zip(cells, texts, strict=True)]  # type: ignore[union-attr]
    styled: dict[int, list[tuple[int, str]]] = {}
    for (i, j), role in (roles or {}).items():
        styled.setdefault(j, []).append((i, role))
    padded = []
    for j, (column, width) in enumerate(zip(texts, widths, strict=True)):
        assert column is not None
        if natural[j] > width:
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
    rows = map(spaces.join, zip(*padded, strict=True))
    if indent:
        rows = map(indent.__add__, rows)
    return [header, *map(str.rstrip, rows)]


def _inert(column: Formatted) -> bool:
    texts = [cast("Sequence[str]", a) for a in column.args if a and isinstance(a[0], str)]
    joined = " ".join([column.template, *(" ".join(t) for t in texts)])
    return printable(joined) and "#" not in joined


def _header(
    columns: Sequence[Column], widths: Sequence[int], console: Console, spaces: str, indent: str
) -> str:
    header = []
    for col, width in zip(columns, widths, strict=True):
        text = visible(col.header)
        if len(text) > width:
            text = truncate_middle(text, width)
        pad = " " * (width - len(text))
        text = console.style(text, "bold") if text else text
        header.append(pad + text if col.align == "right" else text + pad)
    return (indent + spaces.join(header)).rstrip()


def _formatted_rows(
    columns: Sequence[Column],
    cells: Sequence[Sequence[str] | Formatted],
    texts: Sequence[list[str] | None],
    widths: Sequence[int],
    spaces: str,
    indent: str,
) -> list[str]:
    """The rows (unstripped) as one printf template applied to each: a column of texts is a padded
    ``%s`` of its (visible) texts, a :class:`Formatted` one its template padded to the column's width."""
    parts = []
    args: list[Sequence[Any]] = []
    for col, cell, text, width in zip(columns, cells, texts, widths, strict=True):
        if text is None:
            assert isinstance(cell, Formatted)
            pad = " " * (width - cell.width)
            parts.append(pad + cell.template if col.align == "right" else cell.template + pad)
            args += cell.args
        else:
            parts.append(f"%{'' if col.align == 'right' else '-'}{width}s" if width else "%s")
            args.append(text)
    template = indent.replace("%", "%%") + spaces.join(parts)
    return list(map(template.__mod__, zip(*args, strict=True)))
