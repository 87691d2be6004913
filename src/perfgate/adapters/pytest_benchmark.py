"""pytest-benchmark's JSON (``--benchmark-json`` and ``.benchmarks/`` autosaves), versions 2.x to 5.x.

Each benchmark becomes one ``time`` Result named by its ``fullname`` (the pytest node id). Raw per-round
values (``stats.data``, written with ``--benchmark-save-data``) are already per iteration and become the
samples; without them the summary is rebuilt from the reported min/max/mean/median/stddev/q1/q3 with
n = rounds. ``machine_info``, ``commit_info`` and ``datetime`` give the environment, commit and start.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from perfgate.adapters._parsing import Doc, head_is_json_object, load_json, make_result, parse_timestamp
from perfgate.adapters.base import Adapter, Parsed
from perfgate.model import BenchmarkId, Result

__all__ = ["ADAPTERS", "PytestBenchmarkAdapter"]


def _param_value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


class PytestBenchmarkAdapter:
    """pytest-benchmark JSON output (2.x to 5.x)."""

    name = "pytest-benchmark"
    description = "pytest-benchmark JSON (--benchmark-json, --benchmark-autosave), versions 2.x-5.x"

    def sniff(self, path: Path, head: str) -> bool:
        if not head_is_json_object(head) or '"benchmarks"' not in head:
            return False
        # machine_info leads since 3.0; 2.x wrote it after the benchmarks, whose stats carry the
        # distinctive Tukey-fence keys of pytest-benchmark.
        return '"machine_info"' in head or ('"ld15iqr"' in head and '"fullname"' in head)

    def parse(self, path: Path) -> Parsed:
        doc, data = load_json(path)
        top = doc.obj(data, "top level")
        benches = doc.arr(doc.field(top, "benchmarks", "top level"), "'benchmarks'", '"benchmarks"')
        results: list[Result] = []
        seen: set[str] = set()
        for i, raw in enumerate(benches):
            results.append(self._benchmark(doc, raw, i, seen))
        commit, branch = _commit(doc, top.get("commit_info"))
        return Parsed(
            source=self.name,
            results=tuple(results),
            environment=_environment(top.get("machine_info")),
            commit=commit,
            branch=branch,
            started=parse_timestamp(top.get("datetime") if isinstance(top.get("datetime"), str) else None),
        )

    def _benchmark(self, doc: Doc, raw: Any, index: int, seen: set[str]) -> Result:
        what = f"benchmarks[{index}]"
        b = doc.obj(raw, what)
        short = doc.string(b, "name", what)
        near = json.dumps(short)
        name = doc.opt_string(b, "fullname", what, near) or short
        what = f"benchmark {name!r}"
        if name in seen:
            raise doc.error(f"{what}: duplicate benchmark name", near)
        seen.add(name)
        group = b.get("group")
        if group is not None and not isinstance(group, str):
            raise doc.error(f"{what}: 'group' must be a string or null", near)
        params_raw = b.get("params")
        params: tuple[tuple[str, str], ...] = ()
        if params_raw is not None:
            params = tuple(
                (str(k), _param_value(v)) for k, v in doc.obj(params_raw, f"{what} params", near).items()
            )
        stats = doc.obj(doc.field(b, "stats", what, near), f"{what} stats", near)
        samples: list[float] = []
        if stats.get("data") is not None:
            samples = [
                doc.number(x, f"{what} stats.data[{j}]", near)
                for j, x in enumerate(doc.arr(stats["data"], f"{what} stats.data", near))
            ]
        rounds = doc.opt_int(stats, "rounds", what, near)
        figures = {
            k: doc.opt_num(stats, k, f"{what} stats", near)
            for k in ("mean", "median", "min", "max", "stddev", "q1", "q3")
        }
        extra: dict[str, Any] = {}
        info = b.get("extra_info")
        if info:
            extra.update(doc.obj(info, f"{what} extra_info", near))
        if isinstance(b.get("param"), str):
            extra["param"] = b["param"]
        try:
            return make_result(
                BenchmarkId(name, group or None, params),
                "time",
                "s",
                samples=samples,
                figures=figures,
                n=rounds,
                rounds=rounds,
                iterations=doc.opt_int(stats, "iterations", what, near),
                extra=extra,
            )
        except ValueError as exc:
            raise doc.error(f"{what}: {exc}", near) from exc


def _commit(doc: Doc, info: Any) -> tuple[str | None, str | None]:
    if not isinstance(info, dict):
        return None, None
    commit = info.get("id")
    # pytest-benchmark writes id "unknown" (and an "error" key) when it could not read the VCS.
    if not isinstance(commit, str) or not commit or commit == "unknown" or info.get("error"):
        commit = None
    branch = info.get("branch")
    if not isinstance(branch, str) or not branch or branch.startswith("("):
        branch = None  # "(unknown)", "(detached head)"
    return commit, branch


def _environment(info: Any) -> dict[str, Any]:
    if not isinstance(info, dict):
        return {}
    env: dict[str, Any] = {}
    cpu_raw = info.get("cpu")
    cpu: dict[str, Any] = cpu_raw if isinstance(cpu_raw, dict) else {}
    for key, src, container in (
        ("os", "system", info),
        ("kernel", "release", info),
        ("arch", "machine", info),
        ("python", "python_version", info),
        ("cpu_model", "brand_raw", cpu),
        ("cpu_model", "brand", cpu),  # py-cpuinfo < 5
    ):
        v = container.get(src)
        if isinstance(v, str) and v and key not in env:
            env[key] = v
    if isinstance(cpu.get("count"), int) and not isinstance(cpu.get("count"), bool):
        env["cores"] = cpu["count"]
    for key in ("node", "python_implementation", "python_compiler", "processor"):
        v = info.get(key)
        if isinstance(v, str) and v:
            env[key] = v
    if isinstance(cpu.get("hz_advertised_friendly"), str):
        env["cpu_hz_advertised"] = cpu["hz_advertised_friendly"]
    return env


ADAPTERS: tuple[Adapter, ...] = (PytestBenchmarkAdapter(),)
