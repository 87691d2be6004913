"""pyperf adapter, on real perf/pyperf result files (0.8.2 to 2.0.1, plain and gzip)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from perfgate.adapters.pyperf import ADAPTERS, PyperfAdapter
from perfgate.errors import ParseError
from perfgate.model import Direction

DATA = Path(__file__).resolve().parent.parent / "data" / "pyperf"
TELCO = DATA / "pyperf-tests-telco.json"
MULT = DATA / "pyperf-tests-mult_list_py37.json"
MEMORY = DATA / "pyperf-tests-track_memory.json"
GZ = DATA / "pyperf-doc-py3.json.gz"
ADAPTER = PyperfAdapter()


def head(path: Path) -> str:
    return path.read_bytes()[:65536].decode("utf-8", "replace")


def test_module_exports_the_adapter() -> None:
    assert [a.name for a in ADAPTERS] == ["pyperf"]


@pytest.mark.parametrize("path", [TELCO, MULT, MEMORY, GZ])
def test_sniffs_plain_and_gzip(path: Path) -> None:
    assert ADAPTER.sniff(path, head(path))


def test_does_not_sniff_pytest_benchmark(tmp_path: Path) -> None:
    p = tmp_path / "x.json"
    text = '{"machine_info": {}, "benchmarks": [{"stats": {}}]}'
    p.write_text(text)
    assert not ADAPTER.sniff(p, text)


def test_calibration_runs_are_skipped_and_values_are_samples() -> None:
    parsed = ADAPTER.parse(TELCO)
    (r,) = parsed.results
    assert r.benchmark.name == "telco"
    assert r.metric == "time" and r.unit == "s" and r.direction is Direction.LOWER
    # 41 runs: 1 calibration (warmups only) + 40 x 3 values
    assert len(r.samples) == 120
    assert r.samples[0] == pytest.approx(0.022752201875846367)
    assert (r.rounds, r.iterations, r.warmup) == (120, 8, 1)
    assert r.extra == {"description": "Telco decimal benchmark"}
    assert parsed.environment["cpu_model"] == "Intel(R) Core(TM) i7-3520M CPU @ 2.90GHz"
    assert parsed.environment["python"] == "3.5.1"


def test_benchmark_metadata_override_file_metadata() -> None:
    parsed = ADAPTER.parse(MULT)
    assert [r.benchmark.name for r in parsed.results] == ["[1]*1000", "[1,2]*1000", "[1,2,3]*1000"]
    first, second, _ = parsed.results
    # loops per benchmark (64, 32) times the file-level inner_loops 1024
    assert first.iterations == 64 * 1024
    assert second.iterations == 32 * 1024
    assert len(first.samples) == 60
    assert first.summary is not None
    assert first.summary.median == pytest.approx(2.0823e-06, rel=1e-3)


def test_track_memory_is_peak_memory_in_bytes() -> None:
    (r,) = ADAPTER.parse(MEMORY).results
    assert r.metric == "peak_memory" and r.unit == "B" and r.direction is Direction.LOWER
    assert r.samples == (7360512.0, 7364608.0, 7380992.0)


def test_gzip_file() -> None:
    (r,) = ADAPTER.parse(GZ).results
    assert r.benchmark.name == "timeit"
    assert len(r.samples) == 60


def test_benchmark_with_only_calibration_runs_is_failed(tmp_path: Path) -> None:
    data = json.loads(MEMORY.read_text())
    data["benchmarks"][0]["runs"] = data["benchmarks"][0]["runs"][:1]
    p = tmp_path / "calib.json.gz"
    p.write_bytes(gzip.compress(json.dumps(data).encode()))
    (r,) = ADAPTER.parse(p).results
    assert r.error is not None and "calibration" in r.error
    assert r.summary is None


def test_truncated_file(tmp_path: Path) -> None:
    p = tmp_path / "cut.json"
    p.write_text(TELCO.read_text()[:5000])
    with pytest.raises(ParseError, match=r"cut\.json:\d+: invalid JSON"):
        ADAPTER.parse(p)


def test_wrong_value_type_names_the_benchmark(tmp_path: Path) -> None:
    data = json.loads(MULT.read_text())
    data["benchmarks"][1]["runs"][3]["values"][0] = "fast"
    p = tmp_path / "bad.json"
    p.write_text(json.dumps(data, indent=4))
    with pytest.raises(ParseError, match=r"bad\.json:\d+: benchmark '\[1,2\]\*1000' runs\[3\] values\[0\]"):
        ADAPTER.parse(p)


def test_unknown_version_is_refused(tmp_path: Path) -> None:
    data = json.loads(TELCO.read_text())
    data["version"] = "9.0"
    p = tmp_path / "new.json"
    p.write_text(json.dumps(data))
    with pytest.raises(ParseError, match=r"unsupported pyperf format version '9\.0'"):
        ADAPTER.parse(p)
