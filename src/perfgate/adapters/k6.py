"""k6 end-of-test summaries: ``handleSummary`` data, legacy ``--summary-export``, machine-readable v1.

The first two are one JSON object with ``metrics`` and ``root_group``. In the ``handleSummary`` object each
metric is ``{"type", "contains", "values": {...}, "thresholds": {"expr": {"ok": bool}}}``; in the
legacy export the figures sit directly in the metric and a threshold is ``"expr": bool`` where
**true means the threshold failed**. Both become the same results.

k6 >= 1.5 with ``--new-machine-readable-summary`` (``K6_NEW_MACHINE_READABLE_SUMMARY``) writes, to both
``--summary-export`` and ``handleSummary()``, the versioned shape of the grafana/k6-summary schema
1.0.0: ``{"version", "metadata": {"generatedAt", "k6Version"}, "config": {"duration" (s),
"execution", "script"?}, "results": {"metrics": [...], "checks"?: {"metrics": [...], "results":
[{"name", "passes", "fails"}]}, "passed"?}}`` with each metric ``{"name", "type", "contains",
"values"}``. Counters hold only ``count`` (rates here are ``count / config.duration``), rate metrics
``matches``/``total``/``rate``, trends ``avg``/``min``/``med``/``max``/``p(90)``/``p(95)``, gauges
``value``/``min``/``max``. The check pass ratio is the ``checks_succeeded`` rate; the per-check
counts go to that result's ``extra["checks"]``. This version records no thresholds; the schema's
optional ``results.passed`` is kept in ``extra["passed"]`` of every result.

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

from perfgate.adapters._parsing import load_json
from perfgate.adapters.base import Adapter, Parsed
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


def _name_line(text: str, name: str) -> int | None:
    m = re.search(r'"name"\s*:\s*' + re.escape(json.dumps(name, ensure_ascii=False)), text)
    return text.count("\n", 0, m.start()) + 1 if m else _line_of(text, json.dumps(name))


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
        if not text.startswith("{"):
            return False
        if '"k6Version"' in text and '"results"' in text:
            return True  # machine-readable summary v1
        if '"metrics"' not in text:
            return False
        return '"root_group"' in text or bool(
            re.search(r'"(http_reqs|iterations|vus_max|http_req_duration)"', text)
        )

    def parse(self, path: Path) -> Parsed:
        src = str(path)
        loaded, doc = load_json(path)
        text = loaded.text
        if isinstance(doc, dict) and "results" in doc and "metrics" not in doc:
            return self._parse_v1(src, text, doc)
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

    def _parse_v1(self, src: str, text: str, doc: dict[str, Any]) -> Parsed:
        """The machine-readable summary (schema 1.x)."""
        version = doc.get("version")
        if not isinstance(version, str) or version.split(".")[0] != "1":
            raise ParseError.at(
                src,
                _line_of(text, '"version"'),
                f"unsupported k6 machine-readable summary version {version!r}",
            )
        config, meta, res = (self._object(src, text, doc, key) for key in ("config", "metadata", "results"))
        duration = config.get("duration")
        if isinstance(duration, bool) or not isinstance(duration, int | float) or not math.isfinite(duration):
            raise ParseError.at(
                src, _line_of(text, '"duration"'), "config.duration must be a number of seconds"
            )
        metrics = res.get("metrics")
        if not isinstance(metrics, list):
            raise ParseError.at(src, _line_of(text, '"metrics"'), "results.metrics must be an array")
        checks = res.get("checks")
        check_metrics: list[Any] = []
        per_check: list[dict[str, Any]] = []
        if checks is not None:
            if not isinstance(checks, dict):
                raise ParseError.at(src, _line_of(text, '"checks"'), "results.checks must be an object")
            check_metrics = checks.get("metrics") or []
            raw = checks.get("results") or []
            if not isinstance(check_metrics, list) or not isinstance(raw, list):
                raise ParseError.at(src, _line_of(text, '"checks"'), "results.checks entries must be arrays")
            for c in raw:
                if not (
                    isinstance(c, dict)
                    and isinstance(c.get("name"), str)
                    and all(
                        isinstance(c.get(k), int) and not isinstance(c.get(k), bool)
                        for k in ("passes", "fails")
                    )
                ):
                    raise ParseError.at(src, _line_of(text, '"results"'), f"malformed check result: {c!r}")
                per_check.append({"name": c["name"], "passes": c["passes"], "fails": c["fails"]})
        passed = res.get("passed")
        if passed is not None and not isinstance(passed, bool):
            raise ParseError.at(src, _line_of(text, '"passed"'), "results.passed must be true or false")
        bid = BenchmarkId("k6", group="k6")
        results: list[Result] = []
        gauges: dict[str, Any] = {}
        seen: set[str] = set()
        have_checks = any(isinstance(m, dict) and m.get("name") == "checks" for m in metrics)
        for body in [*metrics, *check_metrics]:
            name = body.get("name") if isinstance(body, dict) else None
            if not isinstance(body, dict) or not isinstance(name, str) or not name:
                raise ParseError.at(src, _line_of(text, '"name"'), f"metric without a name: {body!r}"[:200])
            where = _name_line(text, name)
            if name in seen:
                raise ParseError.at(src, where, f"metric {name!r} appears twice")
            seen.add(name)
            kind, contains, fig = body.get("type"), body.get("contains"), body.get("values")
            if kind not in ("counter", "gauge", "rate", "trend") or not isinstance(fig, dict):
                raise ParseError.at(
                    src, where, f"metric {name!r}: needs a known 'type' and a 'values' object"
                )
            numbers: dict[str, float] = {}
            for k, v in fig.items():
                if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                    raise ParseError.at(src, where, f"metric {name!r}: {k} is not a finite number: {v!r}")
                numbers[k] = float(v)
            extra: dict[str, Any] = {} if passed is None else {"passed": passed}
            if kind == "gauge":
                gauges[name] = numbers
                continue
            if kind == "counter":
                if "count" not in numbers:
                    raise ParseError.at(src, where, f"counter {name!r} has no count")
                if duration <= 0:
                    raise ParseError.at(src, where, f"counter {name!r}: config.duration is 0, no rate")
                numbers = {"rate": numbers["count"] / duration}
            if name in ("checks_total", "checks_failed") or (name == "checks_succeeded" and have_checks):
                continue  # the same figures as the "checks" pass ratio
            if name == "checks_succeeded" or name == "checks":
                name, extra = "checks", {**extra, "checks": per_check}
            results.extend(self._results(src, where, bid, name, kind, contains, numbers, extra))
        if not results:
            raise ParseError.at(src, None, "k6 summary without trend, rate or counter metrics")
        if gauges:
            results[0] = replace(results[0], extra={**results[0].extra, "gauges": gauges})
        env: dict[str, Any] = {"k6_test_run_duration_s": float(duration)}
        for key, value in (
            ("k6_version", meta.get("k6Version")),
            ("k6_execution", config.get("execution")),
            ("k6_script", config.get("script")),
            ("k6_summary_version", version),
        ):
            if isinstance(value, str):
                env[key] = value
        return Parsed(source=self.name, results=tuple(results), environment=env)

    @staticmethod
    def _object(src: str, text: str, doc: dict[str, Any], key: str) -> dict[str, Any]:
        obj = doc.get(key)
        if not isinstance(obj, dict):
            raise ParseError.at(src, _line_of(text, f'"{key}"'), f"'{key}' must be an object")
        return obj

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
