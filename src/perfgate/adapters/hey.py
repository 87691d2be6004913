"""hey's text summary (``hey [-z D | -n N] -c C URL``).

hey does not print the URL, so a run is one benchmark named ``hey``: give each scenario its name
with ``perfgate ingest --name 'GET /api/users' out.txt``. Figures (seconds in the file):
``Average``/``Fastest``/``Slowest`` -> ``latency_mean``/``latency_min``/``latency_max``, the latency
distribution ``N% in X secs`` -> ``latency_pN``, ``Requests/sec`` -> ``rps``, and ``error_rate`` =
errors (the ``Error distribution`` section) / (responses + errors). Status codes, total time and data
sizes go to ``extra``.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

from perfgate.adapters.base import Adapter, Parsed, read_text
from perfgate.errors import ParseError
from perfgate.model import BenchmarkId, Direction, Result, Summary

__all__ = ["ADAPTERS", "HeyAdapter"]

_SUMMARY = re.compile(r"^\s*(?P<key>Total|Slowest|Fastest|Average):\s+(?P<v>\S+) secs\s*$")
_RPS = re.compile(r"^\s*Requests/sec:\s+(?P<v>\S+)\s*$")
_DATA = re.compile(r"^\s*(?P<key>Total data|Size/request):\s+(?P<v>\d+) bytes\s*$")
_PCT = re.compile(r"^\s*(?P<p>\d+(?:\.\d+)?)% in (?P<v>\S+) secs\s*$")
_STATUS = re.compile(r"^\s*\[(?P<code>\d+)\]\s+(?P<n>\d+) responses\s*$")
_ERROR = re.compile(r"^\s*\[(?P<n>\d+)\]\s+(?P<what>.+?)\s*$")
_KEYS = {"Average": "latency_mean", "Fastest": "latency_min", "Slowest": "latency_max"}


def _float(src: str, lineno: int, text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise ParseError.at(src, lineno, f"{text!r} is not a number") from None
    if not math.isfinite(v):
        raise ParseError.at(src, lineno, f"{text!r} is not finite")
    return v


class HeyAdapter:
    """hey's text summary."""

    name = "hey"
    description = "hey text summary (Summary, Latency distribution, Status code distribution)"

    def sniff(self, path: Path, head: str) -> bool:
        return head.lstrip().startswith("Summary:") and "Requests/sec:" in head and " secs" in head

    def parse(self, path: Path) -> Parsed:
        src = str(path)
        fig: dict[str, float] = {}
        extra: dict[str, Any] = {}
        statuses: dict[str, int] = {}
        errors: dict[str, int] = {}
        section = ""
        for lineno, line in enumerate(read_text(path).splitlines(), start=1):
            if line and not line[0].isspace() and line.rstrip().endswith(":"):
                section = line.strip().rstrip(":")
                continue
            if m := _SUMMARY.match(line):
                value = _float(src, lineno, m.group("v"))
                if m.group("key") == "Total":
                    extra["total_s"] = value
                else:
                    fig[_KEYS[m.group("key")]] = value
            elif m := _RPS.match(line):
                fig["rps"] = _float(src, lineno, m.group("v"))
            elif m := _DATA.match(line):
                extra["total_bytes" if m.group("key") == "Total data" else "bytes_per_request"] = int(
                    m.group("v")
                )
            elif section == "Latency distribution" and (m := _PCT.match(line)):
                fig[f"latency_p{m.group('p')}"] = _float(src, lineno, m.group("v"))
            elif section == "Status code distribution" and (m := _STATUS.match(line)):
                statuses[m.group("code")] = int(m.group("n"))
            elif section == "Error distribution" and (m := _ERROR.match(line)):
                errors[m.group("what")] = int(m.group("n"))
        if "rps" not in fig or "latency_mean" not in fig:
            raise ParseError.at(
                src, None, "no hey summary (Average: ... secs, Requests/sec: ...); truncated?"
            )
        responses = sum(statuses.values())
        failed = sum(errors.values())
        if responses + failed:
            fig["error_rate"] = failed / (responses + failed)
        extra["status_codes"] = statuses
        if errors:
            extra["errors"] = errors
        n = responses + failed or 1
        bid = BenchmarkId("hey", group="hey")
        results = []
        for metric, value in fig.items():
            unit = {"rps": "req/s", "error_rate": "ratio"}.get(metric, "s")
            direction = Direction.HIGHER if metric == "rps" else Direction.LOWER
            summary = Summary(n=n, mean=value, median=value, min=value, max=value)
            results.append(Result(bid, metric, unit, direction, summary=summary, extra=extra))
        return Parsed(source=self.name, results=tuple(results))


ADAPTERS: tuple[Adapter, ...] = (HeyAdapter(),)
