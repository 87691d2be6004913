"""pytest-json-report adapter, on a report produced here by pytest-json-report 1.5.0."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from perfgate.adapters.pytest_json_report import ADAPTERS, PytestJsonReportAdapter
from perfgate.errors import ParseError
from perfgate.model import Direction, Result, RunStatus

DATA = Path(__file__).resolve().parent.parent / "data" / "pytest-json-report"
REPORT = DATA / "pytest-json-report-1.5.0.json"
ADAPTER = PytestJsonReportAdapter()


def by_name() -> dict[str, Result]:
    return {r.benchmark.name: r for r in ADAPTER.parse(REPORT).results}


def test_module_exports_the_adapter() -> None:
    assert [a.name for a in ADAPTERS] == ["pytest-json-report"]


def test_sniffs() -> None:
    assert ADAPTER.sniff(REPORT, REPORT.read_text()[:65536])
    assert not ADAPTER.sniff(Path("x"), '{"machine_info": {}, "benchmarks": []}')


def test_call_durations() -> None:
    res = by_name()
    sleepy = res["test_sample.py::test_sleepy"]
    assert sleepy.metric == "time" and sleepy.unit == "s" and sleepy.direction is Direction.LOWER
    assert sleepy.summary is not None
    assert sleepy.summary.n == 1
    assert sleepy.summary.mean == pytest.approx(0.0547862040000382)
    assert sleepy.extra["setup_duration"] == pytest.approx(0.0001797479999368079)
    assert "test_sample.py::test_param[2]" in res


def test_failures_skips_and_xfails() -> None:
    res = by_name()
    assert res["test_sample.py::test_fails"].error == "failed in call: assert [1, 2, 3] == [1, 2, 4]"
    assert (
        res["test_sample.py::test_setup_error"].error
        == "error in setup: RuntimeError: fixture could not connect"
    )
    assert "test_sample.py::test_skipped" not in res
    xfail = res["test_sample.py::test_xfail"]
    assert xfail.ok and xfail.extra["outcome"] == "xfailed"
    assert len(res) == 8


def test_created_is_started() -> None:
    assert ADAPTER.parse(REPORT).started == datetime.fromtimestamp(1795336514.6561568, UTC)


def test_truncated(tmp_path: Path) -> None:
    p = tmp_path / "cut.json"
    p.write_text(REPORT.read_text()[:900])
    with pytest.raises(ParseError, match=r"cut\.json:1: invalid JSON"):
        ADAPTER.parse(p)


def test_wrong_type_names_the_test_line(tmp_path: Path) -> None:
    data = json.loads(REPORT.read_text())
    data["tests"][1]["call"]["duration"] = "long"
    p = tmp_path / "bad.json"
    p.write_text(json.dumps(data, indent=2))
    lines = p.read_text().splitlines()
    expected = next(i for i, line in enumerate(lines, 1) if "test_sample.py::test_sleepy" in line)
    with pytest.raises(ParseError, match=rf"bad\.json:{expected}: test .*test_sleepy.* call 'duration'"):
        ADAPTER.parse(p)


def test_a_module_that_failed_to_import_is_a_failed_result_and_a_failed_run(tmp_path: Path) -> None:
    """What pytest-json-report writes when one module stops importing: a failed collector, exit code 2."""

    data = json.loads((DATA / "pytest-json-report-1.5.0.json").read_text())
    data["exitcode"] = 2
    data["collectors"].append(
        {
            "nodeid": "test_broken.py",
            "outcome": "failed",
            "result": [],
            "longrepr": "ImportError while importing test module 'test_broken.py'.\nE   ModuleNotFoundError: No module named 'gone'",
        }
    )
    path = tmp_path / "report.json"
    path.write_text(json.dumps(data))
    p = PytestJsonReportAdapter().parse(path)
    assert p.status is RunStatus.FAILED
    broken = [r for r in p.results if r.benchmark.name == "test_broken.py"]
    assert [r.error for r in broken] == ["collection failed: E   ModuleNotFoundError: No module named 'gone'"]
    assert (
        PytestJsonReportAdapter().parse(DATA / "pytest-json-report-1.5.0.json").status is RunStatus.COMPLETE
    )
