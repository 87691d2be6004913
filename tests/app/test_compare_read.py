"""``perfgate compare A B`` of two stored runs named by id reads them through ``sqlite3`` alone, in bulk
(``perfgate.store.runread``): its outcome and every report of it (text with and without colour, JSON,
Markdown, the exit code) are those of the same runs compared as they were built, before the store saw
them, on random runs with hostile names, failures, new and missing benchmarks."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from builders import RunFactory, make_result
from perfgate import app
from perfgate.model import Result, Run
from perfgate.report import render_json, render_markdown, render_text
from perfgate.report.console import Console
from perfgate.store import open_store

names = st.lists(
    st.sampled_from(["bench", "::error", "@octocat", "\x1b[2J", "\u202e", "|", "#", "é", "a b", "\n"]),
    min_size=1,
    max_size=4,
).map(lambda parts: "".join(parts).strip() or "x")
scales = st.sampled_from([1.0, 1.0, 1.3, 0.7, 1.02])


@st.composite
def run_pair(draw: st.DrawFn) -> tuple[list[Result], list[Result]]:
    base: list[Result] = []
    head: list[Result] = []
    for i in range(draw(st.integers(1, 12))):
        name = f"{draw(names)}[{i}]"
        values = draw(st.lists(st.floats(1e-6, 1e-3), min_size=1, max_size=8))
        side = draw(st.sampled_from(["both", "both", "both", "base", "head", "failed"]))
        if side in ("both", "base", "failed"):
            base.append(make_result(name, samples=values))
        if side == "failed":
            head.append(make_result(name, error=f"boom {draw(names)}"))
        elif side in ("both", "head"):
            factor = draw(scales)
            head.append(make_result(name, samples=[v * factor for v in values]))
    return base, head


def reports(outcome: app.Outcome) -> list[str]:
    plain = Console(color=False, width=100, is_tty=False, fit=False)
    coloured = Console(color=True, width=72, is_tty=True)
    return [
        render_text(outcome, plain),
        render_text(outcome, coloured),
        render_json(outcome),
        render_markdown(outcome),
        str(outcome.exit_code()),
    ]


@settings(max_examples=25, deadline=None)
@given(run_pair())
def test_compare_of_stored_runs_reports_what_the_runs_themselves_give(
    results: tuple[list[Result], list[Result]],
) -> None:
    make = RunFactory()
    a: Run = make(project="demo", results=results[0])
    b: Run = make(project="demo", results=results[1])
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "perfgate.toml").write_text('project = "demo"\n', encoding="utf-8")
        db = root / ".perfgate" / "perfgate.db"
        with open_store(db) as store:
            store.add_run(a)
            store.add_run(b)
        ws = app.Workspace.discover(root, environ={})
        read = app.compare_specs(ws, a.id[:12], b.id)
        reference = app.gate_run(ws, b, app.Baseline((a,), f"run {a.id[:10]}"))
    assert read == reference
    assert reports(read) == reports(reference)
