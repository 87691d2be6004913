"""``--benchmark-json PATH``: pytest-benchmark's own JSON format, so its tooling keeps working.

The layout follows pytest-benchmark 5.x (``machine_info``, ``commit_info``, ``benchmarks``, ``datetime``,
``version``); each ``time`` Result becomes one benchmark with pytest-benchmark's statistics. The file
describes the same measurement as perfgate's own figure: ``stats.data`` holds the Result's samples
(per call, as with ``--benchmark-save-data``; each one a measured round, the best of its spread group,
never a calibration round), and the statistics are perfgate's summary of them, so the file's median is
perfgate's median and comparing the two files of one run finds no change. ``stats.rounds`` is the
number of values in ``data``. Failed benchmarks are left out, as pytest-benchmark leaves them out.
Other metrics (cpu_time, throughput, memory) have no place in that format; they are in perfgate's own
``--perfgate-json``.
"""

from __future__ import annotations

import json
import math
import os
import platform
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from perfgate.model import Result, utcnow
from perfgate.pytest_plugin.options import PluginOptions

__all__ = ["pytest_benchmark_document", "write_pytest_benchmark_json"]

FORMAT_VERSION = "5.1.0"  # the pytest-benchmark release whose layout this mirrors


def _machine_info() -> dict[str, Any]:
    uname = platform.uname()
    return {
        "node": uname.node,
        "processor": uname.processor,
        "machine": uname.machine,
        "python_compiler": platform.python_compiler(),
        "python_implementation": platform.python_implementation(),
        "python_implementation_version": platform.python_version(),
        "python_version": platform.python_version(),
        "python_build": list(platform.python_build()),
        "release": uname.release,
        "system": uname.system,
        "cpu": {"count": os.cpu_count(), "arch_string_raw": uname.machine},
    }


def _stats(r: Result) -> dict[str, Any]:
    s = r.summary
    assert s is not None
    data = list(r.samples)
    q1 = s.q1 if s.q1 is not None else s.min
    q3 = s.q3 if s.q3 is not None else s.max
    iqr = q3 - q1
    low_fence, high_fence = q1 - 1.5 * iqr, q3 + 1.5 * iqr
    inside = [x for x in data if low_fence <= x <= high_fence] or data or [s.min]
    iqr_outliers = sum(1 for x in data if x < low_fence or x > high_fence)
    stddev_outliers = sum(1 for x in data if abs(x - s.mean) > s.stddev) if len(data) > 1 else 0
    iterations = r.iterations or 1
    return {
        "min": s.min,
        "max": s.max,
        "mean": s.mean,
        "stddev": s.stddev,
        "rounds": len(data) if data else s.n,
        "median": s.median,
        "iqr": iqr,
        "q1": q1,
        "q3": q3,
        "iqr_outliers": iqr_outliers,
        "stddev_outliers": stddev_outliers,
        "outliers": f"{stddev_outliers};{iqr_outliers}",
        "ld15iqr": min(inside),
        "hd15iqr": max(inside),
        "ops": 1.0 / s.mean if s.mean > 0 else 0.0,
        "total": math.fsum(data) * iterations if data else s.mean * s.n * iterations,
        "data": data,
        "iterations": iterations,
    }


def pytest_benchmark_document(results: Sequence[Result], options: PluginOptions) -> dict[str, Any]:
    """The pytest-benchmark JSON document for the ``time`` Results that have a summary."""
    t = options.timer
    benches = []
    for r in results:
        if r.metric != "time" or r.summary is None:
            continue
        name = r.benchmark.name
        params = {k: v for k, v in r.benchmark.params} or None
        info = r.extra.get("extra_info")
        param = name[name.index("[") + 1 : -1] if name.endswith("]") and "[" in name else None
        benches.append(
            {
                "group": r.benchmark.group,
                "name": name.rsplit("::", 1)[-1],
                "fullname": name,
                "params": params,
                "param": param,
                "extra_info": info if isinstance(info, dict) else {},
                "options": {
                    "disable_gc": t.disable_gc,
                    "timer": "perf_counter",
                    "min_rounds": t.min_rounds,
                    "max_time": t.max_time,
                    "min_time": t.min_time,
                    "warmup": t.warmup_time > 0,
                },
                "stats": _stats(r),
            }
        )
    return {
        "machine_info": _machine_info(),
        "commit_info": {},
        "benchmarks": benches,
        "datetime": utcnow().isoformat(),
        "version": FORMAT_VERSION,
    }


def write_pytest_benchmark_json(path: Path, results: Sequence[Result], options: PluginOptions) -> None:
    """Write :func:`pytest_benchmark_document` to ``path`` atomically."""
    doc = pytest_benchmark_document(results, options)
    text = json.dumps(doc, indent=4, allow_nan=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text + "\n", encoding="utf-8")
    os.replace(tmp, path)
