"""Worker mode: a pytest process that measures benchmarks on request, for ``perfgate ab``.

``perfgate ab`` starts one persistent pytest process per side (base, head) with
``--perfgate --perfgate-worker RFD:WFD``: commands arrive as JSON lines on file descriptor ``RFD`` and
answers leave on ``WFD`` (pytest and the tests own stdout and stderr, so the protocol has its own pipes).
The controller alternates chunks of rounds between the two workers; only one of them runs at a time.

The conversation, one JSON object per line (``->`` worker to controller, ``<-`` controller to worker):

1. after collection: ``-> {"type": "collected", "ids": [...], "shadowed": [[module, file], ...]}``
   (every benchmark's node id, in collection order; ``shadowed`` lists top-level modules of the tree
   in ``$PERFGATE_AB_TREE`` that were imported from somewhere else), then
   ``<- {"cmd": "select", "ids": [...], "fork": bool}``: the worker runs exactly these, in this order;
   with ``fork`` (POSIX), every episode (below) runs in a forked child of the worker, so each one gets
   fresh physical memory for everything it writes.
2. when a benchmark calls ``benchmark(fn)`` (or a marked test's body is measured), the worker calibrates
   and answers ``-> {"type": "ready", "id": ..., "iterations": n, "per_call": seconds}``; then any number
   of ``<- {"cmd": "run", "rounds": k, "iterations": n}`` each answered by
   ``-> {"type": "samples", "values": [seconds per call, ...]}``, until ``<- {"cmd": "done"}`` returns
   control to the test. Instead of ``done``, ``<- {"cmd": "again", "shift": k}`` starts a new
   **episode** of the same benchmark: the worker lays ``k`` fresh objects on its heap (kept alive for the
   episode, so the objects the benchmark allocates land elsewhere than in the last episode), calibrates
   again and answers ``ready`` again, then serves ``run`` commands as before. An exception from the
   benchmarked code, or a call that runs past ``--perfgate-timeout`` (armed only while the worker
   calibrates or runs rounds, never while it waits for a command), is answered with
   ``-> {"type": "error", "error": "Type: message"}`` and then fails the test as usual.
3. after every selected test, passed, failed or skipped: ``-> {"type": "end", "id": ..., "outcome": ...}``.
4. at the end of the session: ``-> {"type": "bye"}``.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import sys
import time
from collections.abc import Callable
from itertools import repeat
from pathlib import Path
from typing import Any, BinaryIO

import pytest

from perfgate.measure import (
    BenchmarkTimeout,
    Measurement,
    RoundWatch,
    Timer,
    TimerSettings,
    measure_resolution,
    timeout_alarm,
)
from perfgate.pytest_plugin.markers import is_benchmark

__all__ = ["WORKER_KEY", "Worker", "WorkerProtocolError", "active", "add_option", "configure", "parse_fds"]

WORKER_KEY = pytest.StashKey["Worker"]()
TREE_ENV = "PERFGATE_AB_TREE"
_NS = 1_000_000_000


class WorkerProtocolError(Exception):
    """The controller sent something the worker does not understand (or went away)."""


def parse_fds(text: str) -> tuple[int, int]:
    """``"5:6"`` -> (5, 6): the descriptor commands come in on and the one answers go out on."""
    try:
        r, w = (int(x) for x in text.split(":"))
    except ValueError:
        raise pytest.UsageError(f"perfgate: --perfgate-worker expects RFD:WFD, got {text!r}") from None
    if r < 0 or w < 0:
        raise pytest.UsageError(f"perfgate: --perfgate-worker expects RFD:WFD, got {text!r}")
    return r, w


def add_option(parser: pytest.Parser) -> None:
    """Register ``--perfgate-worker`` (internal: used by ``perfgate ab``)."""
    parser.getgroup("perfgate").addoption(
        "--perfgate-worker",
        metavar="RFD:WFD",
        default=None,
        help="internal (perfgate ab): measure on request over the pipes RFD (commands) and WFD (answers)",
    )


def configure(config: pytest.Config, timeout: float | None = None) -> None:
    """Enter worker mode when ``--perfgate-worker`` was given; ``timeout`` (seconds) fails a benchmark
    call that runs past it (see :func:`perfgate.measure.timeout_alarm`)."""
    raw = config.getoption("perfgate_worker", None)
    if not raw:
        return
    if not config.getoption("perfgate"):
        raise pytest.UsageError("perfgate: --perfgate-worker needs --perfgate")
    r, w = parse_fds(raw)
    # Summaries need numpy (a second to import): load it now, while the other side starts up too, rather
    # than after the first benchmark, where the controller would wait for it.
    import perfgate.stats.summary  # noqa: F401

    worker = Worker(os.fdopen(r, "rb", buffering=0), os.fdopen(w, "wb", buffering=0), timeout=timeout)
    config.stash[WORKER_KEY] = worker
    config.pluginmanager.register(worker, "perfgate-worker")


def active(config: pytest.Config) -> Worker | None:
    """The session's worker, or None outside worker mode."""
    return config.stash.get(WORKER_KEY, None)


def _shadowed(tree: Path) -> list[list[str]]:
    """Top-level modules of ``tree`` (its root and ``src/``) that were imported from elsewhere."""
    names: set[str] = set()
    for base in (tree, tree / "src"):
        if not base.is_dir():
            continue
        for p in base.iterdir():
            if p.is_dir() and (p / "__init__.py").exists():
                names.add(p.name)
            elif p.suffix == ".py" and p.stem.isidentifier() and p.stem not in ("conftest", "setup"):
                names.add(p.stem)
    out = []
    root = tree.resolve()
    for name in sorted(names):
        mod = sys.modules.get(name)
        where = getattr(mod, "__file__", None)
        if mod is None or where is None:
            continue
        if not Path(where).resolve().is_relative_to(root):
            out.append([name, str(where)])
    return out


def _error_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__


def _ballast(shift: int) -> list[Any]:
    """``shift`` small objects and one buffer of ``shift`` words, laid on the heap for one episode.

    Small objects come from the interpreter's pools and the buffer from the C heap, so both kinds of
    memory the benchmark allocates from start at another place than in the previous episode.
    """
    shift = max(0, min(shift, 1 << 16))
    return [[None] * shift, *(object() for _ in range(shift))]


class Worker:
    """The worker side of the protocol; registered as a pytest plugin in worker mode."""

    def __init__(
        self,
        rfile: BinaryIO,
        wfile: BinaryIO,
        clock: Callable[[], int] = time.perf_counter_ns,
        timeout: float | None = None,
    ):
        self._r = rfile
        self._w = wfile
        self.clock = clock
        # Armed only while the worker runs the benchmark, never while it waits for the controller.
        self.timeout = timeout
        self.fork_episodes = False
        for f in (rfile, wfile):  # code under test may spawn processes: they must not inherit the pipes
            os.set_inheritable(f.fileno(), False)

    # wire ---------------------------------------------------------------------------------------------
    def send(self, message: dict[str, Any]) -> None:
        self._w.write(json.dumps(message, allow_nan=False).encode() + b"\n")

    def receive(self) -> dict[str, Any]:
        line = bytearray()
        while not line.endswith(b"\n"):
            chunk = self._r.read(1)
            if not chunk:
                raise WorkerProtocolError("the perfgate controller closed the pipe")
            line += chunk
        try:
            message = json.loads(line)
        except json.JSONDecodeError as exc:
            raise WorkerProtocolError(f"bad message from the controller: {exc}") from None
        if not isinstance(message, dict) or not isinstance(message.get("cmd"), str):
            raise WorkerProtocolError(f"bad message from the controller: {line.decode(errors='replace')!r}")
        return message

    # pytest hooks -------------------------------------------------------------------------------------
    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        benchmarks = [i for i in items if is_benchmark(i)]
        tree = os.environ.get(TREE_ENV)
        shadowed = _shadowed(Path(tree)) if tree else []
        self.send({"type": "collected", "ids": [i.nodeid for i in benchmarks], "shadowed": shadowed})
        reply = self.receive()
        if reply["cmd"] != "select" or not isinstance(reply.get("ids"), list):
            raise WorkerProtocolError(f"expected a selection, got {reply!r}")
        self.fork_episodes = bool(reply.get("fork")) and hasattr(os, "fork")
        by_id = {i.nodeid: i for i in benchmarks}
        chosen = [by_id[n] for n in reply["ids"] if n in by_id]
        keep = set(map(id, chosen))
        dropped = [i for i in items if id(i) not in keep]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
        items[:] = chosen

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        # "end" once per test: after teardown, with the worst outcome of its phases.
        if report.when == "call" or (report.when == "setup" and not report.passed):
            self._outcome = report.outcome
        if report.when == "teardown":
            outcome = getattr(self, "_outcome", "passed")
            if report.failed:
                outcome = "failed"
            self.send({"type": "end", "id": report.nodeid, "outcome": outcome})
            self._outcome = "passed"

    def pytest_sessionfinish(self) -> None:
        with contextlib.suppress(OSError):  # the controller is gone (interrupted): nothing left to tell
            self.send({"type": "bye"})

    # serving a benchmark ------------------------------------------------------------------------------
    def _calibrate(
        self, name: str, fn: Callable[[], Any], timer: Timer, target: int, resolution: int
    ) -> tuple[int, int, Any]:
        """Calibrate ``fn`` and announce ``ready``: ``(iterations, calibration rounds, last value)``."""
        clock = self.clock
        try:
            with timeout_alarm(self.timeout, RoundWatch(), clock):
                n, rounds, _end, value, _last = timer.calibrate(fn, target, resolution)
                t0 = clock()
                for _ in repeat(None, n):
                    value = fn()
                per_call = (clock() - t0) / n / _NS
        except (Exception, BenchmarkTimeout) as exc:
            self.send({"type": "error", "id": name, "error": _error_line(exc)})
            raise
        self.send({"type": "ready", "id": name, "iterations": n, "per_call": per_call})
        return n, rounds, value

    def serve(self, name: str, fn: Callable[[], Any], settings: TimerSettings | None = None) -> Measurement:
        """Calibrate ``fn``, then run rounds as the controller asks until it says ``done``.

        The samples of every ``run`` command are kept in the returned Measurement (the controller has
        them too and decides what is warm-up). An exception from ``fn`` is reported, then re-raised.
        With ``fork_episodes`` each episode runs in a forked child (see :meth:`_serve_forked`).
        """
        if self.fork_episodes:
            return self._serve_forked(name, fn, settings)
        return self._serve(name, fn, settings)

    def _serve_forked(self, name: str, fn: Callable[[], Any], settings: TimerSettings | None) -> Measurement:
        """Each episode in a forked child, which serves until ``again`` or ``done`` and passes its
        samples back; the value returned to the test comes from one more, untimed call here."""
        samples: list[float] = []
        iterations = calib_rounds = 0
        while True:
            r, w = os.pipe()
            pid = os.fork()
            if pid == 0:  # the child: one episode, then leave without running any of pytest's cleanup
                code = 3
                try:
                    os.close(r)
                    m = self._serve(name, fn, settings, stop_on_again=True)
                    body = {
                        "samples": list(m.samples),
                        "iterations": m.iterations,
                        "calibration_rounds": m.calibration_rounds,
                        "again": m.stopped_by == "again",
                    }
                    with os.fdopen(w, "wb") as out:
                        out.write(json.dumps(body).encode())
                    code = 0
                except (Exception, BenchmarkTimeout):
                    code = 2  # the error has been reported to the controller
                finally:
                    os._exit(code)
            os.close(w)
            with os.fdopen(r, "rb") as inp:
                data = inp.read()
            _, status = os.waitpid(pid, 0)
            code = os.waitstatus_to_exitcode(status)
            if code != 0 or not data:
                if code != 2:
                    self.send({"type": "error", "id": name, "error": f"the episode's process died ({code})"})
                raise RuntimeError(f"perfgate ab: {name} failed in a forked episode (exit code {code})")
            body = json.loads(data)
            samples += [float(v) for v in body["samples"]]
            iterations = int(body["iterations"]) if body["samples"] else iterations or int(body["iterations"])
            calib_rounds += int(body["calibration_rounds"])
            if not body["again"]:
                break
        value = fn()  # what the test gets back, as without forking (untimed)
        return Measurement(
            samples=tuple(samples), iterations=max(1, iterations), warmup_rounds=0,
            calibration_rounds=calib_rounds, resolution=0.0, round_target=0.0, loop_overhead=None,
            stopped_by="controller", value=value,
        )  # fmt: skip

    def _serve(
        self,
        name: str,
        fn: Callable[[], Any],
        settings: TimerSettings | None = None,
        stop_on_again: bool = False,
    ) -> Measurement:
        s = settings or TimerSettings()
        clock = self.clock
        gc_was_enabled = gc.isenabled()
        if s.disable_gc:
            gc.collect()
            gc.disable()
        samples: list[float] = []
        value: Any = None
        ballast: list[Any] = []
        calib_rounds = 0
        stopped_by = "controller"
        watch = RoundWatch()
        try:
            resolution = measure_resolution(clock)
            target = max(int(s.min_time * _NS), s.resolution_factor * resolution, 1)
            timer = Timer(s, clock=clock)
            ready = True
            while True:
                if ready:
                    n, rounds, value = self._calibrate(name, fn, timer, target, resolution)
                    calib_rounds += rounds
                    if not samples:  # else the measurement keeps the iterations of its last round
                        iterations = n
                    ready = False
                cmd = self.receive()
                if cmd["cmd"] == "done":
                    break
                if cmd["cmd"] == "again" and stop_on_again:
                    stopped_by = "again"
                    break
                if cmd["cmd"] == "again":
                    # A new episode: drop the old ballast first, then lay a new one of another size.
                    ballast = []
                    ballast = _ballast(int(cmd.get("shift", 0)))
                    ready = True
                    continue
                if cmd["cmd"] != "run":
                    raise WorkerProtocolError(f"unexpected command {cmd['cmd']!r} while measuring {name}")
                rounds, iterations = int(cmd["rounds"]), int(cmd["iterations"])
                chunk: list[float] = []
                try:
                    with timeout_alarm(self.timeout, watch, clock):
                        for _r in range(rounds):
                            watch.start(clock(), iterations)
                            t0 = clock()
                            for _ in repeat(None, iterations):
                                value = fn()
                            t1 = clock()
                            watch.end(t1)
                            chunk.append((t1 - t0) / iterations / _NS)
                except (Exception, BenchmarkTimeout) as exc:
                    self.send({"type": "error", "id": name, "error": _error_line(exc)})
                    raise
                samples.extend(chunk)
                self.send({"type": "samples", "values": chunk})
        finally:
            del ballast
            if s.disable_gc and gc_was_enabled:
                gc.enable()
        return Measurement(
            samples=tuple(samples),
            iterations=iterations,
            warmup_rounds=0,
            calibration_rounds=calib_rounds,
            resolution=resolution / _NS,
            round_target=target / _NS,
            loop_overhead=None,
            stopped_by=stopped_by,
            value=value,
        )
