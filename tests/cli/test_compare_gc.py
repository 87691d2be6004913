"""``perfgate compare`` reads, judges and reports with Python's cyclic garbage collector paused (every
value it builds is acyclic; rendering 10,000 verdicts with the collector on made it walk them all, over
and over: a quarter of the report's time), and leaves the collector on afterwards."""

from __future__ import annotations

import gc
import io
from pathlib import Path

import pytest

from builders import RunFactory, make_result
from perfgate.cli.main import main
from perfgate.store import open_store


class Recording(io.StringIO):
    """A stdout that notes whether the collector was on at each write."""

    def __init__(self) -> None:
        super().__init__()
        self.collector_on: list[bool] = []

    def write(self, text: str) -> int:
        self.collector_on.append(gc.isenabled())
        return super().write(text)


def test_compare_reports_with_the_collector_paused_and_turns_it_back_on(tmp_path: Path, gc_on: None) -> None:
    make = RunFactory()
    a = make(project="p", results=[make_result("bench_a"), make_result("bench_b")])
    b = make(project="p", results=[make_result("bench_a"), make_result("bench_b", samples=[2e-3] * 7)])
    (tmp_path / "perfgate.toml").write_text('project = "p"\n', encoding="utf-8")
    with open_store(tmp_path / ".perfgate" / "perfgate.db") as store:
        store.add_run(a)
        store.add_run(b)
    out = Recording()
    code = main(["compare", a.id, b.id], cwd=tmp_path, environ={"NO_COLOR": "1"}, stdout=out)
    assert code == 1  # bench_b twice as slow: the whole report was written
    assert "bench_b" in out.getvalue()
    assert out.collector_on and not any(out.collector_on)
    assert gc.isenabled()


def test_every_gating_command_judges_with_the_collector_paused(
    tmp_path: Path, gc_on: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``app.gate_run`` (``perfgate run``, ``ingest --gate``, ``cmd``, ``merge``) evaluates with the
    collector paused, as ``compare`` does: the gate builds a suite's values in bulk, and the
    collector's passes would walk them and every result read."""
    from perfgate import app
    from perfgate.app import judge

    seen: list[bool] = []
    real = judge.evaluate

    def watched(*args: object, **kwargs: object) -> object:
        seen.append(gc.isenabled())
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(judge, "evaluate", watched)
    make = RunFactory()
    a = make(project="p", results=[make_result("bench_a")])
    b = make(project="p", results=[make_result("bench_a", samples=[2e-3] * 7)])
    (tmp_path / "perfgate.toml").write_text('project = "p"\n', encoding="utf-8")
    ws = app.Workspace.discover(tmp_path, environ={})
    outcome = app.gate_run(ws, b, app.Baseline((a,), "run a"))
    assert seen == [False]
    assert not outcome.passed  # twice as slow: it really judged
    assert gc.isenabled()
