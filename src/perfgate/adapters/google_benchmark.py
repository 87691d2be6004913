"""Google Benchmark's JSON output (``--benchmark_format=json`` / ``--benchmark_out=FILE``).

Rows are grouped by ``run_name`` (the benchmark instance; older versions without it use ``name``). Each
repetition is one ``iteration`` row whose ``real_time``/``cpu_time`` are per-iteration averages in
``time_unit``: they become the samples of the ``time`` and ``cpu_time`` results. Aggregate rows
(mean/median/stddev/cv/min/max, computed from those repetitions) are not double-counted: they only
supply the summary when the file has no iteration rows (``--benchmark_report_aggregates_only``).
``BigO``/``RMS`` rows (``->Complexity()``) go to the time result's ``extra``: of the instance they
name, or, when they name the family (``BM_x_BigO`` after ``BM_x/8``, ``BM_x/64``...), of every instance
of it. Counters: ``bytes_per_second`` becomes ``throughput`` (B/s), ``items_per_second``
``item_throughput`` (items/s), user counters custom metrics.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from perfgate.adapters._parsing import (
    Doc,
    failed_result,
    head_is_json_object,
    load_json,
    make_result,
    parse_timestamp,
)
from perfgate.adapters.base import Adapter, Parsed
from perfgate.model import BenchmarkId, Direction, Result

__all__ = ["ADAPTERS", "GoogleBenchmarkAdapter"]

# Keys of a row that are not counters.
_ROW_KEYS = frozenset(
    {
        "name",
        "run_name",
        "run_type",
        "family_index",
        "per_family_instance_index",
        "repetitions",
        "repetition_index",
        "threads",
        "iterations",
        "real_time",
        "cpu_time",
        "time_unit",
        "aggregate_name",
        "aggregate_unit",
        "error_occurred",
        "error_message",
        "label",
        "big_o",
        "cpu_coefficient",
        "real_coefficient",
        "rms",
        "skipped",
        "skip_message",
    }
)
_STATS = ("mean", "median", "stddev", "min", "max")
# built-in counters -> (metric, unit, direction)
_KNOWN_COUNTERS = {
    "bytes_per_second": ("throughput", "B/s", Direction.HIGHER),
    "items_per_second": ("item_throughput", "items/s", Direction.HIGHER),
}


class GoogleBenchmarkAdapter:
    """Google Benchmark JSON output."""

    name = "google-benchmark"
    description = "Google Benchmark JSON (--benchmark_format=json, --benchmark_out)"

    def sniff(self, path: Path, head: str) -> bool:
        return (
            head_is_json_object(head)
            and '"context"' in head
            and '"benchmarks"' in head
            and ('"num_cpus"' in head or '"real_time"' in head)
        )

    def parse(self, path: Path) -> Parsed:
        doc, data = load_json(path)
        top = doc.obj(data, "top level")
        context = doc.obj(top.get("context") or {}, "'context'", '"context"')
        rows = doc.arr(doc.field(top, "benchmarks", "top level"), "'benchmarks'", '"benchmarks"')
        # run name -> its rows, in first-seen order
        groups: dict[str, list[tuple[int, dict[str, Any]]]] = {}
        cursor = 1
        for i, raw in enumerate(rows):
            row = doc.obj(raw, f"benchmarks[{i}]")
            name = doc.string(row, "name", f"benchmarks[{i}]", cursor)
            quoted = json.dumps(name)
            start = cursor + 1 if i else 1  # rows come in file order: search after the previous one
            line = doc.line_of(f'"name": {quoted}', start) or doc.line_of(quoted, start) or cursor
            cursor = line
            run_name = row.get("run_name", name)
            if not isinstance(run_name, str) or not run_name.strip():
                raise doc.error(f"benchmark {name!r}: 'run_name' must be a non-empty string", line)
            if "run_name" not in row and isinstance(row.get("aggregate_name"), str):
                # old versions: the aggregate's name is the run name plus "_<aggregate>"
                suffix = "_" + row["aggregate_name"]
                run_name = name[: -len(suffix)] if name.endswith(suffix) else name
            groups.setdefault(run_name.strip(), []).append((line, row))
        # ->Complexity() fits one curve over a family's instances (BM_x/8, BM_x/64...): its BigO and RMS
        # rows form a group of their own (run name BM_x) after the last instance; they are no benchmark,
        # and their figures go to the extra of every instance of the family
        complexity: dict[object, dict[str, Any]] = {}
        for run_name, members in list(groups.items()):
            if all(row.get("aggregate_name") in _COMPLEXITY for _, row in members):
                del groups[run_name]
                family = _family(run_name, members[0][1])
                for _, row in members:
                    complexity.setdefault(family, {}).update(_complexity_fields(row))
        results: list[Result] = []
        for run_name, members in groups.items():
            fitted = complexity.get(_family(run_name.split("/")[0], members[0][1]), {})
            results.extend(_instance(doc, run_name, members, fitted))
        started = parse_timestamp(context.get("date") if isinstance(context.get("date"), str) else None)
        return Parsed(
            source=self.name,
            results=tuple(results),
            environment=_environment(context),
            started=started,
        )


def _params(run_name: str) -> tuple[tuple[str, str], ...]:
    """``BM_x/size:8/threads:4`` -> (("size", "8"), ("threads", "4")); bare arguments as arg0, arg1..."""
    params: list[tuple[str, str]] = []
    args = 0
    for part in run_name.split("/")[1:]:
        key, sep, value = part.partition(":")
        if sep and key:
            params.append((key, value))
        elif part.lstrip("-").isdigit():
            params.append((f"arg{args}", part))
            args += 1
    return tuple(params)


_COMPLEXITY = ("BigO", "RMS")


def _family(base_name: str, row: dict[str, Any]) -> object:
    """What ties an instance to its family's complexity rows: ``family_index`` (since 1.6), else the
    name before the arguments."""
    index = row.get("family_index")
    return ("index", index) if isinstance(index, int) and not isinstance(index, bool) else base_name


def _complexity_fields(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in ("big_o", "cpu_coefficient", "real_coefficient", "rms") if k in row}


def _instance(
    doc: Doc, run_name: str, members: list[tuple[int, dict[str, Any]]], fitted: dict[str, Any]
) -> list[Result]:
    what = f"benchmark {run_name!r}"
    first_line = members[0][0]
    bid = BenchmarkId(run_name, params=_params(run_name))
    iterations_rows: list[tuple[int, dict[str, Any]]] = []
    aggregates: dict[str, tuple[int, dict[str, Any]]] = {}
    for line, row in members:
        agg = row.get("aggregate_name")
        if row.get("run_type") == "aggregate" or isinstance(agg, str):
            if not isinstance(agg, str):
                raise doc.error(f"{what}: aggregate row without 'aggregate_name'", line)
            aggregates[agg] = (line, row)
        else:
            iterations_rows.append((line, row))
    for _, row in members:
        if row.get("error_occurred"):
            message = row.get("error_message")
            error = message if isinstance(message, str) and message else "error_occurred"
            return [failed_result(bid, "time", "s", error)]
        if row.get("skipped") and not row.get("real_time"):
            message = row.get("skip_message")
            return [failed_result(bid, "time", "s", f"skipped: {message}" if message else "skipped")]
    extra: dict[str, Any] = dict(fitted)
    for agg in _COMPLEXITY:
        if agg in aggregates:
            extra.update(_complexity_fields(aggregates[agg][1]))
    label = next((r.get("label") for _, r in members if isinstance(r.get("label"), str)), None)
    if label:
        extra["label"] = label
    sample_rows = iterations_rows
    results: list[Result] = []
    try:
        if sample_rows:
            unit = _time_unit(doc, sample_rows[0][1], what, sample_rows[0][0])
            iters = doc.opt_int(sample_rows[0][1], "iterations", what, sample_rows[0][0])
            for metric, key in (("time", "real_time"), ("cpu_time", "cpu_time")):
                if metric == "cpu_time" and not all(key in r for _, r in sample_rows):
                    continue
                values = [doc.num(r, key, what, ln) for ln, r in sample_rows]
                if values:
                    results.append(
                        make_result(
                            bid,
                            metric,
                            unit,
                            samples=values,
                            rounds=len(values),
                            iterations=iters,
                            extra=extra if metric == "time" else None,
                        )
                    )
            for counter in _counters([r for _, r in sample_rows]):
                values = [doc.num(r, counter, what, ln) for ln, r in sample_rows]
                metric, cunit, direction = _KNOWN_COUNTERS.get(counter, (counter, "count", None))
                results.append(make_result(bid, metric, cunit, samples=values, direction=direction))
        else:
            stats = {a: aggregates[a] for a in _STATS if a in aggregates}
            if not stats:
                raise doc.error(f"{what}: neither repetitions nor mean/median aggregates", first_line)
            line0, row0 = next(iter(stats.values()))
            unit = _time_unit(doc, row0, what, line0)
            n = doc.opt_int(row0, "repetitions", what, line0)
            for metric, key in (("time", "real_time"), ("cpu_time", "cpu_time")):
                if key not in row0:
                    continue
                figures = {a: doc.num(r, key, what, ln) for a, (ln, r) in stats.items()}
                results.append(
                    make_result(
                        bid, metric, unit, figures=figures, n=n, extra=extra if metric == "time" else None
                    )
                )
            for counter in _counters([r for _, r in stats.values()]):
                metric, cunit, direction = _KNOWN_COUNTERS.get(counter, (counter, "count", None))
                cfigures: dict[str, float | None] = {
                    a: doc.opt_num(r, counter, what, ln) for a, (ln, r) in stats.items()
                }
                results.append(make_result(bid, metric, cunit, figures=cfigures, n=n, direction=direction))
    except ValueError as exc:
        raise doc.error(f"{what}: {exc}", first_line) from exc
    return results


def _time_unit(doc: Doc, row: dict[str, Any], what: str, line: int) -> str:
    unit = row.get("time_unit", "ns")
    if unit not in ("ns", "us", "ms", "s"):
        raise doc.error(f"{what}: unknown time_unit {unit!r}", line)
    return str(unit)


def _counters(rows: list[dict[str, Any]]) -> list[str]:
    """Numeric keys that are not row fields and that every row has (counters)."""
    return [
        k
        for k, v in rows[0].items()
        if k not in _ROW_KEYS
        and isinstance(v, int | float)
        and not isinstance(v, bool)
        and all(k in r for r in rows)
    ]


def _environment(context: dict[str, Any]) -> dict[str, Any]:
    env: dict[str, Any] = {}
    if isinstance(context.get("num_cpus"), int):
        env["cores"] = context["num_cpus"]
    for key in (
        "host_name",
        "executable",
        "mhz_per_cpu",
        "cpu_scaling_enabled",
        "library_version",
        "library_build_type",
        "json_schema_version",
        "caches",
        "load_avg",
    ):
        if key in context:
            env[key] = context[key]
    return env


ADAPTERS: tuple[Adapter, ...] = (GoogleBenchmarkAdapter(),)
