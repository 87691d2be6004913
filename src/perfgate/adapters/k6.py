"""k6 end-of-test summaries: the ``handleSummary`` data object and the legacy ``--summary-export`` file.

Both are one JSON object with ``metrics`` and ``root_group``. In the ``handleSummary`` object each
metric is ``{"type", "contains", "values": {...}, "thresholds": {"expr": {"ok": bool}}}``; in the
legacy export the figures sit directly in the metric and a threshold is ``"expr": bool`` where
**true means the threshold failed**. Both become the same results.

A summary is one load test, so one benchmark (named after the root group, else ``k6``) with many
metrics. Times are k6 milliseconds, stored in seconds:

- ``http_req_duration`` (trend): ``avg``/``med``/``p(90)``/``p(95)``/``p(99)``/``max`` ->
  ``latency_mean``/``latency_p50``/``latency_p90``/``latency_p95``/``latency_p99``/``latency_max``
  (``min`` and other percentiles -> ``latency_min``, ``latency_p99.9``...);
- ``http_reqs`` rate -> ``rps``; ``http_req_failed`` rate -> ``error_rate``; ``checks`` rate ->
  ``checks`` (pass ratio, higher is better); ``iterations`` rate -> ``iterations_rate``;
- other trends (``iteration_duration``, ``http_req_waiting``, custom ones) -> ``<name>_<stat>``, other
  counters -> ``<name>_rate``, other rates -> ``<name>`` (ratio); tagged sub-metrics keep their tags
  in the name (``http_req_duration{expected_response:true}_p95``); gauges (``vus``) go to ``extra``.

Failed thresholds are listed in ``extra["thresholds_failed"]`` of every result of their metric.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from perfgate.adapters.base import Adapter, Parsed, read_text
from perfgate.errors import ParseError
from perfgate.model import BenchmarkId, Direction, Result, Summary

__all__ = ["ADAPTERS", "K6SummaryAdapter"]

_STAT_NAMES = {"avg": "mean", "med": "p50", "max": "max", "min": "min"}
_PCT = re.compile(r"^p\((\d+(?:\.\d+)?)\)$")
_TREND_KEYS = {"avg", "min", "med", "max"}
# the legacy export does not say what a built-in metric holds
_LEGACY_CONTAINS = {
    **{
        m: "time"
        for m in (
            "http_req_duration",
            "http_req_blocked",
            "http_req_connecting",
            "http_req_sending",
            "http_req_waiting",
            "http_req_receiving",
            "http_req_tls_handshaking",
            "iteration_duration",
            "group_duration",
        )
    },
    "data_received": "data",
    "data_sent": "data",
}


def _line_of(text: str, needle: str) -> int | None:
    i = text.find(needle)
    return text.count("\n", 0, i) + 1 if i >= 0 else None


def _stat_suffix(stat: str) -> str | None:
    if stat in _STAT_NAMES:
        return _STAT_NAMES[stat]
    m = _PCT.match(stat)
    if m:
        p = m.group(1)
        return f"p{p.removesuffix('.0')}" if "." in p else f"p{p}"
    return None  # "count" and the like: not a latency statistic


def _kind(name: str, fig: dict[str, Any], declared: Any) -> str:
    if isinstance(declared, str):
        return declared
    # legacy export: no "type"; the figures tell
    keys = set(fig)
    if (_TREND_KEYS & keys and any(_PCT.match(k) for k in keys)) or {"avg", "med"} <= keys:
        return "trend"
    if "passes" in keys or "fails" in keys:
        return "rate"
    if "count" in keys and "rate" in keys:
        return "counter"
    return "gauge"


class K6SummaryAdapter:
    """k6 ``handleSummary`` data / ``--summary-export`` JSON."""

    name = "k6"
    description = "k6 end-of-test summary JSON (handleSummary data or legacy --summary-export)"

    def sniff(self, path: Path, head: str) -> bool:
        text = head.lstrip()
        if not text.startswith("{") or '"metrics"' not in text:
            return False
        return '"root_group"' in text or bool(
            re.search(r'"(http_reqs|iterations|vus_max|http_req_duration)"', text)
        )

    def parse(self, path: Path) -> Parsed:
        src = str(path)
        text = read_text(path)
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ParseError.at(src, exc.lineno, f"invalid JSON: {exc.msg}") from exc
        except RecursionError as exc:
            raise ParseError.at(src, None, "JSON nested too deeply") from exc
        if not isinstance(doc, dict) or not isinstance(doc.get("metrics"), dict):
            raise ParseError.at(src, 1, "not a k6 summary: no 'metrics' object")
        root = doc.get("root_group")
        name = root.get("name") if isinstance(root, dict) else None
        bid = BenchmarkId(name.strip() if isinstance(name, str) and name.strip() else "k6", group="k6")
        results: list[Result] = []
        gauges: dict[str, Any] = {}
        for metric, body in doc["metrics"].items():
            where = _line_of(text, json.dumps(metric))
            if not isinstance(body, dict):
                raise ParseError.at(src, where, f"metric {metric!r} must be an object")
            fig = body.get("values", body)
            if not isinstance(fig, dict):
                raise ParseError.at(src, where, f"metric {metric!r}: 'values' must be an object")
            numbers: dict[str, float] = {}
            for k, v in fig.items():
                if k == "thresholds":
                    continue
                if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                    raise ParseError.at(src, where, f"metric {metric!r}: {k} is not a finite number: {v!r}")
                numbers[k] = float(v)
            extra = self._thresholds(src, where, metric, body, "values" in body)
            kind = _kind(metric, numbers, body.get("type"))
            contains = body.get("contains", _LEGACY_CONTAINS.get(metric.partition("{")[0]))
            if kind == "gauge":
                gauges[metric] = numbers
                continue
            results.extend(self._results(src, where, bid, metric, kind, contains, numbers, extra))
        if not results:
            raise ParseError.at(src, None, "k6 summary without trend, rate or counter metrics")
        if gauges:
            results[0] = replace(results[0], extra={**results[0].extra, "gauges": gauges})
        env: dict[str, Any] = {}
        state = doc.get("state")
        if isinstance(state, dict) and isinstance(state.get("testRunDurationMs"), int | float):
            env["k6_test_run_duration_s"] = state["testRunDurationMs"] / 1000
        return Parsed(source=self.name, results=tuple(results), environment=env)

    @staticmethod
    def _thresholds(
        src: str, where: int | None, metric: str, body: dict[str, Any], modern: bool
    ) -> dict[str, Any]:
        th = body.get("thresholds")
        if th is None:
            return {}
        if not isinstance(th, dict):
            raise ParseError.at(src, where, f"metric {metric!r}: thresholds must be an object")
        failed: list[str] = []
        for expr, state in th.items():
            if modern and isinstance(state, dict) and isinstance(state.get("ok"), bool):
                ok = state["ok"]
            elif not modern and isinstance(state, bool):
                ok = not state  # legacy export: true means the threshold was crossed
            else:
                raise ParseError.at(
                    src, where, f"metric {metric!r}: threshold {expr!r} has no pass/fail state"
                )
            if not ok:
                failed.append(expr)
        return {"thresholds": sorted(th), "thresholds_failed": failed}

    @staticmethod
    def _results(
        src: str,
        where: int | None,
        bid: BenchmarkId,
        metric: str,
        kind: str,
        contains: Any,
        fig: dict[str, float],
        extra: dict[str, Any],
    ) -> list[Result]:
        out: list[Result] = []

        def add(name: str, value: float, unit: str, direction: Direction) -> None:
            out.append(
                Result(
                    benchmark=bid,
                    metric=name,
                    unit=unit,
                    direction=direction,
                    summary=Summary(n=1, mean=value, median=value, min=value, max=value),
                    extra=extra,
                )
            )

        if kind == "trend":
            base, tags = metric.partition("{")[0], metric[len(metric.partition("{")[0]) :]
            prefix = "latency" if base == "http_req_duration" else base
            scale, unit = (
                (1e-3, "s") if contains == "time" else ((1.0, "B") if contains == "data" else (1.0, "count"))
            )
            for stat, value in fig.items():
                suffix = _stat_suffix(stat)
                if suffix is not None:
                    add(f"{prefix}_{suffix}{tags}", value * scale, unit, Direction.LOWER)
        elif kind == "counter":
            if "rate" not in fig:
                raise ParseError.at(src, where, f"counter {metric!r} has no rate")
            if metric == "http_reqs":
                add("rps", fig["rate"], "req/s", Direction.HIGHER)
            elif metric == "iterations":
                add("iterations_rate", fig["rate"], "iter/s", Direction.HIGHER)
            else:
                add(f"{metric}_rate", fig["rate"], "B/s" if contains == "data" else "ops/s", Direction.HIGHER)
        elif kind == "rate":
            rate = fig.get("rate", fig.get("value"))
            if rate is None:
                raise ParseError.at(src, where, f"rate {metric!r} has no rate/value")
            value = rate
            if metric == "http_req_failed":
                add("error_rate", value, "ratio", Direction.LOWER)
            elif metric == "checks":
                add("checks", value, "ratio", Direction.HIGHER)
            else:
                add(metric, value, "ratio", Direction.LOWER)
        else:
            raise ParseError.at(src, where, f"metric {metric!r} has unknown type {kind!r}")
        return out


ADAPTERS: tuple[Adapter, ...] = (K6SummaryAdapter(),)
