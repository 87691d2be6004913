"""What a service used while `perfgate run` measured, end to end: a real git repository, a real HTTP
service on 127.0.0.1 started by perfgate (one that keeps 2 MB per request, one that keeps nothing), a
pytest benchmark that sends it requests, real SQLite. Only orders of magnitude are asserted."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from gitproject import GitProject
from processes import free_port

SERVICE = r"""
import http.server, sys

port, keep = int(sys.argv[1]), sys.argv[2] == "leaks"
kept = []

class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if keep and self.path == "/work":
            kept.append(bytearray(b"x" * 2_000_000))  # every page touched: resident
        body = b""
        if self.path == "/metrics":  # the Prometheus text format
            body = (
                "# HELP app_kept_bytes What the app keeps.\n# TYPE app_kept_bytes gauge\n"
                f"app_kept_bytes {sum(map(len, kept))}\n"
                '# TYPE app_requests_total counter\napp_requests_total{path="/work"} 3\n'
                'app_requests_total{path="/"} 2\n'
            ).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass

http.server.HTTPServer(("127.0.0.1", port), H).serve_forever()
"""

BENCH = """\
import os, time, urllib.request

def test_uses_the_service(benchmark):
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    for _ in range(10):  # the plugin runs the test body several times: seconds of requests
        opener.open(os.environ["SVC_URL"] + "/work", timeout=10).read()
        time.sleep(0.05)
    benchmark(sum, range(10))
"""


def make_project(tmp_path: Path, kind: str) -> GitProject:
    port = free_port()
    p = GitProject(tmp_path / "proj", testbed="resources")
    p.init()
    command = [sys.executable, "service.py", str(port), kind]
    p.write(
        "pyproject.toml",
        f"""\
[project]
name = "resources"

[tool.perfgate]
benchmarks = ["bench"]

[[tool.perfgate.services]]
name = "svc"
command = {json.dumps(command)}
ready = {{ http = "http://127.0.0.1:{port}/" }}
export = {{ SVC_URL = "http://127.0.0.1:{port}" }}
leak = "1GB/h"
metrics = {{ url = "http://127.0.0.1:{port}/metrics", names = ["app_kept_bytes", "app_requests_total"] }}
""",
    )
    p.write("service.py", SERVICE)
    p.write("bench/test_svc.py", BENCH)
    p.write(".gitignore", ".perfgate/\n__pycache__/\n")
    p.commit("A")
    return p


def service_metrics(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {v["metric"]: v for v in report["verdicts"] if v["benchmark"] == "service:svc"}


@pytest.mark.measuring
@pytest.mark.parametrize("kind", ["leaks", "steady"])
def test_the_services_resources_are_metrics_of_the_run_and_a_leak_fails_the_gate(
    tmp_path: Path, kind: str
) -> None:
    p = make_project(tmp_path, kind)
    r = p.perfgate("run", "--format", "json")
    assert r.stdout, r.stderr
    report = r.json()
    metrics = service_metrics(report)
    assert {"cpu_percent", "rss_peak", "rss_growth", "rss_growth_per_hour"} <= set(metrics), r.stdout
    assert metrics["rss_peak"]["current"]["median"] > 1_000_000  # a Python interpreter is megabytes
    [leak] = [b for b in report["budgets"] if b["benchmark"] == "service:svc"]
    assert leak["metric"] == "rss_growth_per_hour"
    # scraped before and after the suites: the value after, and the change
    assert metrics["app_kept_bytes"]["unit"] == "B"
    kept = metrics["app_kept_bytes_delta"]["current"]["median"]
    assert kept % 2_000_000 == 0 and (kept >= 20_000_000 if kind == "leaks" else kept == 0)
    assert metrics["app_requests_total"]["current"]["median"] == 5  # summed over its label sets
    if kind == "leaks":  # 10 requests or more keep 20 MB or more in seconds: GBs an hour
        assert metrics["rss_growth"]["current"]["median"] > 10_000_000
        assert r.code == 1, r.stderr
        assert not leak["passed"]
        assert leak["value"] > 1e9
    else:
        assert metrics["rss_growth"]["current"]["median"] < 10_000_000
        assert r.code == 0, r.stderr
        assert leak["passed"]


def make_soak_project(tmp_path: Path, soak: str | None) -> GitProject:
    port = free_port()
    p = GitProject(tmp_path / "soak", testbed="resources")
    p.init()
    tier = f'soak = "{soak}"' if soak else ""
    p.write(
        "pyproject.toml",
        f"""\
[project]
name = "soak"

[tool.perfgate]
default_tier = "soak"

[tool.perfgate.tiers.soak]
{tier}

[[tool.perfgate.commands]]
name = "quick"
command = [{json.dumps(sys.executable)}, "-c", "pass"]
runs = 3

[[tool.perfgate.services]]
name = "svc"
command = {json.dumps([sys.executable, "service.py", str(port), "steady"])}
ready = {{ http = "http://127.0.0.1:{port}/" }}
leak = "5MB/h"
""",
    )
    p.write("service.py", SERVICE)
    p.write(".gitignore", ".perfgate/\n__pycache__/\n")
    p.commit("A")
    return p


@pytest.mark.measuring
@pytest.mark.parametrize("how", ["flag", "tier"])
def test_a_soak_keeps_the_service_sampled_that_long_and_gates_its_growth(tmp_path: Path, how: str) -> None:
    p = make_soak_project(tmp_path, "6s" if how == "tier" else None)
    args = ("--soak", "6s") if how == "flag" else ()
    r = p.perfgate("run", *args, "--format", "json", "--export", "run.json")
    assert r.code == 0, r.stderr + r.stdout
    doc = json.loads((p.root / "run.json").read_text())
    used = {x["metric"]: x for x in doc["run"]["results"] if x["benchmark"]["name"] == "service:svc"}
    # three runs of `python -c pass` take well under the 6 s the soak holds the service for
    assert used["rss_growth_per_hour"]["extra"]["seconds"] >= 6.0
    assert used["rss_growth_per_hour"]["summary"]["n"] >= 12  # a sample every 0.5 s
    [leak] = [b for b in r.json()["budgets"] if b["benchmark"] == "service:svc"]
    assert leak["passed"] and leak["rule"] == "service:svc leak <= 5MB/h (lower bound of the 95% interval)"


def test_a_soak_without_a_service_is_one_line(tmp_path: Path) -> None:
    p = make_soak_project(tmp_path, None)
    text = (p.root / "pyproject.toml").read_text()
    p.write("pyproject.toml", text[: text.index("[[tool.perfgate.services]]")])
    r = p.perfgate("run", "--soak", "1s")
    assert r.code == 2
    assert (
        r.stderr
        == "perfgate: error: soak: tier 'soak' starts no service to sample ([[tool.perfgate.services]])\n"
    )
