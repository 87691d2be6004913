"""`perfgate detect` on a real SQLite store filled with canned runs, and on CSV series."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from perfgate.app import Workspace
from perfgate.cli.main import main
from perfgate.model import BenchmarkId, Direction, Environment, GitInfo, Result, Run, new_run_id
from perfgate.stats import summarize

T0 = datetime(2026, 6, 1, tzinfo=UTC)
# deterministic +-1% wiggle, repeated
WIGGLE = [0.004, -0.008, 0.010, -0.003, 0.006, -0.010, 0.002, 0.009, -0.006, -0.001]


def sha(i: int) -> str:
    return f"{i:03d}" + "a" * 37


def result(name: str, centre: float) -> Result:
    samples = [centre * (1 + w / 4) for w in WIGGLE[:5]]
    return Result(BenchmarkId(name), "time", "s", Direction.LOWER, summarize(samples), tuple(samples))


def run(
    project: str, i: int, results: list[Result], *, bed: str = "tb", tier: str = "fast", branch: str = "main"
) -> Run:
    at = T0 + timedelta(hours=i)
    git = GitInfo(sha(i), branch, commit_time=at)
    return Run(
        new_run_id(at), project, at, at, "perfgate", Environment(bed), tuple(results), tier=tier, git=git
    )


def cli(root: Path, *argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main([*argv, "--store", str(root / "p.db"), "--color", "never"], cwd=root, environ={}, stdout=out)
    return code, out.getvalue()


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """40 runs: test_read steps +10% at run 20; test_flat never moves; on a second testbed test_read
    runs at another level without a step; a second tier interleaves at twice the time."""
    ws = Workspace.discover(tmp_path, environ={}, store_url=str(tmp_path / "p.db"))
    project = ws.config.project
    with ws.store() as s:
        for i in range(40):
            w = WIGGLE[i % 10]
            read = 1e-3 * (1.1 if i >= 20 else 1.0) * (1 + w)
            s.add_run(
                run(
                    project,
                    i,
                    [
                        result("bench/test_io.py::test_read", read),
                        result("bench/test_flat.py::test_x", 5e-3 * (1 + w)),
                    ],
                )
            )
            s.add_run(
                run(project, 100 + i, [result("bench/test_io.py::test_read", 3e-3 * (1 + w))], bed="other")
            )
            s.add_run(
                run(project, 200 + i, [result("bench/test_io.py::test_read", 2e-3 * (1 + w))], tier="slow")
            )
    return tmp_path


def test_detect_names_the_step_its_commits_and_size_per_series(store: Path) -> None:
    code, out = cli(store, "detect")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "bench/test_io.py::test_read [time] · testbed tb · tier fast · branch main"
    assert lines[1] == "  40 points"
    assert lines[2].startswith("  #20    2026-06-01 20:00  019aaaa..020aaaa  +10.0% regression [+")
    assert lines[2].endswith("1.001 ms -> 1.101 ms")
    # the other testbed and the other tier are series of their own: their levels are no change
    assert lines[-1] == "1 change point in 1 of 4 series"


def test_detect_json_with_pattern_metric_and_since(store: Path) -> None:
    code, out = cli(
        store, "detect", "bench/test_io.py::*", "--metric", "time", "--testbed", "tb", "--format", "json"
    )
    assert code == 0
    doc = json.loads(out)
    assert [(s["benchmark"], s["tier"], s["testbed"]) for s in doc["series"]] == [
        ("bench/test_io.py::test_read", "fast", "tb"),
        ("bench/test_io.py::test_read", "slow", "tb"),
    ]
    (cp,) = doc["series"][0]["change_points"]
    assert (cp["index"], cp["commit"], cp["previous_commit"], cp["kind"]) == (
        20,
        sha(20),
        sha(19),
        "regression",
    )
    assert cp["change"] == pytest.approx(0.1, abs=0.005)
    assert cp["change_low"] < cp["change"] < cp["change_high"]
    assert cp["pvalue"] < 1e-4 and cp["n_before"] == 20 and cp["n_after"] == 20
    assert doc["series"][1]["change_points"] == []
    # --since: the runs are months old, so nothing is left
    code, out = cli(store, "detect", "--since", "1d", "--format", "json")
    assert code == 0 and json.loads(out) == {"series": []}


def test_a_name_with_control_characters_is_shown_escaped(tmp_path: Path) -> None:
    ws = Workspace.discover(tmp_path, environ={}, store_url=str(tmp_path / "p.db"))
    name = "bench::test_\x1b[2Jx"
    with ws.store() as s:
        for i in range(30):
            s.add_run(
                run(ws.config.project, i, [result(name, (2.0 if i >= 15 else 1.0) * (1 + WIGGLE[i % 10]))])
            )
    code, out = cli(tmp_path, "detect")
    assert code == 0
    assert "bench::test_\\x1b[2Jx [time]" in out and "\x1b" not in out


def test_a_step_within_the_testbeds_run_to_run_spread_is_no_change_point(tmp_path: Path) -> None:
    """On two testbeds, the same quiet series on a branch (+-0.1%) with a 2% step at its 20th point.
    The main branch of testbed "noisy" moves +-5% from run to run (as the gate measures it): the
    step is within that, no change point; on testbed "quiet" main moves +-0.1%: the step is one."""
    ws = Workspace.discover(tmp_path, environ={}, store_url=str(tmp_path / "p.db"))
    name = "bench/test_x.py::test_x"
    with ws.store() as s:
        for bed, noise in (("noisy", 5.0), ("quiet", 0.1)):
            for i in range(30):
                at = 1e-3 * (1 + noise * WIGGLE[i % 10])
                s.add_run(run(ws.config.project, i, [result(name, at)], bed=bed))
            for i in range(40):
                at = 1e-3 * (1.02 if i >= 20 else 1.0) * (1 + 0.1 * WIGGLE[i % 10])
                s.add_run(run(ws.config.project, 100 + i, [result(name, at)], bed=bed, branch="topic"))
    code, out = cli(tmp_path, "detect", "--branch", "topic", "--format", "json")
    assert code == 0
    found = {s["testbed"]: [cp["index"] for cp in s["change_points"]] for s in json.loads(out)["series"]}
    assert found == {"noisy": [], "quiet": [20]}


CSV = "commit,time,value,s1,s2,s3\n" + "".join(
    f"c{i:02d},2026-01-{1 + i // 24:02d}T{i % 24:02d}:00:00,{v},{v * 0.99},{v},{v * 1.01}\n"
    for i, v in enumerate([100 * (1.05 if i >= 25 else 1.0) * (1 + WIGGLE[i % 10]) for i in range(50)])
)


def test_detect_reads_a_csv_series(tmp_path: Path) -> None:
    (tmp_path / "data.csv").write_text(CSV, encoding="utf-8")
    code, out = cli(tmp_path, "detect", "--series", "data.csv")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "data.csv [value]"
    assert lines[2].startswith("  #25    2026-01-02 01:00  c24..c25  +4.9% regression [")
    assert lines[-1] == "1 change point in 1 of 1 series"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "data.csv:1: empty file; expected the header commit,time,value"),
        (
            "time,commit,value\n",
            "data.csv:1: the header must begin commit,time,value, got 'time,commit,value'",
        ),
        ("commit,time,value\n", "data.csv: no rows after the header"),
        ("commit,time,value\na,2026-01-01,1\nb,2026-01-02\n", "data.csv:3: 2 fields, the header has 3"),
        ("commit,time,value\na,2026-01-01,fast\n", "data.csv:2: value 'fast' is not a number"),
        ("commit,time,value\na,2026-01-01,nan\n", "data.csv:2: value 'nan' is not a finite number"),
        ("commit,time,value\na,soon,1\n", "data.csv:2: time 'soon' is neither ISO 8601 nor Unix seconds"),
        ("commit,time,value,s1\na,2026-01-01,1,x\n", "data.csv:2: sample 1 'x' is not a number"),
        ("commit,time,value\n,2026-01-01,1\n", "data.csv:2: empty commit"),
        ('commit,time,value\n"a,2026-01-01,1\n', "data.csv: not valid CSV: unexpected end of data"),
    ],
)
def test_a_bad_csv_series_is_one_line_naming_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    (tmp_path / "data.csv").write_text(text, encoding="utf-8")
    capsys.readouterr()
    code, out = cli(tmp_path, "detect", "--series", "data.csv")
    err = capsys.readouterr().err
    assert (code, out) == (2, "")
    assert err == f"perfgate: error: {tmp_path / message}\n"


def test_series_and_store_filters_exclude_each_other(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "data.csv").write_text(CSV, encoding="utf-8")
    code, _ = cli(tmp_path, "detect", "x", "--series", "data.csv")
    assert code == 2
    assert "--series reads one CSV series" in capsys.readouterr().err
