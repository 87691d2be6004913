"""JMH's JSON result file (``-rf json -rff FILE``): a top-level array, one record per benchmark, mode
and parameter combination.

Names: ``pkg.Class.method(param=a,other=b)[mode]``. The mode suffix keeps names unique when a method
runs in several modes (and keeps a name stable whether or not other modes ran); params and mode are
also in :attr:`BenchmarkId.params`, the class is the group. Metrics by mode: ``thrpt`` is
``throughput`` in ops/s (higher is better); ``avgt``, ``sample`` and ``ss`` are ``time`` in s/op (lower
is better). ``rawData`` (per fork, per measurement iteration) are the samples; for ``sample`` mode
without rawData, each iteration's ``rawDataHistogram`` gives one sample (that iteration's mean) and the
number of sampled operations goes to ``extra``. Secondary metrics become results of the same benchmark:
``·p0.50`` percentiles as ``latency_p50`` etc., ``·gc.alloc.rate.norm`` as ``allocated_bytes``, other
``·gc.*`` as ``gc_*``, anything else under its own label. ``"NaN"`` scores are treated as absent.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

from perfgate.adapters._parsing import Doc, load_json, make_result
from perfgate.adapters.base import Adapter, Parsed
from perfgate.model import BenchmarkId, Direction, Result

__all__ = ["ADAPTERS", "JmhAdapter"]

_MODES = {
    "thrpt": ("throughput", Direction.HIGHER),
    "avgt": ("time", Direction.LOWER),
    "sample": ("time", Direction.LOWER),
    "ss": ("time", Direction.LOWER),
}
_PERCENTILES = {
    "0.00": "latency_min",
    "0.50": "latency_p50",
    "0.90": "latency_p90",
    "0.95": "latency_p95",
    "0.99": "latency_p99",
    "0.999": "latency_p99.9",
    "0.9999": "latency_p99.99",
    "1.00": "latency_max",
}


class JmhAdapter:
    """JMH JSON results, all modes."""

    name = "jmh"
    description = "JMH JSON results (-rf json): thrpt, avgt, sample, ss, secondary metrics"

    def sniff(self, path: Path, head: str) -> bool:
        return head.lstrip("\ufeff \t\r\n").startswith("[") and (
            '"jmhVersion"' in head or ('"primaryMetric"' in head and '"mode"' in head)
        )

    def parse(self, path: Path) -> Parsed:
        doc, data = load_json(path)
        records = doc.arr(data, "top level")
        results: list[Result] = []
        seen: set[tuple[str, str]] = set()
        cursor = 1
        env: dict[str, Any] = {}
        for i, raw in enumerate(records):
            record = doc.obj(raw, f"record {i}", cursor)
            method = doc.string(record, "benchmark", f"record {i}", cursor)
            start = cursor + 1 if i else 1  # records come in file order: search after the last one
            cursor = doc.line_of(f'"benchmark" : "{method}"', start) or doc.line_of(method, start) or cursor
            for r in _record(doc, record, method, cursor):
                if r.key in seen:
                    raise doc.error(f"duplicate result {r.benchmark.name} [{r.metric}]", cursor)
                seen.add(r.key)
                results.append(r)
            if not env:
                env = _environment(record)
        return Parsed(source=self.name, results=tuple(results), environment=env)


def _record(doc: Doc, record: dict[str, Any], method: str, line: int) -> list[Result]:
    what = f"benchmark {method!r}"
    mode = doc.string(record, "mode", what, line)
    if mode not in _MODES:
        raise doc.error(f"{what}: unknown mode {mode!r} (expected thrpt, avgt, sample or ss)", line)
    metric, direction = _MODES[mode]
    params_raw = doc.obj(record.get("params") or {}, f"{what} params", line)
    params = tuple((str(k), v if isinstance(v, str) else str(v)) for k, v in params_raw.items())
    shown = ",".join(f"{k}={v}" for k, v in params)
    name = f"{method}({shown})[{mode}]" if params else f"{method}[{mode}]"
    cls, _, _ = method.rpartition(".")
    bid = BenchmarkId(name, cls or None, (*params, ("mode", mode)))
    what = f"benchmark {name!r}"
    warmup = doc.opt_int(record, "warmupIterations", what, line)
    threads = doc.opt_int(record, "threads", what, line)
    common_extra: dict[str, Any] = {"mode": mode}
    if threads is not None:
        common_extra["threads"] = threads
    primary = doc.obj(doc.field(record, "primaryMetric", what, line), f"{what} primaryMetric", line)
    results: list[Result] = []
    main = _metric(doc, primary, bid, metric, direction, what, line, warmup, common_extra)
    if main is None:
        raise doc.error(f"{what}: primaryMetric has neither a score nor raw data", line)
    results.append(main)
    secondaries = doc.obj(record.get("secondaryMetrics") or {}, f"{what} secondaryMetrics", line)
    for label, raw in secondaries.items():
        sec_metric, sec_direction = _secondary_name(label, mode)
        sec = doc.obj(raw, f"{what} secondary {label!r}", line)
        r = _metric(doc, sec, bid, sec_metric, sec_direction, f"{what} {label!r}", line, warmup, None)
        if r is not None:
            results.append(r)
    return results


def _secondary_name(label: str, mode: str) -> tuple[str, Direction | None]:
    short = label.rpartition("·")[2] if "·" in label else label
    m = re.fullmatch(r"p(\d\.\d+)", short)
    if m and m.group(1) in _PERCENTILES:
        return _PERCENTILES[m.group(1)], Direction.LOWER
    if m:
        return f"latency_{short}", Direction.LOWER
    if short == "gc.alloc.rate.norm":
        return "allocated_bytes", Direction.LOWER
    if short.startswith("gc."):
        # allocation rate, GC counts and times: less is better even when the unit is a rate
        return short.replace(".", "_"), Direction.LOWER
    return short, None


def _metric(
    doc: Doc,
    m: dict[str, Any],
    bid: BenchmarkId,
    metric: str,
    direction: Direction | None,
    what: str,
    line: int,
    warmup: int | None,
    extra: dict[str, Any] | None,
) -> Result | None:
    unit = doc.string(m, "scoreUnit", what, line)
    if unit.startswith("#"):  # "#", "#/op": plain counts (GC counts, perf counters)
        unit = "count"
    samples: list[float] = []
    extra = dict(extra or {})
    raw = m.get("rawData")
    if raw is not None:
        for f, fork in enumerate(doc.arr(raw, f"{what} rawData", line)):
            for j, v in enumerate(doc.arr(fork, f"{what} rawData[{f}]", line)):
                x = doc.number(v, f"{what} rawData[{f}][{j}]", line, nan_ok=True)
                if not math.isnan(x):
                    samples.append(x)
    elif m.get("rawDataHistogram") is not None:
        operations = 0
        for f, fork in enumerate(doc.arr(m["rawDataHistogram"], f"{what} rawDataHistogram", line)):
            for j, iteration in enumerate(doc.arr(fork, f"{what} rawDataHistogram[{f}]", line)):
                total = 0.0
                count = 0
                for entry in doc.arr(iteration, f"{what} rawDataHistogram[{f}][{j}]", line):
                    pair = doc.arr(entry, f"{what} rawDataHistogram[{f}][{j}] entry", line)
                    if len(pair) != 2:
                        raise doc.error(f"{what}: histogram entries must be [value, count]", line)
                    value = doc.number(pair[0], f"{what} histogram value", line)
                    n = doc.integer(pair[1], f"{what} histogram count", line)
                    total += value * n
                    count += n
                if count:
                    samples.append(total / count)
                    operations += count
        extra["operations"] = operations
    score = doc.opt_num(m, "score", what, line)
    if not samples and score is None:
        return None
    try:
        return make_result(
            bid,
            metric,
            unit,
            samples=samples,
            figures={"mean": score},
            direction=direction,
            rounds=len(samples) or None,
            warmup=warmup,
            extra=extra,
        )
    except ValueError as exc:
        raise doc.error(f"{what}: {exc}", line) from exc


def _environment(record: dict[str, Any]) -> dict[str, Any]:
    env: dict[str, Any] = {}
    for key in ("jmhVersion", "jdkVersion", "vmName", "vmVersion", "jvm", "jvmArgs"):
        if key in record:
            env[key] = record[key]
    return env


ADAPTERS: tuple[Adapter, ...] = (JmhAdapter(),)
