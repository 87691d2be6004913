from __future__ import annotations

from pathlib import Path

import pytest

from perfgate.adapters.hey import HeyAdapter
from perfgate.adapters.registry import read_head
from perfgate.errors import ParseError
from perfgate.model import Direction

DATA = Path(__file__).parent.parent / "data" / "hey"
HEY = HeyAdapter()
REAL = DATA / "hey-0.1.4-loopback-nginx.txt"


def test_summary() -> None:
    assert HEY.sniff(REAL, read_head(REAL))
    p = HEY.parse(REAL)
    by = {r.metric: r for r in p.results}
    assert by["latency_mean"].summary.median == pytest.approx(0.0014)  # type: ignore[union-attr]
    assert by["latency_max"].summary.median == pytest.approx(0.0556)  # type: ignore[union-attr]
    assert by["latency_p99"].summary.median == pytest.approx(0.0061)  # type: ignore[union-attr]
    assert by["latency_p10"].unit == "s"
    assert by["rps"].direction is Direction.HIGHER
    assert by["rps"].summary.median == pytest.approx(36224.8682)  # type: ignore[union-attr]
    assert by["rps"].summary.n == 362363  # type: ignore[union-attr]
    assert by["error_rate"].summary.median == 0.0  # type: ignore[union-attr]
    assert by["rps"].extra["status_codes"] == {"200": 362363}


def test_error_distribution(tmp_path: Path) -> None:
    f = tmp_path / "hey.txt"
    f.write_text(
        "\nSummary:\n  Total:\t1.0 secs\n  Slowest:\t0.2 secs\n  Fastest:\t0.1 secs\n"
        "  Average:\t0.15 secs\n  Requests/sec:\t90.0\n\n"
        "Status code distribution:\n  [200]\t90 responses\n\n"
        "Error distribution:\n  [10]\tGet http://x/: dial tcp: connection refused\n"
    )
    p = HEY.parse(f)
    by = {r.metric: r for r in p.results}
    assert by["error_rate"].summary.median == pytest.approx(0.1)  # type: ignore[union-attr]
    assert by["error_rate"].extra["errors"] == {"Get http://x/: dial tcp: connection refused": 10}


def test_malformed(tmp_path: Path) -> None:
    f = tmp_path / "bad.txt"
    f.write_text("Summary:\n  Average:\tfast secs\n")
    with pytest.raises(ParseError, match=r"bad.txt:2: 'fast' is not a number"):
        HEY.parse(f)
    f.write_text("Summary:\n  Total:\t1.0 secs\n")
    with pytest.raises(ParseError, match=r"truncated"):
        HEY.parse(f)
