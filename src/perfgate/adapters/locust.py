"""Locust results: the ``--csv`` stats file (``*_stats.csv``) and the ``--json-file`` report.

**CSV** (adapter ``locust``): one benchmark per row, named ``"<Type> <Name>"`` (``"GET /"``) and
``"Aggregated"`` for the total row. Response times are milliseconds, stored in seconds:
``Average``/``Min``/``Max Response Time`` -> ``latency_mean``/``latency_min``/``latency_max``, each
percentile column ``N%`` -> ``latency_pN`` (the ``100%`` column is the rounded maximum and is left
out), ``Requests/s`` -> ``rps``, ``Failure Count / Request Count`` -> ``error_rate``. ``N/A`` (no
requests yet) leaves a figure out.

``*_stats_history.csv`` is deliberately not ingested: its per-interval percentiles are computed over
an overlapping sliding window, so they are not independent samples, and its last row repeats the
totals of ``*_stats.csv``. It is not claimed by ``--format auto`` (a directory scan skips it) and
``--format locust`` on it says so.

**JSON** (adapter ``locust-json``): a list of per-endpoint objects with ``num_requests``,
``num_failures``, ``total_response_time``, ``min/max_response_time``, a ``response_times`` histogram
(ms -> count) and ``num_reqs_per_sec`` (unix second -> count). Percentiles come from the histogram
the way Locust computes them; ``rps`` has one sample per whole second (the partial first and last
seconds are dropped when there are at least three).
"""

from __future__ import annotations

import csv
import io
import math
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from perfgate.adapters._parsing import load_json
from perfgate.adapters.base import Adapter, Parsed, read_text
from perfgate.errors import ParseError
from perfgate.model import BenchmarkId, Direction, Result, Summary
from perfgate.stats import summarize

__all__ = ["ADAPTERS", "LocustCsvAdapter", "LocustJsonAdapter"]

_PCT_COL = re.compile(r"^(\d+(?:\.\d+)?)%$")
_COLUMNS = {  # current header name -> pre-1.0 header name
    "Type": "Method",
    "Request Count": "# requests",
    "Failure Count": "# failures",
    "Average Response Time": "Average response time",
    "Min Response Time": "Min response time",
    "Max Response Time": "Max response time",
    "Requests/s": "Requests/s",
}


def _one(bid: BenchmarkId, metric: str, value: float, n: int, extra: dict[str, Any]) -> Result:
    unit = {"rps": "req/s", "error_rate": "ratio"}.get(metric, "s")
    direction = Direction.HIGHER if metric == "rps" else Direction.LOWER
    summary = Summary(n=max(n, 1), mean=value, median=value, min=value, max=value)
    return Result(bid, metric, unit, direction, summary=summary, extra=extra)


def _pct_name(p: str) -> str:
    return f"latency_p{p.removesuffix('.0')}"


class LocustCsvAdapter:
    """Locust ``--csv`` ``*_stats.csv``."""

    name = "locust"
    description = "Locust --csv stats file (*_stats.csv: per-endpoint and Aggregated rows)"

    def sniff(self, path: Path, head: str) -> bool:
        first = head.lstrip("\ufeff").split("\n", 1)[0].strip()
        return first.startswith(("Type,Name,Request Count,", "Method,Name,# requests,"))

    def parse(self, path: Path) -> Parsed:
        src = str(path)
        text = read_text(path)
        if text.startswith("Timestamp,User Count,"):
            raise ParseError.at(
                src,
                1,
                "a Locust _stats_history.csv (sliding-window figures): ingest the matching _stats.csv",
            )
        reader = csv.reader(io.StringIO(text, newline=""))
        try:
            rows = list(reader)
        except csv.Error as exc:
            raise ParseError.at(src, reader.line_num, f"malformed CSV: {exc}") from exc
        if not rows or not rows[0]:
            raise ParseError.at(src, 1, "empty file: expected a Locust stats CSV header")
        header = rows[0]
        col: dict[str, int] = {}
        for want, old in _COLUMNS.items():
            for name in (want, old):
                if name in header:
                    col[want] = header.index(name)
                    break
            else:
                raise ParseError.at(src, 1, f"missing column {want!r}")
        if "Name" not in header:
            raise ParseError.at(src, 1, "missing column 'Name'")
        col["Name"] = header.index("Name")
        pcts = [
            (i, m.group(1)) for i, h in enumerate(header) if (m := _PCT_COL.match(h)) and m.group(1) != "100"
        ]
        results: list[Result] = []
        seen: dict[str, int] = {}
        for lineno, row in enumerate(rows[1:], start=2):
            if not row:
                continue
            if len(row) != len(header):
                raise ParseError.at(src, lineno, f"{len(row)} fields, the header has {len(header)}")
            kind, name = row[col["Type"]].strip(), row[col["Name"]].strip()
            if not name:
                raise ParseError.at(src, lineno, "row without a Name")
            full = f"{kind} {name}" if kind else name
            if full in seen:
                raise ParseError.at(src, lineno, f"{full!r} appears twice (line {seen[full]})")
            seen[full] = lineno
            bid = BenchmarkId(full, group="locust")
            requests = int(self._num(src, lineno, row[col["Request Count"]], "Request Count") or 0)
            failures = int(self._num(src, lineno, row[col["Failure Count"]], "Failure Count") or 0)
            extra = {"requests": requests, "failures": failures}
            figures: dict[str, float | None] = {
                "latency_mean": self._ms(src, lineno, row[col["Average Response Time"]]),
                "latency_min": self._ms(src, lineno, row[col["Min Response Time"]]),
                "latency_max": self._ms(src, lineno, row[col["Max Response Time"]]),
            }
            for i, p in pcts:
                figures[_pct_name(p)] = self._ms(src, lineno, row[i])
            figures["rps"] = self._num(src, lineno, row[col["Requests/s"]], "Requests/s")
            if requests > 0:
                figures["error_rate"] = failures / requests
            else:
                figures = {"rps": figures["rps"]}  # no request: the latencies are placeholders
            for metric, value in figures.items():
                if value is not None:
                    results.append(_one(bid, metric, value, requests, extra))
        if not results:
            raise ParseError.at(src, None, "no rows with figures")
        return Parsed(source=self.name, results=tuple(results))

    @staticmethod
    def _num(src: str, lineno: int, text: str, what: str) -> float | None:
        t = text.strip()
        if t in ("N/A", ""):
            return None
        try:
            v = float(t)
        except ValueError:
            raise ParseError.at(src, lineno, f"{what}: {t!r} is not a number") from None
        if not math.isfinite(v) or v < 0:
            raise ParseError.at(src, lineno, f"{what}: {t!r} is not a finite non-negative number")
        return v

    def _ms(self, src: str, lineno: int, text: str) -> float | None:
        v = self._num(src, lineno, text, "response time")
        return None if v is None else v * 1e-3


def _percentile(hist: list[tuple[float, int]], total: int, q: float) -> float:
    """Locust's rule: the smallest bucket with at most ``total * (1 - q)`` requests above it."""
    wanted = int(total * q)
    processed = 0
    for value, count in reversed(hist):
        processed += count
        if total - processed <= wanted:
            return value
    return hist[0][0]


class LocustJsonAdapter:
    """Locust ``--json-file`` report."""

    name = "locust-json"
    description = (
        "Locust --json-file report (per-endpoint totals, response-time histogram, requests per second)"
    )

    def sniff(self, path: Path, head: str) -> bool:
        text = head.lstrip()
        return text.startswith("[") and '"num_requests"' in text and '"response_times"' in text

    def parse(self, path: Path) -> Parsed:
        src = str(path)
        _, doc = load_json(path)
        if not isinstance(doc, list) or not doc:
            raise ParseError.at(src, 1, "expected a non-empty list of Locust endpoint objects")
        results: list[Result] = []
        started: datetime | None = None
        seen: set[str] = set()
        for index, entry in enumerate(doc):
            where = f"entry {index}"
            if not isinstance(entry, dict):
                raise ParseError.at(src, None, f"{where} is not an object")
            try:
                name = entry["name"]
                method = entry.get("method") or ""
                num = entry["num_requests"]
                failures = entry["num_failures"]
                total_rt = entry["total_response_time"]
                hist_doc = entry["response_times"]
                per_sec = entry.get("num_reqs_per_sec", {})
            except KeyError as exc:
                raise ParseError.at(src, None, f"{where}: missing key {exc.args[0]!r}") from None
            ok_types = (
                isinstance(name, str)
                and name.strip()
                and isinstance(method, str)
                and all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in (num, failures))
                and isinstance(total_rt, int | float)
                and math.isfinite(total_rt)
                and isinstance(hist_doc, dict)
                and isinstance(per_sec, dict)
            )
            if not ok_types:
                raise ParseError.at(
                    src, None, f"{where}: unexpected types in name/num_requests/response_times"
                )
            full = f"{method} {name.strip()}".strip()
            if full in seen:
                raise ParseError.at(src, None, f"{where}: {full!r} appears twice")
            seen.add(full)
            hist = self._histogram(src, where, hist_doc)
            bid = BenchmarkId(full, group="locust")
            extra = {"requests": num, "failures": failures}
            counted = sum(c for _, c in hist)
            if counted:
                results.append(_one(bid, "latency_mean", total_rt / num * 1e-3 if num else 0.0, num, extra))
                for key, metric in (
                    ("min_response_time", "latency_min"),
                    ("max_response_time", "latency_max"),
                ):
                    v = entry.get(key)
                    if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v):
                        results.append(_one(bid, metric, v * 1e-3, num, extra))
                for q in (0.5, 0.9, 0.95, 0.99):
                    p = _percentile(hist, counted, q) * 1e-3
                    results.append(_one(bid, f"latency_p{round(q * 100)}", p, num, extra))
            if num:
                results.append(_one(bid, "error_rate", failures / num, num, extra))
            rps = self._rps(src, where, per_sec)
            if rps:
                results.append(
                    Result(
                        bid,
                        "rps",
                        "req/s",
                        Direction.HIGHER,
                        summary=summarize(rps),
                        samples=rps,
                        extra=extra,
                    )
                )
            st = entry.get("start_time")
            if isinstance(st, int | float) and not isinstance(st, bool) and math.isfinite(st) and st > 0:
                ts = datetime.fromtimestamp(st, UTC)
                started = ts if started is None or ts < started else started
        if not results:
            raise ParseError.at(src, None, "no endpoint with requests")
        return Parsed(source=self.name, results=tuple(results), started=started)

    @staticmethod
    def _histogram(src: str, where: str, doc: dict[str, Any]) -> list[tuple[float, int]]:
        out: list[tuple[float, int]] = []
        for k, v in doc.items():
            try:
                value = float(k)
            except ValueError:
                raise ParseError.at(
                    src, None, f"{where}: response time bucket {k!r} is not a number"
                ) from None
            if not math.isfinite(value) or not isinstance(v, int) or isinstance(v, bool) or v < 0:
                raise ParseError.at(src, None, f"{where}: bad response time bucket {k!r}: {v!r}")
            out.append((value, v))
        return sorted(out)

    @staticmethod
    def _rps(src: str, where: str, doc: dict[str, Any]) -> tuple[float, ...]:
        seconds: list[tuple[int, int]] = []
        for k, v in doc.items():
            try:
                second = int(k)
            except ValueError:
                raise ParseError.at(
                    src, None, f"{where}: num_reqs_per_sec key {k!r} is not a unix second"
                ) from None
            if not isinstance(v, int) or isinstance(v, bool) or v < 0:
                raise ParseError.at(src, None, f"{where}: num_reqs_per_sec[{k}] is not a count: {v!r}")
            seconds.append((second, v))
        seconds.sort()
        if len(seconds) >= 3:
            seconds = seconds[1:-1]  # the first and last seconds are partial
        return tuple(float(c) for _, c in seconds)


ADAPTERS: tuple[Adapter, ...] = (LocustCsvAdapter(), LocustJsonAdapter())
