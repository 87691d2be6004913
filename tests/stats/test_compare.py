"""Verdicts on literal inputs with known answers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from perfgate.model import BenchmarkId, Direction, Result, Status
from perfgate.stats import (
    HL_MANN_WHITNEY,
    RATIO_OF_MEDIANS,
    RUN_LEVEL,
    CompareSettings,
    MetricPair,
    compare_pair,
    compare_suite,
    verdict_sort_key,
)

from .builders import pair, result, summary_only

BASE = [1.00, 1.02, 0.99, 1.01, 1.03, 0.98, 1.00, 1.01, 0.99, 1.02]


def test_default_method_is_named_in_settings_and_verdicts() -> None:
    assert CompareSettings().method == HL_MANN_WHITNEY
    v = compare_pair(pair(BASE, BASE))
    assert v.method == HL_MANN_WHITNEY


def test_clear_doubling_is_a_regression_with_interval_around_plus_100_percent() -> None:
    v = compare_pair(pair(BASE, [2 * x for x in BASE]))
    assert v.status is Status.REGRESSION
    assert v.change == pytest.approx(1.0, abs=0.01)
    assert v.change_low is not None and v.change_high is not None
    assert 0.9 < v.change_low <= 1.0 <= v.change_high < 1.1
    assert v.p_value is not None and v.p_value < 0.001


def test_identical_samples_are_unchanged() -> None:
    v = compare_pair(pair(BASE, BASE, threshold=0.05))
    assert v.status is Status.UNCHANGED
    assert v.change == 0.0
    assert v.reason is None
    # At 1% the same data cannot rule out a 1% change: the interval is about ±2%.
    tight = compare_pair(pair(BASE, BASE, threshold=0.01))
    assert tight.status is Status.INCONCLUSIVE
    assert tight.reason is not None and "more samples would narrow it" in tight.reason


def test_halving_is_an_improvement_and_direction_flips_it() -> None:
    assert compare_pair(pair(BASE, [x / 2 for x in BASE])).status is Status.IMPROVEMENT
    higher = pair(BASE, [x / 2 for x in BASE], direction=Direction.HIGHER)
    v = compare_pair(higher)
    assert v.status is Status.REGRESSION
    assert v.change == pytest.approx(-0.5, abs=0.01)


def test_small_noisy_difference_is_inconclusive_with_a_reason() -> None:
    rng = np.random.default_rng(1)
    base = rng.lognormal(0, 0.05, 8).tolist()
    cur = (rng.lognormal(0, 0.05, 8) * 1.02).tolist()
    v = compare_pair(pair(base, cur))
    assert v.status is Status.INCONCLUSIVE
    assert v.reason is not None and "threshold" in v.reason


def test_too_few_samples_is_inconclusive_not_a_guess() -> None:
    v = compare_pair(pair(BASE, [2.0, 2.1, 2.2]))
    assert v.status is Status.INCONCLUSIVE
    assert v.reason is not None and v.reason.startswith("only 3 samples in the current run, need 5 ")
    v = compare_pair(pair([1.0, 1.1], BASE))
    assert v.reason is not None and v.reason.startswith("only 2 samples in the baseline, need 5 ")
    assert compare_pair(pair([1.0, 1.1], BASE), CompareSettings(min_samples=2)).status is not None


def test_missing_failed_and_new() -> None:
    assert compare_pair(pair(BASE, None)).status is Status.MISSING
    failed = Result(BenchmarkId("bench"), "time", "s", Direction.LOWER, error="ZeroDivisionError")
    v = compare_pair(pair(BASE, failed))
    assert (v.status, v.reason) == (Status.FAILED, "ZeroDivisionError")
    new = MetricPair(BenchmarkId("bench"), "time", "s", Direction.LOWER, (), result(BASE), 0.01)
    assert compare_pair(new).status is Status.NEW


def test_summary_only_results_fall_back_to_labelled_ratio_of_medians() -> None:
    p = pair([summary_only(1.0)], summary_only(1.5))
    v = compare_pair(p)
    assert v.status is Status.REGRESSION
    assert v.method == RATIO_OF_MEDIANS
    assert v.change == pytest.approx(0.5)
    assert v.reason is not None and "no samples" in v.reason
    assert v.p_value is None


def test_summary_only_with_several_baseline_runs_uses_the_run_level_test() -> None:
    base = [summary_only(m) for m in (1.00, 1.01, 0.99, 1.00, 1.02)]
    v = compare_pair(pair(base, summary_only(1.5)))
    assert v.method == RUN_LEVEL
    assert v.status is Status.REGRESSION
    v = compare_pair(pair(base, summary_only(1.005)))
    assert v.status in (Status.UNCHANGED, Status.INCONCLUSIVE)


def test_zero_medians_do_not_crash() -> None:
    v = compare_pair(pair([summary_only(0.0)], summary_only(0.0)))
    assert v.status is Status.UNCHANGED
    v = compare_pair(pair([summary_only(0.0)], summary_only(1.0)))
    assert v.status is Status.INCONCLUSIVE


def test_ratio_of_medians_method_is_still_available() -> None:
    settings = CompareSettings(method=RATIO_OF_MEDIANS)
    v = compare_pair(pair(BASE, [1.1 * x for x in BASE], threshold=0.05), settings)
    assert (v.status, v.method) == (Status.REGRESSION, RATIO_OF_MEDIANS)
    assert v.change == pytest.approx(0.1)


def test_run_to_run_drift_does_not_alarm_but_a_real_slowdown_does() -> None:
    rng = np.random.default_rng(5)
    # Five baseline runs whose levels drift by about 3%; within a run the CV is 0.5%.
    runs = [result((rng.lognormal(0, 0.005, 20) * f).tolist()) for f in (1.0, 1.03, 0.97, 1.02, 0.985)]
    drifted = (rng.lognormal(0, 0.005, 20) * 1.035).tolist()
    alone = compare_pair(pair(runs[-1:], drifted))
    assert alone.status is Status.REGRESSION  # the within-run test alone calls drift a change
    v = compare_pair(pair(runs, drifted))
    assert v.status is not Status.REGRESSION
    assert v.method == f"{HL_MANN_WHITNEY}+{RUN_LEVEL}"
    assert v.reason is not None and "run-to-run spread" in v.reason
    slow = compare_pair(pair(runs, (rng.lognormal(0, 0.005, 20) * 1.5).tolist()))
    assert slow.status is Status.REGRESSION


def test_holm_makes_the_suite_stricter_than_one_pair() -> None:
    rng = np.random.default_rng(11)
    target = pair(BASE[:6], [x * 1.04 for x in BASE[:6]], name="b00")
    alone = compare_pair(target)
    assert alone.status is Status.REGRESSION
    others = [
        pair(rng.lognormal(0, 0.01, 6).tolist(), rng.lognormal(0, 0.01, 6).tolist(), name=f"b{i:02d}")
        for i in range(1, 20)
    ]
    suite = compare_suite([target, *others])
    v = next(v for v in suite.verdicts if v.benchmark.name == "b00")
    assert v.status is Status.INCONCLUSIVE
    assert v.reason is not None and "after Holm" in v.reason
    assert v.p_value is not None and alone.p_value is not None and v.p_value > alone.p_value
    loose = compare_suite([target, *others], CompareSettings(multiplicity="none"))
    assert next(v for v in loose.verdicts if v.benchmark.name == "b00").status is Status.REGRESSION


def test_noisy_benchmarks_carry_a_remedy() -> None:
    rng = np.random.default_rng(2)
    base = rng.lognormal(0, 0.3, 20).tolist()
    v = compare_pair(pair(base, rng.lognormal(0, 0.3, 20).tolist()))
    assert v.reason is not None
    assert "noisy: CV" in v.reason and "more rounds or process isolation" in v.reason


def test_suite_is_sorted_worst_first_and_has_a_geomean() -> None:
    pairs = [
        pair(BASE, BASE, name="same", threshold=0.05),
        pair(BASE, [2 * x for x in BASE], name="slow"),
        pair(BASE, None, name="gone"),
    ]
    suite = compare_suite(pairs)
    assert [v.benchmark.name for v in suite.verdicts] == ["slow", "gone", "same"]
    assert suite.verdicts == tuple(sorted(suite.verdicts, key=verdict_sort_key))
    assert suite.geomean is not None and suite.geomean.count == 2
    assert suite.geomean.ratio == pytest.approx(math.sqrt(2.0), rel=0.01)


def test_settings_are_validated() -> None:
    with pytest.raises(ValueError, match="unknown comparison method"):
        CompareSettings(method="vibes")
    with pytest.raises(ValueError, match="machine_shift"):
        CompareSettings(machine_shift="panic")
    with pytest.raises(ValueError, match="min_samples"):
        CompareSettings(min_samples=0)
    with pytest.raises(ValueError, match="alpha"):
        CompareSettings(alpha=1.5)


def test_run_level_test_known_answer_and_pooling() -> None:
    from scipy import stats as sps

    from perfgate.stats import run_level_test
    from perfgate.stats.runlevel import pool_spreads

    medians = [1.0, math.exp(0.02), math.exp(-0.02)]
    r = run_level_test(medians, math.exp(0.1))
    se = 0.02 * math.sqrt(1 + 1 / 3)
    assert r.shift == pytest.approx(0.1)
    assert r.spread == pytest.approx(0.02)
    assert r.p_up == pytest.approx(sps.t.sf(0.1 / se, 2))
    assert r.p_value == pytest.approx(2 * sps.t.sf(0.1 / se, 2))
    assert r.low < r.shift < r.high
    # A suite-wide spread with many degrees of freedom narrows the interval when it is not smaller.
    pooled = run_level_test(medians, math.exp(0.1), pooled=(0.021, 60))
    assert pooled.p_up < r.p_up and pooled.high - pooled.low < r.high - r.low
    # A benchmark noisier than the suite keeps its own spread.
    assert run_level_test(medians, math.exp(0.1), pooled=(0.001, 60)) == r
    assert pool_spreads([(0.01, 4), (0.03, 4)]) == pytest.approx((math.sqrt(0.0005), 8))
    with pytest.raises(ValueError, match="positive"):
        run_level_test([1.0, 0.0], 1.0)


def test_suite_pools_run_to_run_spread_so_a_real_slowdown_shows() -> None:
    rng = np.random.default_rng(8)
    pairs = []
    for i in range(12):
        runs = [result((rng.lognormal(0, 0.005, 15) * rng.lognormal(0, 0.02)).tolist()) for _ in range(4)]
        factor = rng.lognormal(0, 0.02) * (1.25 if i == 0 else 1.0)
        pairs.append(pair(runs, (rng.lognormal(0, 0.005, 15) * factor).tolist(), name=f"b{i:02d}"))
    suite = compare_suite(pairs, CompareSettings(machine_shift="ignore"))
    by_name = {v.benchmark.name: v for v in suite.verdicts}
    assert by_name["b00"].status is Status.REGRESSION
    assert [v.benchmark.name for v in suite.verdicts if v.status is Status.REGRESSION] == ["b00"]
    assert by_name["b00"].method == f"{HL_MANN_WHITNEY}+{RUN_LEVEL}"
