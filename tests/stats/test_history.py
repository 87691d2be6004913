"""Decision rules beyond the rank test: deterministic values, one value per run, the testbed's history."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from perfgate.model import BenchmarkId, Direction, Result, Status
from perfgate.stats import (
    DETERMINISTIC,
    HISTORY_T,
    RATIO_OF_MEDIANS,
    RUN_LEVEL,
    MetricPair,
    RunSpread,
    compare_pair,
    compare_suite,
    history_spreads,
    summarize,
)

MIB = 2.0**20


def res(values: list[float], name: str = "bench", metric: str = "time") -> Result:
    unit = "B" if metric == "peak_memory" else "s"
    return Result(BenchmarkId(name), metric, unit, Direction.LOWER, summarize(values), tuple(values))


def mpair(base: list[list[float]], cur: list[float], name: str = "bench", metric: str = "time") -> MetricPair:
    unit = "B" if metric == "peak_memory" else "s"
    baseline = tuple(res(b, name, metric) for b in base)
    return MetricPair(
        BenchmarkId(name), metric, unit, Direction.LOWER, baseline, res(cur, name, metric), 0.05
    )


# --- case 2: deterministic values -----------------------------------------------------------------


def test_memory_measured_twice_that_repeats_exactly_is_compared_with_the_threshold() -> None:
    v = compare_pair(mpair([[2 * MIB, 2 * MIB]], [10 * MIB, 10 * MIB], metric="peak_memory"))
    assert (v.status, v.method, v.change) == (Status.REGRESSION, DETERMINISTIC, 4.0)
    assert v.reason is not None and "every value repeats exactly" in v.reason
    same = compare_pair(mpair([[2 * MIB, 2 * MIB]], [2 * MIB, 2 * MIB], metric="peak_memory"))
    assert (same.status, same.method) == (Status.UNCHANGED, DETERMINISTIC)


def test_memory_measured_once_without_history_is_the_labelled_ratio_not_no_evidence() -> None:
    v = compare_pair(mpair([[2 * MIB]], [10 * MIB], metric="peak_memory"))
    assert (v.status, v.method) == (Status.REGRESSION, RATIO_OF_MEDIANS)
    assert v.reason is not None and "ratio of medians against the threshold, without a test" in v.reason
    assert "samples" not in v.reason


def test_a_suite_of_allocation_counts_measured_twice_finds_the_leak() -> None:
    pairs = [mpair([[3.0, 3.0]], [3.0, 3.0], name=f"b{i:02d}", metric="allocations") for i in range(19)]
    pairs.append(mpair([[3.0, 3.0]], [23.0, 23.0], name="leak", metric="allocations"))
    verdicts = {v.benchmark.name: v for v in compare_suite(pairs).verdicts}
    assert (verdicts["leak"].status, verdicts["leak"].method) == (Status.REGRESSION, DETERMINISTIC)
    assert all(v.status is Status.UNCHANGED for n, v in verdicts.items() if n != "leak")


def test_a_leak_from_exactly_zero_kept_per_call_is_a_regression() -> None:
    # A function that kept nothing per call (0, 0) and now keeps 20 blocks (20, 20): no ratio exists,
    # but with no noise on either side every change exceeds the threshold; it was "inconclusive".
    v = compare_pair(mpair([[0.0, 0.0]], [20.0, 20.0], metric="allocations"))
    assert (v.status, v.method, v.change) == (Status.REGRESSION, DETERMINISTIC, None)
    assert v.reason is not None and "baseline is zero" in v.reason
    fixed = compare_pair(mpair([[20.0, 20.0]], [0.0, 0.0], metric="allocations"))
    assert (fixed.status, fixed.change) == (Status.IMPROVEMENT, -1.0)
    none = compare_pair(mpair([[0.0, 0.0]], [0.0, 0.0], metric="allocations"))
    assert none.status is Status.UNCHANGED


# --- case 3: one value per benchmark ----------------------------------------------------------------


def test_one_value_per_run_with_five_baseline_runs_uses_the_run_level_test() -> None:
    base = [[1.00], [1.02], [0.99], [1.01], [1.00]]
    v = compare_pair(mpair(base, [2.40]))  # +140%: libtest, one value per benchmark
    assert (v.status, v.method) == (Status.REGRESSION, RUN_LEVEL)
    assert v.reason is not None and "1 value on a side, too few for a rank test" in v.reason
    assert compare_pair(mpair(base, [1.01])).status is Status.UNCHANGED


def test_one_value_against_one_run_is_judged_with_the_testbeds_history() -> None:
    history = RunSpread(spread=0.02, df=20, differences=60, benchmarks=15)
    v = compare_pair(mpair([[1.0]], [2.4]), history=history)
    assert (v.status, v.method) == (Status.REGRESSION, HISTORY_T)
    assert (
        v.reason is not None
        and "baseline of 1 run, judged against the testbed's run-to-run spread" in v.reason
    )
    quiet = compare_pair(mpair([[1.0]], [1.03]), history=history)
    assert quiet.status is not Status.REGRESSION and quiet.method == HISTORY_T


# --- case 14: one or two baseline runs on a drifting machine ----------------------------------------


def drifted(seed: int, level: float, n: int = 20) -> list[float]:
    return (np.random.default_rng(seed).lognormal(0.0, 0.005, n) * level).tolist()


def test_identical_code_that_drifted_between_runs_is_no_regression_against_the_history() -> None:
    # Within each run the CV is 0.5%; whole runs land 3% apart, as the machine's history shows they do.
    p = mpair([drifted(1, 1.0)], drifted(2, 1.06))
    assert compare_pair(p).status is Status.REGRESSION  # the within-run test alone cries wolf
    history = RunSpread(spread=0.03, df=30, differences=80, benchmarks=20)
    v = compare_pair(p, history=history)
    assert v.status is not Status.REGRESSION
    assert v.method == f"mann-whitney+hodges-lehmann+{HISTORY_T}"
    # A real slowdown well beyond the machine's spread still is one.
    assert (
        compare_pair(mpair([drifted(1, 1.0)], drifted(2, 1.5)), history=history).status is Status.REGRESSION
    )


# --- case 9: noisy benchmarks never widen the spread of quiet ones -----------------------------------


def test_history_spreads_pool_only_benchmarks_of_similar_noise() -> None:
    rng = np.random.default_rng(3)
    series: dict[tuple[str, str], list[float]] = {}
    for i in range(6):
        series[(f"cpu{i}", "time")] = np.exp(rng.normal(0, 0.01, 6)).tolist()
    for i in range(6):
        series[(f"io{i}", "time")] = np.exp(rng.normal(0, 0.5, 6)).tolist()
    spreads = history_spreads(series)
    assert all(spreads[(f"cpu{i}", "time")].spread < 0.03 for i in range(6))
    assert all(spreads[(f"io{i}", "time")].spread > 0.2 for i in range(6))
    assert spreads[("cpu0", "time")].benchmarks == 6


def test_history_spreads_ignore_a_step_on_main_and_use_a_long_own_history() -> None:
    flat_then_step = [1.0, 1.01, 0.99, 1.0, 1.5, 1.51, 1.49, 1.5]  # one real change on main
    (s,) = history_spreads({("b", "time"): flat_then_step}).values()
    assert s.spread < 0.02
    long = np.exp(np.random.default_rng(4).normal(0, 0.02, 40)).tolist()
    spreads = history_spreads({("b", "time"): long, ("c", "time"): long[:5]})
    assert spreads[("b", "time")].benchmarks == 1 and spreads[("b", "time")].differences == 39
    assert ("c", "time") in spreads and spreads[("c", "time")].benchmarks == 2
    assert history_spreads({("short", "time"): [1.0, 1.1]}) == {}


def test_noisy_io_benchmarks_do_not_hide_a_quiet_benchmarks_regression() -> None:
    rng = np.random.default_rng(5)
    pairs = []
    for i in range(10):
        levels = np.exp(rng.normal(0, 0.7, 6))
        base = [(rng.lognormal(0, 0.01, 10) * lv).tolist() for lv in levels[:5]]
        pairs.append(mpair(base, (rng.lognormal(0, 0.01, 10) * levels[5]).tolist(), name=f"io{i}"))
    quiet_levels = np.exp(rng.normal(0, 0.01, 5))
    base = [(rng.lognormal(0, 0.01, 10) * lv).tolist() for lv in quiet_levels]
    pairs.append(mpair(base, rng.lognormal(math.log(5.0), 0.01, 10).tolist(), name="cpu"))
    cpu = next(v for v in compare_suite(pairs).verdicts if v.benchmark.name == "cpu")
    assert cpu.status is Status.REGRESSION


def test_a_quiet_benchmark_alone_in_its_noise_class_with_a_short_history_still_sees_5x() -> None:
    # perfgate run on a branch: one baseline run (the merge-base) and 4 stored runs of history. Six I/O
    # benchmarks moved ±50% between runs; the one CPU-bound benchmark ~1%, so it pools with nobody and
    # has 3 differences of its own. A +400% change of it was "inconclusive (p = 0.12 after Holm)":
    # 0.29 degrees of freedom per difference gave t with 1 degree of freedom (a Cauchy tail), while the
    # simulated tail of the median-based statistic at 3 differences is within that of t with 2.
    rng = np.random.default_rng(11)
    series: dict[tuple[str, str], list[float]] = {("cpu", "time"): [35.5e-6, 33.8e-6, 34.5e-6, 35.5e-6]}
    pairs = []
    for i in range(6):
        levels = (np.exp(rng.normal(0, 0.5, 5)) * 3e-4).tolist()
        series[(f"io{i}", "time")] = levels[:4]
        base = [(rng.lognormal(0, 0.01, 10) * levels[3]).tolist()]
        pairs.append(mpair(base, (rng.lognormal(0, 0.01, 10) * levels[4]).tolist(), name=f"io{i}"))
    spreads = history_spreads(series)
    assert spreads[("cpu", "time")].benchmarks == 1 and spreads[("cpu", "time")].df == 2
    cpu_base = [(rng.lognormal(0, 0.02, 10) * 35.5e-6).tolist()]
    pairs.append(mpair(cpu_base, rng.lognormal(math.log(181e-6), 0.02, 10).tolist(), name="cpu"))
    cpu = next(v for v in compare_suite(pairs, spreads=spreads).verdicts if v.benchmark.name == "cpu")
    assert (cpu.status, cpu.method) == (Status.REGRESSION, f"mann-whitney+hodges-lehmann+{HISTORY_T}")


def test_the_degrees_of_freedom_of_a_history_spread_never_fall_as_it_grows() -> None:
    dfs = [
        history_spreads({("b", "time"): np.exp(np.arange(n + 1) % 2 * 0.01).tolist()})[("b", "time")].df
        for n in range(2, 40)
    ]
    # at least 2 from the shortest history on (never a Cauchy tail), then 0.29 per difference
    assert dfs[:6] == [2, 2, 2, 2, 2, 2] and dfs[-1] == 11 and dfs == sorted(dfs)


# --- case 12: wall time moved, CPU time did not ----------------------------------------------------


def test_a_wall_time_regression_without_cpu_time_says_the_machine_may_be_contended() -> None:
    base_t, cur_t = drifted(6, 1.0), drifted(7, 1.8)
    base_c, cur_c = drifted(8, 0.5), drifted(9, 0.501)
    pairs = [mpair([base_t], cur_t), mpair([base_c], cur_c, metric="cpu_time")]
    wall = next(v for v in compare_suite(pairs).verdicts if v.metric == "time")
    assert wall.status is Status.REGRESSION
    assert wall.reason is not None and "cpu_time did not move" in wall.reason
    both = [mpair([base_t], cur_t), mpair([base_c], (np.asarray(cur_c) * 1.8).tolist(), metric="cpu_time")]
    wall = next(v for v in compare_suite(both).verdicts if v.metric == "time")
    assert wall.status is Status.REGRESSION and (wall.reason is None or "cpu_time" not in wall.reason)


@pytest.mark.parametrize("spread", [-0.1, math.inf])
def test_a_run_spread_validates(spread: float) -> None:
    with pytest.raises(ValueError, match="spread"):
        RunSpread(spread, 1, 1, 1)


medians = st.lists(st.floats(min_value=1e-3, max_value=1e3, allow_nan=False), min_size=3, max_size=12)


@settings(max_examples=60, deadline=None)
@given(medians, medians, st.floats(min_value=1e-3, max_value=1e3))
def test_history_spreads_ignore_units_and_order(a: list[float], b: list[float], scale: float) -> None:
    series = {("a", "time"): a, ("b", "time"): b}
    spreads = history_spreads(series)
    scaled = history_spreads({k: [x * scale for x in v] for k, v in series.items()})
    reversed_ = history_spreads({k: v[::-1] for k, v in series.items()})
    for key, s in spreads.items():
        assert s.spread >= 0 and s.df >= 1
        assert scaled[key].spread == pytest.approx(s.spread, rel=1e-6, abs=1e-9)
        assert reversed_[key].spread == pytest.approx(s.spread, rel=1e-9, abs=1e-12)


def test_a_baseline_of_several_runs_with_history_names_the_spread_once_in_one_part() -> None:
    # The reason read "baseline of 3 runs, run-to-run spread 5.5%; run-to-run spread 5.5% (pooled ...)",
    # which reports split at "; " into two lines saying the same number.
    history = RunSpread(spread=0.02, df=20, differences=60, benchmarks=15)
    base = [drifted(s, 1.0 + s / 100) for s in (1, 2, 3)]
    v = compare_pair(mpair(base, drifted(4, 3.0)), history=history)
    assert v.status is Status.REGRESSION and v.reason is not None
    assert v.reason.count("run-to-run spread") == 2 and "; run-to-run" not in v.reason
    assert "judged against the larger of their own run-to-run spread and the testbed's" in v.reason
