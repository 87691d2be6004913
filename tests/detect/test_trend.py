"""Trends on literal series, and `perfgate trend` on a real SQLite store."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from perfgate.app import Workspace
from perfgate.cli.main import main
from perfgate.detect import BARS, Point, cell_of, sparkline, trend
from perfgate.model import BenchmarkId, Direction, Environment, GitInfo, Result, Run, new_run_id, utcnow
from perfgate.stats import summarize
from spreadstore import X, Y, commit, spread_store


def test_a_straight_line_has_its_slope_and_change():
    values = [100 + 2 * i for i in range(20)]  # +2 per day on a mean of 119
    tr = trend([Point(v) for v in values], list(range(20)))
    assert tr.slope == pytest.approx(2 / 119)
    assert tr.slope_low == pytest.approx(tr.slope) and tr.slope_high == pytest.approx(tr.slope)
    # first quarter 100..108 (mean 104), last quarter 130..138 (mean 134)
    assert (tr.first, tr.last) == (104.0, 134.0)
    assert tr.change == pytest.approx(134 / 104 - 1)
    assert tr.change_low < tr.change < tr.change_high


def test_noise_without_a_trend_has_an_interval_around_zero():
    wiggle = [0.4, -0.8, 1.0, -0.3, 0.6, -1.0, 0.2, 0.9, -0.6, -0.1]
    tr = trend([Point(100 + w) for w in wiggle * 3], [i / 2 for i in range(30)])
    assert tr.slope_low < 0 < tr.slope_high
    assert tr.change_low < 0 < tr.change_high


def test_one_or_two_points_have_no_slope():
    assert trend([Point(5.0)], [0.0]).slope is None
    assert trend([Point(5.0)], [0.0]).change is None
    assert trend([Point(5.0), Point(6.0)], [0.0, 1.0]).slope is None
    with pytest.raises(ValueError, match="2 points but 1 times"):
        trend([Point(5.0), Point(6.0)], [0.0])


def test_sparkline_levels_and_buckets():
    assert sparkline([1, 2, 3, 4, 5, 6, 7, 8]) == BARS
    assert sparkline([3, 3, 3]) == BARS[3] * 3
    assert sparkline([]) == ""
    line = sparkline([0.0] * 50 + [1.0] * 50, width=10)
    assert line == BARS[0] * 5 + BARS[7] * 5
    assert cell_of(49, 100, 10) == 4 and cell_of(50, 100, 10) == 5 and cell_of(3, 8, 10) == 3


def test_perfgate_trend_draws_each_series_with_its_change_point(tmp_path: Path) -> None:
    ws = Workspace.discover(tmp_path, environ={}, store_url=str(tmp_path / "p.db"))
    now = utcnow()
    wiggle = [0.004, -0.008, 0.010, -0.003, 0.006, -0.010, 0.002, 0.009, -0.006, -0.001]
    with ws.store() as s:
        for i in range(40):  # one run every 6 hours over the last 10 days; +10% at run 20
            at = now - timedelta(hours=6 * (40 - i))
            v = 1e-3 * (1.1 if i >= 20 else 1.0) * (1 + wiggle[i % 10])
            r = Result(BenchmarkId("bench/\x1b[31mred"), "time", "s", Direction.LOWER, summarize([v]), (v,))
            git = GitInfo(f"{i:03d}" + "b" * 37, "main", commit_time=at)
            s.add_run(
                Run(new_run_id(at), ws.config.project, at, at, "perfgate", Environment("tb"), (r,), git=git)
            )
    out = io.StringIO()
    assert main(["trend", "--store", str(tmp_path / "p.db")], cwd=tmp_path, environ={}, stdout=out) == 0
    lines = out.getvalue().splitlines()
    assert lines[0] == "bench/\\x1b[31mred [time] · testbed tb · branch main"
    assert lines[1].endswith("  40 points over the last 14d")
    assert set(lines[1][2:22]) <= set(BARS[:2]) and set(lines[1][22:42]) <= set(BARS[6:])
    assert lines[2].startswith("  " + " " * 20 + "▲" + " " * 19 + "  change points: ")
    assert "020bbbb +10.0%" in lines[2]
    assert lines[3].startswith("  first->last +10.") and "slope +" in lines[3] and "/day" in lines[3]
    out = io.StringIO()
    argv = ["trend", "red", "--window", "3d", "--format", "json", "--store", str(tmp_path / "p.db")]
    assert main(argv, cwd=tmp_path, environ={}, stdout=out) == 0
    doc = json.loads(out.getvalue())
    (series,) = doc["series"]
    # runs 29-39 (run 28 is exactly 3 days older than the test's clock, so older than the command's)
    assert doc["window"] == "3d" and series["points"] == 11 and series["change_points"] == []
    assert series["change"] == pytest.approx(0.0, abs=0.02)
    out = io.StringIO()
    argv = ["trend", "--window", "1h", "--store", str(tmp_path / "p.db")]
    assert main(argv, cwd=tmp_path, environ={}, stdout=out) == 0
    assert out.getvalue() == "no stored series has points in the last 1h\n"


def test_a_series_of_one_point_says_one_point(tmp_path: Path) -> None:
    ws = Workspace.discover(tmp_path, environ={}, store_url=str(tmp_path / "p.db"))
    at = utcnow() - timedelta(hours=1)
    r = Result(BenchmarkId("bench/one"), "time", "s", Direction.LOWER, summarize([1e-3]), (1e-3,))
    git = GitInfo("c" * 40, "main", commit_time=at)
    with ws.store() as s:
        s.add_run(
            Run(new_run_id(at), ws.config.project, at, at, "perfgate", Environment("tb"), (r,), git=git)
        )
    out = io.StringIO()
    assert main(["trend", "--store", str(tmp_path / "p.db")], cwd=tmp_path, environ={}, stdout=out) == 0
    assert out.getvalue().splitlines()[1].endswith("  1 point over the last 14d")


def _json(root: Path, *argv: str) -> Any:
    out = io.StringIO()
    argv = (*argv, "--format", "json", "--store", str(root / "p.db"), "--color", "never")
    assert main(list(argv), cwd=root, environ={}, stdout=out) == 0
    return json.loads(out.getvalue())


def test_trend_does_not_mark_a_step_within_the_testbeds_run_to_run_spread(tmp_path: Path) -> None:
    """As `perfgate detect` (tests/detect/test_detect_command.py): the testbed's run-to-run spread on
    its main branch is the floor under a series' own noise."""
    spread_store(tmp_path)
    doc = _json(tmp_path, "trend", "test_x", "--branch", "topic")
    found = {s["testbed"]: [cp["index"] for cp in s["change_points"]] for s in doc["series"]}
    assert found == {"noisy": [], "quiet": [20]}


def test_trend_marks_the_change_points_detect_reports(tmp_path: Path) -> None:
    spread_store(tmp_path)
    trend_doc = _json(tmp_path, "trend")
    detect_doc = _json(tmp_path, "detect")

    def marks(doc: Any) -> dict[tuple[str, str, str], list[tuple[int, str]]]:
        return {
            (s["benchmark"], s["testbed"], s["branch"]): [
                (cp["index"], cp["commit"]) for cp in s["change_points"]
            ]
            for s in doc["series"]
        }

    found = marks(trend_doc)
    assert found == marks(detect_doc)
    # what the two agree on is not nothing: steps found and steps within the spread left out
    assert found[(X, "quiet", "topic")] == [(20, commit(70, "quiet"))]
    assert found[(X, "noisy", "topic")] == []
    assert [found[(Y, bed, "topic")] for bed in ("noisy", "quiet")] == [
        [(15, commit(65, "noisy"))],
        [(15, commit(65, "quiet"))],
    ]
