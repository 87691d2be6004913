"""Machine-wide shifts and the geometric-mean summary row."""

from __future__ import annotations

import math

import numpy as np
import pytest

from perfgate.model import BenchmarkId, Direction, Status, Verdict
from perfgate.stats import CompareSettings, MetricPair, compare_suite, detect_machine_shift, geomean_change

from .builders import pair


def whole_run(factor: float, k: int = 10, special: dict[int, float] | None = None) -> list[MetricPair]:
    """k benchmarks, every one ``factor`` times slower (or as ``special`` says), n = 20 a side."""
    rng = np.random.default_rng(42)
    pairs = []
    for i in range(k):
        f = (special or {}).get(i, factor)
        base = rng.lognormal(0, 0.01, 20)
        pairs.append(pair(base.tolist(), (rng.lognormal(0, 0.01, 20) * f).tolist(), name=f"b{i:02d}"))
    return pairs


INCONCLUSIVE = CompareSettings(machine_shift="inconclusive")


def test_by_default_a_whole_suite_slower_stays_regressions_with_one_note_and_its_remedy() -> None:
    # A change that touches every benchmark (a core data structure, an interpreter) looks like this.
    suite = compare_suite(whole_run(1.03, k=20))
    assert [v.status for v in suite.verdicts] == [Status.REGRESSION] * 20
    assert len(suite.notes) == 1
    note = suite.notes[0]
    assert note.startswith("the whole run is 3% slower (20 of 20 benchmarks moved together)")
    assert "`perfgate ab` (base and head interleaved on one machine) tells code from machine" in note
    assert all(v.reason is None or "whole run" not in v.reason for v in suite.verdicts)


def test_discounting_a_whole_run_slower_is_an_explicit_setting() -> None:
    suite = compare_suite(whole_run(1.35), INCONCLUSIVE)
    assert len(suite.notes) == 1
    note = suite.notes[0]
    assert note.startswith("the whole run is 35% slower")
    assert "tells code from machine" in note
    assert all(v.status is Status.INCONCLUSIVE for v in suite.verdicts)
    assert all(v.reason is not None and "the whole run is 35% slower" in v.reason for v in suite.verdicts)
    assert len(suite.shifts) == 1 and suite.shifts[0].change == pytest.approx(0.35, abs=0.01)


def test_a_benchmark_far_beyond_the_shift_is_still_a_regression() -> None:
    suite = compare_suite(whole_run(1.35, special={3: 3.0}), INCONCLUSIVE)
    statuses = {v.benchmark.name: v.status for v in suite.verdicts}
    assert statuses["b03"] is Status.REGRESSION
    assert sum(s is Status.INCONCLUSIVE for s in statuses.values()) == 9


def test_note_mode_keeps_the_regressions_and_ignore_mode_says_nothing() -> None:
    noted = compare_suite(whole_run(1.35), CompareSettings(machine_shift="note"))
    assert len(noted.notes) == 1
    assert all(v.status is Status.REGRESSION for v in noted.verdicts)
    ab = compare_suite(whole_run(1.35), CompareSettings(machine_shift="ignore"))
    assert ab.notes == () and ab.shifts == ()
    assert all(v.status is Status.REGRESSION for v in ab.verdicts)


def test_normalize_mode_judges_what_is_left_after_the_shift() -> None:
    suite = compare_suite(
        whole_run(1.35, special={3: 1.35 * 1.5}), CompareSettings(machine_shift="normalize")
    )
    by_name = {v.benchmark.name: v for v in suite.verdicts}
    assert by_name["b03"].status is Status.REGRESSION
    assert by_name["b03"].change == pytest.approx(0.5, abs=0.03)
    assert by_name["b00"].status is not Status.REGRESSION
    assert by_name["b00"].reason is not None and "run-wide shift of +35" in by_name["b00"].reason
    assert "dividing it out" in suite.notes[0]


def test_a_faster_machine_is_noted_too() -> None:
    suite = compare_suite(whole_run(0.8))
    assert suite.notes[0].startswith("the whole run is 20% faster")


def test_one_real_regression_is_not_a_machine_shift() -> None:
    suite = compare_suite(whole_run(1.0, special={0: 1.35}))
    assert suite.notes == ()
    assert next(v for v in suite.verdicts if v.benchmark.name == "b00").status is Status.REGRESSION


def test_detect_machine_shift_needs_enough_benchmarks_and_agreement() -> None:
    t = math.log1p(0.01)
    same = [(f"b{i}", math.log(1.3)) for i in range(5)]
    assert detect_machine_shift("time", same, t) is not None
    assert detect_machine_shift("time", same[:4], t) is None
    mixed = [*same[:3], ("x", 0.0), ("y", 0.0)]
    assert detect_machine_shift("time", mixed, t) is None
    small = [(f"b{i}", 0.005) for i in range(8)]
    assert detect_machine_shift("time", small, t) is None


def _v(change: float, direction: Direction = Direction.LOWER, status: Status = Status.UNCHANGED) -> Verdict:
    return Verdict(BenchmarkId("b"), "time", "s", direction, status, change=change)


def test_geomean_of_known_changes() -> None:
    g = geomean_change([_v(1.0), _v(-0.5)])  # x2 and x0.5 cancel
    assert g is not None and g.ratio == pytest.approx(1.0) and g.count == 2
    g = geomean_change([_v(0.1), _v(0.1), _v(0.1)])
    assert g is not None and g.ratio == pytest.approx(1.1)
    assert g.low == pytest.approx(1.1) and g.high == pytest.approx(1.1)
    g = geomean_change([_v(0.05), _v(0.15), _v(0.10)])
    assert g is not None and g.low is not None and g.high is not None
    assert g.low < g.ratio < g.high and g.change == pytest.approx(g.ratio - 1)


def test_geomean_orients_higher_is_better_and_skips_uncompared() -> None:
    g = geomean_change([_v(-0.5, Direction.HIGHER), _v(1.0)])  # throughput halved, time doubled: both x2
    assert g is not None and g.ratio == pytest.approx(2.0)
    assert geomean_change([_v(0.5, status=Status.NEW)]) is None
    assert geomean_change([]) is None
    single = Verdict(
        BenchmarkId("b"),
        "time",
        "s",
        Direction.LOWER,
        Status.REGRESSION,
        change=0.2,
        change_low=0.1,
        change_high=0.3,
    )
    g = geomean_change([single])
    assert g is not None and (g.low, g.ratio, g.high) == pytest.approx((1.1, 1.2, 1.3))


def test_a_whole_suite_shift_within_the_testbeds_run_to_run_spread_is_judged_by_the_run_level_test() -> None:
    from perfgate.stats import RunSpread

    pairs = whole_run(1.03, k=20)
    spread = RunSpread(spread=0.03, df=40, differences=140, benchmarks=20)
    suite = compare_suite(pairs, spreads={(p.benchmark.name, p.metric): spread for p in pairs})
    assert not any(v.status is Status.REGRESSION for v in suite.verdicts)
    assert all(v.method == "mann-whitney+hodges-lehmann+history-t" for v in suite.verdicts)
    assert len(suite.notes) == 1 and "moved together" in suite.notes[0]


def test_geomean_without_an_interval_when_its_end_is_beyond_the_float_range() -> None:
    # one change of 300 orders of magnitude and one of none: the mean is exp(345), the t-interval's
    # upper end exp(~4,700) is no float (this was an OverflowError, "internal error" in perfgate compare)
    g = geomean_change([_v(math.expm1(690.0)), _v(0.0)])
    assert g is not None and g.ratio == pytest.approx(math.exp(345.0)) and g.count == 2
    assert (g.low, g.high) == (None, None)
