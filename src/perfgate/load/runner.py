"""Run a load test on several worker processes and merge what they measured.

The parent starts ``workers`` processes (each its own event loop, see :mod:`perfgate.load.engine`),
gives them one start time, and merges their per-second windows into HDR histograms as they arrive (so
progress can show each second). On any exit, Ctrl-C included, every worker is ended and waited for.
"""

from __future__ import annotations

import gc
import math
import os
import socket
import subprocess
import sys
from array import array
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any

from perfgate.errors import MeasureError
from perfgate.load.engine import WorkerSpec, clock
from perfgate.load.scenario import ClosedModel, OpenModel, Scenario

__all__ = ["PERCENTILES", "LoadReport", "Window", "run_load"]

#: The latency percentiles reported, as (metric suffix, percentile).
PERCENTILES: tuple[tuple[str, float], ...] = (
    ("p50", 50.0),
    ("p90", 90.0),
    ("p95", 95.0),
    ("p99", 99.0),
    ("p99.9", 99.9),
)
_HIGHEST_US = 3_600_000_000  # an hour, in microseconds: the histograms' range
_WORKER = "from perfgate.load.engine import main; main()"
_SHORT_TAIL = 0.5  # an untimed run's last window shorter than this (s) joins the one before it
_COLLECT_EVERY = 60  # settled windows between two garbage collections in a long run


def _require_extra() -> None:
    """The workers' hot path needs uvloop and httptools, the parent hdrhistogram: without the load
    extra, say so once here rather than let each worker die with an import traceback."""
    import importlib.util

    if any(importlib.util.find_spec(m) is None for m in ("uvloop", "httptools", "hdrh")):
        raise MeasureError("perfgate load needs the load extra: pip install 'perfgate[load]'")


def _histogram() -> Any:
    try:
        from hdrh.histogram import HdrHistogram  # type: ignore[import-untyped]
    except ImportError:  # pragma: no cover (the load extra brings it)
        raise MeasureError("perfgate load needs the load extra: pip install 'perfgate[load]'") from None
    return HdrHistogram(1, _HIGHEST_US, 3)


def _record(hist: Any, raw: bytes) -> None:
    """Record a worker's latencies (int64 microseconds) in bulk: one call per distinct value."""
    values = array("q")
    values.frombytes(raw)
    for v, n in Counter(values).items():
        hist.record_value(min(max(v, 1), _HIGHEST_US), n)


@dataclass(frozen=True, slots=True)
class Window:
    """About one second of the measured part of a run: what completed in it. ``errors`` counts the
    answers with an unexpected status and the ``failed`` requests (no answer)."""

    seconds: float
    responses: int
    errors: int
    failed: int
    nbytes: int
    latency: Mapping[str, float]  # p50 ... p99.9, max, mean in seconds (empty without responses)

    @property
    def rps(self) -> float:
        return self.responses / self.seconds

    @property
    def error_rate(self) -> float:
        total = self.responses + self.failed
        return self.errors / total if total else 0.0


@dataclass(frozen=True, slots=True)
class LoadReport:
    """What a load test measured (the warm-up left out). ``responses`` counts every answer whatever
    its status; ``errors`` the answers with an unexpected status plus the requests that got none
    (``error_kinds``: timeouts, refused or closed connections, responses that are not HTTP)."""

    scenario: Scenario
    model: OpenModel | ClosedModel
    workers: int
    sent: int
    responses: int
    errors: int
    statuses: Mapping[int, int]
    error_kinds: Mapping[str, int]
    nbytes: int
    seconds: float
    latency: Mapping[str, float]
    windows: tuple[Window, ...] = field(default=())

    @property
    def closed_loop(self) -> bool:
        return isinstance(self.model, ClosedModel)

    @property
    def rps(self) -> float:
        """Answers per second over the measured time (until the last answer)."""
        return self.responses / self.seconds if self.seconds > 0 else 0.0

    @property
    def error_rate(self) -> float:
        total = self.responses + sum(self.error_kinds.values())
        return self.errors / total if total else 0.0


def _latencies(hist: Any) -> dict[str, float]:
    if hist.get_total_count() == 0:
        return {}
    out = {name: hist.get_value_at_percentile(p) / 1e6 for name, p in PERCENTILES}
    out["max"] = hist.get_max_value() / 1e6
    out["mean"] = hist.get_mean_value() / 1e6
    return out


class _Merged:
    """One window (or the whole run) of every worker, merged."""

    def __init__(self) -> None:
        self.hist = _histogram()
        self.begin = math.inf
        self.end = -math.inf
        self.statuses: Counter[int] = Counter()
        self.kinds: Counter[str] = Counter()
        self.nbytes = 0
        self.reported = 0

    def add(
        self,
        begin: float,
        end: float,
        raw: bytes,
        statuses: Mapping[int, int],
        kinds: Mapping[str, int],
        nbytes: int,
    ) -> None:
        self.begin, self.end = min(self.begin, begin), max(self.end, end)
        _record(self.hist, raw)
        self.statuses.update(statuses)
        self.kinds.update(kinds)
        self.nbytes += nbytes
        self.reported += 1

    def merge(self, other: _Merged) -> None:
        self.begin, self.end = min(self.begin, other.begin), max(self.end, other.end)
        self.hist.add(other.hist)
        self.statuses.update(other.statuses)
        self.kinds.update(other.kinds)
        self.nbytes += other.nbytes

    def errors(self, expect: frozenset[int]) -> int:
        return sum(n for s, n in self.statuses.items() if s not in expect) + sum(self.kinds.values())

    def window(self, expect: frozenset[int]) -> Window:
        return Window(
            seconds=max(self.end - self.begin, 1e-3),
            responses=sum(self.statuses.values()),
            errors=self.errors(expect),
            failed=sum(self.kinds.values()),
            nbytes=self.nbytes,
            latency=_latencies(self.hist),
        )


def _planned_windows(model: OpenModel | ClosedModel) -> int:
    """How many one-second windows a timed run has (0: not timed, a closed model with requests)."""
    seconds = model.total - model.warmup if isinstance(model, OpenModel) else model.duration
    return max(1, math.ceil(seconds - 1e-9)) if seconds else 0


def check_listening(scenario: Scenario) -> None:
    """A one-line error, before any worker starts, when nothing answers at the scenario's address."""
    try:
        with socket.create_connection((scenario.host, scenario.port), timeout=min(scenario.timeout, 5.0)):
            pass
    except OSError as exc:
        why = exc.strerror or type(exc).__name__
        raise MeasureError(
            f"perfgate load: nothing listening at {scenario.host}:{scenario.port} ({why}): "
            f"start the server of {scenario.url} first"
        ) from None


def _shares(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


OnWindow = Callable[[int, Window], None]


def run_load(
    scenario: Scenario,
    model: OpenModel | ClosedModel,
    *,
    workers: int | None = None,
    on_window: OnWindow | None = None,
) -> LoadReport:
    """Run ``scenario`` under ``model`` on ``workers`` processes (default: one per CPU)."""
    _require_extra()
    check_listening(scenario)
    n = workers or os.cpu_count() or 1
    n = min(n, model.users if isinstance(model, ClosedModel) else model.connections)
    users = _shares(model.users, n) if isinstance(model, ClosedModel) else [0] * n
    conns = _shares(model.connections, n) if isinstance(model, OpenModel) else [0] * n
    request = scenario.request_bytes()
    procs: list[subprocess.Popen[bytes]] = []
    to_workers: list[Connection] = []
    pipes: list[Connection] = []
    try:
        for i in range(n):
            # a fresh interpreter per worker (no fork of a parent that may hold threads or locks);
            # messages over two pipes, pickled by multiprocessing's Connection
            child_in, ours_out = os.pipe()
            ours_in, child_out = os.pipe()
            cmd = [sys.executable, "-c", _WORKER, str(child_in), str(child_out)]
            try:
                procs.append(subprocess.Popen(cmd, pass_fds=(child_in, child_out), stdin=subprocess.DEVNULL))
            finally:
                os.close(child_in)
                os.close(child_out)
            to_workers.append(Connection(ours_out, readable=False))
            pipes.append(Connection(ours_in, writable=False))
            to_workers[i].send(
                WorkerSpec(
                    request, scenario.host, scenario.port, scenario.timeout, model, i, n, users[i], conns[i]
                )
            )
        for i, pipe in enumerate(pipes):
            _expect(pipe, procs[i], i, "ready")
        start_at = clock() + 0.05
        for w in to_workers:
            w.send(("start", start_at))
        return _collect(scenario, model, procs, pipes, start_at, on_window)
    finally:
        for w in to_workers:
            w.close()  # a worker whose input closes stops
        for p in procs:
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(2.0)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        for pipe in pipes:
            pipe.close()


def _died(proc: subprocess.Popen[bytes], i: int) -> MeasureError:
    try:
        code = proc.wait(1.0)
    except subprocess.TimeoutExpired:
        code = None
    return MeasureError(f"perfgate load: worker {i} died (exit code {code})")


def _expect(pipe: Connection, proc: subprocess.Popen[bytes], i: int, what: str) -> Any:
    try:
        if not pipe.poll(60.0):
            raise MeasureError(f"perfgate load: worker {i} did not start within 60 s")
        msg = pipe.recv()
    except (EOFError, OSError):
        raise _died(proc, i) from None
    if msg[0] != what:
        raise MeasureError(f"perfgate load: worker {i} said {msg[0]!r}, expected {what!r}")
    return msg


def _collect(
    scenario: Scenario,
    model: OpenModel | ClosedModel,
    procs: list[subprocess.Popen[bytes]],
    pipes: list[Connection],
    start_at: float,
    on_window: OnWindow | None,
) -> LoadReport:
    n = len(procs)
    windows: dict[int, _Merged] = {}
    planned = _planned_windows(model)
    # A window's histogram is ~90 KiB: a long run (a soak) keeps only its figures, once no answer can
    # join it (every worker is past it) and the end cannot merge it (before a timed run's last second),
    # its histogram folded into `folded` for the whole run's percentiles.
    settled: dict[int, Window] = {}
    folded = _Merged()
    shown = 0
    sent = 0
    live = dict(enumerate(pipes))
    last = [-1] * n  # the last window each worker sent
    while live:
        for ready in wait(list(live.values()), timeout=1.0):
            assert isinstance(ready, Connection)
            i = pipes.index(ready)
            try:
                msg = ready.recv()
            except (EOFError, OSError):
                raise _died(procs[i], i) from None
            if msg[0] == "window":
                _, idx, begin, end, raw, statuses, kinds, nbytes = msg
                if idx not in windows:  # (not setdefault: a histogram is 90 KiB to allocate)
                    windows[idx] = _Merged()
                windows[idx].add(begin, end, raw, statuses, kinds, nbytes)
                last[i] = idx
            elif msg[0] == "done":
                sent += msg[1]
                del live[i]
        # a window is complete once every worker still running has sent it
        while shown in windows and all(last[i] >= shown for i in live):
            done = windows[shown].window(scenario.expect)
            if on_window is not None:
                on_window(shown, done)
            if shown < planned - 1:
                settled[shown] = done
                folded.merge(windows.pop(shown))
                if len(settled) % _COLLECT_EVERY == 0:
                    gc.collect()  # hdrh's histograms hold reference cycles: free the settled ones' memory
            shown += 1
    ordered = [windows[k] for k in sorted(windows)]
    # answers that come in after a timed run's end belong to its last second; an untimed run (requests
    # per user) ends when it ends: a short last window joins the one before it
    while len(ordered) > 1 and (
        len(ordered) + len(settled) > planned
        if planned
        else ordered[-1].end - ordered[-1].begin < _SHORT_TAIL
    ):
        ordered[-2].merge(ordered.pop())
    total = _Merged()
    if settled:
        total.merge(folded)
    for w in ordered:
        total.merge(w)
    responses = sum(total.statuses.values())
    mstart = start_at + model.warmup
    seconds = max(total.end, mstart) - mstart
    if isinstance(model, OpenModel):
        seconds = max(seconds, model.total - model.warmup)
    return LoadReport(
        scenario=scenario,
        model=model,
        workers=n,
        sent=sent,
        responses=responses,
        errors=total.errors(scenario.expect),
        statuses=dict(sorted(total.statuses.items())),
        error_kinds=dict(sorted(total.kinds.items())),
        nbytes=total.nbytes,
        seconds=seconds,
        latency=_latencies(total.hist),
        windows=(*(settled[k] for k in sorted(settled)), *(w.window(scenario.expect) for w in ordered)),
    )
