"""Reproducibility, accuracy and overhead of perfgate's timer, side by side with pytest-benchmark.

    python bench/reproducibility/run.py [--runs 5] [--venvs DIR] [--out FILE.json]

Two virtual environments are made (once, under ``--venvs``): one with perfgate installed from this
checkout (editable, so engine changes need no reinstall), one with pytest-benchmark from PyPI. Both run
the same four benchmarks (``suite_repro.py``: ``lambda: None``, ``sum(range(100))``, ~10 µs, ~1 ms) as
whole pytest processes, ``--runs`` times each, alternating which tool goes first. For each benchmark it
prints the tool's headline figure averaged over the runs (perfgate: median; pytest-benchmark: median and
mean), the coefficient of variation of that figure across runs, and the wall time of a whole run.
Then perfgate alone measures busy-wait workloads of known length (``suite_accuracy.py``) once.

Extra pytest arguments for either tool: ``--perfgate-args "--perfgate-precision 0.002"``,
``--benchmark-args "--benchmark-max-time 0.5"``. Nothing here asserts: the numbers are for people.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CHECKOUT = HERE.parent.parent
TOOLS = ("perfgate", "pytest-benchmark")


def venv_python(root: Path) -> Path:
    return root / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_venvs(base: Path) -> dict[str, Path]:
    wanted = {"perfgate": ["-e", str(CHECKOUT)], "pytest-benchmark": ["pytest-benchmark"]}
    out = {}
    for tool, spec in wanted.items():
        root = base / tool
        py = venv_python(root)
        marker = root / ".installed"
        if not marker.exists():
            print(f"setting up {root} ...", file=sys.stderr)
            subprocess.run([sys.executable, "-m", "venv", "--clear", str(root)], check=True)
            subprocess.run([str(py), "-m", "pip", "install", "-q", *spec], check=True)
            marker.write_text("ok\n")
        out[tool] = py
    return out


def tool_versions(pythons: dict[str, Path]) -> dict[str, str]:
    versions = {}
    for tool, py in pythons.items():
        dist = "perfgate" if tool == "perfgate" else "pytest-benchmark"
        code = f"import importlib.metadata as m; print(m.version({dist!r}))"
        versions[tool] = subprocess.run([str(py), "-c", code], capture_output=True, text=True).stdout.strip()
    return versions


def run_pytest(py: Path, tool: str, work: Path, suite: str, out: Path, extra: list[str]) -> float:
    """One whole pytest process; returns its wall time in seconds."""
    if tool == "perfgate":
        args = ["-p", "no:cacheprovider", f"--perfgate-json={out}", *extra]
    else:
        args = ["-p", "no:cacheprovider", f"--benchmark-json={out}", *extra]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "PERFGATE_"))}
    t0 = time.perf_counter()
    proc = subprocess.run([str(py), "-m", "pytest", "-q", *args, suite], cwd=work, env=env,
                          capture_output=True, text=True)  # fmt: skip
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"{tool} failed on {suite}:\n{proc.stdout}\n{proc.stderr}")
    return wall


def read_perfgate(path: Path) -> dict[str, dict[str, Any]]:
    doc = json.loads(path.read_text())
    figures = {}
    for r in doc["results"]:
        if r["metric"] != "time":
            continue
        name = r["benchmark"]["name"].split("::")[-1]
        extra = r.get("extra", {})
        figures[name] = {
            "median": r["summary"]["median"],
            "rounds": r["rounds"],
            "iterations": r["iterations"],
            "loop_overhead": extra.get("loop_overhead"),
            "stopped_by": extra.get("stopped_by"),
            "extra_info": extra.get("extra_info", {}),
        }
    return figures


def read_pytest_benchmark(path: Path) -> dict[str, dict[str, Any]]:
    doc = json.loads(path.read_text())
    return {b["name"]: {k: b["stats"][k] for k in ("median", "mean", "rounds")} for b in doc["benchmarks"]}


def cv(values: list[float]) -> float:
    m = statistics.fmean(values)
    return statistics.stdev(values) / m if m > 0 and len(values) > 1 else math.nan


def fmt_time(s: float) -> str:
    for unit, f in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)):
        if abs(s) >= f or unit == "ns":
            return f"{s / f:.4g} {unit}"
    return str(s)


def fmt_pct(x: float) -> str:
    return "n/a" if math.isnan(x) else f"{100 * x:.2f}%"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--venvs", type=Path, default=Path(tempfile.gettempdir()) / "perfgate-repro-venvs")
    p.add_argument("--out", type=Path, default=None, help="also write every number as JSON here")
    p.add_argument("--perfgate-args", default="")
    p.add_argument("--benchmark-args", default="")
    p.add_argument("--skip-accuracy", action="store_true")
    p.add_argument("--only", choices=TOOLS, default=None, help="run one tool only (for tuning)")
    a = p.parse_args(argv)

    pythons = ensure_venvs(a.venvs)
    tools = (a.only,) if a.only else TOOLS
    extra = {"perfgate": shlex.split(a.perfgate_args), "pytest-benchmark": shlex.split(a.benchmark_args)}
    figures: dict[str, list[dict[str, dict[str, Any]]]] = {t: [] for t in tools}
    walls: dict[str, list[float]] = {t: [] for t in tools}
    with tempfile.TemporaryDirectory(prefix="perfgate-repro-") as tmp:
        work = Path(tmp)
        (work / "pytest.ini").write_text("[pytest]\n")  # our own rootdir: no addopts from elsewhere
        for name in ("suite_repro.py", "suite_accuracy.py"):
            shutil.copy(HERE / name, work / name)
        for i in range(a.runs):
            order = tools if i % 2 == 0 else tuple(reversed(tools))
            for tool in order:
                out = work / f"{tool}-{i}.json"
                wall = run_pytest(pythons[tool], tool, work, "suite_repro.py", out, extra[tool])
                walls[tool].append(wall)
                read = read_perfgate if tool == "perfgate" else read_pytest_benchmark
                figures[tool].append(read(out))
                print(f"run {i + 1}/{a.runs} {tool}: {wall:.2f}s", file=sys.stderr)
        accuracy: dict[str, dict[str, Any]] = {}
        if not a.skip_accuracy and "perfgate" in tools:
            out = work / "accuracy.json"
            run_pytest(pythons["perfgate"], "perfgate", work, "suite_accuracy.py", out, extra["perfgate"])
            accuracy = read_perfgate(out)

    names = list(figures[tools[0]][0])
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    report: dict[str, Any] = {
        "load_average_after": load,
        "runs": a.runs, "versions": tool_versions(pythons), "python": sys.version.split()[0],
        "perfgate_args": a.perfgate_args, "benchmark_args": a.benchmark_args, "benchmarks": {},
        "wall": {t: walls[t] for t in tools}, "accuracy": {},
    }  # fmt: skip
    print(f"\n{a.runs} whole runs per tool, alternating; CV = stdev/mean of the headline figure across runs")
    if load is not None:
        print(f"load average at the end (1, 5, 15 min): {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print()
    head = "| benchmark | perfgate median | CV | pytest-benchmark median | CV | its mean | CV | CV ratio |"
    print(head)
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name in names:
        row: dict[str, Any] = {}
        for t in tools:
            for key in ("median", "mean"):
                vals = [run[name][key] for run in figures[t] if key in run[name]]
                if vals:
                    sd = statistics.stdev(vals) if len(vals) > 1 else 0.0
                    row[f"{t}:{key}"] = {
                        "values": vals,
                        "mean": statistics.fmean(vals),
                        "cv": cv(vals),
                        "stdev": sd,
                    }
        report["benchmarks"][name] = row

        def cell(key: str, row: dict[str, Any] = row) -> tuple[str, str]:
            r = row.get(key)
            return ("-", "-") if r is None else (fmt_time(r["mean"]), fmt_pct(r["cv"]))

        pm, pcv = cell("perfgate:median")
        bm, bcv = cell("pytest-benchmark:median")
        bmean, bmeancv = cell("pytest-benchmark:mean")
        ratio = "-"
        if "perfgate:median" in row and "pytest-benchmark:median" in row:
            a_cv, b_cv = row["perfgate:median"]["cv"], row["pytest-benchmark:median"]["cv"]
            if row["perfgate:median"]["mean"] < 5e-9:
                # a figure near zero has no meaningful CV: compare the spread in absolute terms
                sds = [fmt_time(row[f"{t}:median"]["stdev"]) for t in TOOLS]
                ratio = f"SD {sds[0]} vs {sds[1]}"
            elif b_cv > 0:
                ratio = f"{a_cv / b_cv:.2f}"
        print(f"| {name} | {pm} | {pcv} | {bm} | {bcv} | {bmean} | {bmeancv} | {ratio} |")
    print()
    for t in tools:
        w = walls[t]
        mean = statistics.fmean(w)
        print(f"wall time per run, {t}: mean {mean:.2f}s (min {min(w):.2f}s, max {max(w):.2f}s)")
    if len(tools) == 2:
        ratio = statistics.fmean(walls["perfgate"]) / statistics.fmean(walls["pytest-benchmark"])
        print(f"wall time ratio perfgate / pytest-benchmark: {ratio:.2f}")
    if accuracy:
        print("\naccuracy (perfgate, one run): busy-wait reading vs its nominal length")
        print("| workload | nominal | perfgate median | error |")
        print("|---|---:|---:|---:|")
        for name, f in accuracy.items():
            nominal = f["extra_info"]["nominal"]
            if nominal is None:
                print(f"| {name} (one clock read) | - | {fmt_time(f['median'])} | - |")
                report["accuracy"][name] = {"median": f["median"]}
                continue
            med = f["median"]
            report["accuracy"][name] = {"nominal": nominal, "median": med}
            print(f"| {name} | {fmt_time(nominal)} | {fmt_time(med)} | {100 * (med / nominal - 1):+.2f}% |")
        noop = [run["test_noop"]["median"] for run in figures.get("perfgate", []) if "test_noop" in run]
        if noop:
            print(f"\noverhead: perfgate reads lambda: None as {', '.join(fmt_time(x) for x in noop)}")
    if a.out is not None:
        a.out.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
