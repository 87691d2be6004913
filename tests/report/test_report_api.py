"""perfgate.report's public names: all importable, all documented, renderers robust at odd widths."""

from __future__ import annotations

import inspect
from collections.abc import Callable

import pytest

import perfgate.report as report
from conftest import comparison_outcome, no_baseline_outcome, passing_outcome
from perfgate.gate.outcome import Outcome
from perfgate.report import Console, render_run, render_text


def test_all_names_resolve_and_are_documented() -> None:
    assert len(set(report.__all__)) == len(report.__all__)
    for name in report.__all__:
        obj = getattr(report, name)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            assert inspect.getdoc(obj), f"{name} has no docstring"


@pytest.mark.parametrize("width", [1, 20, 40, 300])
@pytest.mark.parametrize("make", [comparison_outcome, passing_outcome, no_baseline_outcome])
def test_any_width_renders(width: int, make: Callable[[], Outcome]) -> None:
    console = Console(color=False, width=width, is_tty=False)
    text = render_text(make(), console)
    assert text.endswith("\n") and ("gate passed" in text or "gate FAILED" in text)
    assert render_run(make().run, console).endswith("\n")
