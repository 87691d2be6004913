"""Services started for the benchmarks: a NATS server, a database, the HTTP service a load scenario hits.

One ``[[tool.perfgate.services]]`` table is one :class:`ServiceSpec`; :func:`running_services` starts
the services of a tier, waits until each is ready, yields what they export, and stops them all on the
way out, whatever happened in between. The choices:

- **No shell unless asked.** ``command`` is an argument list; a string only with ``shell = true``.
  It runs in ``cwd`` (relative to the project root) with perfgate's environment plus ``env``, stdin
  ``/dev/null``, its stdout and stderr both appended to ``<logs>/<name>.log`` (truncated at start).
- **Its own process group**, so stopping it stops what it started too: ``stop_signal`` (default
  SIGTERM) to the whole group, ``stop_timeout`` seconds of grace, then SIGKILL to the group. The
  leader dies with perfgate even on ``kill -9`` (:func:`~perfgate.measure.children.die_with_parent`).
- **Ready means ready**: an ``http`` URL answering 2xx, a ``tcp`` ``host:port`` accepting a
  connection, or a ``command`` exiting 0, polled until ``ready_timeout``. A service that exits before,
  or is not ready in time, is a :class:`~perfgate.errors.MeasureError` quoting the last lines of its
  log (escaped), and every service already started is stopped: nothing measured, nothing stored.
- **Dying during the run fails the run**: :meth:`Services.dead` lists the services that exited before
  they were stopped, each with its log tail, so the run gets a failed result ``service:<name>``.
- **Exports** (``export = { NATS_URL = "nats://127.0.0.1:4222" }``) are environment variables added
  to what the suites run with.
- **A port perfgate picks**: ``{port}`` in the command, ``env``, ``ready``, ``export`` or ``metrics``
  URL stands for a free TCP port on 127.0.0.1 chosen when the service starts (:data:`PORT`), so two
  copies of one service (``perfgate ab``'s base and head) can run side by side; :attr:`Services.ports`
  says which port each got. ``shared = true`` marks a dependency ``perfgate ab`` starts once for both
  sides (elsewhere it changes nothing).
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO

from perfgate.errors import MeasureError
from perfgate.escape import visible
from perfgate.measure.children import die_with_parent, sigterm_interrupts
from perfgate.measure.command import SpecError
from perfgate.measure.prometheus import PrometheusSpec
from perfgate.model import BenchmarkId, Direction, Result

__all__ = [
    "DEFAULT_READY_TIMEOUT",
    "DEFAULT_STOP_TIMEOUT",
    "PORT",
    "Readiness",
    "ServiceSpec",
    "Services",
    "free_port",
    "log_tail",
    "parse_signal",
    "running_services",
    "service_failure",
]

DEFAULT_READY_TIMEOUT = 30.0
DEFAULT_STOP_TIMEOUT = 10.0
#: how many of the last lines of a service's log an error quotes
TAIL_LINES = 10
_TAIL_BYTES = 16 * 1024
_POLL = 0.05  # seconds between readiness checks
_PROBE_TIMEOUT = 1.0  # seconds one http/tcp probe may take
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_HOST_PORT = re.compile(r"^\[?([^\[\]]+?)\]?:(\d{1,5})$")
# readiness asks the service itself: an http_proxy in the environment must not stand in between
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))
#: In a service's command, env, ready, export and metrics URL: the port perfgate picks when it starts.
PORT = "{port}"


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port on ``host`` nothing listens on now (the kernel's pick; free until someone binds it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def parse_signal(value: str | int) -> int:
    """``"SIGTERM"``, ``"TERM"``, ``"sigint"`` or a number as a signal number; ValueError otherwise."""
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return int(signal.Signals(value))
        except ValueError:
            raise ValueError(f"unknown signal number {value}") from None
    if isinstance(value, str):
        name = value.strip().upper()
        name = name if name.startswith("SIG") else f"SIG{name}"
        sig = getattr(signal.Signals, name, None)
        if sig is not None:
            return int(sig)
    raise ValueError(f"unknown signal {value!r} (e.g. SIGTERM, SIGINT, SIGQUIT)")


@dataclass(frozen=True, slots=True)
class Readiness:
    """When a service is ready: exactly one of an ``http`` URL answering 2xx, a ``tcp`` ``host:port``
    that accepts a connection, or a ``command`` (argument list) that exits 0. None at all: ready once
    started."""

    http: str | None = None
    tcp: str | None = None
    command: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        given = [k for k in ("http", "tcp", "command") if getattr(self, k) is not None]
        if len(given) > 1:
            raise SpecError("ready", f"give one of http, tcp or command, not {' and '.join(given)}")
        if self.http is not None and not re.match(r"^https?://[^/\s]+", self.http):
            raise SpecError("ready.http", f"expected an http:// or https:// URL, got {self.http!r}")
        if self.tcp is not None:
            m = _HOST_PORT.match(self.tcp.replace(PORT, "1"))
            if m is None or not 0 < int(m.group(2)) < 65536:
                raise SpecError("ready.tcp", f"expected host:port, got {self.tcp!r}")
        if self.command is not None and (not self.command or not self.command[0]):
            raise SpecError("ready.command", "must not be empty")

    def describe(self) -> str:
        if self.http is not None:
            return f"GET {self.http} answering 2xx"
        if self.tcp is not None:
            return f"a TCP connection to {self.tcp}"
        if self.command is not None:
            return f"{' '.join(self.command)} exiting 0"
        return "starting"


@dataclass(frozen=True, slots=True)
class ServiceSpec:
    """A service: one ``[[tool.perfgate.services]]`` table. Every rule is checked here, once, raising
    :class:`SpecError` naming the key. ``tiers`` None: it starts for every tier (and runs without one)."""

    name: str
    command: str | tuple[str, ...]
    shell: bool = False
    cwd: str = "."
    env: tuple[tuple[str, str], ...] = ()
    ready: Readiness = field(default_factory=Readiness)
    ready_timeout: float = DEFAULT_READY_TIMEOUT
    stop_signal: int = int(signal.SIGTERM)
    stop_timeout: float = DEFAULT_STOP_TIMEOUT
    tiers: tuple[str, ...] | None = None
    export: tuple[tuple[str, str], ...] = ()
    leak: float | None = None  # bytes per hour: a limit on the RSS growth (measure/resources.py)
    leak_text: str | None = None  # the limit as written, for messages
    metrics: PrometheusSpec | None = None  # scraped before and after the suites (measure/prometheus.py)
    shared: bool = False  # perfgate ab: started once, from the project root, for both sides

    def __post_init__(self) -> None:
        if not _NAME.fullmatch(self.name):
            what = "must be letters, digits, '_', '-' or '.' (not first)"
            raise SpecError("name", f"{what}, got {self.name!r}")
        if isinstance(self.command, str):
            if not self.shell:
                raise SpecError("command", "a string runs only with shell = true; give a list of arguments")
            if not self.command.strip():
                raise SpecError("command", "must not be empty")
        elif not self.command or not self.command[0]:
            raise SpecError("command", "must not be empty")
        elif self.shell:
            raise SpecError("command", "with shell = true, give the command as one string")
        if not self.cwd.strip() or "\0" in self.cwd:
            raise SpecError("cwd", f"must be a non-empty path, got {self.cwd!r}")
        for key, pairs in (("env", self.env), ("export", self.export)):
            seen: set[str] = set()
            for k, _ in pairs:
                if not _ENV_NAME.fullmatch(k):
                    raise SpecError(key, f"expected environment variable names, got {k!r}")
                if k in seen:
                    raise SpecError(f"{key}.{k}", "given twice")
                seen.add(k)
        for key, value in (("ready_timeout", self.ready_timeout), ("stop_timeout", self.stop_timeout)):
            if not (math.isfinite(value) and value > 0):
                raise SpecError(key, f"must be a positive number of seconds, got {value!r}")
        try:
            signal.Signals(self.stop_signal)
        except ValueError:
            raise SpecError("stop_signal", f"unknown signal number {self.stop_signal!r}") from None
        if self.leak is not None and not (math.isfinite(self.leak) and self.leak > 0):
            given = self.leak_text or repr(self.leak)
            raise SpecError("leak", f"must be a positive rate like '5MB/h', got {given}")
        if self.tiers is not None and not self.tiers:
            raise SpecError(
                "tiers", "is empty: the service would never start (name its tiers, or leave it out)"
            )

    def runs_in(self, tier: str | None) -> bool:
        """Whether the service starts for ``tier`` (every service starts for a run without a tier)."""
        return self.tiers is None or tier is None or tier in self.tiers

    def argv(self) -> tuple[str, ...]:
        return ("/bin/sh", "-c", self.command) if isinstance(self.command, str) else self.command

    @property
    def uses_port(self) -> bool:
        """Whether ``{port}`` (:data:`PORT`) appears anywhere it is replaced (see :meth:`with_port`)."""
        r, m = self.ready, self.metrics
        texts = [
            *([self.command] if isinstance(self.command, str) else self.command),
            *(v for _, v in self.env),
            *(v for _, v in self.export),
            r.http or "",
            r.tcp or "",
            *(r.command or ()),
            m.url if m is not None else "",
        ]
        return any(PORT in t for t in texts)

    def with_port(self, port: int) -> ServiceSpec:
        """This spec with ``{port}`` replaced by ``port`` in the command, ``env`` values, ``ready``,
        ``export`` values and the ``metrics`` URL."""
        p = str(port)

        def sub(text: str) -> str:
            return text.replace(PORT, p)

        command = sub(self.command) if isinstance(self.command, str) else tuple(map(sub, self.command))
        r = self.ready
        ready = Readiness(
            http=None if r.http is None else sub(r.http),
            tcp=None if r.tcp is None else sub(r.tcp),
            command=None if r.command is None else tuple(map(sub, r.command)),
        )
        m = self.metrics
        return replace(
            self,
            command=command,
            env=tuple((k, sub(v)) for k, v in self.env),
            ready=ready,
            export=tuple((k, sub(v)) for k, v in self.export),
            metrics=None if m is None else replace(m, url=sub(m.url)),
        )


def log_tail(path: Path, lines: int = TAIL_LINES) -> str:
    """The last ``lines`` non-blank lines of a log, each escaped, joined by `` | `` (one line)."""
    try:
        with path.open("rb") as f:
            size = f.seek(0, os.SEEK_END)
            f.seek(max(0, size - _TAIL_BYTES))
            raw = f.read()
    except OSError:
        return ""
    kept = [ln.strip() for ln in raw.decode("utf-8", "replace").splitlines() if ln.strip()]
    return " | ".join(visible(ln[:300]) for ln in kept[-lines:])


def service_failure(name: str, message: str) -> Result:
    """The failed result ``service:<name>`` that a service dying during a run adds to the run: the gate
    fails on it like on any benchmark that failed."""
    return Result(
        BenchmarkId(f"service:{name}", group="service"),
        "time",
        "s",
        Direction.LOWER,
        error=message,
        extra={"service": name},
    )


@dataclass(slots=True)
class _Running:
    spec: ServiceSpec
    proc: subprocess.Popen[bytes]
    log: Path
    port: int | None = None  # the port ``{port}`` stood for
    stopping: bool = False
    stopped: bool = False


def _exit_text(code: int) -> str:
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


class Services:
    """The services started for one run: what they export, and which of them died."""

    def __init__(self, running: Sequence[_Running]) -> None:
        self._running = list(running)

    @property
    def exported(self) -> dict[str, str]:
        """The environment variables the services export to the suites, in start order."""
        return {k: v for r in self._running for k, v in r.spec.export}

    @property
    def ports(self) -> dict[str, int]:
        """The port perfgate picked for each service that asked for one (``{port}``), by name."""
        return {r.spec.name: r.port for r in self._running if r.port is not None}

    @property
    def specs(self) -> tuple[ServiceSpec, ...]:
        """The specs the services run with (``{port}`` replaced), in start order."""
        return tuple(r.spec for r in self._running)

    @property
    def pids(self) -> tuple[int, ...]:
        """The process (and process group) ids of the services, in start order."""
        return tuple(r.proc.pid for r in self._running)

    def dead(self) -> list[tuple[str, str]]:
        """``(name, message)`` of each service that exited on its own while it should be running; the
        message says how it ended and quotes its log's tail."""
        out = []
        for r in self._running:
            code = r.proc.poll()
            if code is not None and not r.stopping:
                message = f"service {r.spec.name!r} died during the run ({_exit_text(code)})"
                tail = log_tail(r.log)
                out.append((r.spec.name, f"{message}; log {r.log}: {tail}" if tail else message))
        return out


def _stop(r: _Running) -> None:
    """Stop ``r``'s process group: its stop signal, the grace period, then SIGKILL to the group (also
    when the leader is already gone: what it started may not be)."""
    r.stopping = True
    if r.proc.poll() is None:
        with contextlib.suppress(OSError):
            os.killpg(r.proc.pid, r.spec.stop_signal)
        with contextlib.suppress(subprocess.TimeoutExpired):
            r.proc.wait(r.spec.stop_timeout)
    with contextlib.suppress(OSError):
        os.killpg(r.proc.pid, signal.SIGKILL)
    r.proc.wait()
    r.stopped = True


def _probe(ready: Readiness, cwd: Path, env: Mapping[str, str], deadline: float) -> bool:
    timeout = max(0.05, min(_PROBE_TIMEOUT, deadline - time.monotonic()))
    if ready.http is not None:
        try:
            with _DIRECT.open(ready.http, timeout=timeout) as resp:
                return 200 <= int(resp.status) < 300
        except (OSError, ValueError):  # refused, reset, timed out, non-2xx (HTTPError)
            return False
    if ready.tcp is not None:
        m = _HOST_PORT.match(ready.tcp)
        assert m is not None
        try:
            with socket.create_connection((m.group(1), int(m.group(2))), timeout=timeout):
                return True
        except OSError:
            return False
    if ready.command is not None:
        try:
            done = subprocess.run(
                list(ready.command),
                cwd=cwd,
                env=dict(env),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=max(0.05, deadline - time.monotonic()),
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            return False
        return done.returncode == 0
    return True


def _start(spec: ServiceSpec, root: Path, environ: Mapping[str, str], logs: Path) -> _Running:
    cwd = root / spec.cwd
    if not cwd.is_dir():
        raise MeasureError(f"service {spec.name!r}: its working directory {cwd} does not exist")
    log = logs / f"{spec.name}.log"
    env = {**environ, **dict(spec.env)}
    try:
        logs.mkdir(parents=True, exist_ok=True)
        out: IO[bytes] = log.open("wb")
    except OSError as exc:
        raise MeasureError(
            f"service {spec.name!r}: cannot write its log {log}: {exc.strerror or exc}"
        ) from None
    with out, die_with_parent() as preexec:
        try:
            proc = subprocess.Popen(
                list(spec.argv()),
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                preexec_fn=preexec,
                process_group=0,
            )
        except OSError as exc:
            raise MeasureError(
                f"service {spec.name!r}: cannot start {spec.argv()[0]!r}: {exc.strerror or exc}"
            ) from None
    return _Running(spec, proc, log)


def _wait_ready(r: _Running, root: Path, environ: Mapping[str, str]) -> None:
    spec = r.spec
    env = {**environ, **dict(spec.env)}
    deadline = time.monotonic() + spec.ready_timeout
    while True:
        code = r.proc.poll()
        if code is not None:
            problem = f"exited before it was ready ({_exit_text(code)})"
            break
        if _probe(spec.ready, root / spec.cwd, env, deadline):
            return
        if time.monotonic() >= deadline:
            problem = f"not ready after {spec.ready_timeout:g} s (waited for {spec.ready.describe()})"
            break
        time.sleep(_POLL)
    tail = log_tail(r.log)
    raise MeasureError(f"service {spec.name!r} {problem}; log {r.log}: {tail or '(empty)'}")


@contextlib.contextmanager
def running_services(
    specs: Sequence[ServiceSpec], *, root: Path, environ: Mapping[str, str], logs: Path
) -> Iterator[Services]:
    """Start ``specs`` in order (each that uses ``{port}`` on a free port picked now), each ready before
    the next starts; yield them; stop them all (in reverse order) on the way out, also on an error,
    Ctrl-C or SIGTERM (which unwinds like Ctrl-C meanwhile). A service that cannot start or never
    becomes ready raises :class:`MeasureError` after the ones started are stopped."""
    started: list[_Running] = []
    with sigterm_interrupts():
        try:
            for spec in specs:
                port = free_port() if spec.uses_port else None
                r = _start(spec if port is None else spec.with_port(port), root, environ, logs)
                r.port = port
                started.append(r)
                _wait_ready(r, root, environ)
            yield Services(started)
        finally:
            try:
                for r in reversed(started):
                    _stop(r)
            finally:  # interrupted while stopping: kill what is left at once rather than leave it running
                for r in started:
                    if not r.stopped:
                        with contextlib.suppress(OSError):
                            os.killpg(r.proc.pid, signal.SIGKILL)
