"""``[[tool.perfgate.load]]``: load scenarios in the configuration, and ``perfgate run`` running them."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from perfgate.config import load_config
from perfgate.errors import ConfigError
from perfgate.load import ClosedModel, OpenModel, Stage


def write(tmp_path: Path, body: str) -> Path:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "svc"\n\n[tool.perfgate.tiers.load]\n' + body)
    return tmp_path


def test_scenarios_parse_into_the_engines_values(tmp_path):
    (tmp_path / "body.json").write_text('{"event": "push"}')
    cfg = load_config(
        write(
            tmp_path,
            """
[[tool.perfgate.load]]
name = "health"
url = "http://127.0.0.1:8080/health"
rate = "2000/s"
duration = "30s"
stages = [{ duration = "10s", rate = "5000/s" }]
warmup = "2s"
connections = 64
tiers = ["load"]

[[tool.perfgate.load]]
url = "http://127.0.0.1:8080/webhook"
json = "body.json"
users = 5
requests = 10
think = "10ms"
expect = [200, 201]
workers = 1
""",
        )
    )
    health, webhook = cfg.load
    assert health.scenario.title == "health"
    assert health.model == OpenModel(
        rate=2000, duration=30, stages=(Stage(10, 5000),), warmup=2, connections=64
    )
    assert health.tiers == ("load",)
    assert webhook.scenario.method == "POST"
    assert webhook.scenario.body == b'{"event": "push"}'
    assert ("Content-Type", "application/json") in webhook.scenario.headers
    assert webhook.scenario.expect == frozenset({200, 201})
    assert webhook.model == ClosedModel(users=5, requests=10, think=0.01)
    assert webhook.workers == 1


@pytest.mark.parametrize(
    ("body", "key", "message"),
    [
        ("rate = 10\nduration = '1s'\n", "load[0].url", "missing"),
        ("url = 'http://127.0.0.1:1/'\nduration = '1s'\n", "load[0].rate", "either rate"),
        ("url = 'http://127.0.0.1:1/'\nrate = 1\nusers = 1\n", "load[0].rate", "either rate"),
        ("url = 'http://example.org/'\nrate = 1\nduration = '1s'\n", "load[0].url", "--allow-remote"),
        ("url = 'http://127.0.0.1:1/'\nrate = 'fast'\nduration = '1s'\n", "load[0].rate", "expected a rate"),
        ("url = 'http://127.0.0.1:1/'\nrate = 1\n", "load[0].duration", "needs a duration"),
        ("url = 'http://127.0.0.1:1/'\nusers = 2\n", "load[0].users", "needs requests"),
        (
            "url = 'http://127.0.0.1:1/'\nusers = 2\nrequests = 1\nstages = []\n",
            "load[0].stages",
            "open model",
        ),
        ("url = 'http://127.0.0.1:1/'\nrate = 1\nduration = '1s'\nthink = '1s'\n", "load[0].think", "closed"),
        (
            "url = 'http://127.0.0.1:1/'\nrate = 1\nduration = '1s'\nspeed = 1\n",
            "load[0].speed",
            "unknown key",
        ),
        (
            "url = 'http://127.0.0.1:1/'\nrate = 1\nduration = '1s'\ntiers = ['x']\n",
            "load[0].tiers",
            "no tier",
        ),
        (
            "url = 'http://127.0.0.1:1/'\nrate = 1\nduration = '1s'\njson = 'nope.json'\n",
            "load[0].json",
            "cannot read",
        ),
        (
            "url = 'http://127.0.0.1:1/'\nrate = 1\nduration = '1s'\nexpect = ['ok']\n",
            "load[0].expect",
            "status",
        ),
        (
            "url = 'http://127.0.0.1:1/'\nrate = 1\nduration = '1s'\nheaders = { Host = 'x' }\n",
            "load[0].headers",
            "itself",
        ),
    ],
)
def test_a_bad_scenario_names_file_and_key(tmp_path, body, key, message):
    write(tmp_path, "[[tool.perfgate.load]]\n" + body)
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path)
    text = str(err.value)
    assert text.startswith(f"{tmp_path / 'pyproject.toml'}: tool.perfgate.{key}"), text
    assert message in text
    assert "\n" not in text


def test_perfgate_run_runs_the_tiers_load_scenarios(http_server, tmp_path):
    url = http_server()
    write(
        tmp_path,
        f"""
[tool.perfgate.tiers.other]

[[tool.perfgate.load]]
name = "health"
url = "{url}/health"
rate = "50/s"
duration = "2s"
workers = 1
tiers = ["load"]
""",
    )
    r = subprocess.run(
        [sys.executable, "-m", "perfgate", "run", "--tier", "load", "--format", "json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    verdicts = json.loads(r.stdout)["verdicts"]
    assert {v["benchmark"] for v in verdicts} == {"health"}
    assert {"rps", "latency_p99", "error_rate"} <= {v["metric"] for v in verdicts}
    other = subprocess.run(
        [sys.executable, "-m", "perfgate", "run", "--tier", "other"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert other.returncode == 2
    assert "nothing to run for tier 'other'" in other.stderr


PORT_SERVICE = """
[[tool.perfgate.services]]
name = "app"
command = ["python", "app.py", "{port}"]
ready = { http = "http://127.0.0.1:{port}/health" }
shared = false

[[tool.perfgate.services]]
name = "db"
command = ["python", "db.py"]
shared = true
"""


def test_a_scenario_aims_at_its_services_port(tmp_path):
    write(
        tmp_path,
        PORT_SERVICE + "\n[[tool.perfgate.load]]\nservice = 'app'\nurl = 'http://127.0.0.1:{port}/health'\n"
        "users = 1\nrequests = 20\nslices = 4\n",
    )
    cfg = load_config(tmp_path)
    [spec] = cfg.load
    assert [s.shared for s in cfg.services] == [False, True]
    assert spec.needs_port and spec.service == "app" and spec.slices == 4
    assert spec.scenario.title == "GET http://127.0.0.1:{port}/health"  # the name as written
    aimed = spec.at_port(41234)
    assert (aimed.scenario.port, aimed.scenario.target) == (41234, "/health")
    assert aimed.scenario.title == spec.scenario.title  # one benchmark whatever the port


@pytest.mark.parametrize(
    ("scenario", "key", "message"),
    [
        ("url = 'http://127.0.0.1:{port}/'", "load[0].url", "name the service whose port it is"),
        (
            "url = 'http://127.0.0.1:{port}/'\nservice = 'nope'",
            "load[0].service",
            "no [[tool.perfgate.servic",
        ),
        ("url = 'http://127.0.0.1:{port}/'\nservice = 'db'", "load[0].url", "service 'db' takes no port"),
        ("url = 'http://127.0.0.1:1/'\nslices = 0", "load[0].slices", "at least 1"),
    ],
)
def test_a_scenario_naming_no_port_or_service_is_a_one_line_error(tmp_path, scenario, key, message):
    write(tmp_path, PORT_SERVICE + f"\n[[tool.perfgate.load]]\n{scenario}\nusers = 1\nrequests = 5\n")
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path)
    text = str(err.value)
    assert text.startswith(f"{tmp_path / 'pyproject.toml'}: tool.perfgate.{key}"), text
    assert message in text and "\n" not in text


APP = """\
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
"""


def test_perfgate_run_aims_a_scenario_at_the_port_its_service_got(tmp_path):
    (tmp_path / "app.py").write_text(APP)
    write(
        tmp_path,
        f"""
[[tool.perfgate.services]]
name = "app"
command = ["{sys.executable}", "app.py", "{{port}}"]
ready = {{ tcp = "127.0.0.1:{{port}}" }}

[[tool.perfgate.load]]
name = "health"
service = "app"
url = "http://127.0.0.1:{{port}}/health"
users = 1
requests = 50
workers = 1
""",
    )
    r = subprocess.run(
        [sys.executable, "-m", "perfgate", "run", "--tier", "load", "--format", "json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    results = json.loads(r.stdout)["verdicts"]
    health = {v["metric"]: v for v in results if v["benchmark"] == "health"}
    assert {"rps", "latency_p50", "error_rate"} <= set(health)
    assert all(v["status"] != "failed" for v in health.values()), health
