"""What a load test asks for: the request (a :class:`Scenario`) and how requests arrive (an
:class:`OpenModel` or a :class:`ClosedModel`). Values only: validated when built, no I/O.

The open model's schedule is a pure function of its rate profile: request ``k`` (counting from 0) is
due at :meth:`OpenModel.due`\\ ``(k)`` seconds after the start, and :meth:`OpenModel.count` requests
are due in all, an exact number that the engine sends whatever the server does.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

__all__ = ["ClosedModel", "LoadSpec", "OpenModel", "Scenario", "Stage", "parse_rate"]

_METHOD = re.compile(r"^[A-Z][A-Z0-9_-]*$")
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
# headers the engine writes itself
_OWN_HEADERS = frozenset({"host", "content-length", "transfer-encoding", "connection"})


def parse_rate(text: str) -> float:
    """``2000/s``, ``120/min``, ``50/ms`` or a bare number (per second) -> requests per second."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(?:/\s*(ms|s|sec|m|min|h))?\s*", text)
    if m is None:
        raise ValueError(f"expected a rate like '2000/s' or '120/min', got {text!r}")
    per = {"ms": 1e-3, "s": 1.0, "sec": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0}[m.group(2) or "s"]
    rate = float(m.group(1)) / per
    if not rate > 0:
        raise ValueError(f"a rate must be positive, got {text!r}")
    return rate


@dataclass(frozen=True, slots=True)
class Scenario:
    """One HTTP request to repeat: ``method`` ``url`` with ``headers`` and ``body``; a response whose
    status is not in ``expect`` is an error. ``name`` defaults to ``"METHOD URL"``."""

    url: str
    method: str = "GET"
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    expect: frozenset[int] = frozenset(range(200, 300))
    timeout: float = 10.0
    name: str | None = None
    allow_remote: bool = False
    host: str = field(init=False)
    port: int = field(init=False)
    target: str = field(init=False)

    def __post_init__(self) -> None:
        parts = urlsplit(self.url)
        if parts.scheme != "http":
            raise ValueError(f"url: only http:// is supported, got {self.url!r}")
        if not parts.hostname:
            raise ValueError(f"url: no host in {self.url!r}")
        try:
            port = parts.port or 80
        except ValueError:
            raise ValueError(f"url: bad port in {self.url!r}") from None
        if parts.hostname not in LOCAL_HOSTS and not self.allow_remote:
            raise ValueError(
                f"url: {parts.hostname!r} is not this machine (127.0.0.1, localhost, ::1); "
                "load tests target only local servers unless --allow-remote"
            )
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        if any(c in target for c in " \r\n"):
            raise ValueError(f"url: spaces or line breaks in the path of {self.url!r}")
        object.__setattr__(self, "host", parts.hostname)
        object.__setattr__(self, "port", port)
        object.__setattr__(self, "target", target)
        if not _METHOD.match(self.method):
            raise ValueError(f"method: expected an upper-case HTTP method, got {self.method!r}")
        if self.method == "HEAD":
            raise ValueError("method: HEAD is not supported (its responses have no body to wait for)")
        for k, v in self.headers:
            if not _HEADER_NAME.match(k):
                raise ValueError(f"header: bad header name {k!r}")
            if any(c in v for c in "\r\n\0"):
                raise ValueError(f"header {k}: line breaks in the value")
            if k.lower() in _OWN_HEADERS:
                raise ValueError(f"header {k}: perfgate writes it itself")
        if not self.expect or any(not 100 <= s <= 599 for s in self.expect):
            raise ValueError(f"expect: statuses must be 100-599, got {sorted(self.expect)}")
        if not (self.timeout > 0 and math.isfinite(self.timeout)):
            raise ValueError(f"timeout: must be a positive duration, got {self.timeout!r}")
        if self.name is not None and (not self.name or self.name != self.name.strip()):
            raise ValueError(f"name: must be non-empty without surrounding spaces, got {self.name!r}")

    @property
    def title(self) -> str:
        """The benchmark name of this scenario's results."""
        return self.name or f"{self.method} {self.url}"

    def request_bytes(self) -> bytes:
        """The request as it goes on the wire, formatted once (HTTP/1.1, keep-alive)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        lines = [f"{self.method} {self.target} HTTP/1.1", f"Host: {host}:{self.port}"]
        names = {k.lower() for k, _ in self.headers}
        if "user-agent" not in names:
            lines.append("User-Agent: perfgate")
        lines += [f"{k}: {v}" for k, v in self.headers]
        if self.body or self.method in ("POST", "PUT", "PATCH"):
            lines.append(f"Content-Length: {len(self.body)}")
        head = "\r\n".join(lines) + "\r\n\r\n"
        return head.encode("latin-1") + self.body


@dataclass(frozen=True, slots=True)
class Stage:
    """A ramp: the arrival rate goes linearly to ``rate`` (requests/s) over ``duration`` seconds."""

    duration: float
    rate: float

    def __post_init__(self) -> None:
        if not (self.duration > 0 and math.isfinite(self.duration)):
            raise ValueError(f"stage: duration must be positive, got {self.duration!r}")
        if not (self.rate >= 0 and math.isfinite(self.rate)):
            raise ValueError(f"stage: rate must be >= 0, got {self.rate!r}")


@dataclass(frozen=True, slots=True)
class OpenModel:
    """Requests arrive on a schedule, whether or not earlier ones were answered (as users of a service
    do): ``rate`` per second for ``duration`` seconds, then each of ``stages`` in turn (a linear ramp
    from the rate before it). Latency is timed from each request's due time, so a request that waits
    for a stalled server or for one of the ``connections`` counts its wait. The first ``warmup`` seconds
    run at ``rate`` and are not recorded."""

    rate: float
    duration: float = 0.0
    stages: tuple[Stage, ...] = ()
    warmup: float = 0.0
    connections: int = 256

    def __post_init__(self) -> None:
        if not (self.rate > 0 and math.isfinite(self.rate)):
            raise ValueError(f"rate: must be positive, got {self.rate!r}")
        if not (self.duration >= 0 and math.isfinite(self.duration)):
            raise ValueError(f"duration: must be >= 0, got {self.duration!r}")
        if self.duration == 0 and not self.stages:
            raise ValueError("duration: an open model needs a duration or stages")
        if not (self.warmup >= 0 and math.isfinite(self.warmup)):
            raise ValueError(f"warmup: must be >= 0, got {self.warmup!r}")
        if self.connections < 1:
            raise ValueError(f"connections: must be >= 1, got {self.connections}")

    def _segments(self) -> list[tuple[float, float, float]]:
        """(length, rate at start, rate at end) of each piece of the profile, warm-up included."""
        segs = []
        if self.warmup:
            segs.append((self.warmup, self.rate, self.rate))
        if self.duration:
            segs.append((self.duration, self.rate, self.rate))
        prev = self.rate
        for st in self.stages:
            segs.append((st.duration, prev, st.rate))
            prev = st.rate
        return segs

    @property
    def total(self) -> float:
        """Seconds of schedule, warm-up included."""
        return sum(s[0] for s in self._segments())

    def count(self) -> int:
        """How many requests are due over the whole schedule, warm-up included."""
        n = 0.0
        for length, r0, r1 in self._segments():
            n += (r0 + r1) / 2 * length
        return int(n + 1e-6)

    def warmup_count(self) -> int:
        """How many of them are due during the warm-up (the first ones)."""
        return int(self.rate * self.warmup + 1e-6)

    def due(self, k: int) -> float:
        """Seconds after the start at which request ``k`` is due (see :meth:`schedule`)."""
        return self.schedule()(k)

    def schedule(self) -> Callable[[int], float]:
        """``due(k)``: the inverse of the arrivals so far, prepared once for the engine's loop."""
        if not self.stages:
            rate = self.rate
            return lambda k: k / rate
        pieces = []
        t0 = n0 = 0.0
        for length, r0, r1 in self._segments():
            pieces.append((t0, n0, length, r0, r1))
            t0, n0 = t0 + length, n0 + (r0 + r1) / 2 * length

        def due(k: int) -> float:
            for t0, n0, length, r0, r1 in pieces:
                need = k - n0
                if need < (r0 + r1) / 2 * length or (t0, n0, length, r0, r1) is pieces[-1]:
                    if r0 == r1:
                        return t0 + min(need / r0, length) if r0 else t0 + length
                    a = (r1 - r0) / (2 * length)  # arrivals(tau) = r0 tau + a tau^2
                    tau = (-r0 + math.sqrt(max(r0 * r0 + 4 * a * need, 0.0))) / (2 * a)
                    return t0 + min(max(tau, 0.0), length)
            return t0

        return due


@dataclass(frozen=True, slots=True)
class ClosedModel:
    """``users`` each send a request, wait for its answer, ``think``, and send the next: ``requests``
    each, or for ``duration`` seconds. The load adapts to the server, so a stalled server is sent
    fewer requests and its stall hides from the percentiles (closed-loop); the report says so."""

    users: int
    requests: int | None = None
    duration: float | None = None
    think: float = 0.0
    warmup: float = 0.0

    def __post_init__(self) -> None:
        if self.users < 1:
            raise ValueError(f"users: must be >= 1, got {self.users}")
        if (self.requests is None) == (self.duration is None):
            raise ValueError("a closed model needs either requests per user or a duration")
        if self.requests is not None and self.requests < 1:
            raise ValueError(f"requests: must be >= 1, got {self.requests}")
        if self.duration is not None and not (self.duration > 0 and math.isfinite(self.duration)):
            raise ValueError(f"duration: must be positive, got {self.duration!r}")
        if not (self.think >= 0 and math.isfinite(self.think)):
            raise ValueError(f"think: must be >= 0, got {self.think!r}")
        if not (self.warmup >= 0 and math.isfinite(self.warmup)):
            raise ValueError(f"warmup: must be >= 0, got {self.warmup!r}")


#: In a scenario's URL: the port of the service it targets (``service``), picked when that service starts.
PORT = "{port}"


@dataclass(frozen=True, slots=True)
class LoadSpec:
    """A configured load scenario (``[[tool.perfgate.load]]``): the request, how requests arrive, the
    worker processes (None: one per CPU) and the tiers that run it (None: every tier).

    ``service`` names the ``[[tool.perfgate.services]]`` entry the scenario targets; with it, the URL as
    written (``url``) may hold ``{port}``, the port perfgate picked for that service, and ``scenario``
    is then a stand-in (port 1) until :meth:`at_port` resolves it. ``slices``: how many interleaved
    slices ``perfgate ab`` cuts each side's load into (None: its default)."""

    scenario: Scenario
    model: OpenModel | ClosedModel
    workers: int | None = None
    tiers: tuple[str, ...] | None = None
    service: str | None = None
    url: str | None = None
    slices: int | None = None

    def __post_init__(self) -> None:
        if self.workers is not None and self.workers < 1:
            raise ValueError(f"workers: must be >= 1, got {self.workers}")
        if self.slices is not None and self.slices < 1:
            raise ValueError(f"slices: must be >= 1, got {self.slices}")
        if self.url is not None and PORT in self.url and self.service is None:
            raise ValueError(f'url: {PORT} needs the service whose port it is (service = "NAME")')

    @property
    def needs_port(self) -> bool:
        """Whether the URL holds ``{port}``: it runs only once its service has a port."""
        return self.url is not None and PORT in self.url

    def at_port(self, port: int) -> LoadSpec:
        """This scenario aimed at ``port`` (``{port}`` in the URL replaced); unchanged without it. The
        benchmark keeps the name it has as written, so two ports give results of one benchmark."""
        if not self.needs_port:
            return self
        assert self.url is not None
        sc = self.scenario
        return replace(self, scenario=replace(sc, url=self.url.replace(PORT, str(port)), name=sc.title))

    @staticmethod
    def stand_in(url: str) -> str:
        """``url`` with ``{port}`` replaced by a valid port, to check everything else in it."""
        return url.replace(PORT, "1")
