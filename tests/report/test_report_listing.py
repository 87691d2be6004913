"""Run listings, the show view, and history with its sparkline."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from datetime import timedelta

import pytest

from conftest import RUN_ID, T0, comparison_outcome, make_run, run_row, series_point
from perfgate.model import Direction, RunInfo, RunStatus, Series, loads_run
from perfgate.report import (
    Console,
    render_history,
    render_history_json,
    render_run,
    render_run_json,
    render_runs,
    render_runs_json,
    sparkline,
)

PLAIN = Console(color=False, width=100, is_tty=False)


def row(id, started, branch, commit, tier, testbed, source, status, n_results, n_failed) -> RunInfo:
    return RunInfo(id=id, project="demo", started=started, finished=None, source=source,
                   status=RunStatus(status), tier=tier, branch=branch, commit=commit, commit_time=None,
                   testbed=testbed, n_results=n_results, n_failed=n_failed, pr_number=None)  # fmt: skip


def rows() -> list[RunInfo]:
    run = comparison_outcome().run
    newest = run_row(run)
    return [
        newest,
        row("01HWX0000000000000000BASE1", T0 - timedelta(days=1), "main", "def5678aaaa1111", "pr",
               "ci-linux-x64", "perfgate", "complete", 12, 0),
        row("01HWW0000000000000000PART1", T0 - timedelta(days=2, hours=3), None, None, None,
               "laptop", "go", "partial", 3, 0),
    ]  # fmt: skip


def points(direction: Direction = Direction.LOWER) -> Series:
    values = [1.00e-3, 1.01e-3, None, 0.99e-3, 1.20e-3, 1.22e-3]
    out = []
    for i, v in enumerate(values):
        out.append(
            series_point(
                f"01HWR{i}{i:021d}",
                f"{i:x}" * 12,
                "main",
                T0 + timedelta(days=i),
                v,
                interval=(v * 0.98, v * 1.02) if v else None,
                error=None if v else "MemoryError",
                direction=direction,
            )
        )
    return Series("bench/test_parse.py::test_small", "time", tuple(out), branch="main")


def test_runs_golden(golden: Callable[[str, str], None]) -> None:
    golden("runs.txt", render_runs(rows(), PLAIN))


def test_runs_columns() -> None:
    lines = render_runs(rows(), Console(color=False, width=140, is_tty=False)).splitlines()
    assert lines[0].split() == ["id", "started", "(UTC)", "branch", "commit", "tier", "testbed", "status",
                                "results", "failed"]  # fmt: skip
    first = lines[1].split()
    assert first[:5] == ["01HWZ3M8Q4", "2024-05-01", "12:00", "feature/fast-parse", "abc1234d"]
    assert first[-3:] == ["complete", "7", "1"]
    assert render_runs([], PLAIN) == "no runs\n"
    narrow = render_runs(rows(), PLAIN).splitlines()
    assert all(len(line) <= 100 for line in narrow)
    assert "feat…st-parse" in narrow[1]  # the branch gives way, the id and commit never do


def test_run_info_validates() -> None:
    with pytest.raises(ValueError, match="n_failed <= n_results"):
        row("x", T0, None, None, None, "t", "perfgate", "complete", 1, 2)


def test_runs_colour_marks_failures() -> None:
    text = render_runs(rows(), Console(color=True, width=100, is_tty=True))
    assert "\x1b[33mpartial\x1b[0m" in text
    assert "\x1b[1;31m1\x1b[0m" in text


def test_runs_json() -> None:
    data = json.loads(render_runs_json(rows()))
    assert [r["id"] for r in data] == [r.id for r in rows()]
    assert data[0] == {
        "id": RUN_ID, "started": "2024-05-01T12:00:00+00:00", "branch": "feature/fast-parse",
        "commit": "abc1234def5678", "tier": "pr", "testbed": "ci-linux-x64", "source": "perfgate",
        "status": "complete", "n_results": 7, "n_failed": 1,
    }  # fmt: skip


def test_show_golden(golden: Callable[[str, str], None]) -> None:
    golden("show.txt", render_run(comparison_outcome().run, PLAIN))


def test_show_without_results_or_git() -> None:
    run = dataclasses.replace(make_run(), git=None, ci=None, status=RunStatus.FAILED)
    text = render_run(run, PLAIN)
    assert "no results" in text
    assert "git" not in text.split()
    assert "status    failed" in text


def test_show_json_is_the_run_document() -> None:
    run = comparison_outcome().run
    assert loads_run(render_run_json(run)) == run


def test_history_golden(golden: Callable[[str, str], None]) -> None:
    golden(
        "history.txt", render_history(points(), PLAIN, title="bench/test_parse.py::test_small [time] @ ci")
    )


def test_history_newest_last_with_change() -> None:
    text = render_history(points(), PLAIN)
    lines = text.splitlines()
    dates = [line.split()[0] for line in lines[1:7]]
    assert dates == sorted(dates) and dates[0] == "2024-05-01"
    assert "first → last: 1.000 ms → 1.220 ms (+22.0%) over 5 runs" in text
    assert "\n▁▁ ▁██\n" in text
    assert "MemoryError" in text


def test_history_colours_change_by_direction() -> None:
    colour = Console(color=True, width=100, is_tty=True)
    assert "\x1b[1;31m+22.0%\x1b[0m" in render_history(points(Direction.LOWER), colour)
    assert "\x1b[32m+22.0%\x1b[0m" in render_history(points(Direction.HIGHER), colour)


def test_history_empty() -> None:
    assert render_history(Series("b", "time"), PLAIN, title="x") == "x\nno history\n"


def test_history_json_oldest_first() -> None:
    data = json.loads(render_history_json(points()))
    assert [p["when"][:10] for p in data] == [f"2024-05-0{i}" for i in range(1, 7)]
    assert data[2]["value"] is None and data[2]["error"] == "MemoryError"
    assert set(data[0]) == {
        "run_id",
        "commit",
        "branch",
        "when",
        "value",
        "unit",
        "ci_low",
        "ci_high",
        "error",
        "started",
    }


def test_sparkline() -> None:
    assert sparkline([]) == ""
    assert sparkline([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]) == "▁▂▃▄▅▆▇█"
    assert sparkline([5.0, 5.0, 5.0]) == "▄▄▄"
    assert sparkline([None, 1.0, None, 2.0]) == " ▁ █"
    assert sparkline([None, None]) == "  "


def test_history_point_refuses_non_finite() -> None:
    with pytest.raises(ValueError, match="must be finite"):
        series_point("r", None, None, T0, float("nan"), "s")


def test_runs_with_a_shared_time_part_show_ids_long_enough_to_tell_apart() -> None:
    # runs ingested from files with the same timestamp share the first 10 characters (the ULID's time)
    base = rows()[1]
    same = [
        dataclasses.replace(base, id=f"01HWX00000{tail}") for tail in ("A1B2C3D4E5F6G7H8", "A1B2X3D4E5F6G7H8")
    ]
    other = dataclasses.replace(base, id="01HWY0000000000000000OTHER")
    lines = render_runs([*same, other], Console(color=False, width=140, is_tty=False)).splitlines()
    # each id as long as it takes to be told from the others in the listing, and a valid prefix
    assert [line.split()[0] for line in lines[1:]] == ["01HWX00000A1B2C", "01HWX00000A1B2X", "01HWY00000"]
