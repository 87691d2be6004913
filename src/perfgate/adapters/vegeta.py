"""Vegeta's ``vegeta report -type=json`` metrics.

One attack is one benchmark, named ``vegeta``: the report does not record the target, so give each
scenario its name with ``perfgate ingest --name 'GET /api/users' report.json`` (two unnamed reports
in one run collide as duplicates). Latencies are nanoseconds in the file: ``mean``, ``50th``,
``90th``, ``95th``, ``99th``, ``max``, ``min`` -> ``latency_mean``/``latency_p50``/.../``latency_max``/
``latency_min`` in seconds; ``throughput`` (successful requests per second) -> ``rps``; ``1 -
success`` -> ``error_rate``. ``requests``, ``rate`` (attempted per second), ``status_codes`` and
``errors`` go to ``extra``; ``earliest`` is the run's start.
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from perfgate.adapters._parsing import load_json
from perfgate.adapters.base import Adapter, Parsed
from perfgate.errors import ParseError
from perfgate.model import BenchmarkId, Direction, Result, Summary

__all__ = ["ADAPTERS", "VegetaAdapter"]

_LATENCIES = {
    "mean": "latency_mean",
    "50th": "latency_p50",
    "90th": "latency_p90",
    "95th": "latency_p95",
    "99th": "latency_p99",
    "max": "latency_max",
    "min": "latency_min",
}


def _finite(src: str, key: str, v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        raise ParseError.at(src, None, f"{key} must be a finite number, got {v!r}")
    return float(v)


def _timestamp(src: str, value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    # Go prints nanoseconds; Python keeps microseconds
    text = re.sub(r"(\.\d{6})\d+", r"\1", value).replace("Z", "+00:00")
    try:
        ts = datetime.fromisoformat(text)
    except ValueError:
        raise ParseError.at(src, None, f"earliest is not a timestamp: {value!r}") from None
    if ts.tzinfo is None or ts.year < 1900:  # Go's zero time for an empty attack
        return None
    return ts


class VegetaAdapter:
    """``vegeta report -type=json``."""

    name = "vegeta"
    description = "Vegeta `vegeta report -type=json` metrics (latencies, throughput, success)"

    def sniff(self, path: Path, head: str) -> bool:
        text = head.lstrip()
        return (
            text.startswith("{")
            and '"latencies"' in text
            and '"status_codes"' in text
            and ('"success"' in text or '"throughput"' in text)
        )

    def parse(self, path: Path) -> Parsed:
        src = str(path)
        _, doc = load_json(path)
        if not isinstance(doc, dict) or not isinstance(doc.get("latencies"), dict):
            raise ParseError.at(src, 1, "not a vegeta report: no 'latencies' object")
        bid = BenchmarkId("vegeta", group="vegeta")
        requests = doc.get("requests")
        n = requests if isinstance(requests, int) and not isinstance(requests, bool) and requests > 0 else 1
        extra: dict[str, Any] = {}
        for key in ("requests", "rate", "status_codes", "errors"):
            if key in doc:
                extra[key] = doc[key]

        def one(key: str, metric: str, value: float, unit: str, direction: Direction) -> Result:
            s = Summary(n=n, mean=value, median=value, min=value, max=value)
            try:
                return Result(bid, metric, unit, direction, summary=s, extra=extra)
            except ValueError as exc:  # a negative latency or rate
                raise ParseError.at(src, None, f"key {key}: {exc}") from exc

        results: list[Result] = []
        lat = doc["latencies"]
        for key, metric in _LATENCIES.items():
            if key in lat:
                where = f"latencies.{key}"
                results.append(one(where, metric, _finite(src, where, lat[key]) * 1e-9, "s", Direction.LOWER))
        if "throughput" in doc:
            results.append(
                one(
                    "throughput",
                    "rps",
                    _finite(src, "throughput", doc["throughput"]),
                    "req/s",
                    Direction.HIGHER,
                )
            )
        if "success" in doc:
            success = _finite(src, "success", doc["success"])
            if not 0 <= success <= 1:
                raise ParseError.at(src, None, f"success must be a ratio in [0, 1], got {success}")
            results.append(one("success", "error_rate", 1.0 - success, "ratio", Direction.LOWER))
        if not results:
            raise ParseError.at(src, None, "vegeta report without latencies, throughput or success")
        return Parsed(source=self.name, results=tuple(results), started=_timestamp(src, doc.get("earliest")))


ADAPTERS: tuple[Adapter, ...] = (VegetaAdapter(),)
