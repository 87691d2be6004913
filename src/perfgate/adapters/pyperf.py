"""pyperf's JSON result files (``-o result.json``, also gzip-compressed ``.json.gz``), format 1.0.

pyperf stores, per benchmark, a list of runs (one per worker process). Each run holds warmups as
``[loops, value]`` pairs and its measured ``values``, already divided by ``loops * inner_loops``: a value
is one iteration's time (or memory, or count) averaged over the loops of one measurement. A run with
warmups and no values is a calibration run and is skipped. Metadata sit at file level (common to all
benchmarks) and at benchmark level (overriding); ``unit`` is ``second``, ``byte`` (``--track-memory``,
``--tracemalloc``: reported as ``peak_memory``) or ``integer``.
"""

from __future__ import annotations

import gzip
import json
import zlib
from pathlib import Path
from typing import Any

from perfgate.adapters._parsing import Doc, failed_result, head_is_json_object, load_json, make_result
from perfgate.adapters.base import Adapter, Parsed
from perfgate.model import BenchmarkId, Result

__all__ = ["ADAPTERS", "PyperfAdapter"]

_HEAD = 65536
# pyperf unit -> (perfgate metric, unit understood by normalize)
_UNITS = {"second": ("time", "s"), "byte": ("peak_memory", "B"), "integer": ("value", "count")}
_KEPT_META = ("description", "timeit_stmt", "timeit_setup", "command", "tags")


def _head_of(path: Path, head: str) -> str:
    """The decompressed head of a gzip file (the caller's head is the compressed bytes)."""
    if not head.startswith("\x1f"):
        return head
    try:
        with gzip.open(path, "rb") as f:
            return f.read(_HEAD).decode("utf-8", "replace")
    except (OSError, EOFError):
        return ""


class PyperfAdapter:
    """pyperf / perf JSON result files, plain or gzip-compressed."""

    name = "pyperf"
    description = "pyperf JSON results (-o FILE, .json or .json.gz; pyperformance output)"

    def sniff(self, path: Path, head: str) -> bool:
        try:
            text = _head_of(path, head) if path.is_file() else head
        except (OSError, EOFError, ValueError, zlib.error):
            return False
        return (
            head_is_json_object(text)
            and '"benchmarks"' in text
            and '"runs"' in text
            and ('"warmups"' in text or '"values"' in text)
        )

    def parse(self, path: Path) -> Parsed:
        doc, data = load_json(path)
        top = doc.obj(data, "top level")
        version = top.get("version")
        if version != "1.0":
            raise doc.error(f"unsupported pyperf format version {version!r} (this perfgate reads 1.0)")
        common = doc.obj(top.get("metadata") or {}, "file metadata", '"metadata"')
        benches = doc.arr(doc.field(top, "benchmarks", "top level"), "'benchmarks'", '"benchmarks"')
        results: list[Result] = []
        seen: set[str] = set()
        # Benchmarks appear in file order; search for each one's line after the previous one's.
        cursor = 1
        for i, raw in enumerate(benches):
            result, cursor = _benchmark(doc, raw, i, common, cursor)
            if result.benchmark.name in seen:
                raise doc.error(f"benchmark {result.benchmark.name!r} appears twice", line=cursor)
            seen.add(result.benchmark.name)
            results.append(result)
        return Parsed(source=self.name, results=tuple(results), environment=_environment(common))


def _benchmark(doc: Doc, raw: Any, index: int, common: dict[str, Any], cursor: int) -> tuple[Result, int]:
    what = f"benchmarks[{index}]"
    b = doc.obj(raw, what)
    own = doc.obj(b.get("metadata") or {}, f"{what} metadata")
    meta = {**common, **own}
    name = meta.get("name")
    if not isinstance(name, str) or not name.strip():
        raise doc.error(f"{what}: no benchmark name in its metadata or the file's", line=cursor)
    name = name.strip()
    line = doc.line_of(f'"name": {_json_str(name)}', cursor) or doc.line_of(_json_str(name), cursor)
    here = line if line is not None else cursor
    what = f"benchmark {name!r}"
    unit_name = meta.get("unit", "second")
    if unit_name not in _UNITS:
        raise doc.error(f"{what}: unknown unit {unit_name!r} (expected second, byte or integer)", here)
    metric, unit = _UNITS[unit_name]
    values: list[float] = []
    warmup: int | None = None
    for j, run_raw in enumerate(doc.arr(doc.field(b, "runs", what, here), f"{what} runs", here)):
        run = doc.obj(run_raw, f"{what} runs[{j}]", here)
        run_values = run.get("values")
        if not run_values:  # calibration run: only warmups
            continue
        for k, v in enumerate(doc.arr(run_values, f"{what} runs[{j}] values", here)):
            values.append(doc.number(v, f"{what} runs[{j}] values[{k}]", here))
        if warmup is None:
            warmup = len(doc.arr(run.get("warmups") or [], f"{what} runs[{j}] warmups", here))
    extra = {k: meta[k] for k in _KEPT_META if k in meta}
    bid = BenchmarkId(name)
    if not values:
        return failed_result(
            bid, metric, unit, "no measured values (only calibration runs)", extra=extra
        ), here
    loops = meta.get("loops")
    inner = meta.get("inner_loops", 1)
    iterations = None
    if isinstance(loops, int) and isinstance(inner, int) and loops > 0 and inner > 0:
        iterations = loops * inner
    try:
        result = make_result(
            bid,
            metric,
            unit,
            samples=values,
            rounds=len(values),
            iterations=iterations,
            warmup=warmup,
            extra=extra,
        )
    except ValueError as exc:
        raise doc.error(f"{what}: {exc}", here) from exc
    return result, here


def _json_str(s: str) -> str:
    return json.dumps(s)


def _environment(meta: dict[str, Any]) -> dict[str, Any]:
    env: dict[str, Any] = {}
    if isinstance(meta.get("cpu_model_name"), str):
        env["cpu_model"] = meta["cpu_model_name"]
    if isinstance(meta.get("cpu_count"), int) and not isinstance(meta.get("cpu_count"), bool):
        env["cores"] = meta["cpu_count"]
    version = meta.get("python_version")
    if isinstance(version, str):
        env["python"] = version.split(" ")[0]  # "3.7.9 (64-bit)"
    platform = meta.get("platform")
    if isinstance(platform, str):
        env["platform"] = platform
        env["os"] = platform.split("-")[0]
    for key in ("hostname", "python_implementation", "cpu_config", "aslr", "timer", "perf_version"):
        if isinstance(meta.get(key), str | int | float) and not isinstance(meta.get(key), bool):
            env[key] = meta[key]
    return env


ADAPTERS: tuple[Adapter, ...] = (PyperfAdapter(),)
