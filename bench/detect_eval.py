"""Evaluation of perfgate's change-point detection next to Apache Otava and ruptures.

Run with ``python bench/detect_eval.py`` (fixed seeds). The peers are not perfgate dependencies:
``pip install apache-otava==0.8.0 ruptures`` first (a missing one is left out of the tables, and said).
``--quick`` runs a smaller grid; ``--speed`` only the speed table (10,000 points, an appended point), with
the machine's load average. Prints the Markdown tables that ``docs/detection.md`` reproduces.

Model: a series is a level that steps by +-step (sign drawn at random) after segments whose lengths are
drawn uniformly from 20 to 200 points (a last segment the series' end cuts below 20 joins the one
before); each point is the level times (1 + noise * N(0, 1)). With
outliers, 1% of the points are multiplied by a factor drawn uniformly from [1.2, 1.5] (a run disturbed by
a neighbour). With samples, each point is the mean of 20 samples whose own noise is ``noise``: perfgate
is given the samples (so it knows each point's standard error), the peers the means (all they take).
A/A series have no step.

A change point counts as found when a detected one lies within 5 points of it (one detected point
matches at most one true one). Precision = matched / detected, recall = matched / true; false change
points per 1,000 points are counted on A/A series.

Tools, each with its defaults or a published penalty:
  perfgate       perfgate.detect.detect with DetectSettings() (max_pvalue 1e-4, min_size 5, window 200)
  otava          otava.analysis.compute_change_points(window_len=50, max_pvalue=0.001): Otava 0.8.0's
                 defaults (e-divisive means in sliding windows, t-test merge)
  ruptures-bs    ruptures.Binseg(model="l2", min_size=5) with the BIC-like penalty 2 * sigma^2 * ln(n),
                 sigma from the median absolute successive difference (told the noise it must otherwise
                 guess)
  ruptures-pelt  ruptures.Pelt, same cost and penalty (slow: only on the target cells' 1,000-point series)
"""

from __future__ import annotations

import argparse
import itertools
import math
import os
import statistics
import sys
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from perfgate.detect import Point, detect, extend

Array = NDArray[np.float64]
TOLERANCE = 5
PELT_SERIES = 2  # ruptures' PELT takes seconds per 1,000 points


@dataclass(frozen=True)
class Case:
    values: Array  # point values (means)
    samples: Array | None  # (points, samples) when each point carries samples
    truth: tuple[int, ...]


def make_series(
    rng: np.random.Generator,
    n: int,
    step: float,
    noise: float,
    *,
    outliers: bool = False,
    samples: int = 0,
) -> Case:
    bounds = [0]
    while bounds[-1] < n:
        bounds.append(bounds[-1] + int(rng.integers(20, 201)))
    if len(bounds) > 2 and n - bounds[-2] < 20:
        del bounds[-2]  # the series' end cuts the last segment short: it joins the one before
    level = np.empty(n)
    truth = []
    lv = 1.0
    for lo, hi in itertools.pairwise(bounds):
        if step and lo:
            truth.append(lo)
            lv *= 1 + step * float(rng.choice([-1.0, 1.0]))
        level[lo:hi] = lv
    if samples:
        draws = level[:, None] * (1 + noise * rng.standard_normal((n, samples)))
        if outliers:
            hit = rng.random(n) < 0.01
            draws[hit] *= rng.uniform(1.2, 1.5, (int(hit.sum()), 1))
        return Case(draws.mean(axis=1), draws, tuple(truth))
    values = level * (1 + noise * rng.standard_normal(n))
    if outliers:
        hit = rng.random(n) < 0.01
        values[hit] *= rng.uniform(1.2, 1.5, int(hit.sum()))
    return Case(values, None, tuple(truth))


def perfgate_points(case: Case) -> list[Point]:
    if case.samples is not None:
        return [Point.from_samples(row) for row in case.samples]
    return [Point(float(v)) for v in case.values]


def run_perfgate(case: Case) -> list[int]:
    return list(detect(perfgate_points(case)).indices)


def run_otava(case: Case) -> list[int]:
    from otava.analysis import compute_change_points

    cps, _ = compute_change_points(case.values.tolist(), window_len=50, max_pvalue=0.001)
    return [int(c.index) for c in cps]


def _penalty(values: Array) -> float:
    sigma = float(np.median(np.abs(np.diff(values)))) / (0.6745 * math.sqrt(2))
    return 2 * sigma**2 * math.log(len(values))


def run_binseg(case: Case) -> list[int]:
    import ruptures as rpt

    bkps = rpt.Binseg(model="l2", min_size=5, jump=1).fit(case.values).predict(pen=_penalty(case.values))
    return [int(b) for b in bkps[:-1]]


def run_pelt(case: Case) -> list[int]:
    import ruptures as rpt

    bkps = rpt.Pelt(model="l2", min_size=5, jump=1).fit(case.values).predict(pen=_penalty(case.values))
    return [int(b) for b in bkps[:-1]]


def available() -> dict[str, Callable[[Case], list[int]]]:
    tools: dict[str, Callable[[Case], list[int]]] = {"perfgate": run_perfgate}
    try:
        import otava.analysis  # noqa: F401

        tools["otava"] = run_otava
    except ImportError as exc:
        print(f"<!-- otava left out: {exc} -->", file=sys.stderr)
    try:
        import ruptures  # noqa: F401

        tools["ruptures-bs"] = run_binseg
        tools["ruptures-pelt"] = run_pelt
    except ImportError as exc:
        print(f"<!-- ruptures left out: {exc} -->", file=sys.stderr)
    return tools


def match(found: Sequence[int], truth: Sequence[int]) -> int:
    """Detected points matched one-to-one to true ones within TOLERANCE (greedy, nearest first)."""
    pairs = sorted((abs(f - t), f, t) for f in found for t in truth if abs(f - t) <= TOLERANCE)
    used_f: set[int] = set()
    used_t: set[int] = set()
    for _, f, t in pairs:
        if f not in used_f and t not in used_t:
            used_f.add(f)
            used_t.add(t)
    return len(used_t)


@dataclass
class Tally:
    found: int = 0
    true: int = 0
    matched: int = 0
    points: int = 0

    def add(self, found: Sequence[int], case: Case) -> None:
        self.found += len(found)
        self.true += len(case.truth)
        self.matched += match(found, case.truth)
        self.points += len(case.values)

    def cell(self) -> str:
        p = self.matched / self.found if self.found else 1.0
        r = self.matched / self.true if self.true else 1.0
        return f"{p:.2f} / {r:.2f}"

    def false_per_1000(self) -> str:
        return f"{1000 * self.found / self.points:.3f}"


def seed_of(*parts: object) -> int:
    return zlib.crc32(repr(parts).encode())


def table(title: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = [f"### {title}", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def grid(tools: dict[str, Callable[[Case], list[int]]], reps: int, quick: bool) -> str:
    names = [t for t in tools if t != "ruptures-pelt"]
    rows = []
    steps = (0.01, 0.05) if quick else (0.01, 0.02, 0.05, 0.10)
    noises = (0.02,) if quick else (0.01, 0.02, 0.05)
    for samples in (0, 20):
        for outliers in (False, True):
            for step in steps:
                for noise in noises:
                    tallies = {t: Tally() for t in names}
                    for rep in range(reps):
                        rng = np.random.default_rng(seed_of("grid", step, noise, outliers, samples, rep))
                        case = make_series(rng, 1000, step, noise, outliers=outliers, samples=samples)
                        for t in names:
                            tallies[t].add(tools[t](case), case)
                    rows.append(
                        [
                            f"{step:.0%}",
                            f"{noise:.0%}",
                            "yes" if outliers else "no",
                            str(samples or 1),
                            *(tallies[t].cell() for t in names),
                        ]
                    )
    return table(
        f"Precision / recall, {reps} series of 1,000 points per row (segments of 20-200 points)",
        ["step", "noise", "outliers", "samples/point", *names],
        rows,
    )


def targets(tools: dict[str, Callable[[Case], list[int]]], reps: int) -> str:
    rows = []
    cells = [
        ("5% steps, 2% noise", 0.05, 0.02, False, 0),
        ("5% steps, 2% noise, outliers", 0.05, 0.02, True, 0),
        ("1% steps, 2% noise, 20 samples/point", 0.01, 0.02, False, 20),
        ("1% steps, 2% noise, 20 samples/point, outliers", 0.01, 0.02, True, 20),
    ]
    for label, step, noise, outliers, samples in cells:
        tallies = {t: Tally() for t in tools}
        for rep in range(reps):
            rng = np.random.default_rng(seed_of("targets", step, noise, outliers, samples, rep))
            case = make_series(rng, 1000, step, noise, outliers=outliers, samples=samples)
            for t, run in tools.items():
                if t != "ruptures-pelt" or rep < PELT_SERIES:
                    tallies[t].add(run(case), case)
        rows.append([label, *(tallies[t].cell() for t in tools)])
    header = [t if t != "ruptures-pelt" else f"{t} ({PELT_SERIES} series)" for t in tools]
    return table(
        f"The targets: precision / recall (target >= 0.98 for 5% steps, >= 0.9 for 1% steps), "
        f"{reps} series of 1,000 points each",
        ["series", *header],
        rows,
    )


def false_alarms(tools: dict[str, Callable[[Case], list[int]]], reps: int, length: int) -> str:
    names = [t for t in tools if t != "ruptures-pelt" or length <= 1000]
    rows = []
    # the long series only at 2% noise: the peers take seconds to minutes on 10,000 points
    for noise in (0.01, 0.02, 0.05) if length <= 1000 else (0.02,):
        for outliers in (False, True):
            for samples in (0, 20):
                tallies = {t: Tally() for t in names}
                for rep in range(reps):
                    rng = np.random.default_rng(seed_of("aa", noise, outliers, samples, rep, length))
                    case = make_series(rng, length, 0.0, noise, outliers=outliers, samples=samples)
                    for t in names:
                        tallies[t].add(tools[t](case), case)
                rows.append(
                    [
                        f"{noise:.0%}",
                        "yes" if outliers else "no",
                        str(samples or 1),
                        *(tallies[t].false_per_1000() for t in names),
                    ]
                )
    return table(
        f"A/A: false change points per 1,000 points (target <= 0.05), {reps} series of {length:,} points",
        ["noise", "outliers", "samples/point", *names],
        rows,
    )


def long_series(tools: dict[str, Callable[[Case], list[int]]]) -> str:
    names = [t for t in tools if t != "ruptures-pelt"]
    rows = []
    for label, step, noise, samples in (
        ("5% steps, 2% noise", 0.05, 0.02, 0),
        ("1% steps, 2% noise, 20 samples/point", 0.01, 0.02, 20),
    ):
        rng = np.random.default_rng(seed_of("long", step, noise, samples))
        case = make_series(rng, 10_000, step, noise, samples=samples)
        cells = []
        for t in names:
            tally = Tally()
            tally.add(tools[t](case), case)
            cells.append(tally.cell())
        rows.append([label, *cells])
    return table("Precision / recall on one series of 10,000 points", ["series", *names], rows)


def cpu(f: Callable[[], object], repeat: int = 3) -> tuple[float, float]:
    """(best CPU seconds, best wall seconds) of ``repeat`` calls (CPU time: the machine is shared)."""
    best_cpu = best_wall = math.inf
    for _ in range(repeat):
        c0, w0 = time.process_time(), time.perf_counter()
        f()
        best_cpu = min(best_cpu, time.process_time() - c0)
        best_wall = min(best_wall, time.perf_counter() - w0)
    return best_cpu, best_wall


def speed(tools: dict[str, Callable[[Case], list[int]]]) -> str:
    rng = np.random.default_rng(seed_of("speed"))
    case = make_series(rng, 10_000, 0.05, 0.02)
    pts = perfgate_points(case)
    rows = []
    for t, run in tools.items():
        if t == "ruptures-pelt":
            continue
        c, w = cpu(lambda run=run: run(case), 1 if t != "perfgate" else 5)
        rows.append([f"{t}: 10,000 points", f"{c:.3f} s", f"{w:.3f} s"])
    # appending: the series of 10,000 points grows by one point, 200 times
    base = detect(pts[:9800])
    cpus, walls = [], []
    d = base
    for p in pts[9800:]:
        c0, w0 = time.process_time(), time.perf_counter()
        d = extend(d, [p])
        cpus.append(time.process_time() - c0)
        walls.append(time.perf_counter() - w0)
    assert d.indices == detect(pts).indices
    rows.append(
        [
            "perfgate: append one point to 9,800-10,000 (median, max of 200)",
            f"{statistics.median(cpus) * 1000:.2f} ms, {max(cpus) * 1000:.2f} ms",
            f"{statistics.median(walls) * 1000:.2f} ms, {max(walls) * 1000:.2f} ms",
        ]
    )
    if "otava" in tools:
        from otava.analysis import compute_change_points

        values = case.values.tolist()
        _, weak = compute_change_points(values[:9999], window_len=50, max_pvalue=0.001)
        c, w = cpu(
            lambda: compute_change_points(
                values, window_len=50, max_pvalue=0.001, new_data=1, old_weak_cp=weak
            ),
            3,
        )
        rows.append(
            [
                "otava: append one point to 9,999 (its incremental mode)",
                f"{c * 1000:.1f} ms",
                f"{w * 1000:.1f} ms",
            ]
        )
    return table("Speed (CPU time and wall time, best of runs)", ["what", "CPU", "wall"], rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a smaller grid")
    parser.add_argument("--reps", type=int, default=None, help="series per grid row (default 4; quick 2)")
    parser.add_argument(
        "--speed", action="store_true", help="only the speed table (and the load average it ran at)"
    )
    args = parser.parse_args(argv)
    reps = args.reps or (2 if args.quick else 4)
    tools = available()
    started = time.perf_counter()
    if args.speed:
        print("<!-- python bench/detect_eval.py --speed -->\n")
        load = os.getloadavg()
        print(speed(tools))
        print(
            f"<!-- load average {load[0]:.2f} before, {os.getloadavg()[0]:.2f} after, "
            f"on {os.cpu_count()} cores -->"
        )
        return 0
    print(f"<!-- python bench/detect_eval.py{' --quick' if args.quick else ''} --reps {reps} -->\n")
    print(targets(tools, 2 * reps))
    sys.stdout.flush()
    print(false_alarms({t: f for t, f in tools.items() if t != "ruptures-pelt"}, 5 * reps, 1000))
    sys.stdout.flush()
    print(false_alarms({t: f for t, f in tools.items() if t != "ruptures-pelt"}, 2, 10_000))
    sys.stdout.flush()
    print(speed(tools))
    sys.stdout.flush()
    print(long_series(tools))
    sys.stdout.flush()
    print(grid(tools, reps, args.quick))
    print(f"<!-- {time.perf_counter() - started:.0f} s -->")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
