"""Google Benchmark JSON adapter: a real 2022 file and files produced here by Google Benchmark 1.7.1."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from perfgate.adapters.google_benchmark import ADAPTERS, GoogleBenchmarkAdapter
from perfgate.errors import ParseError
from perfgate.model import Direction, Result

DATA = Path(__file__).resolve().parent.parent / "data" / "google-benchmark"
KALMAN = DATA / "kalman-benchmark-results.json"
REPS = DATA / "gbench-1.7.1-repetitions.json"
AGGS = DATA / "gbench-1.7.1-aggregates-only.json"
COMPLEXITY = DATA / "gbench-1.7.1-complexity.json"
ADAPTER = GoogleBenchmarkAdapter()


def head(path: Path) -> str:
    return path.read_bytes()[:65536].decode("utf-8", "replace")


def results(path: Path) -> dict[tuple[str, str], Result]:
    return {r.key: r for r in ADAPTER.parse(path).results}


def test_module_exports_the_adapter() -> None:
    assert [a.name for a in ADAPTERS] == ["google-benchmark"]


@pytest.mark.parametrize("path", [KALMAN, REPS, AGGS, COMPLEXITY])
def test_sniffs(path: Path) -> None:
    assert ADAPTER.sniff(path, head(path))


def test_does_not_sniff_pytest_benchmark() -> None:
    assert not ADAPTER.sniff(Path("x"), '{"machine_info": {}, "benchmarks": [], "commit_info": {}}')


def test_repetitions_are_samples_and_aggregates_not_double_counted() -> None:
    parsed = ADAPTER.parse(KALMAN)
    # 5 benchmarks x (time, cpu_time); the 40 aggregate rows add no results
    assert len(parsed.results) == 10
    res = {r.key: r for r in parsed.results}
    t = res[("baseline/repeats:100/manual_time", "time")]
    assert t.unit == "s" and t.direction is Direction.LOWER
    assert len(t.samples) == 100
    assert t.samples[0] == pytest.approx(28.34406358502092e-9)
    assert t.iterations == 24664371
    assert t.benchmark.params == (("repeats", "100"),)
    # BigO and RMS rows are kept in extra
    assert t.extra["big_o"] == "(1)"
    assert t.extra["rms"] == pytest.approx(0.0030934588978748035)
    cpu = res[("baseline/repeats:100/manual_time", "cpu_time")]
    assert cpu.samples[0] == pytest.approx(64.61750028005984e-9)
    # the mean aggregate of the file equals the mean of the repetitions
    assert t.summary is not None
    assert t.summary.mean == pytest.approx(28.270875989887372e-9)
    assert parsed.environment["cores"] == 8
    assert parsed.environment["mhz_per_cpu"] == 4008
    assert parsed.environment["host_name"] == "FRANCOIS-DESK"
    assert parsed.started == datetime(2022, 9, 10, 19, 22, 43, tzinfo=timezone(timedelta(hours=-7)))


def test_counters_and_errors() -> None:
    res = results(REPS)
    t = res[("BM_Accumulate/64", "time")]
    assert len(t.samples) == 5 and t.iterations == 389818
    assert t.samples[0] == pytest.approx(65.767509453204809e-9)
    tp = res[("BM_Accumulate/64", "throughput")]
    assert tp.unit == "B/s" and tp.direction is Direction.HIGHER
    assert tp.samples[0] == pytest.approx(7.2850549999583874e09)
    items = res[("BM_Accumulate/64", "item_throughput")]
    assert items.unit == "items/s" and items.direction is Direction.HIGHER
    assert res[("BM_Accumulate/4096", "elements")].samples == (4096.0,) * 5
    failed = res[("BM_Fails", "time")]
    assert failed.error == "resource not available" and failed.summary is None
    assert not any(name == "BM_Fails" and metric != "time" for name, metric in res)


def test_aggregates_only_builds_summary_from_aggregates() -> None:
    res = results(AGGS)
    t = res[("BM_StringCopy", "time")]
    assert t.samples == ()
    assert t.summary is not None
    assert t.summary.n == 5
    assert t.summary.mean == pytest.approx(16.593427648952165e-9)
    assert t.summary.median == pytest.approx(15.751879415578788e-9)
    assert t.summary.stddev == pytest.approx(2.5274217737719655e-9)
    assert res[("BM_Fails", "time")].error == "resource not available"


def test_started_from_context_date() -> None:
    assert ADAPTER.parse(REPS).started == datetime(2026, 11, 22, 8, 27, 33, tzinfo=UTC)


def test_truncated(tmp_path: Path) -> None:
    p = tmp_path / "cut.json"
    p.write_text(REPS.read_text()[:2500])
    with pytest.raises(ParseError, match=r"cut\.json:\d+: invalid JSON"):
        ADAPTER.parse(p)


def test_wrong_type_names_the_row_line(tmp_path: Path) -> None:
    data = json.loads(REPS.read_text())
    data["benchmarks"][3]["real_time"] = "slow"
    p = tmp_path / "bad.json"
    p.write_text(json.dumps(data, indent=2))
    lines = p.read_text().splitlines()
    expected = [i for i, line in enumerate(lines, 1) if line.strip().startswith('"name"')][3]
    with pytest.raises(ParseError, match=rf"bad\.json:{expected}: benchmark 'BM_Accumulate/64'.*real_time"):
        ADAPTER.parse(p)


def test_missing_benchmarks_key(tmp_path: Path) -> None:
    p = tmp_path / "nob.json"
    p.write_text('{"context": {"num_cpus": 1}}')
    with pytest.raises(ParseError, match=r"nob\.json: top level: missing key 'benchmarks'"):
        ADAPTER.parse(p)


def test_complexity_rows_of_a_family_go_to_its_instances() -> None:
    """``->Complexity()``: BM_Sort_BigO/BM_Sort_RMS (run name BM_Sort) follow BM_Sort/64..4096."""
    got = results(COMPLEXITY)
    sizes = {"BM_Sort": (64, 256, 1024, 4096), "BM_StringCompare": (8, 64, 512, 4096, 8192)}
    names = {f"{family}/{n}" for family, ns in sizes.items() for n in ns}
    assert {name for name, _ in got} == names  # the complexity rows are no benchmark of their own
    assert {metric for _, metric in got} == {"time", "cpu_time"}
    for name in names:
        time = got[(name, "time")]
        assert len(time.samples) == 3 and time.rounds == 3  # the repetitions are measured
        assert time.benchmark.params == (("arg0", name.split("/")[1]),)
    sort = got[("BM_Sort/64", "time")].extra
    assert sort["big_o"] == "NlgN" and sort["rms"] == pytest.approx(5.0403306440312691e-02)
    assert sort["cpu_coefficient"] == pytest.approx(1.1877323358631380)
    assert got[("BM_StringCompare/8", "time")].extra["big_o"] != "NlgN"  # each family its own fit
    assert "big_o" not in got[("BM_Sort/64", "cpu_time")].extra
