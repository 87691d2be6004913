"""wrk's text report (``wrk -t -c -d [--latency] URL``).

One run is one benchmark named after the URL (``Running 10s test @ URL``). Figures: thread-stats
latency ``Avg``/``Max`` -> ``latency_mean``/``latency_max`` (the ``Stdev`` becomes the summary's
stddev), ``--latency`` distribution 50/75/90/99% -> ``latency_p50``/``latency_p75``/``latency_p90``/
``latency_p99``, ``Requests/sec`` -> ``rps``, ``Transfer/sec`` -> ``throughput`` (B/s; wrk's KB/MB are
binary), and ``error_rate`` = (socket errors + non-2xx/3xx responses) / requests. Counts, socket errors
and the per-thread ``Req/Sec`` line go to ``extra``.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

from perfgate.adapters.base import Adapter, Parsed, read_text
from perfgate.errors import ParseError
from perfgate.model import BenchmarkId, Direction, Result, Summary

__all__ = ["ADAPTERS", "WrkAdapter"]

_RUNNING = re.compile(r"^Running (?P<duration>\S+) test @ (?P<url>\S+)\s*$")
_THREADS = re.compile(r"^\s*(?P<threads>\d+) threads and (?P<conns>\d+) connections")
_LATENCY = re.compile(r"^\s*Latency\s+(?P<avg>\S+)\s+(?P<stdev>\S+)\s+(?P<max>\S+)\s+(?P<pm>\S+)%\s*$")
_REQSEC = re.compile(r"^\s*Req/Sec\s+(?P<avg>\S+)\s+(?P<stdev>\S+)\s+(?P<max>\S+)\s+(?P<pm>\S+)%\s*$")
_PCT = re.compile(r"^\s*(?P<p>\d+(?:\.\d+)?)%\s+(?P<v>\S+)\s*$")
_TOTAL = re.compile(r"^\s*(?P<n>\d+) requests in (?P<t>\S+), (?P<bytes>\S+) read\s*$")
_SOCKET = re.compile(
    r"^\s*Socket errors: connect (?P<connect>\d+), read (?P<read>\d+), "
    r"write (?P<write>\d+), timeout (?P<timeout>\d+)"
)
_NON2XX = re.compile(r"^\s*Non-2xx or 3xx responses: (?P<n>\d+)\s*$")
_RPS = re.compile(r"^Requests/sec:\s+(?P<v>\S+)\s*$")
_TRANSFER = re.compile(r"^Transfer/sec:\s+(?P<v>\S+)\s*$")
_NUM_UNIT = re.compile(r"^(?P<num>[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)(?P<unit>[A-Za-zµ]*)$")
_TIME = {"us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_BYTES = {"B": 1.0, "KB": 1024.0, "MB": 1024.0**2, "GB": 1024.0**3, "TB": 1024.0**4}
_METRIC = {"k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "": 1.0}


def _scaled(src: str, lineno: int, text: str, table: dict[str, float]) -> float:
    m = _NUM_UNIT.match(text)
    if not m or m.group("unit") not in table:
        raise ParseError.at(
            src, lineno, f"cannot read {text!r} (expected a number with one of {sorted(table)})"
        )
    value = float(m.group("num")) * table[m.group("unit")]
    if not math.isfinite(value):
        raise ParseError.at(src, lineno, f"{text!r} is not finite")
    return value


class WrkAdapter:
    """wrk's text report."""

    name = "wrk"
    description = "wrk text report (latency stats and distribution, Requests/sec, Transfer/sec, errors)"

    def sniff(self, path: Path, head: str) -> bool:
        lines = head.splitlines()
        return any(_RUNNING.match(x) for x in lines[:5]) and any(_RPS.match(x) for x in lines)

    def parse(self, path: Path) -> Parsed:
        src = str(path)
        url: str | None = None
        fig: dict[str, float] = {}
        stdev: float | None = None
        extra: dict[str, Any] = {}
        in_distribution = False
        for lineno, line in enumerate(read_text(path).splitlines(), start=1):
            if m := _RUNNING.match(line):
                if url is not None:
                    raise ParseError.at(
                        src, lineno, "a second wrk report in one file; give each run its own file"
                    )
                url = m.group("url")
                extra["duration"] = m.group("duration")
            elif m := _THREADS.match(line):
                extra["threads"], extra["connections"] = int(m.group("threads")), int(m.group("conns"))
            elif m := _LATENCY.match(line):
                fig["latency_mean"] = _scaled(src, lineno, m.group("avg"), _TIME)
                stdev = _scaled(src, lineno, m.group("stdev"), _TIME)
                fig["latency_max"] = _scaled(src, lineno, m.group("max"), _TIME)
            elif m := _REQSEC.match(line):
                extra["thread_req_per_sec"] = {
                    k: _scaled(src, lineno, m.group(k), _METRIC) for k in ("avg", "stdev", "max")
                }
            elif line.strip() == "Latency Distribution":
                in_distribution = True
            elif in_distribution and (m := _PCT.match(line)):
                fig[f"latency_p{m.group('p').removesuffix('.000')}"] = _scaled(
                    src, lineno, m.group("v"), _TIME
                )
            elif m := _TOTAL.match(line):
                in_distribution = False
                extra["requests"] = int(m.group("n"))
                extra["bytes_read"] = _scaled(src, lineno, m.group("bytes"), _BYTES)
            elif m := _SOCKET.match(line):
                extra["socket_errors"] = {k: int(m.group(k)) for k in ("connect", "read", "write", "timeout")}
            elif m := _NON2XX.match(line):
                extra["non_2xx_3xx"] = int(m.group("n"))
            elif m := _RPS.match(line):
                fig["rps"] = _scaled(src, lineno, m.group("v"), _METRIC)
            elif m := _TRANSFER.match(line):
                fig["throughput"] = _scaled(src, lineno, m.group("v"), _BYTES)
        if url is None:
            raise ParseError.at(src, None, "no 'Running <duration> test @ <url>' line")
        if "rps" not in fig:
            raise ParseError.at(src, None, "no 'Requests/sec:' line (truncated report?)")
        requests = extra.get("requests")
        if isinstance(requests, int) and requests > 0:
            errors = sum(extra.get("socket_errors", {}).values()) + extra.get("non_2xx_3xx", 0)
            fig["error_rate"] = min(1.0, errors / requests)
        n = requests if isinstance(requests, int) and requests > 0 else 1
        bid = BenchmarkId(url, group="wrk")
        results: list[Result] = []
        for metric, value in fig.items():
            unit = {"rps": "req/s", "throughput": "B/s", "error_rate": "ratio"}.get(metric, "s")
            direction = Direction.HIGHER if metric in ("rps", "throughput") else Direction.LOWER
            sd = stdev if metric == "latency_mean" and stdev is not None else 0.0
            summary = Summary(n=n, mean=value, median=value, min=value, max=value, stddev=sd)
            results.append(Result(bid, metric, unit, direction, summary=summary, extra=extra))
        return Parsed(source=self.name, results=tuple(results))


ADAPTERS: tuple[Adapter, ...] = (WrkAdapter(),)
