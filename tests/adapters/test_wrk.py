from __future__ import annotations

from pathlib import Path

import pytest

from perfgate.adapters.registry import read_head
from perfgate.adapters.wrk import WrkAdapter
from perfgate.errors import ParseError
from perfgate.model import Direction

DATA = Path(__file__).parent.parent / "data" / "wrk"
WRK = WrkAdapter()
REAL = DATA / "wrk-4.1.0-loopback-nginx-stall.txt"


def test_report_with_latency_distribution() -> None:
    assert WRK.sniff(REAL, read_head(REAL))
    p = WRK.parse(REAL)
    by = {r.metric: r for r in p.results}
    assert {r.benchmark.name for r in p.results} == {"http://127.0.0.1:8080/"}
    mean = by["latency_mean"].summary
    assert (
        mean is not None
        and mean.median == pytest.approx(40.37e-3)
        and mean.stddev == pytest.approx(157.95e-3)
    )
    assert by["latency_max"].summary.median == pytest.approx(1.01)  # type: ignore[union-attr]
    assert by["latency_p50"].summary.median == pytest.approx(280e-6)  # type: ignore[union-attr]
    assert by["latency_p99"].summary.median == pytest.approx(877.83e-3)  # type: ignore[union-attr]
    assert by["rps"].unit == "req/s" and by["rps"].direction is Direction.HIGHER
    assert by["rps"].summary.median == pytest.approx(84412.60)  # type: ignore[union-attr]
    assert by["throughput"].summary.median == pytest.approx(12.88 * 1024**2)  # type: ignore[union-attr]
    assert by["error_rate"].summary.median == 0.0  # type: ignore[union-attr]
    assert by["rps"].extra["requests"] == 847637 and by["rps"].extra["connections"] == 50


def test_errors_count_towards_error_rate(tmp_path: Path) -> None:
    f = tmp_path / "wrk.txt"
    f.write_text(
        "Running 5s test @ http://localhost:9/\n"
        "  2 threads and 10 connections\n"
        "  Thread Stats   Avg      Stdev     Max   +/- Stdev\n"
        "    Latency     1.50ms  200.00us   3.00ms   70.00%\n"
        "    Req/Sec     1.00k   100.00     1.20k    60.00%\n"
        "  1000 requests in 5.00s, 100.00KB read\n"
        "  Socket errors: connect 0, read 5, write 0, timeout 5\n"
        "  Non-2xx or 3xx responses: 40\n"
        "Requests/sec:    200.00\n"
        "Transfer/sec:     20.00KB\n"
    )
    by = {r.metric: r for r in WRK.parse(f).results}
    assert by["error_rate"].summary.median == pytest.approx(0.05)  # type: ignore[union-attr]
    assert "latency_p50" not in by  # no --latency: no distribution


def test_malformed(tmp_path: Path) -> None:
    f = tmp_path / "bad.txt"
    f.write_text("Running 5s test @ http://x/\n    Latency     1.50qs  2us   3ms   70.00%\nRequests/sec: 1\n")
    with pytest.raises(ParseError, match=r"bad.txt:2: cannot read '1.50qs'"):
        WRK.parse(f)
    f.write_text("Running 5s test @ http://x/\n  1 threads and 1 connections\n")
    with pytest.raises(ParseError, match=r"no 'Requests/sec:' line"):
        WRK.parse(f)
