"""perfgate's own documents as an adapter: shards of one suite ingested into one run.

The documents are written by perfgate's own serialiser (what ``pytest --perfgate-json`` and
``perfgate export`` write), so they are the real format.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from perfgate.adapters.perfgate_json import ADAPTERS, PerfgateAdapter
from perfgate.adapters.registry import available, detect, parse_inputs
from perfgate.cli.main import main
from perfgate.errors import ParseError
from perfgate.model import (
    BenchmarkId,
    Direction,
    Environment,
    GitInfo,
    Result,
    Run,
    RunStatus,
    dumps_run,
    new_run_id,
    results_to_dict,
)
from perfgate.stats import summarize

T0 = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
ADAPTER = PerfgateAdapter()


def result(name: str, *samples: float) -> Result:
    values = samples or (1e-3, 1.1e-3, 0.9e-3)
    return Result(
        BenchmarkId(name), "time", "s", Direction.LOWER, summarize(values), samples=values, rounds=len(values)
    )


def shard(path: Path, *results: Result, status: RunStatus = RunStatus.COMPLETE, start: int = 0) -> Path:
    started = T0 + timedelta(minutes=start)
    doc = results_to_dict(results, started=started, finished=started + timedelta(seconds=5), status=status)
    path.write_text(json.dumps(doc, indent=2))
    return path


def run_document(path: Path, *results: Result) -> Path:
    run = Run(
        id=new_run_id(T0),
        project="p",
        started=T0 - timedelta(minutes=5),
        finished=None,
        source="perfgate",
        environment=Environment("box", "fp", os="Linux", cpu_model="Xeon", cores=4, extra={"rack": "r1"}),
        results=results,
        git=GitInfo("c" * 40, "feature"),
    )
    path.write_text(dumps_run(run))
    return path


def test_module_exports_the_adapter_and_the_registry_finds_it() -> None:
    assert [a.name for a in ADAPTERS] == ["perfgate"]
    assert isinstance(available()["perfgate"], PerfgateAdapter)


def test_both_kinds_are_detected_by_content(tmp_path: Path) -> None:
    a = shard(tmp_path / "a.txt", result("x"))
    b = run_document(tmp_path / "b.dat", result("x"))
    assert detect(a).name == "perfgate" and detect(b).name == "perfgate"
    assert not ADAPTER.sniff(tmp_path, '{"perfgate_schema": 1, "kind": "report"}')


def test_shards_merge_into_one_run(tmp_path: Path) -> None:
    a = shard(tmp_path / "a.json", result("bench/a.py::test_1"), result("bench/a.py::test_2"), start=1)
    b = shard(tmp_path / "b.json", result("bench/b.py::test_3"), status=RunStatus.PARTIAL, start=0)
    parsed = parse_inputs([a, b])
    assert parsed.source == "perfgate"
    assert [r.benchmark.name for r in parsed.results] == [
        "bench/a.py::test_1",
        "bench/a.py::test_2",
        "bench/b.py::test_3",
    ]
    assert parsed.status is RunStatus.PARTIAL  # a shard that stopped early makes the run partial
    assert parsed.started == T0  # the earliest shard's start


def test_a_run_document_contributes_its_commit_branch_and_machine(tmp_path: Path) -> None:
    a = run_document(tmp_path / "a.json", result("x"))
    b = shard(tmp_path / "b.json", result("y"))
    parsed = parse_inputs([a, b], "perfgate")
    assert parsed.commit == "c" * 40 and parsed.branch == "feature"
    assert parsed.environment == {"os": "Linux", "cpu_model": "Xeon", "cores": 4, "rack": "r1"}
    assert {r.benchmark.name for r in parsed.results} == {"x", "y"}


def test_conflicting_duplicates_are_refused_naming_both_files(tmp_path: Path) -> None:
    a = shard(tmp_path / "a.json", result("same", 1e-3, 1.1e-3))
    b = shard(tmp_path / "b.json", result("same", 2e-3, 2.1e-3))
    with pytest.raises(ParseError, match=r"b.json: duplicate result same \[time\], also in .*a.json"):
        parse_inputs([a, b])
    # the same result reached twice (a shard copied twice) is not a conflict
    assert len(parse_inputs([a, a]).results) == 1


def test_a_malformed_document_names_file_and_key(tmp_path: Path) -> None:
    p = shard(tmp_path / "a.json", result("x"))
    doc = json.loads(p.read_text())
    doc["results"][0]["metric"] = 5
    p.write_text(json.dumps(doc))
    with pytest.raises(ParseError, match=r"a.json: key results\[0\].metric: expected str"):
        ADAPTER.parse(p)


def _cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    out = io.StringIO()
    code = main([*argv, "--store", str(tmp_path / "s.db")], cwd=tmp_path, environ={}, stdout=out)
    return code, out.getvalue(), capsys.readouterr().err


@pytest.mark.parametrize("fmt", [[], ["--format", "perfgate"]])
def test_ingest_of_two_shards_stores_one_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: list[str]
) -> None:
    a = shard(tmp_path / "a.json", result("t1"))
    b = shard(tmp_path / "b.json", result("t2"))
    code, out, err = _cli(tmp_path, capsys, "ingest", str(a), str(b), *fmt)
    assert code == 0, err
    assert "(2 results from perfgate)" in err
    code, shown, err = _cli(tmp_path, capsys, "show", out.strip(), "--format", "json")
    assert code == 0, err
    assert {r["benchmark"]["name"] for r in json.loads(shown)["run"]["results"]} == {"t1", "t2"}


def test_one_results_document_with_format_perfgate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = shard(tmp_path / "a.json", result("t1"), status=RunStatus.PARTIAL)
    code, out, err = _cli(tmp_path, capsys, "ingest", "--format", "perfgate", str(a))
    assert code == 0, err
    code, shown, err = _cli(tmp_path, capsys, "show", out.strip(), "--format", "json")
    assert json.loads(shown)["run"]["status"] == "partial"


def test_list_formats_names_perfgate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _cli(tmp_path, capsys, "ingest", "--list-formats")
    assert code == 0
    (line,) = [x for x in out.splitlines() if x.split()[0] == "perfgate"]
    assert "pytest --perfgate-json" in line
