"""Load-test reports (Vegeta, hey) do not record their target: ``--name`` tells two scenarios apart.

The inputs are the real reports of tests/data; the second scenario is the same report with other
figures, as a second attack on another URL would give.
"""

from __future__ import annotations

import io
import json
import sqlite3
from pathlib import Path

import pytest

from perfgate.adapters.registry import parse_inputs
from perfgate.cli.main import main
from perfgate.errors import UsageError

DATA = Path(__file__).resolve().parent.parent / "data"
VEGETA = DATA / "vegeta" / "vegeta-readme-report.json"
HEY = DATA / "hey" / "hey-0.1.4-loopback-nginx.txt"
GO = DATA / "go-bench" / "perf-crc-old.txt"


def two_scenarios(tmp_path: Path, real: Path) -> tuple[Path, Path]:
    a = tmp_path / f"a{real.suffix}"
    b = tmp_path / f"b{real.suffix}"
    a.write_text(real.read_text())
    if real == VEGETA:
        doc = json.loads(real.read_text())
        doc["latencies"]["mean"] *= 2
        b.write_text(json.dumps(doc))
    else:
        text = real.read_text()
        assert "Requests/sec:" in text
        b.write_text(text.replace("Requests/sec:\t", "Requests/sec:\t1"))
    return a, b


def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    out = io.StringIO()
    capsys.readouterr()
    code = main([*argv, "--store", str(tmp_path / "s.db")], cwd=tmp_path, environ={}, stdout=out)
    return code, out.getvalue(), capsys.readouterr().err


@pytest.mark.parametrize(("real", "tool"), [(VEGETA, "vegeta"), (HEY, "hey")])
def test_two_scenarios_need_names_and_are_stored_under_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], real: Path, tool: str
) -> None:
    a, b = two_scenarios(tmp_path, real)
    # unnamed, both are `vegeta` (`hey`): refused with the remedy, nothing stored
    code, out, err = cli(tmp_path, capsys, "ingest", str(a), str(b))
    assert code == 2 and out == ""
    (line,) = err.strip().splitlines()
    assert f"duplicate result {tool} [" in line and "--name" in line
    assert not (tmp_path / "s.db").exists()

    code, out, err = cli(
        tmp_path, capsys, "ingest", "--name", "GET /users", "--name", "POST /orders", str(a), str(b)
    )
    assert code == 0, err
    code, shown, err = cli(tmp_path, capsys, "show", out.strip(), "--format", "json")
    results = json.loads(shown)["run"]["results"]
    assert {r["benchmark"]["name"] for r in results} == {"GET /users", "POST /orders"}
    assert {r["benchmark"]["group"] for r in results} == {tool}
    with sqlite3.connect(tmp_path / "s.db") as db:
        assert db.execute("SELECT count(*) FROM runs").fetchone() == (1,)


def test_name_applies_to_an_input_with_one_benchmark(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"--name 'x': .*perf-crc-old.txt holds \d+ benchmarks"):
        parse_inputs([GO], names=["x"])
    with pytest.raises(UsageError, match=r"2 --name for 1 input"):
        parse_inputs([VEGETA], names=["a", "b"])
    with pytest.raises(UsageError, match=r"--name ' padded': benchmark name must be non-empty"):
        parse_inputs([VEGETA], names=[" padded"])
    parsed = parse_inputs([VEGETA, HEY], names=["GET /a"])  # the inputs after the names keep theirs
    assert {r.benchmark.name for r in parsed.results} == {"GET /a", "hey"}
