"""The hot path of ``perfgate load``: one worker process, one event loop, raw protocols.

Each connection is an :class:`asyncio.Protocol` that writes the preformatted request bytes and feeds
what comes back to httptools' response parser; nothing is allocated per request but the latency
integer. HTTP/1.1 keep-alive, no pipelining: a connection carries one request at a time.

Latencies (integer microseconds) go to a plain list and, once a second, to the parent process as raw
bytes: the parent builds the HDR histograms (hdrhistogram records in pure Python, ~10 µs a value,
which the hot path cannot afford and which would stall the loop, and so the latencies, once a second).

Timing: ``start`` of a request is its due time in the open model (coordinated omission is not
possible: a request that waits for a free connection or a stalled server counts the wait) and its
send time in the closed model.
"""

from __future__ import annotations

import asyncio
import collections
import signal
import time
from array import array
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, cast

from perfgate.load.scenario import ClosedModel, OpenModel

__all__ = ["WorkerSpec", "main", "work"]

clock = time.monotonic  # one clock for every process of a run (CLOCK_MONOTONIC is system-wide)
_SWEEP = 0.05  # seconds between checks for requests past their timeout
_STEP = 0.001  # the open model's shortest wait for the next due request (libuv's timer resolution)


@dataclass(frozen=True, slots=True)
class WorkerSpec:
    """What one worker of ``workers`` does: its share of the rate (every ``workers``-th request of the
    schedule, from ``index``) or of the users, and its share of the connections."""

    request: bytes
    host: str
    port: int
    timeout: float
    model: OpenModel | ClosedModel
    index: int
    workers: int
    users: int  # closed model: this worker's users
    connections: int  # open model: this worker's connection limit


class _Conn(asyncio.Protocol):
    """One keep-alive connection: one request in flight at a time."""

    def __init__(self, worker: _Worker) -> None:
        import httptools

        self.w = worker
        self.parser = httptools.HttpResponseParser(self)
        self.transport: asyncio.Transport | None = None
        self.busy = False
        self.start = 0.0
        self.nbytes = 0
        self.left = 0  # closed model: requests this user still sends
        self.dead = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # (uvloop's are not asyncio subclasses)

    def send(self, start: float) -> None:
        self.start = start
        self.busy = True
        self.nbytes = 0
        self.transport.write(self.w.request)  # type: ignore[union-attr]  # set before any send

    def data_received(self, data: bytes) -> None:
        self.nbytes += len(data)
        try:
            self.parser.feed_data(data)
        except Exception:  # httptools.HttpParserError and its kinds: not HTTP
            self.fail("bad response")

    def on_message_complete(self) -> None:
        self.busy = False
        status = self.parser.get_status_code()
        if self.parser.should_keep_alive():
            self.w.response(self, status)
            return
        self.dead = True  # the server closes it: answered, then given up without an error
        if self.transport is not None:
            self.transport.close()
        self.w.response(self, status)
        self.w.lost(self, None)

    def fail(self, kind: str | None) -> None:
        """Give the connection up; a request in flight is an error of ``kind``."""
        if self.dead:
            return
        self.dead = True
        busy, self.busy = self.busy, False
        if self.transport is not None:
            self.transport.abort()
        self.w.lost(self, kind if busy else None)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.dead:
            self.fail("connection closed")


class _Worker:
    def __init__(self, spec: WorkerSpec, pipe: Connection, start_at: float) -> None:
        self.spec = spec
        self.pipe = pipe
        self.request = spec.request
        self.loop = asyncio.get_running_loop()
        self.t0 = start_at
        self.mstart = start_at + spec.model.warmup  # responses to requests started before: warm-up
        self.timeout = spec.timeout
        self.lat: list[int] = []
        self.statuses: dict[int, int] = {}
        self.errors: dict[str, int] = {}
        self.nbytes = 0
        self.window = 0
        self.window_begin = self.mstart
        self.conns: set[_Conn] = set()
        self.done = self.loop.create_future()
        self.sent = 0
        self.open = 0
        self.finishing = False
        # open model
        self.idle: list[_Conn] = []
        self.pending: collections.deque[float] = collections.deque()
        # closed model
        self.users_done = 0
        self.end = float("inf")

    # --- recording -------------------------------------------------------------------------------

    def response(self, c: _Conn, status: int) -> None:
        now = clock()
        if c.start >= self.mstart:
            self.lat.append(int((now - c.start) * 1e6))
            self.statuses[status] = self.statuses.get(status, 0) + 1
            self.nbytes += c.nbytes
        if isinstance(self.spec.model, OpenModel):
            self.free(c)
        else:
            self.user_next(c, now, answered=True)

    def error(self, kind: str, start: float) -> None:
        if start >= self.mstart:
            self.errors[kind] = self.errors.get(kind, 0) + 1

    def flush(self, final: bool = False) -> None:
        lat, self.lat = self.lat, []
        now = clock()
        msg: tuple[Any, ...] = (
            "window",
            self.window,
            self.window_begin,
            now,
            array("q", lat).tobytes(),
            self.statuses,
            self.errors,
            self.nbytes,
        )
        self.statuses, self.errors, self.nbytes = {}, {}, 0
        self.pipe.send(msg)
        self.window += 1
        self.window_begin = now
        if not final:
            self.loop.call_later(self.mstart + self.window + 1 - clock(), self.flush)

    def sweep(self) -> None:
        """Requests past their timeout: errors, their connections closed (the answer may never come)."""
        now = clock()
        limit = now - self.timeout
        for c in [c for c in self.conns if c.busy and c.start < limit]:
            c.fail("timeout")
        while self.pending and self.pending[0] < limit:
            self.error("timeout", self.pending.popleft())
        self.check_done()
        if not self.done.done():
            self.loop.call_later(_SWEEP, self.sweep)

    def check_done(self) -> None:
        if not self.finishing or self.done.done():
            return
        if isinstance(self.spec.model, OpenModel):
            if not self.pending and not any(c.busy for c in self.conns):
                self.done.set_result(None)
        elif self.users_done >= self.spec.users:
            self.done.set_result(None)

    def lost(self, c: _Conn, kind: str | None) -> None:
        self.conns.discard(c)
        self.open -= 1
        if c in self.idle:
            self.idle.remove(c)
        if kind is not None:
            self.error(kind, c.start)
        if isinstance(self.spec.model, OpenModel):
            if self.pending and self.open < self.spec.connections:
                self.connect()
            self.check_done()
        else:
            self.user_lost(c, kind is not None)

    def connect(self) -> None:
        """Open model: one more connection, for the requests waiting."""
        self.open += 1
        self.loop.create_task(self._connect())

    async def _connect(self) -> None:
        c = _Conn(self)
        try:
            await self.loop.create_connection(lambda: c, self.spec.host, self.spec.port)
        except OSError:
            self.open -= 1
            self.connect_failed()
            return
        self.conns.add(c)
        self.free(c)

    def connect_failed(self) -> None:
        if self.pending:
            self.error("connect", self.pending.popleft())
        if self.pending and self.open < self.spec.connections:
            self.connect()
        self.check_done()

    # --- open model: requests on a schedule -----------------------------------------------------

    def run_open(self, model: OpenModel) -> None:
        self.due = model.schedule()
        self.n = model.count()
        self.k = self.spec.index
        self.tick()

    def tick(self) -> None:
        now = clock()
        due, t0, n, step = self.due, self.t0, self.n, self.spec.workers
        k = self.k
        at = 0.0
        while k < n:
            at = t0 + due(k)
            if at > now:
                break
            self.dispatch(at)
            k += step
        self.sent += (k - self.k) // step
        self.k = k
        if k < n:
            # libuv's timers count whole milliseconds: a shorter delay fires at once and the loop
            # would spin; so the schedule is kept in steps of at least 1 ms, and a request sent up to
            # 1 ms after it was due has that wait in its latency (timed from when it was due)
            self.loop.call_later(max(at - clock(), _STEP), self.tick)
        else:
            self.finishing = True
            self.check_done()

    def dispatch(self, at: float) -> None:
        if self.idle:
            self.idle.pop().send(at)
        else:
            self.pending.append(at)
            if self.open < self.spec.connections:
                self.connect()

    def free(self, c: _Conn) -> None:
        if c.dead:
            return
        if self.pending:
            c.send(self.pending.popleft())
        else:
            self.idle.append(c)
            self.check_done()

    # --- closed model: users that wait for each answer ------------------------------------------

    def run_closed(self, model: ClosedModel) -> None:
        if model.duration is not None:
            self.end = self.mstart + model.duration
        self.finishing = True
        for _ in range(self.spec.users):
            self.user_connect(0)

    def user_connect(self, answered: int) -> None:
        """A user (its ``answered`` requests so far) opens a connection and goes on."""

        async def connect() -> None:
            c = _Conn(self)
            c.left = answered
            try:
                await self.loop.create_connection(lambda: c, self.spec.host, self.spec.port)
            except OSError:
                now = clock()
                self.error("connect", now)
                # a refused connection is one of the user's requests: a dead server ends the run
                c.left += now >= self.mstart
                await asyncio.sleep(0.01)
                if self.user_over(c.left, clock()):
                    self.user_done(None)
                else:
                    self.user_connect(c.left)
                return
            self.conns.add(c)
            self.user_next(c, clock(), answered=False)

        self.loop.create_task(connect())

    def user_over(self, answered: int, now: float) -> bool:
        model = self.spec.model
        assert isinstance(model, ClosedModel)
        return (model.requests is not None and answered >= model.requests) or now >= self.end

    def user_next(self, c: _Conn, now: float, answered: bool) -> None:
        if answered and c.start >= self.mstart:
            c.left += 1
        if c.dead:
            return  # the connection is gone: user_lost carries the user on
        if self.user_over(c.left, now):
            self.user_done(c)
            return
        think = self.spec.model.think if isinstance(self.spec.model, ClosedModel) else 0.0
        if answered and think:
            self.loop.call_later(think, self.user_send, c)
        else:
            self.user_send(c)

    def user_send(self, c: _Conn) -> None:
        if c.dead:
            return
        self.sent += 1
        c.send(clock())

    def user_done(self, c: _Conn | None) -> None:
        self.users_done += 1
        if c is not None:
            c.dead = True
            self.conns.discard(c)
            if c.transport is not None:
                c.transport.close()
        self.check_done()

    def user_lost(self, c: _Conn, failed: bool) -> None:
        """The user's connection closed (after an answer, or with an error): it goes on with another."""
        if failed and c.start >= self.mstart:
            c.left += 1
        if self.user_over(c.left, clock()):
            self.user_done(None)
        else:
            self.user_connect(c.left)

    async def main(self) -> None:
        self.loop.call_later(self.mstart + 1 - clock(), self.flush)
        self.loop.call_later(_SWEEP, self.sweep)
        model = self.spec.model
        if isinstance(model, OpenModel):
            self.run_open(model)
        else:
            self.run_closed(model)
        await self.done
        self.flush(final=True)
        for c in list(self.conns):
            if c.transport is not None:
                c.transport.close()


def work(inp: Connection, out: Connection) -> None:
    """A worker process: read its spec, wait for the start time, run, send windows and ``done``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and ends the workers
    loop: asyncio.AbstractEventLoop
    try:
        import uvloop

        loop = uvloop.new_event_loop()
    except ImportError:  # pragma: no cover (the load extra brings it)
        loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    spec = inp.recv()
    out.send(("ready",))
    _, start_at = inp.recv()

    async def run() -> int:
        await asyncio.sleep(max(0.0, start_at - clock()))
        w = _Worker(spec, out, start_at)

        def parent_gone() -> None:  # the parent going away (Ctrl-C, killed) closes our input: we end too
            if not w.done.done():
                w.done.set_exception(SystemExit(1))

        w.loop.add_reader(inp.fileno(), parent_gone)
        await w.main()
        w.loop.remove_reader(inp.fileno())
        return w.sent

    try:
        sent = loop.run_until_complete(run())
        out.send(("done", sent))
    except (SystemExit, BrokenPipeError):
        pass
    finally:
        loop.close()


def main() -> None:
    """``python -c 'from perfgate.load.engine import main; main()' IN_FD OUT_FD``: a worker, as
    :mod:`perfgate.load.runner` starts it."""
    import sys

    work(Connection(int(sys.argv[1]), writable=False), Connection(int(sys.argv[2]), readable=False))
