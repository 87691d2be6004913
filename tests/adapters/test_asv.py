"""asv adapter: a real format-2 result file with its benchmarks.json, a results directory written here by
asv 0.6.6, and a hand-written format-1 file."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from perfgate.adapters.asv import ADAPTERS, AsvAdapter
from perfgate.errors import ParseError
from perfgate.model import Direction, Result

DATA = Path(__file__).resolve().parent.parent / "data" / "asv"
PARCELS = DATA / "parcels-claymation-b6eecd3c-rattler-py3.12.json"
PARCELS_META = DATA / "parcels-benchmarks.json"
DEMO = DATA / "asv-0.6.6-demo" / "results"
DEMO_FILE = DEMO / "testbox" / "a1987aba-existing-py_tmp_asvenv_bin_python.json"
V1 = DATA / "v1-handwritten" / "results"
ADAPTER = AsvAdapter()


def head(path: Path) -> str:
    return path.read_bytes()[:65536].decode("utf-8", "replace") if path.is_file() else ""


def by_key(path: Path) -> dict[tuple[str, str], Result]:
    return {r.key: r for r in ADAPTER.parse(path).results}


@pytest.fixture
def parcels_results(tmp_path: Path) -> Path:
    """The parcels files laid out as asv does: results/benchmarks.json, results/<machine>/<file>."""
    (tmp_path / "results" / "claymation").mkdir(parents=True)
    shutil.copy(PARCELS_META, tmp_path / "results" / "benchmarks.json")
    target = tmp_path / "results" / "claymation" / PARCELS.name
    shutil.copy(PARCELS, target)
    return target


def test_module_exports_the_adapter() -> None:
    assert [a.name for a in ADAPTERS] == ["asv"]


def test_sniffs_result_files_and_directories(parcels_results: Path) -> None:
    assert ADAPTER.sniff(PARCELS, head(PARCELS))
    assert ADAPTER.sniff(DEMO_FILE, head(DEMO_FILE))
    assert ADAPTER.sniff(DEMO, "")
    assert ADAPTER.sniff(parcels_results.parent.parent, "")
    assert ADAPTER.sniff(V1 / "box" / "01234567-py3.6.json", head(V1 / "box" / "01234567-py3.6.json"))
    # benchmarks.json alone is metadata, not results
    assert not ADAPTER.sniff(PARCELS_META, head(PARCELS_META))
    assert not ADAPTER.sniff(DEMO / "testbox" / "machine.json", head(DEMO / "testbox" / "machine.json"))


def test_format_2_parametrized_with_benchmarks_json_in_parent(parcels_results: Path) -> None:
    parsed = ADAPTER.parse(parcels_results)
    res = {r.key: r for r in parsed.results}
    assert len(res) == 6
    t = res[("fesom2.FESOM2.time_load_data(10000, <function AdvectionEE>)", "time")]
    assert t.benchmark.params == (("npart", "10000"), ("integrator", "<function AdvectionEE>"))
    assert t.unit == "s" and t.direction is Direction.LOWER
    assert t.summary is not None
    assert t.summary.median == pytest.approx(0.10320508599988898)
    assert (t.summary.q1, t.summary.q3) == (pytest.approx(0.10014), pytest.approx(0.10985))
    assert (t.summary.ci_low, t.summary.ci_high, t.summary.ci_level) == (0.095765, 0.11085, 0.99)
    assert t.summary.n == 10 and t.rounds == 10 and t.iterations == 1
    mem = res[
        ("moi_curvilinear.MOICurvilinear.peakmem_pset_execute_3d('XLinear', 256, 10000)", "peak_memory")
    ]
    assert mem.unit == "B" and mem.summary is not None and mem.summary.median == 8863674368
    assert parsed.commit == "b6eecd3cc08ee43bfcd92d93be53db0089f77385"
    assert parsed.started == datetime.fromtimestamp(1765838782832 / 1000, UTC)
    assert parsed.environment["cpu_model"] == "12th Gen Intel(R) Core(TM) i5-1235U"
    assert parsed.environment["cores"] == 12
    assert parsed.environment["memory_bytes"] == 16332845056


def test_directory_input_samples_failures_and_units() -> None:
    res = by_key(DEMO)
    s = res[("bench_demo.TimeSuite.time_sum", "time")]
    assert len(s.samples) == 10 and s.iterations == 100
    assert s.samples[0] == pytest.approx(1.0425719999602734e-05)
    # asv's reported value is the median of its samples
    assert s.summary is not None and s.summary.median == pytest.approx(1.0992059999921366e-05)
    assert res[("bench_demo.TimeSuite.time_fails", "time")].error == "failed"
    sorted_ok = res[("bench_demo.TimeParam.time_sorted(10, 'list')", "time")]
    assert sorted_ok.benchmark.params == (("n", "10"), ("kind", "'list'"))
    assert sorted_ok.summary is not None
    assert res[("bench_demo.TimeParam.time_sorted(100, 'tuple')", "time")].error == "skipped"
    assert res[("bench_demo.mem_list", "memory")].unit == "B"
    assert res[("bench_demo.peakmem_list", "peak_memory")].unit == "B"
    track = res[("bench_demo.track_widgets", "value")]
    assert track.unit == "widgets" and track.summary is not None and track.summary.median == 42


def test_format_1(tmp_path: Path) -> None:
    parsed = ADAPTER.parse(V1 / "box" / "01234567-py3.6.json")
    res = {r.key: r for r in parsed.results}
    plain = res[("bench.time_plain", "time")]
    assert plain.summary is not None and plain.summary.median == 0.5
    p1 = res[("bench.time_param(1)", "time")]
    assert p1.samples == (0.001, 0.0011, 0.0009)
    assert p1.rounds == 3 and p1.iterations == 100
    assert res[("bench.time_param(2)", "time")].error == "failed"
    things = res[("bench.track_things", "value")]
    assert things.unit == "things"
    assert parsed.commit == "0123456789abcdef0123456789abcdef01234567"
    assert parsed.started == datetime.fromtimestamp(1500000001, UTC)


def test_result_file_without_benchmarks_json(tmp_path: Path) -> None:
    lone = tmp_path / "a" / "b" / "r.json"
    lone.parent.mkdir(parents=True)
    shutil.copy(PARCELS, lone)
    with pytest.raises(ParseError, match=r"r\.json: benchmarks\.json not found"):
        ADAPTER.parse(lone)


def test_directory_with_two_result_files(tmp_path: Path) -> None:
    shutil.copytree(DEMO, tmp_path / "results")
    shutil.copy(DEMO_FILE, tmp_path / "results" / "testbox" / "other.json")
    with pytest.raises(ParseError, match="expected exactly one asv result file"):
        ADAPTER.parse(tmp_path / "results")


def test_truncated(parcels_results: Path) -> None:
    parcels_results.write_text(PARCELS.read_text()[:700])
    with pytest.raises(ParseError, match=r"\.json:1: invalid JSON"):
        ADAPTER.parse(parcels_results)


def test_wrong_type_names_the_benchmark_line(tmp_path: Path) -> None:
    shutil.copytree(DEMO, tmp_path / "results")
    target = tmp_path / "results" / "testbox" / DEMO_FILE.name
    data = json.loads(target.read_text())
    data["results"]["bench_demo.track_widgets"][0] = ["many"]
    target.write_text(json.dumps(data, indent=1))
    lines = target.read_text().splitlines()
    expected = next(i for i, line in enumerate(lines, 1) if '"bench_demo.track_widgets"' in line)
    with pytest.raises(ParseError, match=rf":{expected}: benchmark 'bench_demo.track_widgets' result\[0\]"):
        ADAPTER.parse(target)


def test_benchmark_missing_from_benchmarks_json(tmp_path: Path) -> None:
    shutil.copytree(DEMO, tmp_path / "results")
    meta = json.loads((tmp_path / "results" / "benchmarks.json").read_text())
    del meta["bench_demo.mem_list"]
    (tmp_path / "results" / "benchmarks.json").write_text(json.dumps(meta))
    with pytest.raises(ParseError, match=r"benchmark 'bench_demo\.mem_list': not described in"):
        ADAPTER.parse(tmp_path / "results")
