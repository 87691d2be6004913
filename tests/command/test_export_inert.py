"""`perfgate export` and `pytest --perfgate-json` write JSON that shows, never acts (issue 10, item 1).

JSON escapes C0 controls itself; written with ``ensure_ascii=False`` it leaves bidi overrides, line
separators and C1 controls (U+009B is a one-character CSI) raw, so ``cat``-ing the file on a terminal or
in a CI log reorders or drives what follows. The files still read back to the very same names.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from perfgate.model import BenchmarkId, Direction, Result, RunStatus, loads_run, results_to_dict

from .test_specs_and_config_root import cli, git_project

HOSTILE = "t.py::x\u202egnp.exe\u009b2J\u2028::error::x ##vso[task.complete]"
RAW = ("\u202e", "\u009b", "\u2028", "##vso[")


def test_export_escapes_what_json_leaves_raw_and_reads_back_the_same(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = git_project(tmp_path / "p")
    t0 = datetime(2024, 5, 1, tzinfo=UTC)
    result = Result(BenchmarkId(HOSTILE), "time", "s", Direction.LOWER, error="ValueError: \u202eoops")
    doc = results_to_dict([result], started=t0, finished=t0, status=RunStatus.COMPLETE)
    source = root / "results.json"
    source.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    code, run_id, err = cli(root, capsys, "ingest", str(source))
    assert code == 0, err
    code, out, err = cli(root, capsys, "export", run_id.strip())
    assert code == 0, err
    assert not any(raw in out for raw in RAW)
    assert "\\u202e" in out and "\\u009b" in out
    (back,) = loads_run(out).results
    assert back.benchmark.name == HOSTILE and back.error == "ValueError: \u202eoops"
