"""Services started for the benchmarks (perfgate.measure.services) with real processes: a tiny Python
HTTP server, a TCP listener, one that exits at once, one that never listens. Deadlines below bound
the waiting; no timing is asserted."""

from __future__ import annotations

import os
import signal
import socket
import sys
import time
from contextlib import AbstractContextManager
from pathlib import Path

import pytest

from perfgate.config import parse_config
from perfgate.errors import ConfigError, MeasureError
from perfgate.measure.command import SpecError
from perfgate.measure.services import Readiness, Services, ServiceSpec, running_services, service_failure
from processes import alive, free_port, gone_within, pids_of

PY = sys.executable

# A service that records its pid and its child's (same process group), then serves HTTP (200 on
# /healthz) or plain TCP on the port given, after printing a line to its log.
SERVER = """\
import http.server, os, socketserver, subprocess, sys, time
from pathlib import Path

kind, port, pidfile = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
pidfile.write_text(f"{os.getpid()} {child.pid}")
print("server starting on", port, flush=True)
if kind == "http":
    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200 if self.path == "/healthz" else 404)
            self.end_headers()
        def log_message(self, *a):
            pass
    http.server.HTTPServer(("127.0.0.1", port), H).serve_forever()
elif kind == "tcp":
    srv = socketserver.TCPServer(("127.0.0.1", port), socketserver.BaseRequestHandler)
    srv.serve_forever()
else:  # never listens
    time.sleep(600)
"""


def start(specs: list[ServiceSpec], tmp_path: Path) -> AbstractContextManager[Services]:
    return running_services(specs, root=tmp_path, environ=dict(os.environ), logs=tmp_path / "logs")


@pytest.fixture
def server(tmp_path: Path) -> Path:
    path = tmp_path / "server.py"
    path.write_text(SERVER)
    return path


def spec(server: Path, kind: str, port: int, pidfile: Path, ready: Readiness, **kw: object) -> ServiceSpec:
    return ServiceSpec(
        name=kw.pop("name", "svc"),  # type: ignore[arg-type]
        command=(PY, str(server), kind, str(port), str(pidfile)),
        ready=ready,
        **kw,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("how", ["http", "tcp", "command"])
def test_a_service_is_ready_then_stopped_with_its_whole_group(tmp_path: Path, server: Path, how: str) -> None:
    port = free_port()
    pidfile = tmp_path / "pids"
    kind = "tcp" if how == "tcp" else "http"
    ready = {
        "http": Readiness(http=f"http://127.0.0.1:{port}/healthz"),
        "tcp": Readiness(tcp=f"127.0.0.1:{port}"),
        "command": Readiness(
            command=(PY, "-c", f"import socket; socket.create_connection(('127.0.0.1', {port}), 1)")
        ),
    }[how]
    s = spec(server, kind, port, pidfile, ready, export=(("SVC_URL", f"http://127.0.0.1:{port}"),))
    logs = tmp_path / "logs"
    with running_services([s], root=tmp_path, environ=dict(os.environ), logs=logs) as services:
        # ready means it answers now
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass
        assert services.exported == {"SVC_URL": f"http://127.0.0.1:{port}"}
        assert services.dead() == []
        pids = pids_of(pidfile)
        assert all(alive(p) for p in pids)
    assert gone_within(pids, 10), "the service or its child outlived the run"
    assert f"server starting on {port}" in (tmp_path / "logs" / "svc.log").read_text()


def test_http_readiness_asks_the_service_not_a_proxy_from_the_environment(
    tmp_path: Path, server: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")  # nothing listens on the discard port
    monkeypatch.setenv("no_proxy", "")
    ready = Readiness(http=f"http://127.0.0.1:{port}/healthz")
    s = spec(server, "http", port, tmp_path / "pids", ready, ready_timeout=5.0)
    with start([s], tmp_path) as services:
        assert services.dead() == []


def test_a_service_that_never_becomes_ready_is_one_line_with_its_log_tail(
    tmp_path: Path, server: Path
) -> None:
    port = free_port()
    pidfile = tmp_path / "pids"
    s = spec(server, "never", port, pidfile, Readiness(tcp=f"127.0.0.1:{port}"), ready_timeout=1.0)
    with pytest.raises(MeasureError) as info, start([s], tmp_path):
        pytest.fail("the body must not run")
    message = str(info.value)
    assert "\n" not in message
    assert "service 'svc' not ready after 1 s" in message
    assert f"server starting on {port}" in message
    assert gone_within(pids_of(pidfile), 10), "a service that never became ready was left running"


def test_a_service_that_exits_at_once_names_its_exit_and_escapes_its_log(tmp_path: Path) -> None:
    s = ServiceSpec(
        name="quits",
        command=(PY, "-c", r"print('bad \x1b[31mconfig\x1b[0m'); raise SystemExit(3)"),
        ready=Readiness(tcp="127.0.0.1:1"),
    )
    with pytest.raises(MeasureError) as info, start([s], tmp_path):
        pytest.fail("the body must not run")
    message = str(info.value)
    assert "service 'quits' exited before it was ready (exit code 3)" in message
    assert "\x1b" not in message
    assert "config" in message


def test_services_started_before_one_that_fails_are_stopped(tmp_path: Path, server: Path) -> None:
    port = free_port()
    pidfile = tmp_path / "pids"
    first = spec(server, "tcp", port, pidfile, Readiness(tcp=f"127.0.0.1:{port}"), name="first")
    second = ServiceSpec(
        name="second", command=(PY, "-c", "raise SystemExit(1)"), ready=Readiness(tcp="127.0.0.1:1")
    )
    with (
        pytest.raises(MeasureError, match="service 'second' exited before it was ready"),
        start([first, second], tmp_path),
    ):
        pass
    assert gone_within(pids_of(pidfile), 10)


def test_a_service_that_dies_during_the_run_is_reported_with_its_log(tmp_path: Path) -> None:
    s = ServiceSpec(
        name="brief", command=(PY, "-c", "import time; print('going down', flush=True); time.sleep(0.3)")
    )
    with start([s], tmp_path) as services:
        deadline = time.monotonic() + 10
        while not services.dead() and time.monotonic() < deadline:
            time.sleep(0.05)
        [(name, message)] = services.dead()
    assert name == "brief"
    assert "service 'brief' died during the run (exit code 0)" in message
    assert "going down" in message
    r = service_failure(name, message)
    assert r.benchmark.name == "service:brief"
    assert r.error == message


def test_an_error_in_the_body_still_stops_the_services(tmp_path: Path, server: Path) -> None:
    port = free_port()
    pidfile = tmp_path / "pids"
    s = spec(server, "tcp", port, pidfile, Readiness(tcp=f"127.0.0.1:{port}"))
    with pytest.raises(KeyboardInterrupt), start([s], tmp_path):
        raise KeyboardInterrupt
    assert gone_within(pids_of(pidfile), 10)


def test_a_service_that_ignores_its_stop_signal_is_killed_after_the_grace(tmp_path: Path) -> None:
    pidfile = tmp_path / "pid"
    src = (
        "import os, signal, time\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        f"open({str(pidfile)!r}, 'w').write(str(os.getpid()))\n"
        "time.sleep(600)\n"
    )
    s = ServiceSpec(
        name="stubborn",
        command=(PY, "-c", src),
        ready=Readiness(command=(PY, "-c", f"import os; assert os.path.getsize({str(pidfile)!r})")),
        stop_timeout=0.2,
    )
    with start([s], tmp_path):
        pid = int(pidfile.read_text())
    assert not alive(pid)


# --- the spec and its configuration --------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"name": "bad name"}, "name"),
        ({"command": "nats-server -p 4222"}, "command"),
        ({"command": ()}, "command"),
        ({"env": (("1X", "v"),)}, "env"),
        ({"export": (("A", "1"), ("A", "2"))}, "export.A"),
        ({"ready_timeout": 0.0}, "ready_timeout"),
        ({"stop_timeout": float("inf")}, "stop_timeout"),
        ({"tiers": ()}, "tiers"),
    ],
)
def test_the_spec_refuses_what_cannot_run(kwargs: dict[str, object], key: str) -> None:
    base: dict[str, object] = {"name": "nats", "command": ("nats-server",)}
    with pytest.raises(SpecError) as info:
        ServiceSpec(**{**base, **kwargs})  # type: ignore[arg-type]
    assert info.value.key == key


def test_the_spec_refuses_an_unknown_signal_number() -> None:
    with pytest.raises(SpecError) as info:
        ServiceSpec(name="nats", command=("nats-server",), stop_signal=999)
    assert info.value.key == "stop_signal"


@pytest.mark.parametrize(
    ("ready", "key"),
    [
        ({"http": "localhost:8222"}, "ready.http"),
        ({"tcp": "127.0.0.1"}, "ready.tcp"),
        ({"tcp": "127.0.0.1:70000"}, "ready.tcp"),
        ({"command": ()}, "ready.command"),
        ({"http": "http://127.0.0.1:1/", "tcp": "127.0.0.1:1"}, "ready"),
    ],
)
def test_readiness_refuses_what_cannot_be_checked(ready: dict[str, object], key: str) -> None:
    with pytest.raises(SpecError) as info:
        Readiness(**ready)  # type: ignore[arg-type]
    assert info.value.key == key


def config(tmp_path: Path, services: list[dict[str, object]]) -> object:
    data = {"tiers": {"load": {}}, "services": services}
    return parse_config(data, tmp_path, tmp_path / "pyproject.toml", "p")


def test_the_configuration_parses_a_service(tmp_path: Path) -> None:
    cfg = config(
        tmp_path,
        [
            {
                "name": "nats",
                "command": ["nats-server", "-p", "4222", "-m", "8222"],
                "env": {"GOMAXPROCS": "1"},
                "ready": {"http": "http://127.0.0.1:8222/healthz"},
                "ready_timeout": "20s",
                "stop_signal": "INT",
                "stop_timeout": "3s",
                "tiers": ["load"],
                "export": {"NATS_URL": "nats://127.0.0.1:4222"},
            }
        ],
    )
    [s] = cfg.services  # type: ignore[attr-defined]
    assert s == ServiceSpec(
        name="nats",
        command=("nats-server", "-p", "4222", "-m", "8222"),
        env=(("GOMAXPROCS", "1"),),
        ready=Readiness(http="http://127.0.0.1:8222/healthz"),
        ready_timeout=20.0,
        stop_signal=int(signal.SIGINT),
        stop_timeout=3.0,
        tiers=("load",),
        export=(("NATS_URL", "nats://127.0.0.1:4222"),),
    )
    assert s.runs_in("load") and not s.runs_in("fast") and s.runs_in(None)


@pytest.mark.parametrize(
    ("service", "where"),
    [
        ({"command": ["x"]}, "tool.perfgate.services[0].name: missing"),
        (
            {"name": "a", "command": ["x"], "ready": {"udp": "x"}},
            "tool.perfgate.services[0].ready.udp: unknown key",
        ),
        (
            {"name": "a", "command": ["x"], "ready": {"tcp": "nope"}},
            "tool.perfgate.services[0].ready.tcp: expected",
        ),
        (
            {"name": "a", "command": ["x"], "stop_signal": "SIGNOPE"},
            "tool.perfgate.services[0].stop_signal: unknown",
        ),
        ({"name": "a", "command": ["x"], "tiers": ["nightly"]}, "tool.perfgate.services[0].tiers: no tier"),
        ({"name": "a", "command": "x y"}, "tool.perfgate.services[0].command: a string runs only with shell"),
        (
            {"name": "a", "command": ["x"], "export": {"A": 1}},
            "tool.perfgate.services[0].export.A: expected str",
        ),
        ({"name": "a", "command": ["x"], "port": 1}, "tool.perfgate.services[0].port: unknown key"),
    ],
)
def test_a_bad_service_table_is_one_line_naming_file_and_key(
    tmp_path: Path, service: dict[str, object], where: str
) -> None:
    with pytest.raises(ConfigError) as info:
        config(tmp_path, [service])
    assert str(info.value).startswith(f"{tmp_path / 'pyproject.toml'}: {where}")


def test_two_services_may_not_share_a_name(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"services\[1\]\.name: another service is named 'a'"):
        config(tmp_path, [{"name": "a", "command": ["x"]}, {"name": "a", "command": ["y"]}])


def test_port_placeholder_gives_each_copy_of_a_service_its_own_free_port(
    tmp_path: Path, server: Path
) -> None:
    s = ServiceSpec(
        name="svc",
        command=(PY, str(server), "http", "{port}", str(tmp_path / "pids-{port}")),
        ready=Readiness(http="http://127.0.0.1:{port}/healthz"),
        export=(("SVC_URL", "http://127.0.0.1:{port}"),),
    )
    assert s.uses_port and not s.with_port(8080).uses_port
    assert s.with_port(8080).ready.http == "http://127.0.0.1:8080/healthz"
    plain = ServiceSpec(name="p", command=(PY, "-V"))
    assert not plain.uses_port and plain.with_port(1) == plain
    with (
        running_services([s], root=tmp_path, environ=dict(os.environ), logs=tmp_path / "a") as a,
        running_services([s], root=tmp_path, environ=dict(os.environ), logs=tmp_path / "b") as b,
    ):
        pa, pb = a.ports["svc"], b.ports["svc"]
        assert pa != pb  # two copies side by side, each on its own port
        assert a.exported == {"SVC_URL": f"http://127.0.0.1:{pa}"}
        assert b.specs[0].command[3] == str(pb)
        for port in (pa, pb):
            with socket.create_connection(("127.0.0.1", port), timeout=5):
                pass
        started = pids_of(tmp_path / f"pids-{pa}") + pids_of(tmp_path / f"pids-{pb}")
    assert gone_within(started, 10)


def test_tcp_readiness_may_name_the_port_placeholder() -> None:
    assert Readiness(tcp="127.0.0.1:{port}").tcp == "127.0.0.1:{port}"
    with pytest.raises(SpecError, match="host:port"):
        Readiness(tcp="127.0.0.1:{prot}")


def test_a_port_placeholder_anywhere_asks_for_a_port() -> None:
    assert ServiceSpec(name="a", command=("x",), ready=Readiness(tcp="127.0.0.1:{port}")).uses_port
    assert ServiceSpec(name="b", command=("x",), env=(("PORT", "{port}"),)).uses_port
    assert ServiceSpec(name="c", command="x --port {port}", shell=True).uses_port
    assert not ServiceSpec(name="d", command=("x", "--port", "8080")).uses_port
