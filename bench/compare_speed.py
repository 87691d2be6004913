"""How long comparing two big runs takes: the gate's statistics alone, and `perfgate compare` end to end.

Builds two runs of ``--results`` results (default 10,000; ten samples each, as a pytest benchmark
records), the second with each benchmark's values moved by one of a few factors (most unchanged, some
slower, some faster, some noisier), and measures, as CPU time (the figure to compare on a shared,
noisy machine; wall time is printed too):

1. ``perfgate.gate.evaluate`` of the second run against the first, in this process (median of
   ``--repeat``, after one warm-up call that loads numpy): the statistics of every verdict,
   budgets and notes, what `perfgate compare` runs between reading the store and rendering (with
   ``--baseline-runs K``, against K baseline runs that differ slightly, as `perfgate run` judges a
   run: from 3, each benchmark's run-to-run spread is pooled and tested too);
2. ``perfgate compare A B`` (text report) on a store holding both runs, each in a new process (median
   of ``--repeat``), with its peak memory.

3. with ``--phases``, where one ``perfgate compare A B`` process spends its CPU time: importing the
   command, the workspace (configuration), reading both runs, loading numpy, the gate (with what it
   loads itself: before Student's t was computed in pure Python, ``scipy.special``), rendering the
   text report (each phase once, in a new process, in the order the command runs them).

``--src DIR`` runs both with perfgate imported from ``DIR`` (e.g. an older checkout's ``src``), so two
versions are measured back to back under the same load. Run it as a script:

    python bench/compare_speed.py [--results 10000] [--repeat 3] [--baseline-runs 1] [--src DIR]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchkit import perfgate_median, synthetic_run

SAMPLES = 10
# (factor on every value, extra spread) per benchmark, cycling: unchanged, slower, faster, noisier
MOVES = ((1.0, 0.0), (1.0, 0.0), (1.0, 0.0), (1.0, 0.0), (1.2, 0.0), (0.8, 0.0), (1.0, 0.3), (1.03, 0.0))


def _build(results: int, db: Path, baseline_runs: int = 1) -> tuple[list[str], str]:
    """``baseline_runs`` baseline runs and the current run in the store at ``db``; returns their ids
    (the baseline runs' oldest first). The first baseline run is the same at any ``baseline_runs``;
    each later one moves each benchmark by up to 0.8% (a run-to-run spread for the run-level test)."""
    from perfgate.model import BenchmarkId, Direction, Result, Run
    from perfgate.stats import summarize
    from perfgate.store import open_store

    def run(n: int, side: int) -> Run:
        out = []
        for i in range(results):
            factor, spread = MOVES[i % len(MOVES)] if side else (1.0 + 0.004 * n * (i % 5 - 2) / 2, 0.0)
            base = 1e-6 * (1 + i % 97)
            samples = tuple(
                base * factor * (1 + 0.01 * ((i * 7 + k * (side + 1)) % 5) + spread * (k % 3))
                for k in range(SAMPLES)
            )
            out.append(
                Result(
                    BenchmarkId(f"bench/test_module_{i // 100}.py::test_case[{i % 100}]"),
                    "time",
                    "s",
                    Direction.LOWER,
                    summarize(samples),
                    samples=samples,
                    rounds=SAMPLES,
                    iterations=1000,
                )
            )
        return synthetic_run(n, out, project="scale")

    bases = [run(n, 0) for n in range(baseline_runs)]
    current = run(baseline_runs, 1)
    with open_store(db) as store:
        for r in (*bases, current):
            store.add_run(r)
    return [r.id for r in bases], current.id


def _evaluate(db: Path, bases: list[str], b: str, repeat: int) -> tuple[float, float]:
    """(median wall, median CPU) seconds of ``evaluate`` of run ``b`` against the runs ``bases``."""
    from perfgate.gate import Policy, evaluate
    from perfgate.store import open_store

    with open_store(db) as store:
        baseline, cur = [store.get_run(a) for a in reversed(bases)], store.get_run(b)  # newest first
    assert None not in baseline and cur is not None
    evaluate(cur, baseline, Policy())  # loads numpy
    walls, cpus = [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        evaluate(cur, baseline, Policy())
        walls.append(time.perf_counter() - t)
        cpus.append(time.process_time() - c)
    return statistics.median(walls), statistics.median(cpus)


def _end_to_end(root: Path, a: str, b: str, repeat: int, env: dict[str, str]) -> tuple[float, float, float]:
    """(median wall, median CPU, peak MB) of ``perfgate compare A B``, each in a new process."""
    return perfgate_median(["compare", a[:10], b[:10]], root, env, repeat)


# One `perfgate compare A B`, phase by phase, in a new process (argv: project root, A, B).
PHASES = """
import gc, io, sys, time
from pathlib import Path

clock = [time.process_time()]
def lap(name):
    now = time.process_time()
    print(f"  {name:<34} {(now - clock[0]) * 1000:6.0f} ms")
    clock[0] = now

import perfgate.cli.compare
from perfgate.cli.main import build_parser
lap("import the CLI and the command")
from perfgate.cli.common import workspace
root, a, b = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
ws = workspace(build_parser(("compare",)).parse_args(["compare", a, b]), root, {})
lap("workspace (configuration)")
gc.disable()  # (as compare does)
from perfgate import app
from perfgate.app import compare as use_case
if hasattr(use_case, "_read_by_id"):
    base, head = use_case._read_by_id(ws, a, b)
else:
    base, head = app.load_spec(ws, a), app.load_spec(ws, b)
lap("read both runs")
import numpy
lap("import numpy")
outcome = app.gate_run(ws, head, app.Baseline((base,), f"run {base.id[:10]}"))
lap("the gate (gate_run)")
from perfgate.report import render_text
from perfgate.report.console import make_console
render_text(outcome, make_console("never", stream=io.StringIO(), environ={}))
lap("render the text report")
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--results", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument(
        "--baseline-runs",
        type=int,
        default=1,
        help="judge the evaluate part against this many baseline runs (the run-level test joins from 3)",
    )
    ap.add_argument("--phases", action="store_true", help="also time each phase of one compare process")
    ap.add_argument("--src", type=Path, help="import perfgate from this directory (an older checkout's src)")
    args = ap.parse_args()
    env = {**os.environ, "NO_COLOR": "1"}
    if args.src is not None:
        sys.path.insert(0, str(args.src.resolve()))
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(args.src.resolve()), env.get("PYTHONPATH")]))
    import perfgate

    with tempfile.TemporaryDirectory(prefix="perfgate-compare-") as tmp:
        root = Path(tmp)
        (root / "perfgate.toml").write_text('project = "scale"\n', encoding="utf-8")
        bases, b = _build(args.results, root / ".perfgate" / "perfgate.db", args.baseline_runs)
        a = bases[-1]  # `perfgate compare A B`: the newest baseline run against the current one
        wall, cpu = _evaluate(root / ".perfgate" / "perfgate.db", bases, b, args.repeat)
        print(f"perfgate from {Path(perfgate.__file__).parent}")
        against = "1 baseline run" if len(bases) == 1 else f"{len(bases)} baseline runs"
        print(
            f"evaluate: {args.results:,} verdicts against {against} in {wall:.2f} s (CPU {cpu:.2f} s), "
            f"median of {args.repeat}"
        )
        wall, cpu, peak = _end_to_end(root, a, b, args.repeat, env)
        print(
            f"perfgate compare: two {args.results:,}-result runs in {wall:.2f} s (CPU {cpu:.2f} s), "
            f"{peak:.0f} MB peak, median of {args.repeat}"
        )
        if args.phases:
            print("one perfgate compare, CPU by phase:", flush=True)
            subprocess.run([sys.executable, "-c", PHASES, str(root), a[:10], b[:10]], env=env, check=True)


if __name__ == "__main__":
    main()
