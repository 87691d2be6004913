from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from perfgate.adapters.locust import LocustCsvAdapter, LocustJsonAdapter
from perfgate.adapters.registry import parse_inputs, read_head
from perfgate.errors import ParseError
from perfgate.model import Direction

DATA = Path(__file__).parent.parent / "data" / "locust"
CSV = LocustCsvAdapter()
JSON = LocustJsonAdapter()


def _get(parsed, name, metric):
    (r,) = [r for r in parsed.results if r.benchmark.name == name and r.metric == metric]
    return r


def test_stats_csv_custom_percentiles() -> None:
    f = DATA / "load-tests-hub-locust_stats.csv"
    assert CSV.sniff(f, read_head(f)) and not JSON.sniff(f, read_head(f))
    p = CSV.parse(f)
    names = {r.benchmark.name for r in p.results}
    assert "Aggregated" in names and "grpc /company.v1.UserService/GetUsers" in names
    assert len(names) == 5
    p60 = _get(p, "grpc /company.v1.UserService/GetUsers", "latency_p60")
    assert p60.unit == "s" and p60.summary is not None and p60.summary.median == pytest.approx(0.069)
    agg = _get(p, "Aggregated", "rps")
    assert agg.direction is Direction.HIGHER and agg.summary is not None
    assert agg.summary.median == pytest.approx(224.3476556969275) and agg.summary.n == 39333
    assert not any(r.metric == "latency_p100" for r in p.results)
    assert _get(p, "Aggregated", "latency_max").summary.median == pytest.approx(0.9406747720004205)  # type: ignore[union-attr]


def test_stats_csv_from_a_real_run() -> None:
    p = CSV.parse(DATA / "locust-2.47.0-fasthttpuser_stats.csv")
    assert _get(p, "GET /", "latency_p99.9").summary.median == pytest.approx(0.037)  # type: ignore[union-attr]
    assert _get(p, "GET /", "error_rate").summary.median == 0.0  # type: ignore[union-attr]


def test_history_is_not_claimed_and_explains_itself() -> None:
    f = DATA / "load-tests-hub-locust_stats_history.csv"
    assert not CSV.sniff(f, read_head(f))
    with pytest.raises(ParseError, match=r"history.csv:1: a Locust _stats_history.csv"):
        CSV.parse(f)


def test_json_file_histogram_percentiles_and_rps_samples() -> None:
    f = DATA / "locust-2.47.0-fasthttpuser.json"
    assert JSON.sniff(f, read_head(f)) and not CSV.sniff(f, read_head(f))
    p = JSON.parse(f)
    # the histogram gives the same percentiles as the CSV of the same run
    assert _get(p, "GET /", "latency_p50").summary.median == pytest.approx(0.004)  # type: ignore[union-attr]
    assert _get(p, "GET /", "latency_p99").summary.median == pytest.approx(0.019)  # type: ignore[union-attr]
    rps = _get(p, "GET /", "rps")
    assert len(rps.samples) == 9 and rps.samples[0] == 5443.0  # 11 seconds minus the partial ends
    assert p.started == datetime.fromtimestamp(1795333321.512299, UTC)


def test_csv_and_json_of_one_run_collide_by_name() -> None:
    with pytest.raises(ParseError, match=r"duplicate result GET / \[latency_mean\], also in .*_stats.csv"):
        parse_inputs(
            [DATA / "locust-2.47.0-fasthttpuser_stats.csv", DATA / "locust-2.47.0-fasthttpuser.json"]
        )


def test_malformed(tmp_path: Path) -> None:
    f = tmp_path / "bad_stats.csv"
    header = (DATA / "locust-2.47.0-fasthttpuser_stats.csv").read_text().splitlines()[0]
    f.write_text(header + "\nGET,/,10,0,4,fast,1,5,12,100,0,4,5,6,7,9,11,15,19,37,50,51\n")
    with pytest.raises(ParseError, match=r"bad_stats.csv:2: response time: 'fast' is not a number"):
        CSV.parse(f)
    f.write_text(header + "\nGET,/,10,0\n")
    with pytest.raises(ParseError, match=r"bad_stats.csv:2: 4 fields"):
        CSV.parse(f)
    j = tmp_path / "bad.json"
    j.write_text('[{"name": "/", "num_requests": "many"}]')
    with pytest.raises(ParseError, match=r"bad.json: entry 0: missing key"):
        JSON.parse(j)
