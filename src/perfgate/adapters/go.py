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

A failed run: ``go test`` ends a package that failed with ``FAIL <pkg>``, after a ``panic:`` (a
``-timeout`` reached prints ``panic: test timed out after ...``) or a ``SIGQUIT`` dump (killed for
running too long). Such output is a failed run (``Parsed.status`` ``failed``), and the benchmark whose name
was printed but never got its figures is a failed result with the panic's message; when no benchmark
can be blamed, the package itself is a failed result, so the failure shows among the verdicts.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from perfgate.adapters.base import Adapter, Parsed, read_text
from perfgate.errors import ParseError
from perfgate.model import (
    BenchmarkId,
    Direction,
    Result,
    RunStatus,
    default_direction,
    metric_info,
    normalize,
)
from perfgate.stats import summarize

__all__ = ["ADAPTERS", "GoBenchAdapter"]

# benchfmt: a configuration key starts with a lower-case letter and has no spaces or upper case
_CONFIG = re.compile(r"^([a-z][^\sA-Z:]*):(?:[ \t]+(.*?))?[ \t]*$")
_RESULT = re.compile(r"^(Benchmark\S*)[ \t]+(\d+)[ \t]+(\S.*?)\s*$")
_FAIL = re.compile(r"^(?:\S+[ \t]+)?\s*--- FAIL: (Benchmark\S*)")
_PROCS = re.compile(r"^(.*?)-(\d+)$")
# Go prints a benchmark's name before running it and its figures after: a name with no figures
# (perhaps followed by what interrupted it) is a benchmark that never finished
_STARTED = re.compile(r"^(Benchmark\S*)[ \t]*(.*?)\s*$")
_PKG_FAIL = re.compile(r"^FAIL[ \t]+(\S+)")
_ABORT = re.compile(r"(panic: .*|SIGQUIT: quit|\*\*\* Test killed.*|signal: killed)")
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
        lines = head.splitlines()[:4000]
        for line in lines:
            m = _RESULT.match(line)
            if m and re.match(r"^[-+0-9.eE]+[ \t]+\S+", m.group(3)):
                return True
        # a run that failed before its first figure: `go test`'s header, a benchmark started, FAIL
        return (
            any(line.startswith("goos: ") for line in lines)
            and any(_STARTED.match(line) for line in lines)
            and any(_PKG_FAIL.match(line) for line in lines)
        )

    def parse(self, path: Path) -> Parsed:
        text = read_text(path)
        src = str(path)
        config: dict[str, str] = {}
        seen_config: dict[str, set[str]] = {}
        series: dict[tuple[str, str, str | None], _Series] = {}
        order: list[tuple[str, str, str | None]] = []
        pending_fail: _Series | None = None
        started: list[tuple[int, str, dict[str, str]]] = []  # names printed without figures
        abort: str | None = None  # the first line saying why the run stopped
        failed_pkgs: list[str] = []
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
            a = _ABORT.search(line)
            if a and abort is None:
                abort = a.group(1).strip()
            st = _STARTED.match(line)
            if st:
                started.append((lineno, st.group(1), dict(config)))
                continue
            pf = _PKG_FAIL.match(line)
            if pf:
                failed_pkgs.append(pf.group(1))
                continue
            c = _CONFIG.match(line)
            if c:
                key, value = c.group(1), (c.group(2) or "")
                if value:
                    config[key] = value
                    seen_config.setdefault(key, set()).add(value)
                else:
                    config.pop(key, None)  # benchfmt: an empty value unsets the key
        failure = None
        if failed_pkgs or abort is not None:
            failure = abort or "failed"
            if failed_pkgs:
                failure = f"FAIL {failed_pkgs[0]}: {failure}"
            blamed = False
            for lineno, name, at in started:
                s = self._series(lineno, name, at, series, order)
                if not s.values and s.error is None:
                    s.error = f"did not finish: {abort or 'the package failed'}"
                    blamed = True
            if not blamed and not any(s.error for s in series.values()):
                # nothing to blame by name: the package (or the output) itself is the failed result
                pkg = failed_pkgs[0] if failed_pkgs else config.get("pkg", "go test")
                s = self._series(0, "(package)", {"pkg": pkg}, series, order)
                s.error = failure
        if not series:
            raise ParseError.at(src, None, "no benchmark result lines (BenchmarkX  N  value unit)")
        # keys with one value in the whole file describe the machine; keys that change (a block's
        # `shortname:`) describe the results under them and stay with those results
        varying = {k for k, vs in seen_config.items() if len(vs) > 1 and k != "pkg"}
        fixed = {k: next(iter(vs)) for k, vs in seen_config.items() if len(vs) == 1}
        results = _results(series, order, varying)
        return Parsed(
            source=self.name,
            results=results,
            environment=_env(fixed),
            status=RunStatus.COMPLETE if failure is None else RunStatus.FAILED,
        )

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
