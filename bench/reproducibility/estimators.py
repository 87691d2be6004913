"""Which headline figure survives a noisy machine? Estimators compared on the same raw rounds.

    python bench/reproducibility/estimators.py [--processes 8] [--passes 1,4,16] [--seconds 1.0]

Each of ``--processes`` fresh Python processes times three workloads (``sum(range(100))``, ~10 µs,
~1 ms) in rounds of about 100 µs (or one call), ``--seconds`` per workload in total, split into
``P`` passes over the three workloads for each ``P`` in ``--passes`` (P = 1: one workload after the
other). It keeps every round. Then, for each estimator, it prints the coefficient of variation of that
estimator across the processes: how much the headline figure of one whole run moves from run to run.

Estimators: the median of all rounds (what most tools report), the minimum, and the median of
perfgate's samples (:func:`perfgate.measure.spread.best_of_spread`) for several group sizes.
Nothing here asserts: the numbers are for docs/measurement.md.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

CHILD = r"""
import gc, json, sys, time
def ten_us(): return sum(i * i for i in range(170))
def one_ms(): return sum(i * i for i in range(17000))
def s100(): return sum(range(100))
W = [("sum_range_100", s100, 100), ("ten_us", ten_us, 10), ("one_ms", one_ms, 1)]
P, per = int(sys.argv[1]), float(sys.argv[2])
pc = time.perf_counter_ns
out = {n: [] for n, _, _ in W}
gc.collect(); gc.disable()
for _ in range(P):
    for name, fn, it in W:
        end = pc() + per / P * 1e9
        while pc() < end:
            t0 = pc()
            for _ in range(it): fn()
            out[name].append((pc() - t0) / it)
json.dump(out, sys.stdout)
"""


def cv(values: list[float]) -> float:
    return statistics.stdev(values) / statistics.fmean(values)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--processes", type=int, default=8)
    p.add_argument("--passes", default="1,4,16")
    p.add_argument("--seconds", type=float, default=1.0)
    p.add_argument("--out", type=Path, default=None, help="also write the CVs as JSON here")
    a = p.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))
    from perfgate.measure.spread import best_of_spread

    passes = [int(x) for x in a.passes.split(",")]
    runs: dict[int, list[dict[str, list[float]]]] = {n: [] for n in passes}
    for i in range(a.processes):
        for n in passes if i % 2 == 0 else reversed(passes):  # alternate, so drift hits all alike
            text = subprocess.run(
                [sys.executable, "-c", CHILD, str(n), str(a.seconds)],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            runs[n].append(json.loads(text))
        print(f"process {i + 1}/{a.processes} done", file=sys.stderr)

    def best_of(group: int):  # type: ignore[no-untyped-def]
        return lambda xs: statistics.median(best_of_spread(xs, group))

    estimators = {"median of rounds": statistics.median, "min": min}
    estimators.update({f"best-of-{g}": best_of(g) for g in (16, 128, 512)})
    report: dict[str, dict[str, dict[str, float]]] = {}
    print(f"\nCV across {a.processes} processes of each estimator ({a.seconds:g} s per workload)\n")
    print("| passes | workload | " + " | ".join(estimators) + " |")
    print("|---:|---|" + "---:|" * len(estimators))
    for n in passes:
        for w in runs[n][0]:
            row = {name: cv([f(r[w]) for r in runs[n]]) for name, f in estimators.items()}
            report.setdefault(str(n), {})[w] = row
            print(f"| {n} | {w} | " + " | ".join(f"{100 * v:.2f}%" for v in row.values()) + " |")
    if a.out is not None:
        a.out.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
