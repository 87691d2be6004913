from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from perfgate.adapters.registry import read_head
from perfgate.adapters.vegeta import VegetaAdapter
from perfgate.errors import ParseError
from perfgate.model import Direction

DATA = Path(__file__).parent.parent / "data" / "vegeta"
VEGETA = VegetaAdapter()
DOC = DATA / "vegeta-readme-report.json"


def test_report_json() -> None:
    assert VEGETA.sniff(DOC, read_head(DOC))
    p = VEGETA.parse(DOC)
    by = {r.metric: r for r in p.results}
    assert by["latency_p99"].unit == "s"
    assert by["latency_p99"].summary.median == pytest.approx(3.53e-3)  # type: ignore[union-attr]
    assert by["latency_mean"].summary.median == pytest.approx(2.371194e-3)  # type: ignore[union-attr]
    assert by["rps"].direction is Direction.HIGHER
    assert by["rps"].summary.median == pytest.approx(101.00012489812)  # type: ignore[union-attr]
    assert by["error_rate"].summary.median == 0.0  # type: ignore[union-attr]
    assert by["rps"].summary.n == 100  # type: ignore[union-attr]
    assert by["rps"].extra["status_codes"] == {"200": 100}
    assert p.started == datetime(2015, 9, 19, 12, 45, 50, 645818, tzinfo=UTC)


def test_malformed(tmp_path: Path) -> None:
    f = tmp_path / "bad.json"
    f.write_text('{"latencies": {"mean": "fast"}, "status_codes": {}, "success": 1}')
    with pytest.raises(ParseError, match=r"bad.json: latencies.mean must be a finite number"):
        VEGETA.parse(f)
    f.write_text('{"latencies": {"mean": 1},\n "success": 2}')
    with pytest.raises(ParseError, match=r"success must be a ratio"):
        VEGETA.parse(f)
    f.write_text('{"latencies": {\n"mean": 1,,')
    with pytest.raises(ParseError, match=r"bad.json:2: invalid JSON"):
        VEGETA.parse(f)
    assert not VEGETA.sniff(f, '{"metrics": {}, "root_group": {}}')


def test_a_negative_latency_names_its_key(tmp_path: Path) -> None:
    doc = json.loads(DOC.read_text())
    doc["latencies"]["99th"] = -3530000
    f = tmp_path / "neg.json"
    f.write_text(json.dumps(doc))
    with pytest.raises(
        ParseError, match=r"^.*neg.json: key latencies.99th: vegeta \[latency_p99\]: .* is negative"
    ):
        VEGETA.parse(f)
