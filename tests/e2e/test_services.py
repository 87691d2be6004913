"""Services under `perfgate run`, end to end: a real git repository, a real TCP service started by
perfgate, a pytest benchmark that reads what the service exports, real SQLite. Deadlines bound the
waiting; no timing is asserted."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from gitproject import GitProject
from processes import alive, free_port, gone_within, pids_of, wait_for

# the service: records its pid and its child's (one process group), prints a line, serves TCP
SERVICE = """\
import os, socketserver, subprocess, sys, time
from pathlib import Path

port, pidfile, listen = int(sys.argv[1]), Path(sys.argv[2]), sys.argv[3] == "listen"
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
pidfile.write_text(f"{os.getpid()} {child.pid}")
print("svc: starting on", port, flush=True)
if listen:
    socketserver.TCPServer(("127.0.0.1", port), socketserver.BaseRequestHandler).serve_forever()
print("svc: \\x1b[31mno listener configured\\x1b[0m", flush=True)
time.sleep(600)
"""

BENCH = """\
import os, signal, socket, time
from pathlib import Path


def test_uses_the_service(benchmark):
    host, port = os.environ["SVC_ADDR"].split(":")
    with socket.create_connection((host, int(port)), timeout=5):
        pass
    if os.environ.get("KILL_SERVICE"):  # the service dies during the run
        os.kill(int(Path(os.environ["PIDFILE"]).read_text().split()[0]), signal.SIGKILL)
    if os.environ.get("HANG"):  # the run is interrupted while measuring
        Path(os.environ["HANG"]).write_text("measuring")
        time.sleep(600)
    benchmark(sum, range(10))
"""


def make_project(
    tmp_path: Path, *, listen: bool = True, ready_timeout: str = "30s"
) -> tuple[GitProject, Path]:
    port = free_port()
    pidfile = tmp_path / "service.pids"
    p = GitProject(tmp_path / "proj", testbed="services")
    p.init()
    command = [sys.executable, "service.py", str(port), str(pidfile), "listen" if listen else "quiet"]
    p.write(
        "pyproject.toml",
        f"""\
[project]
name = "services"

[tool.perfgate]
benchmarks = ["bench"]
default_tier = "fast"

[tool.perfgate.tiers.fast]
max_time = "0.05s"

[[tool.perfgate.services]]
name = "svc"
command = {json.dumps(command)}
ready = {{ tcp = "127.0.0.1:{port}" }}
ready_timeout = "{ready_timeout}"
stop_timeout = "5s"
export = {{ SVC_ADDR = "127.0.0.1:{port}" }}
""",
    )
    p.write("service.py", SERVICE)
    p.write("bench/test_svc.py", BENCH)
    p.write(".gitignore", ".perfgate/\n__pycache__/\n")
    p.commit("A")
    p.env["PIDFILE"] = str(pidfile)
    return p, pidfile


@pytest.mark.measuring
def test_perfgate_run_starts_the_service_exports_its_address_and_stops_it(tmp_path: Path) -> None:
    p, pidfile = make_project(tmp_path)
    r = p.perfgate("run")
    assert r.code == 0, r.stderr
    assert "test_uses_the_service" in r.stdout
    assert gone_within(pids_of(pidfile), 10), "the service outlived perfgate run"
    assert "svc: starting on" in (p.root / ".perfgate" / "logs" / "svc.log").read_text()


def test_a_service_that_never_becomes_ready_stops_the_run_before_anything_is_stored(tmp_path: Path) -> None:
    p, pidfile = make_project(tmp_path, listen=False, ready_timeout="1s")
    r = p.perfgate("run")
    assert r.code == 2
    [line] = r.stderr.splitlines()
    assert "service 'svc' not ready after 1 s" in line
    assert "svc: \\x1b[31mno listener configured\\x1b[0m" in line  # the log's tail, escaped
    assert "\x1b" not in r.stderr
    assert gone_within(pids_of(pidfile), 10), "a service that never became ready was left running"
    assert not (p.root / ".perfgate" / "perfgate.db").exists(), "a run was stored"


@pytest.mark.measuring
def test_a_service_that_dies_during_the_run_fails_the_gate_with_its_log(tmp_path: Path) -> None:
    p, pidfile = make_project(tmp_path)
    p.env["KILL_SERVICE"] = "1"
    r = p.perfgate("run", "--format", "json")
    assert r.code == 1, r.stderr
    failed = [v for v in r.json()["verdicts"] if v["benchmark"] == "service:svc"]
    assert len(failed) == 1, r.stdout
    assert failed[0]["status"] == "failed"
    reason = failed[0]["reason"]
    assert "service 'svc' died during the run (killed by SIGKILL)" in reason
    assert "svc: starting on" in reason
    assert gone_within(pids_of(pidfile), 10)


@pytest.mark.measuring
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_stopping_perfgate_run_leaves_no_service_behind(tmp_path: Path, sig: signal.Signals) -> None:
    p, pidfile = make_project(tmp_path)
    marker = tmp_path / "measuring"
    perfgate = subprocess.Popen(
        [sys.executable, "-m", "perfgate", "run"],
        cwd=p.root,
        env={**p.env, "HANG": str(marker)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(marker, 120)
        service = pids_of(pidfile)
        assert all(alive(pid) for pid in service)
        perfgate.send_signal(sig)
        _, err = perfgate.communicate(timeout=60)
        assert perfgate.returncode == 130, err
        assert gone_within(service, 10), "a service outlived an interrupted perfgate run"
    finally:
        perfgate.kill()
        perfgate.wait()
        if pidfile.exists():
            for pid in pids_of(pidfile):
                if alive(pid):
                    os.kill(pid, signal.SIGKILL)


@pytest.fixture(autouse=True)
def _no_stray_services(tmp_path: Path):  # type: ignore[no-untyped-def]
    yield
    pidfile = tmp_path / "service.pids"
    if pidfile.exists():
        for pid in pids_of(pidfile):
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
