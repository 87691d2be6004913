from __future__ import annotations

import json
from pathlib import Path

import pytest

from perfgate.adapters.k6 import K6SummaryAdapter
from perfgate.adapters.registry import detect, read_head
from perfgate.errors import ParseError
from perfgate.model import Direction

DATA = Path(__file__).parent.parent / "data" / "k6"
K6 = K6SummaryAdapter()
REAL = DATA / "grafana-k6-example-circleci-orb-summary.json"


def _m(parsed, metric):
    (r,) = [r for r in parsed.results if r.metric == metric]
    return r


def test_handle_summary_object() -> None:
    assert K6.sniff(REAL, read_head(REAL))
    p = K6.parse(REAL)
    assert p.source == "k6"
    assert {r.benchmark.name for r in p.results} == {"k6"}
    p95 = _m(p, "latency_p95")
    assert p95.unit == "s" and p95.direction is Direction.LOWER
    assert p95.summary is not None and p95.summary.median == pytest.approx(0.26064205)
    assert p95.extra["thresholds"] == ["p(95)<500"] and p95.extra["thresholds_failed"] == []
    assert _m(p, "latency_p50").summary.median == pytest.approx(0.2550285)  # type: ignore[union-attr]
    rps = _m(p, "rps")
    assert rps.unit == "req/s" and rps.direction is Direction.HIGHER
    assert rps.summary is not None and rps.summary.median == pytest.approx(2.4169333249062928)
    assert _m(p, "error_rate").summary.median == 0.0  # type: ignore[union-attr]
    assert _m(p, "data_received_rate").unit == "B/s"
    assert _m(p, "iteration_duration_p90").summary.median == pytest.approx(4.7466730135)  # type: ignore[union-attr]
    assert _m(p, "latency_p95{expected_response:true}").unit == "s"
    assert p.environment["k6_test_run_duration_s"] == pytest.approx(8.274949)


def test_legacy_summary_export_threshold_booleans_mean_failed() -> None:
    f = DATA / "legacy-summary-export.json"
    assert K6.sniff(f, read_head(f))
    p = K6.parse(f)
    p95 = _m(p, "latency_p95")
    assert p95.summary is not None and p95.summary.median == pytest.approx(0.170)
    assert p95.extra["thresholds_failed"] == ["p(95)<150"]  # true = crossed; "avg<500": false passed
    err = _m(p, "error_rate")
    assert err.summary is not None and err.summary.median == pytest.approx(0.1)
    assert err.extra["thresholds_failed"] == ["rate<0.01"]
    assert _m(p, "checks").direction is Direction.HIGHER
    assert _m(p, "data_received_rate").unit == "B/s"
    assert "gauges" in p.results[0].extra


def test_sniff_is_specific() -> None:
    assert not K6.sniff(DATA, '{"benchmarks": [], "machine_info": {}}')
    assert not K6.sniff(DATA, "goos: linux\n")


def test_malformed(tmp_path: Path) -> None:
    f = tmp_path / "bad.json"
    f.write_text('{"metrics": {\n "http_reqs": {"type": "counter", "values": {"count": "x", "rate": 1}}}}')
    with pytest.raises(ParseError, match=r"bad.json:2: metric 'http_reqs': count is not a finite number"):
        K6.parse(f)
    f.write_text('{"metrics": {\n "http_reqs": {"type": "counter", "values": {"count": 1, ')
    with pytest.raises(ParseError, match=r"bad.json:2: invalid JSON"):
        K6.parse(f)
    f.write_text('{"metrics": []}')
    with pytest.raises(ParseError, match=r"bad.json:1: not a k6 summary"):
        K6.parse(f)


V1 = DATA / "machine-readable-summary-v1.json"


def test_machine_readable_summary_v1() -> None:
    assert K6.sniff(V1, read_head(V1))
    assert detect(V1).name == "k6"  # and no other adapter claims it
    p = K6.parse(V1)
    assert {r.benchmark.name for r in p.results} == {"k6"}
    p95 = _m(p, "latency_p95")
    assert p95.unit == "s" and p95.direction is Direction.LOWER
    assert p95.summary is not None and p95.summary.median == pytest.approx(0.2339)
    assert _m(p, "latency_p50").summary.median == pytest.approx(0.09831)  # type: ignore[union-attr]
    assert _m(p, "latency_p90").summary.median == pytest.approx(0.1806)  # type: ignore[union-attr]
    assert _m(p, "latency_max").summary.median == pytest.approx(0.9012)  # type: ignore[union-attr]
    assert _m(p, "latency_mean").summary.median == pytest.approx(0.11247)  # type: ignore[union-attr]
    assert _m(p, "latency_p95{expected_response:true}").summary.median == pytest.approx(0.2217)  # type: ignore[union-attr]
    # counters carry only a count: the rate is count / config.duration
    rps = _m(p, "rps")
    assert rps.unit == "req/s" and rps.direction is Direction.HIGHER
    assert rps.summary is not None and rps.summary.median == pytest.approx(600 / 30.004512)
    assert _m(p, "data_received_rate").summary.median == pytest.approx(3456000 / 30.004512)  # type: ignore[union-attr]
    err = _m(p, "error_rate")
    assert err.summary is not None and err.summary.median == pytest.approx(0.01)
    checks = _m(p, "checks")
    assert checks.direction is Direction.HIGHER and checks.summary.median == pytest.approx(0.985)  # type: ignore[union-attr]
    assert checks.extra["checks"][1] == {"name": "body has token", "passes": 588, "fails": 12}
    assert not [r for r in p.results if r.metric.startswith("checks_")]
    assert _m(p, "login_time_p95").summary.median == pytest.approx(0.0886)  # type: ignore[union-attr]
    assert p.results[0].extra["gauges"]["vus"] == {"max": 20.0, "min": 1.0, "value": 1.0}
    assert p.environment["k6_version"] == "1.5.0"
    assert p.environment["k6_test_run_duration_s"] == pytest.approx(30.004512)


def test_machine_readable_summary_v1_passed_flag_and_errors(tmp_path: Path) -> None:
    doc = json.loads(V1.read_text())
    doc["results"]["passed"] = False  # the schema's optional verdict (v1.0.0 has no thresholds)
    f = tmp_path / "mr.json"
    f.write_text(json.dumps(doc, indent=1))
    assert all(r.extra["passed"] is False for r in K6.parse(f).results)
    doc["version"] = "2.0.0"
    f.write_text(json.dumps(doc, indent=1))
    with pytest.raises(
        ParseError, match=r"mr.json:\d+: unsupported k6 machine-readable summary version '2.0.0'"
    ):
        K6.parse(f)
    doc["version"] = "1.0.0"
    doc["results"]["metrics"][3]["values"]["rate"] = "x"
    f.write_text(json.dumps(doc, indent=1))
    line = f.read_text().splitlines().index('    "name": "http_req_failed",') + 1
    with pytest.raises(ParseError, match=rf"mr.json:{line}: metric 'http_req_failed': rate is not a finite"):
        K6.parse(f)
    doc["results"]["metrics"][3]["values"]["rate"] = 0.0
    doc["results"]["metrics"].append(doc["results"]["metrics"][0])
    f.write_text(json.dumps(doc, indent=1))
    with pytest.raises(ParseError, match=r"metric 'http_reqs' appears twice"):
        K6.parse(f)
    del doc["results"]["metrics"][-1]
    doc["config"]["duration"] = 0
    f.write_text(json.dumps(doc, indent=1))
    with pytest.raises(ParseError, match=r"counter 'http_reqs': config.duration is 0"):
        K6.parse(f)
    doc["config"] = []
    f.write_text(json.dumps(doc, indent=1))
    with pytest.raises(ParseError, match=r"mr.json:2: 'config' must be an object"):
        K6.parse(f)
