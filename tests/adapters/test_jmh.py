"""JMH JSON adapter, on real result files of JMH 1.25 (all four modes) and 1.37."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from perfgate.adapters.jmh import ADAPTERS, JmhAdapter
from perfgate.errors import ParseError
from perfgate.model import Direction, Result

DATA = Path(__file__).resolve().parent.parent / "data" / "jmh"
HOLLOW = DATA / "hollow-jmh-result.json"
JCASBIN = DATA / "jcasbin-jmh-result.json"
ADAPTER = JmhAdapter()
METHOD = (
    "com.netflix.hollow.core.read.engine.object.HollowObjectTypeReadStateReshardingBenchmark.testReadString"
)
PARAMS = "(countStrings=500,countStringsDb=100000,deltaChanges=2000,maxStringLength=5,shardSizeMBs=1)"


def head(path: Path) -> str:
    return path.read_bytes()[:65536].decode("utf-8", "replace")


def test_module_exports_the_adapter() -> None:
    assert [a.name for a in ADAPTERS] == ["jmh"]


@pytest.mark.parametrize("path", [HOLLOW, JCASBIN])
def test_sniffs(path: Path) -> None:
    assert ADAPTER.sniff(path, head(path))


def test_does_not_sniff_other_arrays() -> None:
    assert not ADAPTER.sniff(Path("x"), '[{"name": "a", "value": 1}]')
    assert not ADAPTER.sniff(Path("x"), '{"jmhVersion": "1"}')


def by_key(path: Path) -> dict[tuple[str, str], Result]:
    return {r.key: r for r in ADAPTER.parse(path).results}


def test_every_mode_with_direction_and_units() -> None:
    parsed = ADAPTER.parse(HOLLOW)
    results = {r.key: r for r in parsed.results}
    # 20 records (5 params x 4 modes) + 8 percentile secondaries for each of the 5 sample records
    assert len(results) == 20 + 5 * 8
    thrpt = results[(f"{METHOD}{PARAMS}[thrpt]", "throughput")]
    assert thrpt.unit == "ops/s" and thrpt.direction is Direction.HIGHER
    # rawData [[47.896..., 45.454..., 47.356...]] in ops/ms
    assert thrpt.samples == pytest.approx((47896.32694414653, 45454.670110836894, 47356.51372578907))
    assert thrpt.benchmark.group == METHOD.rpartition(".")[0]
    assert ("maxStringLength", "5") in thrpt.benchmark.params
    assert ("mode", "thrpt") in thrpt.benchmark.params
    avgt = results[(f"{METHOD}{PARAMS}[avgt]", "time")]
    assert avgt.unit == "s" and avgt.direction is Direction.LOWER
    assert avgt.samples[0] == pytest.approx(0.020292565166474853e-3)
    assert avgt.warmup == 3
    ss = results[(f"{METHOD}{PARAMS}[ss]", "time")]
    assert ss.samples == pytest.approx((0.220667e-3, 0.132166e-3, 0.226375e-3))
    assert parsed.environment["jdkVersion"] == "1.8.0_322"


def test_sample_mode_histogram_and_percentiles() -> None:
    results = by_key(HOLLOW)
    name = f"{METHOD}{PARAMS}[sample]"
    sample = results[(name, "time")]
    assert len(sample.samples) == 3  # one mean per iteration of the histogram
    assert sample.extra["operations"] > 1000
    assert sample.summary.median == pytest.approx(1.98e-05, rel=0.05)
    p50 = results[(name, "latency_p50")]
    assert p50.unit == "s" and p50.direction is Direction.LOWER
    # rawData [[0.019488, 0.019328, 0.019264]] ms/op; the "NaN" scoreError is ignored
    assert p50.samples == pytest.approx((0.019488e-3, 0.019328e-3, 0.019264e-3))
    assert (name, "latency_max") in results and (name, "latency_p99.9") in results


def test_jcasbin_units_and_count() -> None:
    parsed = ADAPTER.parse(JCASBIN)
    assert len(parsed.results) == 86
    modes = [dict(r.benchmark.params)["mode"] for r in parsed.results]
    assert (modes.count("thrpt"), modes.count("avgt"), modes.count("ss")) == (34, 31, 21)
    first = parsed.results[0]
    assert first.benchmark.name == (
        "org.casbin.jcasbin.main.benchmark.BenchmarkEnforce.enforce"
        "(dataScale=small,modelType=basic,useCache=false)[thrpt]"
    )
    assert first.summary is not None
    assert first.summary.median == pytest.approx(1313017.7563884006)
    avgt = next(r for r in parsed.results if r.benchmark.name.endswith("benchmarkCachedABACModel[avgt]"))
    assert avgt.samples[0] == pytest.approx(630.9028355912106e-9)


def test_gc_secondary_metrics(tmp_path: Path) -> None:
    records = json.loads(JCASBIN.read_text())[:1]
    records[0]["secondaryMetrics"] = {
        "·gc.alloc.rate.norm": {
            "score": 120.0,
            "scoreError": "NaN",
            "scoreUnit": "B/op",
            "rawData": [[120.0]],
        },
        "·gc.alloc.rate": {"score": 512.0, "scoreError": "NaN", "scoreUnit": "MB/sec", "rawData": [[512.0]]},
        "·gc.count": {"score": "NaN", "scoreError": "NaN", "scoreUnit": "counts", "rawData": [["NaN"]]},
    }
    p = tmp_path / "gc.json"
    p.write_text(json.dumps(records, indent=4))
    results = {r.metric: r for r in ADAPTER.parse(p).results}
    assert results["allocated_bytes"].unit == "B"
    assert results["allocated_bytes"].samples == (120.0,)
    assert results["gc_alloc_rate"].unit == "B/s"
    assert results["gc_alloc_rate"].direction is Direction.LOWER
    assert results["gc_alloc_rate"].samples == (512e6,)
    assert "gc_count" not in results  # nothing but NaN: no result


def test_truncated(tmp_path: Path) -> None:
    p = tmp_path / "cut.json"
    p.write_text(JCASBIN.read_text()[:3000])
    with pytest.raises(ParseError, match=r"cut\.json:\d+: invalid JSON"):
        ADAPTER.parse(p)


def test_wrong_type_names_the_record_line(tmp_path: Path) -> None:
    records = json.loads(JCASBIN.read_text())
    records[2]["primaryMetric"]["rawData"] = [["fast"]]
    p = tmp_path / "bad.json"
    p.write_text(json.dumps(records, indent=4))
    text = p.read_text().splitlines()
    expected = [i for i, line in enumerate(text, 1) if '"benchmark"' in line][2]
    with pytest.raises(ParseError, match=rf"bad\.json:{expected}: benchmark .*rawData\[0\]\[0\]"):
        ADAPTER.parse(p)


def test_unknown_mode(tmp_path: Path) -> None:
    records = json.loads(JCASBIN.read_text())[:1]
    records[0]["mode"] = "fast"
    p = tmp_path / "mode.json"
    p.write_text(json.dumps(records))
    with pytest.raises(ParseError, match="unknown mode 'fast'"):
        ADAPTER.parse(p)
