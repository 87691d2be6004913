"""``render_table`` (built column by column) is the cell-by-cell table of ``reftable`` to the byte:
random tables of hostile texts, roles, alignments, narrow and wide consoles, with and without colour."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from perfgate.report.console import ROLES, Console
from perfgate.report.table import Cell, Column, render_table
from reftable import reference_table

pieces = st.sampled_from(["a", "b", "µ", "#", "##", "{", "}", " ", "\n", "\x1b", "\u202e", "%", "é", "::"])
texts = st.lists(pieces | st.characters(), max_size=12).map("".join)
roles = st.none() | st.sampled_from(sorted(ROLES))
cells = texts | st.builds(Cell, texts, roles)


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[Column], list[list[Cell | str]]]:
    columns = draw(
        st.lists(
            st.builds(Column, texts, st.sampled_from(["left", "right"]), st.booleans()),
            min_size=1,
            max_size=6,
        )
    )
    rows = draw(st.lists(st.lists(cells, min_size=len(columns), max_size=len(columns)), max_size=8))
    return columns, rows


consoles = st.builds(Console, st.booleans(), st.integers(1, 120), st.booleans(), fit=st.booleans())


@given(tables(), consoles, st.integers(0, 3), st.sampled_from(["", "  ", "{}"]))
def test_render_table_is_the_cell_by_cell_table(
    table: tuple[list[Column], list[list[Cell | str]]], console: Console, gap: int, indent: str
) -> None:
    columns, rows = table
    assert render_table(columns, rows, console, gap=gap, indent=indent) == reference_table(
        columns, rows, console, gap=gap, indent=indent
    )


def test_a_ragged_row_and_an_unknown_role_are_refused() -> None:
    console = Console(color=False, width=80, is_tty=False)
    columns = [Column("a"), Column("b")]
    with pytest.raises(ValueError, match="table row 0 has 1 cells for 2 columns"):
        render_table(columns, [["x"]], console)
    with pytest.raises(ValueError, match="unknown console style role 'glow'"):
        render_table(columns, [["x", Cell("y", "glow")]], console)
