"""airspeed velocity (asv) result files, format versions 1 and 2, read with their ``benchmarks.json``.

A result file (``results/<machine>/<commit>-<env>.json``) holds one commit on one machine and
environment; ``benchmarks.json`` (in the same directory or its parent, as asv lays them out) says each
benchmark's type and unit: ``time_*`` in seconds, ``peakmem_*`` and ``mem_*`` in bytes, ``track_*`` in
its declared unit. The input is either such a result file or a directory holding ``benchmarks.json``
and exactly one result file.

Format 2 stores each benchmark as a row aligned with ``result_columns`` (trailing empty columns
dropped); format 1 used one dict per benchmark plus per-key maps and is converted to rows first.
Parametrized benchmarks expand into one Result per combination of parameter values, in asv's order
(the cartesian product), named ``module.Class.bench(value1, value2)``. ``samples`` are used when asv
stored them (``--record-samples``); otherwise the summary is the reported median with the quartiles
and asv's 99% interval. A ``null`` value is a failed benchmark, ``NaN`` a skipped one: both become
failed Results.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from perfgate.adapters._parsing import Doc, failed_result, head_is_json_object, load_json, make_result
from perfgate.adapters.base import Adapter, Parsed
from perfgate.errors import ParseError
from perfgate.model import BenchmarkId, Result

__all__ = ["ADAPTERS", "AsvAdapter"]

_V1_COLUMNS = [
    "result",
    "params",
    "version",
    "started_at",
    "duration",
    "stats_ci_99_a",
    "stats_ci_99_b",
    "stats_q_25",
    "stats_q_75",
    "stats_number",
    "stats_repeat",
    "samples",
    "profile",
]
# asv benchmark type -> (metric, unit when benchmarks.json declares none)
_TYPES = {
    "time": ("time", "seconds"),
    "peakmemory": ("peak_memory", "bytes"),
    "memory": ("memory", "bytes"),
    "track": ("value", "count"),
}


def _is_result_head(head: str) -> bool:
    return head_is_json_object(head) and (
        '"result_columns"' in head
        or ('"commit_hash"' in head and '"results"' in head and '"benchmark_version"' in head)
    )


def _result_files(directory: Path) -> list[Path]:
    """Result files in ``directory`` and its subdirectories (one level, as asv's results/<machine>/)."""
    found = []
    for candidate in sorted([*directory.glob("*.json"), *directory.glob("*/*.json")]):
        if candidate.name in ("benchmarks.json", "machine.json") or not candidate.is_file():
            continue
        try:
            with candidate.open("rb") as f:
                head = f.read(65536).decode("utf-8", "replace")
        except OSError:
            continue
        if _is_result_head(head):
            found.append(candidate)
    return found


class AsvAdapter:
    """asv result files (format 1 and 2) with benchmarks.json."""

    name = "asv"
    description = "airspeed velocity results (a result file or a results directory with benchmarks.json)"

    def sniff(self, path: Path, head: str) -> bool:
        try:
            if path.is_dir():
                return (path / "benchmarks.json").is_file() and bool(_result_files(path))
        except OSError:
            return False
        return _is_result_head(head)

    def parse(self, path: Path) -> Parsed:
        if path.is_dir():
            files = _result_files(path)
            if len(files) != 1:
                found = ", ".join(str(f.relative_to(path)) for f in files[:5]) or "none"
                raise ParseError.at(
                    str(path), None, f"expected exactly one asv result file in the directory, found {found}"
                )
            return self._parse_file(files[0], path / "benchmarks.json")
        for candidate in (path.parent / "benchmarks.json", path.parent.parent / "benchmarks.json"):
            if candidate.is_file():
                return self._parse_file(path, candidate)
        raise ParseError.at(
            str(path),
            None,
            "benchmarks.json not found in this directory or its parent (asv writes it to "
            "the results directory; it gives each benchmark's type and unit)",
        )

    def _parse_file(self, path: Path, benchmarks_path: Path) -> Parsed:
        bdoc, bdata = load_json(benchmarks_path)
        meta = bdoc.obj(bdata, "benchmarks.json top level")
        doc, data = load_json(path)
        top = doc.obj(data, "top level")
        version = top.get("version")
        if version == 1:
            columns, rows = _v1_rows(doc, top)
        elif version == 2:
            columns = [
                str(c) for c in doc.arr(doc.field(top, "result_columns", "top level"), "'result_columns'")
            ]
            rows = doc.obj(doc.field(top, "results", "top level"), "'results'", '"results"')
        else:
            raise doc.error(
                f"unsupported asv result format version {version!r} (this perfgate reads 1 and 2)"
            )
        results: list[Result] = []
        started: list[float] = []
        for name, row in rows.items():
            near = json.dumps(name)
            what = f"benchmark {name!r}"
            cells = doc.arr(row, what, near)
            record = {col: cells[i] if i < len(cells) else None for i, col in enumerate(columns)}
            info = meta.get(name)
            if not isinstance(info, dict):
                raise doc.error(f"{what}: not described in {benchmarks_path}", near)
            results.extend(_benchmark(doc, name, record, info, near))
            at = record.get("started_at")
            if isinstance(at, int | float) and not isinstance(at, bool):
                started.append(float(at))
        commit = top.get("commit_hash")
        env = _environment(top)
        return Parsed(
            source=self.name,
            results=tuple(results),
            environment=env,
            commit=commit if isinstance(commit, str) and commit else None,
            started=datetime.fromtimestamp(min(started) / 1000, UTC) if started else None,
        )


def _v1_rows(doc: Doc, top: dict[str, Any]) -> tuple[list[str], dict[str, list[Any]]]:
    """Format 1 (one dict per benchmark, per-key maps alongside) as format 2 rows."""
    raw_results = doc.obj(doc.field(top, "results", "top level"), "'results'", '"results"')
    maps = {
        key: doc.obj(top.get(key) or {}, f"'{key}'", f'"{key}"')
        for key in ("benchmark_version", "started_at", "duration", "profiles")
    }
    rows: dict[str, list[Any]] = {}
    for name, value in raw_results.items():
        if not isinstance(value, dict):
            value = {"result": [value]}
        result = value.get("result")
        result = result if isinstance(result, list) else [result]
        stats = value.get("stats")
        if stats is not None and not isinstance(stats, list):
            stats = [stats]

        rows[name] = [
            result,
            value.get("params") or [],
            maps["benchmark_version"].get(name),
            maps["started_at"].get(name),
            maps["duration"].get(name),
            _v1_stat(doc, stats, "ci_99", 0, name),
            _v1_stat(doc, stats, "ci_99", 1, name),
            _v1_stat(doc, stats, "q_25", None, name),
            _v1_stat(doc, stats, "q_75", None, name),
            _v1_stat(doc, stats, "number", None, name),
            _v1_stat(doc, stats, "repeat", None, name),
            value.get("samples"),
            maps["profiles"].get(name),
        ]
    return _V1_COLUMNS, rows


def _v1_stat(doc: Doc, stats: list[Any] | None, key: str, index: int | None, name: str) -> list[Any] | None:
    """One statistic of a format-1 ``stats`` list (one dict per combination) as a format-2 column."""
    if stats is None:
        return None
    out: list[Any] = []
    for s in stats:
        if s is None:
            out.append(None)
            continue
        v = doc.obj(s, f"benchmark {name!r} stats", json.dumps(name)).get(key)
        if index is not None:
            v = v[index] if isinstance(v, list) and len(v) == 2 else None
        out.append(v)
    return out


def _column(doc: Doc, record: dict[str, Any], key: str, count: int, what: str, near: str) -> list[Any]:
    """A per-combination column: a list of ``count`` entries (absent columns are all None)."""
    value = record.get(key)
    if value is None:
        return [None] * count
    values = doc.arr(value, f"{what} {key}", near)
    return values + [None] * (count - len(values))


def _opt(doc: Doc, value: Any, what: str, near: str) -> float | None:
    if value is None:
        return None
    f = doc.number(value, what, near, nan_ok=True)
    return None if math.isnan(f) else f


def _benchmark(doc: Doc, name: str, record: dict[str, Any], info: dict[str, Any], near: str) -> list[Result]:
    what = f"benchmark {name!r}"
    kind = info.get("type")
    if kind not in _TYPES:
        raise doc.error(f"{what}: unknown asv benchmark type {kind!r} in benchmarks.json", near)
    metric, default_unit = _TYPES[kind]
    declared = info.get("unit")
    unit = declared if isinstance(declared, str) and declared else default_unit
    params = [
        [str(v) for v in doc.arr(p, f"{what} params", near)]
        for p in doc.arr(record.get("params") or [], f"{what} params", near)
    ]
    names = info.get("param_names")
    param_names = (
        [str(n) for n in names]
        if isinstance(names, list) and len(names) == len(params)
        else [f"param{i + 1}" for i in range(len(params))]
    )
    combos = list(itertools.product(*params)) if params else [()]
    values = record.get("result")
    values = values if isinstance(values, list) else [values]
    if len(values) != len(combos):
        raise doc.error(f"{what}: {len(values)} results for {len(combos)} parameter combinations", near)
    count = len(combos)
    cols = {
        key: _column(doc, record, key, count, what, near)
        for key in (
            "stats_ci_99_a",
            "stats_ci_99_b",
            "stats_q_25",
            "stats_q_75",
            "stats_number",
            "stats_repeat",
            "samples",
        )
    }
    extra: dict[str, Any] = {}
    for key in ("version", "duration"):
        if record.get(key) is not None:
            extra[key] = record[key]
    out: list[Result] = []
    for i, combo in enumerate(combos):
        bid = BenchmarkId(
            f"{name}({', '.join(combo)})" if combo else name,
            params=tuple(zip(param_names, combo, strict=True)),
        )
        value = values[i]
        if value is None:
            out.append(failed_result(bid, metric, unit, "failed", extra=extra))
            continue
        v = doc.number(value, f"{what} result[{i}]", near, nan_ok=True)
        if math.isnan(v):
            out.append(failed_result(bid, metric, unit, "skipped", extra=extra))
            continue
        samples_raw = cols["samples"][i]
        samples = (
            [
                doc.number(x, f"{what} samples[{i}]", near)
                for x in doc.arr(samples_raw, f"{what} samples", near)
            ]
            if samples_raw
            else []
        )
        lo = _opt(doc, cols["stats_ci_99_a"][i], f"{what} stats_ci_99_a", near)
        hi = _opt(doc, cols["stats_ci_99_b"][i], f"{what} stats_ci_99_b", near)
        repeat = _opt(doc, cols["stats_repeat"][i], f"{what} stats_repeat", near)
        number = _opt(doc, cols["stats_number"][i], f"{what} stats_number", near)
        try:
            out.append(
                make_result(
                    bid,
                    metric,
                    unit,
                    samples=samples,
                    figures={
                        "median": v,
                        "q1": _opt(doc, cols["stats_q_25"][i], f"{what} stats_q_25", near),
                        "q3": _opt(doc, cols["stats_q_75"][i], f"{what} stats_q_75", near),
                    },
                    ci=(lo, hi, 0.99) if lo is not None and hi is not None else None,
                    n=int(repeat) if repeat else None,
                    rounds=int(repeat) if repeat else (len(samples) or None),
                    iterations=int(number) if number else None,
                    extra=extra,
                )
            )
        except ValueError as exc:
            raise doc.error(f"{what}: {exc}", near) from exc
    return out


def _environment(top: dict[str, Any]) -> dict[str, Any]:
    raw = top.get("params")
    params: dict[str, Any] = raw if isinstance(raw, dict) else {}
    env: dict[str, Any] = {}
    if isinstance(params.get("cpu"), str):
        env["cpu_model"] = params["cpu"]
    for key, target in (("num_cpu", "cores"), ("ram", "memory_bytes")):
        with contextlib.suppress(ValueError):
            env[target] = int(str(params.get(key)))
    for key in ("arch", "os", "machine"):
        if isinstance(params.get(key), str):
            env[key] = params[key]
    if isinstance(top.get("python"), str):
        env["python"] = top["python"]
    if isinstance(top.get("env_name"), str):
        env["env_name"] = top["env_name"]
    return env


ADAPTERS: tuple[Adapter, ...] = (AsvAdapter(),)
