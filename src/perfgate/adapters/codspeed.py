"""pytest-codspeed's results file (``.codspeed/results_<ms>.json``, written by ``pytest --codspeed``).

One ``benchmarks[]`` entry per benchmark, named by its ``uri`` (the pytest node id relative to the git
root, so the same name perfgate's plugin gives it when pytest's rootdir is the git root; an absolute
``uri`` outside git is made relative to the folder holding ``.codspeed``). Walltime ``stats`` are per
iteration in nanoseconds (``min_ns``, ``q1_ns``, ``median_ns``, ``q3_ns``, ``max_ns``, ``mean_ns``,
``stdev_ns``) over ``rounds`` rounds of ``iter_per_round`` iterations; the per-round values are not in
the file, so the ``time`` Result carries these figures without samples. Only walltime mode writes
timings: a file from ``--codspeed-mode=simulation`` or ``memory`` holds no benchmarks and is refused
with that reason.
"""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath
from typing import Any

from perfgate.adapters._parsing import Doc, head_is_json_object, load_json, make_result
from perfgate.adapters.base import Adapter, Parsed
from perfgate.model import BenchmarkId, Result

__all__ = ["ADAPTERS", "CodspeedAdapter"]

_FIGURES = {"mean": "mean_ns", "median": "median_ns", "min": "min_ns", "max": "max_ns", "stddev": "stdev_ns",
            "q1": "q1_ns", "q3": "q3_ns"}  # fmt: skip
_KEPT = ("total_time", "warmup_iters", "iqr_outlier_rounds", "stdev_outlier_rounds")


class CodspeedAdapter:
    """pytest-codspeed's ``.codspeed/results_*.json`` (walltime mode)."""

    name = "pytest-codspeed"
    description = "pytest-codspeed results file (.codspeed/results_*.json, walltime mode)"

    def sniff(self, path: Path, head: str) -> bool:
        return head_is_json_object(head) and '"creator"' in head and '"pytest-codspeed"' in head

    def parse(self, path: Path) -> Parsed:
        doc, data = load_json(path)
        top = doc.obj(data, "top level")
        creator = doc.obj(doc.field(top, "creator", "top level"), "'creator'", '"creator"')
        if creator.get("name") != "pytest-codspeed":
            raise doc.error(
                f"'creator': not written by pytest-codspeed ({creator.get('name')!r})", '"creator"'
            )
        instrument = doc.obj(doc.field(top, "instrument", "top level"), "'instrument'", '"instrument"')
        kind = instrument.get("type")
        if kind != "walltime":
            raise doc.error(
                f"instrument {kind!r}: pytest-codspeed writes timings only in walltime mode "
                "(run `pytest --codspeed --codspeed-mode=walltime`)",
                '"instrument"',
            )
        entries = doc.arr(doc.field(top, "benchmarks", "top level"), "'benchmarks'", '"benchmarks"')
        if not entries:
            raise doc.error("'benchmarks' is empty: the run measured nothing", '"benchmarks"')
        root = path.resolve().parent.parent  # pytest's rootdir holds .codspeed/
        results: list[Result] = []
        seen: set[str] = set()
        for i, raw in enumerate(entries):
            entry = doc.obj(raw, f"benchmarks[{i}]", '"benchmarks"')
            uri = doc.string(entry, "uri", f"benchmarks[{i}]", '"benchmarks"')
            line = doc.line_of(f'"uri": {json.dumps(uri)}') or doc.line_of(json.dumps(uri))
            name = _name(uri, root)
            if not name:
                raise doc.error(f"benchmarks[{i}]: empty 'uri'", line)
            if name in seen:
                raise doc.error(f"benchmark {name!r} appears twice", line)
            seen.add(name)
            results.append(_result(doc, entry, name, line))
        python = top.get("python")
        sysconfig = python.get("sysconfig") if isinstance(python, dict) else None
        version = sysconfig.get("py_version") if isinstance(sysconfig, dict) else None
        environment: dict[str, Any] = {"python": version} if isinstance(version, str) else {}
        return Parsed(source=self.name, results=tuple(results), environment=environment)


def _name(uri: str, root: Path) -> str:
    """The ``uri`` as a benchmark name: relative to the rootdir when pytest-codspeed wrote it absolute."""
    uri = uri.strip()
    file, sep, rest = uri.partition("::")
    if sep and PurePosixPath(file).is_absolute():
        path = Path(file)
        # elsewhere on the machine, the absolute path is the only name there is
        file = path.relative_to(root).as_posix() if path.is_relative_to(root) else file
    return f"{file}{sep}{rest}"


def _result(doc: Doc, entry: dict[str, Any], name: str, line: int | None) -> Result:
    what = f"benchmark {name!r}"
    stats = doc.obj(doc.field(entry, "stats", what, line), f"{what} 'stats'", line)
    figures = {key: doc.opt_num(stats, field, what, line) for key, field in _FIGURES.items()}
    rounds = doc.opt_int(stats, "rounds", what, line)
    iterations = doc.opt_int(stats, "iter_per_round", what, line)
    extra: dict[str, Any] = {"instrument": "walltime"}
    for key in _KEPT:
        if isinstance(stats.get(key), int | float) and not isinstance(stats.get(key), bool):
            extra[key] = stats[key]
    config = entry.get("config")
    if isinstance(config, dict):
        extra["config"] = {k: v for k, v in config.items() if isinstance(v, int | float | None)}
    outliers = doc.opt_int(stats, "iqr_outlier_rounds", what, line) or 0
    try:
        return make_result(
            BenchmarkId(name),
            "time",
            "ns",
            figures=figures,
            n=rounds,
            rounds=rounds,
            iterations=iterations,
            extra=extra,
            outliers=outliers,
        )
    except ValueError as exc:
        raise doc.error(f"{what}: {exc}", line) from exc


ADAPTERS: tuple[Adapter, ...] = (CodspeedAdapter(),)
