"""`perfgate ab` with load scenarios: a real HTTP server in a real git repository, started from each
side's tree on its own port, a shared dependency started once, the real command."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gitproject import GitProject
from perfgate.ab import ab_load_specs
from perfgate.config import parse_config
from processes import alive, gone_within

PYPROJECT = """\
[project]
name = "loadab"

[tool.perfgate]
default_tier = "load"

[tool.perfgate.tiers.load]

[[tool.perfgate.services]]
name = "dep"
command = ["PYTHON", "dep.py", "STARTS"]
shared = true

[[tool.perfgate.services]]
name = "app"
command = ["PYTHON", "app.py", "{port}", "PIDS"]
ready = { http = "http://127.0.0.1:{port}/" }

[[tool.perfgate.load]]
name = "home"
service = "app"
url = "http://127.0.0.1:{port}/"
users = 2
duration = "DURATION"
warmup = "0.2s"
workers = 1
slices = 10
"""

# The service under test: its handler sleeps the seconds written in delay.txt of its own tree.
APP = """\
import os, sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DELAY = float(open("delay.txt").read())
DIE_AFTER = int(open("die.txt").read()) if os.path.exists("die.txt") else 0  # requests, then exit 3
seen = 0
with open(sys.argv[2], "a") as f:
    f.write(f"{os.getpid()}\\n")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK stall

    def do_GET(self):
        global seen
        seen += 1
        if DIE_AFTER and seen > DIE_AFTER:
            print("app: giving up", flush=True)
            os._exit(3)
        time.sleep(DELAY)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
"""

# The shared dependency: notes each start in a file outside the trees, then waits to be stopped.
DEP = """\
import os, sys, time

with open(sys.argv[1], "a") as f:
    f.write(f"{os.getpid()}\\n")
while True:
    time.sleep(1)
"""


class Repo(GitProject):
    def __init__(self, root: Path) -> None:
        super().__init__(root, testbed="loadab-test")


def _repo(tmp_path: Path, duration: str = "2s") -> Repo:
    r = Repo(tmp_path / "proj")
    r.init()
    config = (
        PYPROJECT.replace("PYTHON", sys.executable)
        .replace("STARTS", str(tmp_path / "dep.starts"))
        .replace("PIDS", str(tmp_path / "app.pids"))
        .replace("DURATION", duration)
    )
    r.write("pyproject.toml", config)
    r.write(".gitignore", ".perfgate/\n__pycache__/\n")
    r.write("app.py", APP)
    r.write("dep.py", DEP)
    r.write("delay.txt", "0.0\n")
    r.commit("base")
    return r


def _pids(path: Path) -> list[int]:
    return [int(x) for x in path.read_text().split()] if path.exists() else []


def _marked(mark: str) -> list[int]:
    """The processes whose environment holds ``mark``."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if mark.encode() in (entry / "environ").read_bytes().split(b"\0"):
                    out.append(int(entry.name))
            except OSError:
                pass
    return out


@pytest.fixture(autouse=True)
def _no_stray_services(tmp_path: Path):  # type: ignore[no-untyped-def]
    yield
    for name in ("dep.starts", "app.pids"):
        for pid in _pids(tmp_path / name):
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


def _verdicts(stdout: str) -> dict[str, str]:
    return {f"{v['benchmark']}:{v['metric']}": v["status"] for v in json.loads(stdout)["verdicts"]}


def test_load_is_measured_when_the_tier_has_scenarios_and_no_pytest_benchmarks(tmp_path: Path) -> None:
    scenario = {"url": "http://127.0.0.1:8080/", "users": 1, "requests": 10, "tiers": ["load"]}
    data = {"tiers": {"load": {}, "fast": {}}, "load": [scenario]}
    cfg = parse_config(data, tmp_path, tmp_path / "pyproject.toml", "p")
    assert [s.scenario.url for s in ab_load_specs(cfg, cfg.tier("load"))] == ["http://127.0.0.1:8080/"]
    assert ab_load_specs(cfg, cfg.tier("fast")) == ()  # no scenario in that tier: pytest, as before
    assert ab_load_specs(cfg, cfg.tier("load"), ["-k", "x"]) == ()  # pytest arguments: pytest
    with_benchmarks = parse_config(
        {**data, "benchmarks": ["bench"]}, tmp_path, tmp_path / "pyproject.toml", "p"
    )
    assert ab_load_specs(with_benchmarks, with_benchmarks.tier("load")) == ()


@pytest.mark.measuring
def test_a_slower_handler_on_head_is_a_latency_regression_against_its_own_service(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    repo.write("delay.txt", "0.005\n")  # head (the working tree) answers 5 ms later
    cp = repo.perfgate("ab", "--base", "main", "--tier", "load", "--threshold", "20%", "--format", "json")
    assert cp.code == 1, cp.stderr
    verdicts = _verdicts(cp.stdout)
    assert verdicts["home:latency_p50"] == "regression", verdicts
    assert verdicts["home:rps"] == "regression", verdicts  # two closed-loop users: fewer answers
    assert "home:latency_max" not in verdicts  # noise slice by slice: not judged in a load A/B
    report = json.loads(cp.stdout)
    p50 = next(v for v in report["verdicts"] if v["metric"] == "latency_p50")
    assert p50["method"] == "paired-blocks-signed-rank"
    assert "10 paired blocks" in json.dumps(p50)
    # an app per side for each pair of slices (each on its own port, from its own tree); one shared
    # dependency for the whole A/B
    assert len(_pids(tmp_path / "app.pids")) == 20
    assert len(_pids(tmp_path / "dep.starts")) == 1
    assert gone_within(_pids(tmp_path / "app.pids") + _pids(tmp_path / "dep.starts"), 10)
    assert repo.worktrees() == [f"worktree {repo.root}"]
    # both runs stored, tagged ab; each sample records its slice, the paired unit
    shown = json.loads(repo.perfgate("show", report["run"]["id"], "--format", "json").stdout)
    assert "ab" in shown["run"]["tags"]
    stored = next(r for r in shown["run"]["results"] if r["metric"] == "latency_p50")
    assert stored["extra"]["unit"] == "slice" and stored["extra"]["slices"] == 10
    assert sorted(set(stored["extra"]["blocks"])) == list(range(10))


@pytest.mark.measuring
def test_identical_trees_do_not_fail(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    cp = repo.perfgate(
        "ab", "--base", "main", "--tier", "load", "--threshold", "20%", "--slices", "8", "--format", "json"
    )
    verdicts = _verdicts(cp.stdout)
    assert cp.code == 0, (verdicts, cp.stderr)
    assert any("8 slices per side" in n for n in json.loads(cp.stdout)["notes"])  # --slices beats slices
    assert {"home:rps", "home:latency_p50", "home:latency_p99", "home:error_rate"} <= set(verdicts)
    assert "regression" not in verdicts.values() and "failed" not in verdicts.values()
    assert len(_pids(tmp_path / "dep.starts")) == 1


def test_a_side_whose_service_dies_stops_the_ab_with_its_log_and_stores_nothing(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    repo.write("die.txt", "300\n")  # head's app exits after its 300th request (plus the readiness probe)
    cp = repo.perfgate("ab", "--base", "main", "--tier", "load")
    assert cp.code == 2, cp.stdout + cp.stderr
    [line] = cp.stderr.splitlines()
    assert "service 'app' died during the run (exit code 3)" in line
    assert "on the head side" in line and "app: giving up" in line  # its log's tail
    assert not (repo.root / ".perfgate" / "perfgate.db").exists()
    assert gone_within(_pids(tmp_path / "app.pids") + _pids(tmp_path / "dep.starts"), 10)
    assert repo.worktrees() == [f"worktree {repo.root}"]


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_stopping_a_load_ab_leaves_no_process_behind(tmp_path: Path, sig: signal.Signals) -> None:
    repo = _repo(tmp_path, duration="60s")
    perfgate = subprocess.Popen(
        [sys.executable, "-m", "perfgate", "ab", "--base", "main", "--tier", "load", "--no-store"],
        cwd=repo.root,
        env={**repo.env, "LOADAB_MARK": str(tmp_path)},  # inherited by every process it starts
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while len(_pids(tmp_path / "app.pids")) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1.0)  # the first slice's load is running
        assert len(_marked(f"LOADAB_MARK={tmp_path}")) > 3  # perfgate, the services, the load's workers
        started = _pids(tmp_path / "app.pids") + _pids(tmp_path / "dep.starts")
        assert len(started) == 3 and all(alive(p) for p in started)
        perfgate.send_signal(sig)
        _, err = perfgate.communicate(timeout=60)
        assert perfgate.returncode == 130, err
        assert gone_within(started, 10), "a service outlived an interrupted perfgate ab"
        # nor anything else it started (the load's worker processes, git): nothing carries its mark
        assert gone_within(_marked(f"LOADAB_MARK={tmp_path}"), 10)
        assert repo.worktrees() == [f"worktree {repo.root}"]
    finally:
        perfgate.kill()
        perfgate.wait()
