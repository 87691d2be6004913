"""``perfgate load`` with the service under test started by perfgate (``--service``, and the
configured scenarios with their tier's services), and load scenarios during a soak. Real HTTP
services on 127.0.0.1 started by perfgate, short durations, no timing asserted."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from perfgate.cli.main import main
from processes import alive, free_port, gone_within

# the service: records its pid, prints a line, serves HTTP on its port (or never listens)
SERVICE = """\
import http.server, os, sys, time
from pathlib import Path

port, pidfile, listen = int(sys.argv[1]), Path(sys.argv[2]), sys.argv[3] == "listen"
with pidfile.open("a") as f:
    f.write(f"{os.getpid()}\\n")
print("svc: starting on", port, flush=True)
if not listen:
    print("svc: \\x1b[31mno listener configured\\x1b[0m", flush=True)
    time.sleep(600)


class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *a):
        pass


http.server.ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
"""


class Project:
    """A project directory with one service ``svc`` and load scenarios against it."""

    def __init__(self, root: Path, *, listen: bool = True, extra: str = "", tiers: str = '["load"]') -> None:
        self.root = root
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.pidfile = root / "service.pids"
        root.mkdir(parents=True, exist_ok=True)
        (root / "service.py").write_text(SERVICE)
        command = [
            sys.executable,
            "service.py",
            str(self.port),
            str(self.pidfile),
            "listen" if listen else "quiet",
        ]
        (root / "pyproject.toml").write_text(
            f"""\
[project]
name = "loadsvc"

[tool.perfgate.tiers.load]

[tool.perfgate.tiers.other]

[[tool.perfgate.services]]
name = "svc"
command = {json.dumps(command)}
ready = {{ http = "{self.url}/" }}
ready_timeout = "{"30s" if listen else "1s"}"
stop_timeout = "5s"
tiers = {tiers}
{extra}
"""
        )
        self.env = {"PATH": os.environ["PATH"], "NO_COLOR": "1", "PERFGATE_TESTBED": "t", "HOME": str(root)}

    def perfgate(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "perfgate", *args],
            cwd=self.root,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    def here(self, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
        code = main(list(args), cwd=self.root, environ=self.env)
        out, err = capsys.readouterr()
        return code, out, err

    def pids(self) -> list[int]:
        return [int(x) for x in self.pidfile.read_text().split()] if self.pidfile.exists() else []


def scenario(name: str, url: str, model: str, tiers: str = '["load"]') -> str:
    return f"""
[[tool.perfgate.load]]
name = "{name}"
url = "{url}"
{model}
workers = 1
tiers = {tiers}
"""


def by_benchmark(report: dict[str, Any]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for v in report["verdicts"]:
        out.setdefault(v["benchmark"], set()).add(v["metric"])
    return out


@pytest.fixture(autouse=True)
def _no_stray_services(tmp_path: Path):  # type: ignore[no-untyped-def]
    yield
    for pidfile in tmp_path.rglob("service.pids"):
        for pid in [int(x) for x in pidfile.read_text().split()]:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_load_url_with_service_starts_it_samples_it_and_stops_it(tmp_path: Path) -> None:
    p = Project(tmp_path / "proj", tiers='["other"]')  # --service starts it whatever its tiers
    r = p.perfgate(
        "load", p.url + "/", "--rate", "40/s", "--duration", "2s", "--workers", "1", "--service", "svc",
        "--format", "json",
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    metrics = by_benchmark(json.loads(r.stdout))
    assert {"rps", "latency_p99", "error_rate"} <= metrics[f"GET {p.url}/"]
    assert {"cpu_percent", "rss_peak", "rss_growth"} <= metrics["service:svc"]
    [pid] = p.pids()
    assert gone_within([pid], 10), "the service outlived perfgate load"
    assert "svc: starting on" in (p.root / ".perfgate" / "logs" / "svc.log").read_text()
    assert not (p.root / ".perfgate" / "perfgate.db").exists(), "an ad hoc load run was stored"


def test_load_url_starts_no_service_unless_asked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = Project(tmp_path / "proj")
    code, _, err = p.here(capsys, "load", p.url + "/", "--rate", "10/s", "--duration", "1s")
    assert code == 2
    assert f"nothing listening at 127.0.0.1:{p.port}" in err
    assert p.pids() == []


def test_load_without_url_runs_the_tiers_scenarios_with_the_tiers_services(tmp_path: Path) -> None:
    url = "http://127.0.0.1:{port}/"
    p = Project(tmp_path / "proj")
    text = (p.root / "pyproject.toml").read_text()
    text += scenario("health", url.format(port=p.port), "users = 2\nrequests = 20")
    text += scenario("ping", url.format(port=p.port), 'rate = "20/s"\nduration = "1s"')
    text += scenario("elsewhere", "http://127.0.0.1:9/", 'rate = "20/s"\nduration = "1s"', '["other"]')
    (p.root / "pyproject.toml").write_text(text)
    r = p.perfgate("load", "--tier", "load", "--format", "json")
    assert r.returncode == 0, r.stderr
    assert set(by_benchmark(json.loads(r.stdout))) == {"health", "ping", "service:svc"}
    assert "closed-loop" in r.stderr  # each scenario's summary, on stderr with --format json
    r = p.perfgate("load", "--tier", "load", "--scenario", "ping", "--store-run", "--format", "json")
    assert r.returncode == 0, r.stderr
    assert set(by_benchmark(json.loads(r.stdout))) == {"ping", "service:svc"}
    assert "perfgate: stored run" in r.stderr
    runs = p.perfgate("runs", "--format", "json")
    assert runs.returncode == 0, runs.stderr
    [stored] = json.loads(runs.stdout)
    assert stored["tier"] == "load"
    assert gone_within(p.pids(), 10), "a service outlived perfgate load"
    assert len(p.pids()) == 2  # started once per command


def test_configured_scenarios_aim_at_the_port_perfgate_picked_for_their_service(tmp_path: Path) -> None:
    """``{port}`` in a service (``perfgate ab``'s per-side copies) works under ``perfgate load`` too: the
    scenario's ``service`` names it and its URL's ``{port}`` becomes the port that copy got."""
    p = Project(tmp_path / "proj")
    command = [sys.executable, "service.py", "{port}", str(p.pidfile), "listen"]
    text = (p.root / "pyproject.toml").read_text()
    text += f"""
[[tool.perfgate.services]]
name = "picked"
command = {json.dumps(command)}
ready = {{ http = "http://127.0.0.1:{{port}}/" }}
tiers = ["load"]
"""
    text += scenario("health", "http://127.0.0.1:{port}/", 'users = 2\nrequests = 10\nservice = "picked"')
    (p.root / "pyproject.toml").write_text(text)
    r = p.perfgate("load", "--tier", "load", "--format", "json")
    assert r.returncode == 0, r.stderr
    metrics = by_benchmark(json.loads(r.stdout))
    assert {"rps", "error_rate"} <= metrics["health"]
    assert {"service:svc", "service:picked"} <= set(metrics)
    assert len(p.pids()) == 2  # svc and picked, once each
    assert gone_within(p.pids(), 10), "a service outlived perfgate load"


def test_a_service_that_never_becomes_ready_is_one_line_exit_2_and_leaves_nothing(tmp_path: Path) -> None:
    p = Project(tmp_path / "proj", listen=False)
    text = (p.root / "pyproject.toml").read_text()
    (p.root / "pyproject.toml").write_text(text + scenario("health", p.url + "/", "users = 1\nrequests = 5"))
    r = p.perfgate("load", "--tier", "load", "--store-run")
    assert r.returncode == 2
    [line] = r.stderr.splitlines()
    assert line.startswith("perfgate: error: service 'svc' not ready after 1 s"), line
    assert "svc: \\x1b[31mno listener configured\\x1b[0m" in line  # the log's tail, escaped
    assert "\x1b" not in r.stderr
    assert r.stdout == ""
    [pid] = p.pids()
    assert gone_within([pid], 10), "a service that never became ready was left running"
    assert not (p.root / ".perfgate" / "perfgate.db").exists(), "a run was stored"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["load", "http://127.0.0.1:9/", "--rate", "1/s", "--duration", "1s", "--service", "nope"],
         "no service 'nope' in [[tool.perfgate.services]] (services: svc)"),
        (["load", "--service", "nope"], "no service 'nope' in [[tool.perfgate.services]] (services: svc)"),
        (["load", "--tier", "load", "--scenario", "nope"],
         "no load scenario 'nope' in tier 'load' (scenarios: 'health')"),
        (["load", "--tier", "other"], "no [[tool.perfgate.load]] scenario runs in tier 'other'"),
        (["load", "--tier", "load", "--rate", "5/s"], "--rate describes a scenario: give it with a URL"),
        (["load", "http://127.0.0.1:9/", "--users", "1", "--requests", "1", "--scenario", "health"],
         "--scenario picks configured scenarios: give it without a URL"),
    ],
)  # fmt: skip
def test_a_bad_choice_of_scenario_or_service_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    p = Project(tmp_path / "proj")
    text = (p.root / "pyproject.toml").read_text()
    (p.root / "pyproject.toml").write_text(text + scenario("health", p.url + "/", "users = 1\nrequests = 5"))
    code, out, err = p.here(capsys, *args)
    assert code == 2
    assert out == ""
    [line] = err.splitlines()
    assert message in line
    assert p.pids() == [], "a service started for a command that could not run"


def test_a_soak_runs_the_tiers_load_scenarios_for_its_whole_length(tmp_path: Path) -> None:
    p = Project(tmp_path / "proj", extra='leak = "1GB/h"')
    text = (
        (p.root / "pyproject.toml")
        .read_text()
        .replace("[tool.perfgate.tiers.load]\n", '[tool.perfgate.tiers.load]\nsoak = "6s"\n')
    )
    text += scenario("open", p.url + "/", 'rate = "20/s"\nduration = "1s"')
    text += scenario("closed", p.url + "/", 'users = 2\nrequests = 5\nthink = "50ms"')
    (p.root / "pyproject.toml").write_text(text)
    r = p.perfgate("run", "--tier", "load", "--no-store", "--format", "json", "--export", "run.json")
    assert r.returncode == 0, r.stderr + r.stdout
    results = json.loads((p.root / "run.json").read_text())["run"]["results"]
    rps = {x["benchmark"]["name"]: x for x in results if x["metric"] == "rps"}
    # configured, the open scenario sends 20 requests and the closed one 2 x 5; during the 6 s soak
    # both run (together) until it ends, one sample a second
    assert rps["open"]["extra"]["sent"] > 40, rps["open"]["extra"]
    assert rps["open"]["summary"]["n"] >= 2
    assert rps["closed"]["extra"]["sent"] > 20, rps["closed"]["extra"]
    assert rps["closed"]["extra"]["requests_per_user"] is None
    assert rps["closed"]["summary"]["n"] >= 2
    [growth] = [
        x for x in results if x["benchmark"]["name"] == "service:svc" and x["metric"] == "rss_growth_per_hour"
    ]
    assert growth["extra"]["seconds"] >= 6.0
    assert gone_within(p.pids(), 10)


def _workers(pid: int) -> list[int]:
    """The load workers among ``pid``'s children (``python -c ... perfgate.load.engine ...``)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if int(fields[1]) == pid and b"perfgate.load.engine" in cmdline:
            out.append(int(stat.parent.name))
    return out


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_stopping_perfgate_load_leaves_neither_service_nor_worker(
    tmp_path: Path, sig: signal.Signals
) -> None:
    p = Project(tmp_path / "proj")
    args = ["load", p.url + "/", "--rate", "20/s", "--duration", "60s", "--workers", "1", "--service", "svc"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "perfgate", *args],
        cwd=p.root,
        env=p.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        workers: list[int] = []
        deadline = time.monotonic() + 60
        while not workers and time.monotonic() < deadline:
            workers = _workers(proc.pid)
            time.sleep(0.1)
        assert workers, "no load worker started"
        [service] = p.pids()
        assert alive(service)
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 130, err
        assert gone_within([service, *workers], 10), (
            "a service or worker outlived an interrupted perfgate load"
        )
    finally:
        proc.kill()
        proc.wait()


def test_ctrl_c_during_a_soak_under_load_leaves_neither_service_nor_worker(tmp_path: Path) -> None:
    p = Project(tmp_path / "proj")
    text = (p.root / "pyproject.toml").read_text()
    text = text.replace("[tool.perfgate.tiers.load]\n", '[tool.perfgate.tiers.load]\nsoak = "60s"\n')
    text += scenario("open", p.url + "/", 'rate = "20/s"\nduration = "1s"')
    text += scenario("closed", p.url + "/", 'users = 1\nrequests = 5\nthink = "50ms"')
    (p.root / "pyproject.toml").write_text(text)
    proc = subprocess.Popen(
        [sys.executable, "-m", "perfgate", "run", "--tier", "load"],
        cwd=p.root,
        env=p.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        workers: list[int] = []
        deadline = time.monotonic() + 60
        while len(workers) < 2 and time.monotonic() < deadline:  # both scenarios run at once
            workers = _workers(proc.pid)
            time.sleep(0.1)
        assert len(workers) == 2, "the two scenarios did not run together"
        [service] = p.pids()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 130, err
        assert gone_within([service, *workers], 10), "a service or worker outlived an interrupted soak"
        assert not (p.root / ".perfgate" / "perfgate.db").exists(), "an interrupted soak was stored"
    finally:
        proc.kill()
        proc.wait()
