"""Go's ``go test -bench`` text output (the benchfmt format).

A result line is ``BenchmarkName-N  <iterations>  <value> <unit>  [<value> <unit>]...``; configuration
lines ``key: value`` (``goos``, ``goarch``, ``pkg``, ``cpu``, anything else) apply to the results that
follow until changed. Each repeat of a name (``-count``) is one sample.

Naming: the ``-N`` GOMAXPROCS suffix is stripped and kept as the ``gomaxprocs`` param (it stays in the
name only when one benchmark ran with several values, ``-cpu 1,4``); the package is the group and
prefixes the name (``index/suffixarray.BenchmarkNew/size=10``) so one name in two packages stays two
benchmarks, and a name does not change with what else ran. Sub-benchmark ``key=value`` parts become
params.

Units: ``ns/op`` -> ``time`` (s), ``B/op`` -> ``allocated_bytes``, ``allocs/op`` -> ``allocations``,
``MB/s`` -> ``throughput`` (B/s); ``ReportMetric`` units ``<what>-<unit>`` become metric ``<what>`` in
the canonical unit (``build-real-ns/op`` -> ``build-real`` in s, ``text-bytes`` -> ``text`` in B); any
other unit becomes a metric named after the unit.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from perfgate.adapters.base import Adapter, Parsed, read_text
from perfgate.errors import ParseError
from perfgate.model import BenchmarkId, Direction, Result, default_direction, metric_info, normalize
from perfgate.stats import summarize

__all__ = ["ADAPTERS", "GoBenchAdapter"]

# benchfmt: a configuration key starts with a lower-case letter and has no spaces or upper case
_CONFIG = re.compile(r"^([a-z][^\sA-Z:]*):(?:[ \t]+(.*?))?[ \t]*$")
_RESULT = re.compile(r"^(Benchmark\S*)[ \t]+(\d+)[ \t]+(\S.*?)\s*$")
_FAIL = re.compile(r"^(?:\S+[ \t]+)?\s*--- FAIL: (Benchmark\S*)")
_PROCS = re.compile(r"^(.*?)-(\d+)$")
_KNOWN: dict[str, str] = {
    "ns/op": "time",
    "sec/op": "time",
    "s/op": "time",
    "ms/op": "time",
    "us/op": "time",
    "µs/op": "time",
    "B/op": "allocated_bytes",
    "allocs/op": "allocations",
    "MB/s": "throughput",
    "B/s": "throughput",
}
_SUFFIX_UNITS = ("ns/op", "us/op", "µs/op", "ms/op", "sec/op", "s/op", "ns", "bytes", "B", "B/op")


@dataclass(slots=True)
class _Series:
    """Everything one (package, name, procs) produced, accumulated while reading."""

    line: int
    pkg: str
    base: str
    procs: str | None
    iterations: list[int] = field(default_factory=list)
    values: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    error: str | None = None
    config: dict[str, str] = field(default_factory=dict)


def _metric_of(unit: str) -> tuple[str, str]:
    """(metric name, Go unit to normalise) for a unit as Go printed it."""
    if unit in _KNOWN:
        return _KNOWN[unit], unit
    for suffix in _SUFFIX_UNITS:
        if unit.endswith("-" + suffix) and len(unit) > len(suffix) + 1:
            return unit[: -len(suffix) - 1], suffix.removesuffix("/op") if suffix != "B/op" else "B"
    return unit, unit


def _unit_of(metric: str, go_unit: str, value: float) -> tuple[float, str]:
    if go_unit == "sec/op":
        return value, "s"
    if go_unit == "bytes":
        return value, "B"
    v, u = normalize(value, go_unit)
    if metric in ("time", "allocated_bytes", "allocations", "throughput"):
        return v, u
    if u.endswith("/op"):  # a count per operation the model has no name for
        return v, "count"
    return v, u


def _conversion(unit: str) -> tuple[tuple[str, str], float]:
    """((metric, canonical unit), factor) for a Go unit: every conversion is a plain scale."""
    metric, go_unit = _metric_of(unit)
    factor, canonical = _unit_of(metric, go_unit, 1.0)
    return (metric, canonical), factor


# a file uses a handful of units over and over: convert each unit once
_CONVERSIONS: dict[str, tuple[tuple[str, str], float]] = {}


def _params(name: str) -> tuple[tuple[str, str], ...]:
    """``key=value`` parts of a sub-benchmark name, in order."""
    out: list[tuple[str, str]] = []
    for part in name.split("/")[1:]:
        key, eq, value = part.partition("=")
        if eq and key:
            out.append((key, value))
    return tuple(out)


class GoBenchAdapter:
    """``go test -bench`` text output (benchfmt)."""

    name = "go"
    description = "Go `go test -bench` text output (benchfmt: -count, -benchmem, ReportMetric, config lines)"

    def sniff(self, path: Path, head: str) -> bool:
        for line in head.splitlines()[:4000]:
            m = _RESULT.match(line)
            if m and re.match(r"^[-+0-9.eE]+[ \t]+\S+", m.group(3)):
                return True
        return False

    def parse(self, path: Path) -> Parsed:
        text = read_text(path)
        src = str(path)
        config: dict[str, str] = {}
        seen_config: dict[str, set[str]] = {}
        series: dict[tuple[str, str, str | None], _Series] = {}
        order: list[tuple[str, str, str | None]] = []
        pending_fail: _Series | None = None
        for lineno, line in enumerate(text.splitlines(), start=1):
            if pending_fail is not None:
                # the indented lines after "--- FAIL:" say why; keep the first
                if line.startswith((" ", "\t")) and line.strip():
                    if pending_fail.error == "failed":
                        pending_fail.error = line.strip()
                    continue
                pending_fail = None
            m = _RESULT.match(line)
            if m:
                self._result(src, lineno, m, config, series, order)
                continue
            f = _FAIL.match(line)
            if f:
                pending_fail = self._series(lineno, f.group(1), config, series, order)
                pending_fail.error = "failed"
                continue
            c = _CONFIG.match(line)
            if c:
                key, value = c.group(1), (c.group(2) or "")
                if value:
                    config[key] = value
                    seen_config.setdefault(key, set()).add(value)
                else:
                    config.pop(key, None)  # benchfmt: an empty value unsets the key
        if not series:
            raise ParseError.at(src, None, "no benchmark result lines (BenchmarkX  N  value unit)")
        # keys with one value in the whole file describe the machine; keys that change (a block's
        # `shortname:`) describe the results under them and stay with those results
        varying = {k for k, vs in seen_config.items() if len(vs) > 1 and k != "pkg"}
        fixed = {k: next(iter(vs)) for k, vs in seen_config.items() if len(vs) == 1}
        return Parsed(source=self.name, results=_results(series, order, varying), environment=_env(fixed))

    def _series(
        self,
        lineno: int,
        full: str,
        config: dict[str, str],
        series: dict[tuple[str, str, str | None], _Series],
        order: list[tuple[str, str, str | None]],
    ) -> _Series:
        pm = _PROCS.match(full)
        base, procs = (pm.group(1), pm.group(2)) if pm else (full, None)
        pkg = config.get("pkg", "")
        key = (pkg, base, procs)
        s = series.get(key)
        if s is None:
            s = series[key] = _Series(line=lineno, pkg=pkg, base=base, procs=procs, config=dict(config))
            order.append(key)
        return s

    def _result(
        self,
        src: str,
        lineno: int,
        m: re.Match[str],
        config: dict[str, str],
        series: dict[tuple[str, str, str | None], _Series],
        order: list[tuple[str, str, str | None]],
    ) -> None:
        fields = m.group(3).split()
        if len(fields) % 2:
            raise ParseError.at(src, lineno, f"value without a unit in {m.group(1)}")
        s = self._series(lineno, m.group(1), config, series, order)
        s.iterations.append(int(m.group(2)))
        for i in range(0, len(fields), 2):
            raw, unit = fields[i], fields[i + 1]
            try:
                value = float(raw)
            except ValueError:
                raise ParseError.at(src, lineno, f"{raw!r} is not a number ({unit})") from None
            if not math.isfinite(value):
                raise ParseError.at(src, lineno, f"{raw!r} is not a finite number ({unit})")
            conv = _CONVERSIONS.get(unit)
            if conv is None:
                conv = _CONVERSIONS[unit] = _conversion(unit)
            key, factor = conv
            values = s.values.get(key)
            if values is None:
                values = s.values[key] = []
            values.append(value * factor)


def _env(config: dict[str, Any]) -> dict[str, Any]:
    env: dict[str, Any] = {}
    mapping = {"goos": "os", "goarch": "arch", "cpu": "cpu_model"}
    for key, value in config.items():
        if key == "pkg":
            continue
        env[mapping.get(key, key)] = value
    return env


def _results(
    series: dict[tuple[str, str, str | None], _Series],
    order: list[tuple[str, str, str | None]],
    varying: set[str],
) -> tuple[Result, ...]:
    procs_seen: dict[tuple[str, str], set[str | None]] = {}
    for pkg, base, procs in order:
        procs_seen.setdefault((pkg, base), set()).add(procs)
    out: list[Result] = []
    for key in order:
        s = series[key]
        name = s.base
        if s.procs is not None and len(procs_seen[(s.pkg, s.base)]) > 1:
            name = f"{s.base}-{s.procs}"
        full = f"{s.pkg}.{name}" if s.pkg else name
        params = _params(s.base)
        if s.procs is not None:
            params += (("gomaxprocs", s.procs),)
        bid = BenchmarkId(full, group=s.pkg or None, params=params)
        iterations = s.iterations[0] if s.iterations and len(set(s.iterations)) == 1 else None
        extra: dict[str, Any] = {}
        if iterations is None and s.iterations:
            extra["iterations"] = list(s.iterations)
        local = {k: v for k, v in s.config.items() if k in varying}
        if local:
            extra["config"] = local
        if s.error is not None:
            # a benchmark that failed in any repeat is a failed result: its other figures are not trusted
            out.append(
                Result(benchmark=bid, metric="time", unit="s", direction=Direction.LOWER, error=s.error)
            )
            continue
        for (metric, unit), values in s.values.items():
            direction = _direction(metric, unit)
            out.append(
                Result(
                    benchmark=bid,
                    metric=metric,
                    unit=unit,
                    direction=direction,
                    summary=summarize(values),
                    samples=tuple(values),
                    rounds=len(values),
                    iterations=iterations,
                    extra=extra,
                )
            )
    return tuple(out)


def _direction(metric: str, unit: str) -> Direction:
    info = metric_info(metric, unit)
    return (
        info.direction
        if metric in ("time", "allocated_bytes", "allocations", "throughput")
        else (default_direction(unit))
    )


ADAPTERS: tuple[Adapter, ...] = (GoBenchAdapter(),)
