"""hyperfine's JSON export (``--export-json FILE``).

One ``results[]`` entry per command: ``times`` (seconds, one per run) are the samples of ``time``;
``user``/``system`` (mean seconds per run) become ``user_time``/``system_time``; ``memory_usage_byte``
(hyperfine >= 1.19) becomes ``peak_memory``. ``parameters`` (``-P``/``-L`` scans) are the benchmark's
params. Exit codes: when some runs exited non-zero (``--ignore-failure``) the results carry a note in
``extra``; when every run failed, the benchmark is a failed result.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from perfgate.adapters._parsing import Doc, failed_result, head_is_json_object, load_json, make_result
from perfgate.adapters.base import Adapter, Parsed
from perfgate.model import BenchmarkId, Result

__all__ = ["ADAPTERS", "HyperfineAdapter"]


class HyperfineAdapter:
    """hyperfine --export-json output."""

    name = "hyperfine"
    description = "hyperfine JSON export (--export-json)"

    def sniff(self, path: Path, head: str) -> bool:
        return (
            head_is_json_object(head)
            and '"results"' in head
            and '"command"' in head
            and ('"times"' in head or '"stddev"' in head)
        )

    def parse(self, path: Path) -> Parsed:
        doc, data = load_json(path)
        top = doc.obj(data, "top level")
        entries = doc.arr(doc.field(top, "results", "top level"), "'results'", '"results"')
        results: list[Result] = []
        seen: dict[str, int] = {}
        cursor = 0
        for i, raw in enumerate(entries):
            entry = doc.obj(raw, f"results[{i}]", cursor or None)
            command = doc.string(entry, "command", f"results[{i}]", cursor or None)
            quoted = json.dumps(command)
            cursor = (
                doc.line_of(f'"command": {quoted}', cursor + 1) or doc.line_of(quoted, cursor + 1) or cursor
            )
            name = command.strip() or f"command {i + 1}"
            # the same command twice (e.g. with different --prepare): keep both, numbered
            seen[name] = seen.get(name, 0) + 1
            if seen[name] > 1:
                name = f"{name} #{seen[name]}"
            results.extend(_entry(doc, entry, name, cursor))
        return Parsed(source=self.name, results=tuple(results))


def _entry(doc: Doc, entry: dict[str, Any], name: str, line: int) -> list[Result]:
    what = f"command {name!r}"
    params_raw = doc.obj(entry.get("parameters") or {}, f"{what} parameters", line)
    params = tuple((str(k), v if isinstance(v, str) else json.dumps(v)) for k, v in params_raw.items())
    bid = BenchmarkId(name, params=params)
    times = [
        doc.number(t, f"{what} times[{j}]", line)
        for j, t in enumerate(doc.arr(entry.get("times") or [], f"{what} times", line))
    ]
    codes_raw = entry.get("exit_codes")
    codes = []
    if codes_raw is not None:
        codes = [
            doc.integer(c, f"{what} exit_codes[{j}]", line) if c is not None else -1  # null: killed by signal
            for j, c in enumerate(doc.arr(codes_raw, f"{what} exit_codes", line))
        ]
    nonzero = [c for c in codes if c != 0]
    if codes and len(nonzero) == len(codes):
        shown = ", ".join(str(c) for c in sorted(set(nonzero)))
        return [failed_result(bid, "time", "s", f"every run exited non-zero (exit codes: {shown})")]
    extra: dict[str, Any] = {}
    if nonzero:
        extra["failed_runs"] = len(nonzero)
        extra["exit_codes"] = sorted(set(nonzero))
    n = len(times) or None
    figures = {k: doc.opt_num(entry, k, what, line) for k in ("mean", "median", "min", "max", "stddev")}
    out: list[Result] = []
    try:
        out.append(make_result(bid, "time", "s", samples=times, figures=figures, n=n, rounds=n, extra=extra))
        for key, metric in (("user", "user_time"), ("system", "system_time")):
            value = doc.opt_num(entry, key, what, line)
            if value is not None:
                out.append(make_result(bid, metric, "s", figures={"mean": value}, n=n, rounds=n, extra=extra))
        memory = entry.get("memory_usage_byte")
        if memory:
            values = [
                doc.number(m, f"{what} memory_usage_byte[{j}]", line)
                for j, m in enumerate(doc.arr(memory, f"{what} memory_usage_byte", line))
            ]
            out.append(make_result(bid, "peak_memory", "B", samples=values, rounds=n, extra=extra))
    except ValueError as exc:
        raise doc.error(f"{what}: {exc}", line) from exc
    return out


ADAPTERS: tuple[Adapter, ...] = (HyperfineAdapter(),)
