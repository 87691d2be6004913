"""The end-of-session table of benchmark results, as plain lines (pure: values in, text out)."""

from __future__ import annotations

from collections.abc import Sequence

from perfgate.escape import inert_lines, visible
from perfgate.model import Result, format_value

__all__ = ["summary_lines"]

_HEADERS = ("benchmark", "median", "IQR", "stddev", "rounds", "iterations")


def summary_lines(results: Sequence[Result], width: int = 110) -> list[str]:
    """One row per result: name, median, IQR, stddev, rounds, iterations; failed ones show their error.

    Names longer than the room left by the numbers are shortened from the left (the test name is the
    informative end of a node id). Names and errors come from the code under test: their control
    characters are shown as escapes (:func:`~perfgate.escape.visible`), so no line can drive the
    terminal or start a CI workflow command.
    """
    rows: list[tuple[str, ...]] = []
    failed: list[tuple[str, str]] = []
    for r in results:
        s = r.summary
        if r.error is not None or s is None:
            failed.append((visible(r.benchmark.name), visible(r.error or "no summary")))
            continue
        iqr = s.q3 - s.q1 if s.q1 is not None and s.q3 is not None else None
        rows.append(
            (
                visible(r.benchmark.name),
                format_value(s.median, r.unit),
                format_value(iqr, r.unit),
                format_value(s.stddev, r.unit),
                str(r.rounds if r.rounds is not None else s.n),
                str(r.iterations if r.iterations is not None else "-"),
            )
        )
    if not rows and not failed:
        return []
    numeric = [max([len(h)] + [len(row[i]) for row in rows]) for i, h in enumerate(_HEADERS)]
    room = max(20, width - sum(numeric[1:]) - 2 * (len(_HEADERS) - 1))
    names = [row[0] for row in rows] + [name for name, _ in failed]
    name_w = min(room, max([len(_HEADERS[0])] + [len(n) for n in names]))

    def fit(name: str) -> str:
        return name if len(name) <= name_w else "…" + name[-(name_w - 1) :]

    lines = []
    head = [_HEADERS[0].ljust(name_w)] + [h.rjust(numeric[i]) for i, h in enumerate(_HEADERS) if i]
    lines.append("  ".join(head))
    for row in rows:
        cells = [fit(row[0]).ljust(name_w)] + [c.rjust(numeric[i]) for i, c in enumerate(row) if i]
        lines.append("  ".join(cells))
    for name, error in failed:
        lines.append(f"{fit(name).ljust(name_w)}  FAILED: {error}")
    return [inert_lines(line) for line in lines]
