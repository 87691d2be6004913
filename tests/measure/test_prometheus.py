"""A service's Prometheus metrics (perfgate.measure.prometheus), scraped from a real tiny server on
127.0.0.1 that prints the text format, before and after."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from perfgate.config import parse_config
from perfgate.errors import ConfigError, MeasureError
from perfgate.measure.prometheus import PrometheusSpec, prometheus_results, scrape
from perfgate.model import Direction


class Exposed:
    text = ""


@pytest.fixture
def endpoint() -> Iterator[tuple[str, type[Exposed]]]:
    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = Exposed.text.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a: Any) -> None:
            pass

    srv = http.server.HTTPServer(("127.0.0.1", 0), H)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}/metrics", Exposed
    finally:
        srv.shutdown()
        srv.server_close()


TEXT = """\
# HELP process_resident_memory_bytes Resident memory size in bytes.
# TYPE process_resident_memory_bytes gauge
process_resident_memory_bytes {rss}
# HELP http_requests_total Requests.
# TYPE http_requests_total counter
http_requests_total{{code="200"}} {ok}
http_requests_total{{code="500"}} 1
# TYPE queue_depth gauge
queue_depth -2
"""


def test_metrics_are_scraped_before_and_after_with_their_change(endpoint: tuple[str, type[Exposed]]) -> None:
    url, exposed = endpoint
    spec = PrometheusSpec(url, ("process_resident_memory_bytes", "http_requests_total", "queue_depth"))
    exposed.text = TEXT.format(rss="5e7", ok=10)
    before = scrape(spec, "bot")
    exposed.text = TEXT.format(rss="6.5e7", ok=110)
    after = scrape(spec, "bot")
    assert before == {"process_resident_memory_bytes": 5e7, "http_requests_total": 11.0, "queue_depth": -2.0}
    results = {r.metric: r for r in prometheus_results("bot", spec, before, after)}
    rss = results["process_resident_memory_bytes"]
    assert (rss.benchmark.name, rss.unit, rss.direction) == ("service:bot", "B", Direction.LOWER)
    assert rss.summary is not None and rss.summary.median == 6.5e7
    delta = results["process_resident_memory_bytes_delta"]
    assert delta.summary is not None and delta.summary.median == 1.5e7
    assert results["http_requests_total_delta"].summary.median == 100  # type: ignore[union-attr]
    assert results["queue_depth"].unit == "value"  # a negative gauge keeps its sign
    assert results["queue_depth_delta"].summary.median == 0  # type: ignore[union-attr]


def test_a_metric_missing_after_or_a_failed_scrape_fails_rather_than_vanishes(
    endpoint: tuple[str, type[Exposed]],
) -> None:
    url, exposed = endpoint
    spec = PrometheusSpec(url, ("process_resident_memory_bytes", "nope_total"), Direction.HIGHER)
    exposed.text = TEXT.format(rss=1, ok=1)
    after = scrape(spec, "bot")
    results = {r.metric: r for r in prometheus_results("bot", spec, after, after)}
    assert results["nope_total"].error == f"service 'bot': {url} does not expose nope_total"
    assert results["process_resident_memory_bytes"].direction == Direction.HIGHER
    failed = prometheus_results("bot", spec, after, "the scrape failed")
    assert [r.error for r in failed] == ["the scrape failed", "the scrape failed"]


def test_a_service_that_does_not_answer_or_answers_garbage_is_one_line(
    endpoint: tuple[str, type[Exposed]],
) -> None:
    url, exposed = endpoint
    exposed.text = "this is {not the text format\n"
    with pytest.raises(
        MeasureError,
        match=r"^service 'bot': metrics http://127\.0\.0\.1:\d+/metrics: not the Prometheus text format",
    ):
        scrape(PrometheusSpec(url, ("x",)), "bot")
    with pytest.raises(
        MeasureError, match=r"^service 'bot': metrics http://127\.0\.0\.1:1/metrics: cannot scrape"
    ):
        scrape(PrometheusSpec("http://127.0.0.1:1/metrics", ("x",)), "bot")


def configure(metrics: object) -> Any:
    root = Path("/nonexistent/proj")
    service = {"name": "bot", "command": ["x"], "metrics": metrics}
    return parse_config({"services": [service]}, root, root / "pyproject.toml", "p")


def test_the_configuration_parses_the_metrics_table() -> None:
    cfg = configure({"url": "http://127.0.0.1:9090/metrics", "names": ["a_total"], "direction": "higher"})
    assert cfg.services[0].metrics == PrometheusSpec(
        "http://127.0.0.1:9090/metrics", ("a_total",), Direction.HIGHER
    )
    assert configure({"url": "http://h/m", "names": ["b"]}).services[0].metrics.direction == Direction.LOWER


@pytest.mark.parametrize(
    ("metrics", "message"),
    [
        ({"names": ["a"]}, "services[0].metrics.url: missing"),
        ({"url": "ftp://h", "names": ["a"]}, "services[0].metrics.url: expected an http:// or https:// URL"),
        ({"url": "http://h/m", "names": []}, "services[0].metrics.names: is empty"),
        ({"url": "http://h/m", "names": ["a b"]}, "services[0].metrics.names: not a Prometheus metric name"),
        (
            {"url": "http://h/m", "names": ["a"], "direction": "up"},
            "services[0].metrics.direction: expected lower or higher",
        ),
        ({"url": "http://h/m", "names": ["a"], "every": "1s"}, "services[0].metrics.every: unknown key"),
    ],
)
def test_a_bad_metrics_table_is_one_line_naming_the_key(metrics: object, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        configure(metrics)
    assert message in str(info.value)
    assert "\n" not in str(info.value)
