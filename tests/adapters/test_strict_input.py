"""Bad input through the command line: one line naming where, exit 2, and the store left as it was.

Each case starts from a store holding one good run (a real Go file) and checks, after the refused
command, that the store still holds exactly that run.
"""

from __future__ import annotations

import io
import json
import re
import sqlite3
from pathlib import Path

import pytest

from perfgate.cli.main import main

DATA = Path(__file__).resolve().parent.parent / "data"
GO = DATA / "go-bench" / "perf-crc-old.txt"
GBENCH = DATA / "google-benchmark" / "gbench-1.7.1-repetitions.json"


class Cli:
    def __init__(self, root: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.root = root
        self.store = root / "s.db"
        self.capsys = capsys

    def __call__(self, *argv: str) -> tuple[int, str, str]:
        out = io.StringIO()
        self.capsys.readouterr()
        code = main([*argv, "--store", str(self.store)], cwd=self.root, environ={}, stdout=out)
        return code, out.getvalue(), self.capsys.readouterr().err

    def runs(self) -> list[str]:
        with sqlite3.connect(self.store) as db:
            return [row[0] for row in db.execute("SELECT id FROM runs ORDER BY id")]


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    c = Cli(tmp_path, capsys)
    code, out, err = c("ingest", str(GO))
    assert code == 0, err
    assert c.runs() == [out.strip()]
    return c


def refused(cli: Cli, *argv: str) -> str:
    """Run a command that must be refused; return its one error line (the store is unchanged)."""
    before = cli.runs()
    code, out, err = cli(*argv)
    assert code == 2, err
    assert out == ""
    (line,) = err.strip().splitlines()
    # argparse's usage errors name the subcommand ("perfgate compare: error: ..."), ours do not
    assert re.match(r"perfgate( \w+)?: error: ", line) and "internal error" not in line
    assert cli.runs() == before
    return line


def test_a_negative_time_is_refused_at_its_line(cli: Cli, tmp_path: Path) -> None:
    lines = GO.read_text().splitlines(keepends=True)
    n = next(i for i, line in enumerate(lines) if line.startswith("Benchmark"))
    _, _, value, unit = lines[n].split()[:4]
    assert unit == "ns/op"
    lines[n] = lines[n].replace(f" {value} ns/op", f" -{value} ns/op")
    bad = tmp_path / "negative.txt"
    bad.write_text("".join(lines))
    line = refused(cli, "ingest", str(bad))
    assert f"negative.txt:{n + 1}: " in line and "is negative" in line and "a time cannot be" in line


def test_a_negative_counter_in_google_benchmark_is_refused(cli: Cli, tmp_path: Path) -> None:
    doc = json.loads(GBENCH.read_text())
    row = next(r for r in doc["benchmarks"] if "bytes_per_second" in r)
    row["bytes_per_second"] = -row["bytes_per_second"]
    bad = tmp_path / "gb.json"
    bad.write_text(json.dumps(doc, indent=2))
    line = refused(cli, "ingest", str(bad))
    assert "gb.json:" in line and f"{row['run_name']} [throughput]" in line and "a rate cannot be" in line


def test_an_empty_benchmark_list_is_an_error_not_an_empty_run(cli: Cli, tmp_path: Path) -> None:
    doc = json.loads(GBENCH.read_text())
    doc["benchmarks"] = []
    empty = tmp_path / "empty.json"
    empty.write_text(json.dumps(doc))
    line = refused(cli, "ingest", str(empty))
    assert line.endswith("empty.json: no benchmark results in this google-benchmark output")


def test_a_date_in_year_1_is_refused(cli: Cli, tmp_path: Path) -> None:
    doc = json.loads(GBENCH.read_text())
    doc["context"]["date"] = "0001-01-01T00:00:00+00:00"
    old = tmp_path / "year1.json"
    old.write_text(json.dumps(doc))
    line = refused(cli, "ingest", str(old))
    assert "year1.json: recorded date 0001-01-01T00:00:00+00:00 cannot date a run" in line


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ("[[budgets]]\nbenchmark = '*'\nmax = '-1ms'\n", "budgets[0].max: a budget must be positive"),
        ("[[budgets]]\nbenchmark = '*'\nmax = '0ms'\n", "budgets[0].max: a budget must be positive"),
        ("[thresholds]\ntime = 'inf'\n", "thresholds.time: a threshold must be a finite percentage"),
        (
            "[[budgets]]\nbenchmark = '*'\nmetric = 'item_throughput'\nmin = '10 MB/s'\n",
            "budgets[0].min: item_throughput is measured in items/s, not B/s",
        ),
    ],
)
def test_bad_budgets_and_thresholds_are_refused_at_config_load(cli: Cli, body: str, where: str) -> None:
    (cli.root / "perfgate.toml").write_text(body)
    line = refused(cli, "ingest", str(GO))
    assert f"perfgate.toml: {where}" in line


@pytest.mark.parametrize("value", ["inf", "nan", "-inf", "1e999"])
def test_a_threshold_that_is_not_finite_is_a_usage_error(cli: Cli, value: str) -> None:
    line = refused(cli, "compare", str(GO), str(GO), f"--threshold={value}")
    assert "argument --threshold" in line and "finite" in line


@pytest.mark.parametrize("value", ["-1", "0"])
def test_runs_limit_must_be_positive(cli: Cli, value: str) -> None:
    line = refused(cli, "runs", "--limit", value)
    assert "argument --limit: expected a whole number >= 1" in line
