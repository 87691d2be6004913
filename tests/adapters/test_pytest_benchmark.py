"""pytest-benchmark JSON adapter, on real files of versions 2.5.0, 4.0.0 and 5.2.3."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from perfgate.adapters.pytest_benchmark import ADAPTERS, PytestBenchmarkAdapter
from perfgate.errors import ParseError
from perfgate.model import Direction

DATA = Path(__file__).resolve().parent.parent / "data" / "pytest-benchmark"
PYSDC = DATA / "pysdc-benchmarks.json"
LEGACY = DATA / "pytest-benchmark-tests-0030_5b78858e_20150815_030419_uncommitted-changes.json"
TRAJAX = DATA / "trajax-0001_75a9f875_20251219_113354_uncommited-changes.json"
ADAPTER = PytestBenchmarkAdapter()


def head(path: Path) -> str:
    return path.read_bytes()[:65536].decode("utf-8", "replace")


def test_module_exports_the_adapter() -> None:
    assert [a.name for a in ADAPTERS] == ["pytest-benchmark"]


@pytest.mark.parametrize("path", [PYSDC, LEGACY, TRAJAX])
def test_sniffs_every_version(path: Path) -> None:
    assert ADAPTER.sniff(path, head(path))


def test_does_not_sniff_other_json(tmp_path: Path) -> None:
    other = tmp_path / "x.json"
    assert not ADAPTER.sniff(other, '{"benchmarks": [], "context": {}}')
    assert not ADAPTER.sniff(other, "garbage")
    assert not ADAPTER.sniff(other, "")


def test_raw_data_become_samples() -> None:
    parsed = ADAPTER.parse(PYSDC)
    assert parsed.source == "pytest-benchmark"
    assert len(parsed.results) == 2
    r = parsed.results[0]
    assert r.benchmark.name == "pySDC/tests/test_benchmarks/test_PFASST_NumPy.py::test_B"
    assert r.metric == "time" and r.unit == "s" and r.direction is Direction.LOWER
    assert len(r.samples) == 5
    assert r.summary is not None
    assert r.summary.n == 5
    assert r.summary.median == pytest.approx(3.583564430999104)
    assert r.summary.min == pytest.approx(3.5722417069482617)
    assert (r.rounds, r.iterations) == (5, 1)
    # commit_info carries an error and id "unknown": no commit, no "(unknown)" branch
    assert parsed.commit is None and parsed.branch is None
    assert parsed.environment["cores"] == 96
    assert parsed.environment["cpu_model"] == "Intel(R) Xeon(R) Platinum 8168 CPU @ 2.70GHz"
    assert parsed.started == datetime(2024, 2, 5, 11, 45, 45, 203893, tzinfo=UTC)


def test_legacy_2_5_without_data_uses_reported_figures() -> None:
    parsed = ADAPTER.parse(LEGACY)
    (r,) = parsed.results
    assert r.benchmark.name == "tests/test_normal.py::test_xfast_parametrized[0]"
    assert r.samples == ()
    assert r.summary is not None
    assert r.summary.n == 9710
    assert r.summary.mean == pytest.approx(2.61205074138546e-07)
    assert r.summary.max == pytest.approx(1.329003796500009e-05)
    assert r.summary.q3 == pytest.approx(2.3675905302892982e-07)
    assert (r.rounds, r.iterations) == (9710, 431)
    assert parsed.commit == "5b78858eb718649a31fb93d8dc96ca2cee41a4cd"
    assert parsed.environment["python"] == "2.7.3"


def test_5_x_autosave_group_params_and_commit() -> None:
    parsed = ADAPTER.parse(TRAJAX)
    names = [r.benchmark.name for r in parsed.results]
    assert names == [
        "tests/benchmarks/bench_mpcc.py::bench_mpcc_single_step[NumPy-runner0-configuration0]",
        "tests/benchmarks/bench_mpcc.py::bench_mpcc_single_step[JAX-runner1-configuration1]",
    ]
    r = parsed.results[0]
    assert r.benchmark.group == "mpcc-single-step"
    assert [k for k, _ in r.benchmark.params] == ["id", "runner", "configuration"]
    assert r.benchmark.params[0] == ("id", "NumPy")
    assert r.summary is not None and r.summary.n == 63
    assert parsed.results[1].summary is not None and parsed.results[1].summary.n == 80
    assert parsed.commit == "75a9f875753aad19aa4706e4f6776263db02c50a"
    assert parsed.branch == "main"
    assert parsed.started == datetime(2025, 12, 19, 11, 34, 6, 634787, tzinfo=UTC)
    assert parsed.environment["os"] == "Windows"


def test_extra_info_is_kept(tmp_path: Path) -> None:
    data = json.loads(PYSDC.read_text())
    data["benchmarks"][0]["extra_info"] = {"size": 100}
    p = tmp_path / "b.json"
    p.write_text(json.dumps(data))
    assert ADAPTER.parse(p).results[0].extra == {"size": 100}


def test_truncated_file_names_the_line(tmp_path: Path) -> None:
    text = PYSDC.read_text()
    p = tmp_path / "cut.json"
    p.write_text(text[: len(text) // 2])
    with pytest.raises(ParseError, match=r"cut\.json:\d+: invalid JSON"):
        ADAPTER.parse(p)


def test_wrong_type_names_the_benchmark_line(tmp_path: Path) -> None:
    text = LEGACY.read_text().replace('"rounds": 9710', '"rounds": "many"')
    p = tmp_path / "bad.json"
    p.write_text(text)
    with pytest.raises(ParseError, match=r"bad\.json:4: benchmark .*'rounds'.*integer"):
        ADAPTER.parse(p)


def test_missing_stats(tmp_path: Path) -> None:
    p = tmp_path / "nostats.json"
    doc = {"machine_info": {}, "benchmarks": [{"name": "t", "fullname": "a::t"}]}
    p.write_text(json.dumps(doc, indent=1))
    with pytest.raises(ParseError, match=r"nostats\.json:\d+: benchmark 'a::t': missing key 'stats'"):
        ADAPTER.parse(p)
