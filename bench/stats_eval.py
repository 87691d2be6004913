"""Monte Carlo evaluation of perfgate's verdicts next to common alternatives.

Run with ``python bench/stats_eval.py`` (fixed seeds; a few minutes on one core). ``--quick`` runs a
smaller grid, ``--reps N`` sets the number of simulated suites per cell. Prints Markdown tables that
``docs/statistics.md`` reproduces.

Model: each benchmark's per-round values are lognormal with the given CV; with outliers, each value is
multiplied with probability 5% by a factor drawn uniformly from [1.1, 1.5]. A suite has 20 benchmarks;
in cells with a slowdown, benchmark 0 is slowed by that factor and the other 19 are unchanged (the usual
shape of a code change). Threshold delta = 1% for perfgate.

Further tables: run-to-run drift (within-run CV 1%, run-to-run CV 2%, 20 stored runs) against baselines
of 1, 2 or 5 runs with and without the testbed's history (``history_spreads``), with rounds or one value
per run; a whole suite 3% slower; a whole run 20% slower under each ``machine_shift`` mode.

Rules compared, each deciding "regression" per benchmark:
  perfgate   the default CompareSettings (Hodges-Lehmann + Mann-Whitney, Holm over the suite)
  fixed-5%   ratio of medians > 1.05
  welch      Welch's t-test on the raw values, p < 0.05 and a larger mean (no multiplicity control)
  asv        asv's rule: median ratio > 1.1 and Mann-Whitney p < 0.002 when that p is attainable at
             these sample sizes, otherwise non-overlapping 99% intervals of the medians
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import stats as sps

from perfgate.model import BenchmarkId, Direction, Result, Status
from perfgate.stats import (
    CompareSettings,
    MetricPair,
    RunSpread,
    compare_pair,
    compare_suite,
    history_spreads,
    mann_whitney,
    median_ci,
    summarize,
)

Array = NDArray[np.float64]
SUITE = 20
DELTA = 0.01
RULES = ("perfgate", "fixed-5%", "welch", "asv")


def draw(rng: np.random.Generator, n: int, cv: float, outliers: bool, factor: float = 1.0) -> Array:
    sigma = math.sqrt(math.log1p(cv * cv))
    x = rng.lognormal(-sigma * sigma / 2.0, sigma, n) * factor
    if outliers:
        hit = rng.random(n) < 0.05
        x = np.where(hit, x * rng.uniform(1.1, 1.5, n), x)
    return np.asarray(x, dtype=float)


def result(name: str, xs: Array) -> Result:
    values = tuple(float(v) for v in xs)
    return Result(BenchmarkId(name), "time", "s", Direction.LOWER, summarize(values), values)


def pair(name: str, base: list[Array], cur: Array) -> MetricPair:
    return MetricPair(
        BenchmarkId(name),
        "time",
        "s",
        Direction.LOWER,
        tuple(result(name, b) for b in base),
        result(name, cur),
        DELTA,
    )


def fixed5(b: Array, c: Array) -> Array:
    """Ratio of medians above 1.05; rows are benchmarks."""
    return np.asarray(np.median(c, axis=1) / np.median(b, axis=1) > 1.05)


def welch(b: Array, c: Array) -> Array:
    """Welch's t-test, two-sided p < 0.05 with a larger current mean; rows are benchmarks."""
    n_b, n_c = b.shape[1], c.shape[1]
    vb, vc = b.var(axis=1, ddof=1) / n_b, c.var(axis=1, ddof=1) / n_c
    se = np.sqrt(vb + vc)
    t = (c.mean(axis=1) - b.mean(axis=1)) / se
    df = (vb + vc) ** 2 / (vb**2 / (n_b - 1) + vc**2 / (n_c - 1))
    p = 2.0 * sps.t.sf(np.abs(t), df)
    return np.asarray((p < 0.05) & (t > 0))


def asv(b: Array, c: Array) -> Array:
    """asv's rule per row: a factor of 1.1 and a significant difference (see the module docstring)."""
    out = np.zeros(len(b), dtype=bool)
    for i in np.flatnonzero(np.median(c, axis=1) > 1.1 * np.median(b, axis=1)):
        bi, ci = b[i], c[i]
        p_min = 1.0 / math.comb(len(bi) + len(ci), min(len(bi), len(ci)))
        if p_min < 0.002:
            out[i] = mann_whitney(bi, ci)[1] < 0.002
            continue
        cb, cc = median_ci(sorted(bi.tolist()), 0.99), median_ci(sorted(ci.tolist()), 0.99)
        # asv treats an unbounded interval as overlapping: no significant difference.
        out[i] = cb is not None and cc is not None and cb[1] < cc[0]
    return out


SIMPLE: dict[str, Callable[[Array, Array], Array]] = {"fixed-5%": fixed5, "welch": welch, "asv": asv}


@dataclass
class Cell:
    suites: int = 0
    any_false: dict[str, int] | None = None  # suites where an unchanged benchmark was flagged
    hits: dict[str, int] | None = None  # suites where benchmark 0 (slowed) was flagged

    def __post_init__(self) -> None:
        self.any_false = dict.fromkeys(RULES, 0)
        self.hits = dict.fromkeys(RULES, 0)


def simulate(cv: float, outliers: bool, n: int, slowdown: float, reps: int, seed: int) -> Cell:
    rng = np.random.default_rng(seed)
    cell = Cell()
    assert cell.any_false is not None and cell.hits is not None
    settings = CompareSettings()
    for _ in range(reps):
        bases = [draw(rng, n, cv, outliers) for _ in range(SUITE)]
        curs = [
            draw(rng, n, cv, outliers, 1.0 + slowdown if i == 0 and slowdown else 1.0) for i in range(SUITE)
        ]
        flagged: dict[str, set[int]] = {}
        suite = compare_suite([pair(f"b{i:02d}", [bases[i]], curs[i]) for i in range(SUITE)], settings)
        flagged["perfgate"] = {
            int(v.benchmark.name[1:]) for v in suite.verdicts if v.status is Status.REGRESSION
        }
        b_all, c_all = np.stack(bases), np.stack(curs)
        for name, rule in SIMPLE.items():
            flagged[name] = {int(i) for i in np.flatnonzero(rule(b_all, c_all))}
        cell.suites += 1
        for name, idx in flagged.items():
            null = idx - {0} if slowdown else idx
            cell.any_false[name] += bool(null)
            cell.hits[name] += 0 in idx
    return cell


def _spreads(runs: list[list[Array]], depth: int) -> dict[tuple[str, str], RunSpread]:
    """The testbed's noise model from the ``depth`` newest stored runs of each benchmark."""
    series = {
        (f"b{i:02d}", "time"): [float(np.median(r)) for r in reversed(rs[-depth:])]
        for i, rs in enumerate(runs)
    }
    return history_spreads(series)


DRIFT_VARIANTS = (
    # name, settings, baseline runs, history depth (0: none), values per run
    ("latest baseline run only, no history", CompareSettings(), 1, 0, 20),
    ("5 runs pooled, within-run test only", CompareSettings(min_baseline_runs=1000), 5, 0, 20),
    ("5 runs, within-run and run-level tests", CompareSettings(), 5, 0, 20),
    ("latest run + history of 5 stored runs (history-t, default)", CompareSettings(), 1, 5, 20),
    ("latest 2 runs + history of 5 stored runs", CompareSettings(), 2, 5, 20),
    ("latest run + history of 20 stored runs", CompareSettings(), 1, 20, 20),
    (
        "one value per run (the run's median): latest run, no history (ratio vs 1%)",
        CompareSettings(),
        1,
        0,
        1,
    ),
    ("one value per run: latest run + history of 5 stored runs", CompareSettings(), 1, 5, 1),
    ("one value per run: latest run + history of 20 stored runs", CompareSettings(), 1, 20, 1),
    ("one value per run: 5 baseline runs (run-level-t)", CompareSettings(), 5, 0, 1),
)


def _values(run: Array, n: int) -> Array:
    """The run's rounds, or with ``n == 1`` the one value a harness such as libtest or Criterion's
    console reports for the run: the median of its rounds."""
    return run if n > 1 else np.asarray([float(np.median(run))])


def run_to_run(
    reps: int, seed: int, variants: tuple[tuple[str, CompareSettings, int, int, int], ...] = DRIFT_VARIANTS
) -> dict[str, tuple[float, float, float]]:
    """Identical code on a machine whose runs drift: within-run CV 1%, run-to-run CV 2% (each benchmark's
    run factor drawn on its own), 5% outliers, 20 stored runs before the current one.

    Returns per variant (see DRIFT_VARIANTS) the false-alarm rate over 20-benchmark suites, the power for
    a 10% slowdown of benchmark 0 and the share of suites failing when every benchmark is 3% slower.
    """
    rng = np.random.default_rng(seed)
    counts = {name: [0, 0, 0] for name, *_ in variants}
    for _ in range(reps):
        runs: list[list[Array]] = []
        same, slow, whole = [], [], []
        for i in range(SUITE):
            runs.append([draw(rng, 20, 0.01, True, math.exp(rng.normal(0, 0.02))) for _ in range(20)])
            drift = math.exp(rng.normal(0, 0.02))
            cur = draw(rng, 20, 0.01, True, drift)
            same.append(cur)
            slow.append(cur * 1.10 if i == 0 else cur)
            whole.append(cur * 1.03)
        for name, settings, k, depth, n in variants:
            base_runs = [[_values(r, n) for r in rs] for rs in runs]
            spreads = _spreads(base_runs, depth) if depth else None
            for j, curs in enumerate((same, slow, whole)):
                pairs = [pair(f"b{i:02d}", base_runs[i][-k:], _values(curs[i], n)) for i in range(SUITE)]
                suite = compare_suite(pairs, settings, spreads)
                reg = {int(v.benchmark.name[1:]) for v in suite.verdicts if v.status is Status.REGRESSION}
                counts[name][j] += bool(reg) if j != 1 else 0 in reg
    return {k: (a / reps, b / reps, c / reps) for k, (a, b, c) in counts.items()}


def whole_suite(reps: int, seed: int) -> dict[str, float]:
    """Every benchmark 3% slower (CV 2%, n = 20, 5% outliers), one baseline run, default settings."""
    rng = np.random.default_rng(seed)
    failed = flagged = noted = 0.0
    for _ in range(reps):
        pairs = [
            pair(f"b{i:02d}", [draw(rng, 20, 0.02, True)], draw(rng, 20, 0.02, True, 1.03))
            for i in range(SUITE)
        ]
        suite = compare_suite(pairs)
        reg = sum(v.status is Status.REGRESSION for v in suite.verdicts)
        failed += reg > 0
        flagged += reg / SUITE
        noted += sum("moved together" in n for n in suite.notes) == 1
    return {
        "suites that fail the gate": failed / reps,
        "benchmarks flagged as regressions (mean share)": flagged / reps,
        "suites with exactly one whole-suite note": noted / reps,
    }


def machine_shift(reps: int, seed: int) -> dict[str, tuple[float, float]]:
    """The whole run 20% slower (CV 2%, n = 20, outliers): per mode, the share of suites with any
    regression and the share with exactly one whole-suite note."""
    rng = np.random.default_rng(seed)
    modes = ("note", "inconclusive", "normalize", "ignore")
    counts = {m: [0, 0] for m in modes}
    for _ in range(reps):
        pairs = [
            pair(f"b{i:02d}", [draw(rng, 20, 0.02, True)], draw(rng, 20, 0.02, True, 1.2))
            for i in range(SUITE)
        ]
        for mode in modes:
            suite = compare_suite(pairs, CompareSettings(machine_shift=mode))
            counts[mode][0] += any(v.status is Status.REGRESSION for v in suite.verdicts)
            counts[mode][1] += sum("moved together" in n for n in suite.notes) == 1
    return {m: (a / reps, b / reps) for m, (a, b) in counts.items()}


def target_cell(reps: int, seed: int) -> dict[str, float]:
    """The power target's cell (CV 2%, 5% outliers, n = 20, 3% slower) in three settings."""
    rng = np.random.default_rng(seed)
    keys = (
        "1 of 20 slowed, Holm over the suite (as above)",
        "one benchmark compared on its own (compare_pair)",
        "all 20 slowed, A/B run (machine_shift='ignore'), per benchmark",
    )
    hits = dict.fromkeys(keys, 0.0)
    ab = CompareSettings(machine_shift="ignore")
    for _ in range(reps):
        bases = [draw(rng, 20, 0.02, True) for _ in range(SUITE)]
        same = [draw(rng, 20, 0.02, True) for _ in range(SUITE)]
        slow = [draw(rng, 20, 0.02, True, 1.03) for _ in range(SUITE)]
        pairs = [pair(f"b{i:02d}", [bases[i]], slow[i] if i == 0 else same[i]) for i in range(SUITE)]
        suite = compare_suite(pairs)
        hits[keys[0]] += any(
            v.benchmark.name == "b00" and v.status is Status.REGRESSION for v in suite.verdicts
        )
        hits[keys[1]] += compare_pair(pairs[0]).status is Status.REGRESSION
        everything = compare_suite([pair(f"b{i:02d}", [bases[i]], slow[i]) for i in range(SUITE)], ab)
        hits[keys[2]] += sum(v.status is Status.REGRESSION for v in everything.verdicts) / SUITE
    return {k: v / reps for k, v in hits.items()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=200, help="simulated 20-benchmark suites per cell")
    ap.add_argument("--quick", action="store_true", help="a small grid for a smoke test")
    args = ap.parse_args(argv)
    cvs = (0.02,) if args.quick else (0.01, 0.02, 0.05)
    ns = (10, 20) if args.quick else (5, 10, 20, 30)
    slowdowns = (0.0, 0.03) if args.quick else (0.0, 0.01, 0.02, 0.03, 0.05, 0.10)
    start = time.perf_counter()
    seed = 20240601
    results: dict[tuple[float, bool, int, float], Cell] = {}
    for cv in cvs:
        for outliers in (False, True):
            for n in ns:
                for s in slowdowns:
                    seed += 1
                    # False-alarm rates need more suites than power does for the same precision.
                    reps = args.reps if s == 0.0 else max(20, args.reps // 2)
                    results[(cv, outliers, n, s)] = simulate(cv, outliers, n, s, reps, seed)
    out = sys.stdout
    out.write(
        f"## False alarms: share of 20-benchmark suites of identical code with any regression "
        f"({args.reps} suites per cell)\n\n"
    )
    out.write("| CV | outliers | n | " + " | ".join(RULES) + " |\n|---|---|---|" + "---|" * len(RULES) + "\n")
    for (cv, outliers, n, s), cell in results.items():
        if s == 0.0:
            assert cell.any_false is not None
            rates = " | ".join(f"{cell.any_false[r] / cell.suites:.3f}" for r in RULES)
            out.write(f"| {cv:.0%} | {'5%' if outliers else 'none'} | {n} | {rates} |\n")
    null = [c for (_, _, n, s), c in results.items() if s == 0.0 and n >= 10]
    if null:
        k = sum(c.suites for c in null)
        hits = sum((c.any_false or {}).get("perfgate", 0) for c in null)
        rate = hits / k
        se = math.sqrt(rate * (1 - rate) / k)
        out.write(
            f"\nperfgate over every null cell with n >= 10: {hits} of {k} suites = {rate:.3f} "
            f"(95% CI {rate - 1.96 * se:.3f} to {rate + 1.96 * se:.3f})\n"
        )
    out.write(
        "\n## Power: share of suites where the slowed benchmark (1 of 20) is a regression "
        f"({max(20, args.reps // 2)} suites per cell)\n\n"
    )
    out.write(
        "| CV | outliers | n | slowdown | "
        + " | ".join(RULES)
        + " |\n|---|---|---|---|"
        + "---|" * len(RULES)
        + "\n"
    )
    for (cv, outliers, n, s), cell in results.items():
        if s > 0.0:
            assert cell.hits is not None
            rates = " | ".join(f"{cell.hits[r] / cell.suites:.3f}" for r in RULES)
            out.write(f"| {cv:.0%} | {'5%' if outliers else 'none'} | {n} | {s:.0%} | {rates} |\n")
    out.write("\n## Minimal detectable slowdown (smallest tested with power >= 0.8; '>10%' when none)\n\n")
    out.write(
        "| CV | outliers | " + " | ".join(f"n={n}" for n in ns) + " |\n|---|---|" + "---|" * len(ns) + "\n"
    )
    for cv in cvs:
        for outliers in (False, True):
            row = []
            for n in ns:
                found = [s for s in slowdowns if s > 0 and _power(results[(cv, outliers, n, s)]) >= 0.8]
                row.append(f"{min(found):.0%}" if found else f">{max(slowdowns):.0%}")
            out.write(f"| {cv:.0%} | {'5%' if outliers else 'none'} | " + " | ".join(row) + " |\n")
    if not args.quick:
        reps = max(50, args.reps // 2)
        out.write(
            f"\n## Run-to-run drift (within-run CV 1%, run-to-run CV 2%, n = 20, outliers; {reps} suites)\n\n"
        )
        out.write(
            "| baseline | false alarms (suites) | power, 1 of 20 10% slower "
            "| suites failing, all 20 3% slower |\n|---|---|---|---|\n"
        )
        for name, (fa, pw, ws) in run_to_run(reps, 7).items():
            out.write(f"| {name} | {fa:.3f} | {pw:.3f} | {ws:.3f} |\n")
        head = tuple(v for v in DRIFT_VARIANTS if "+ history of 5 stored runs" in v[0] and v[2] == 1)
        big = 4 * reps
        out.write(
            f"\n### The drift target: one-run baseline with a history of 5 stored runs ({big} suites)\n\n"
        )
        out.write("| baseline | false alarms (95% CI) | power, 1 of 20 10% slower |\n|---|---|---|\n")
        for name, (fa, pw, _) in run_to_run(big, 29, head).items():
            half = 1.96 * math.sqrt(fa * (1 - fa) / big)
            out.write(f"| {name} | {fa:.3f} ({max(0.0, fa - half):.3f} to {fa + half:.3f}) | {pw:.3f} |\n")
        out.write(
            "\n## Whole suite 3% slower (CV 2%, 5% outliers, n = 20, one baseline run, defaults; "
            f"{reps} suites)\n\n"
        )
        out.write("| measure | share |\n|---|---|\n")
        for name, share in whole_suite(reps, 17).items():
            out.write(f"| {name} | {share:.3f} |\n")
        out.write(f"\n## The power target's cell (CV 2%, 5% outliers, n = 20, 3% slower; {reps} suites)\n\n")
        out.write("| setting | power |\n|---|---|\n")
        for name, share in target_cell(reps, 13).items():
            out.write(f"| {name} | {share:.3f} |\n")
        out.write(
            f"\n## Machine-wide shift (every benchmark 20% slower, one baseline run; {reps} suites)\n\n"
        )
        out.write(
            "| machine_shift | suites with any regression | suites with exactly one note |\n|---|---|---|\n"
        )
        for mode, (share, noted) in machine_shift(reps, 11).items():
            out.write(f"| {mode}{' (default)' if mode == 'note' else ''} | {share:.3f} | {noted:.3f} |\n")
    out.write(f"\n(total {time.perf_counter() - start:.0f} s)\n")
    return 0


def _power(cell: Cell) -> float:
    assert cell.hits is not None
    return cell.hits["perfgate"] / cell.suites


if __name__ == "__main__":
    raise SystemExit(main())
