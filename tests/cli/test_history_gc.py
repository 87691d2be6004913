"""``perfgate history`` reads and renders with Python's cyclic garbage collector paused (a 10,000-point
series is tens of thousands of acyclic values) and leaves it on afterwards; the ``perfgate`` process
freezes the collector's objects before it exits, so that the collector does not walk every object the
command made on the way out. Nothing here measures a time."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

import pytest

from builders import RunFactory, make_result
from perfgate.cli.main import main
from perfgate.store import open_store

from .test_compare_gc import Recording


@pytest.fixture
def project(tmp_path: Path) -> Path:
    make = RunFactory()
    (tmp_path / "perfgate.toml").write_text('project = "p"\n', encoding="utf-8")
    with open_store(tmp_path / ".perfgate" / "perfgate.db") as store:
        for _ in range(3):
            store.add_run(make(project="p", results=[make_result("bench_a")]))
    return tmp_path


def test_history_renders_with_the_collector_paused_and_turns_it_back_on(project: Path, gc_on: None) -> None:
    out = Recording()
    code = main(["history", "bench_a", "--all-branches"], cwd=project, environ={"NO_COLOR": "1"}, stdout=out)
    assert code == 0 and out.getvalue().count("bench_a") == 1
    assert out.collector_on and not any(out.collector_on)
    assert gc.isenabled()


# Runs the console script's entry and reports, at exit, whether the collector's objects were frozen.
ENTRY = """
import atexit, gc, sys
atexit.register(lambda: sys.stderr.write(f"frozen: {gc.get_freeze_count() > 0}\\n"))
sys.argv = ["perfgate", *sys.argv[1:]]
from perfgate.cli import _entry
_entry()
"""


@pytest.mark.parametrize("argv", [["--version"], ["history", "bench_a", "--all-branches"], ["show", "nope"]])
def test_the_perfgate_process_freezes_the_collector_before_it_exits(project: Path, argv: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-c", ENTRY, *argv], cwd=project, capture_output=True, text=True, check=False
    )
    assert done.returncode == (2 if argv[0] == "show" else 0)
    assert done.stderr.endswith("frozen: True\n")
