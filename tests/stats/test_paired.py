"""Paired-block comparison of interleaved A/B data: known answers, properties, and the suite verdicts."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perfgate.model import BenchmarkId, Direction, Result, Status
from perfgate.stats import (
    PAIRED_BLOCKS,
    CompareSettings,
    MetricPair,
    block_log_ratios,
    compare_pair,
    compare_suite,
    paired_change,
    signed_rank,
    summarize,
)

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# known answers -------------------------------------------------------------------------------------------
def test_signed_rank_exact_known_values() -> None:
    # All 5 ratios positive: W+ = 15, the largest of 2^5 equally likely sign patterns.
    w, p_up, p_down = signed_rank([0.1, 0.2, 0.3, 0.4, 0.5])
    assert w == 15.0
    assert p_up == pytest.approx(1 / 32)
    assert p_down == pytest.approx(1.0)
    # Signs +,-,+ on ranks 1,2,3: W+ = 4; P(W+ >= 4) = 3/8 and P(W+ <= 4) = 6/8 for n = 3.
    w, p_up, p_down = signed_rank([0.1, -0.2, 0.3])
    assert w == 4.0
    assert p_up == pytest.approx(3 / 8)
    assert p_down == pytest.approx(6 / 8)


def test_signed_rank_drops_zeros_and_handles_ties() -> None:
    assert signed_rank([0.0, 0.0]) == (0.0, 1.0, 1.0)
    w, p_up, p_down = signed_rank([0.0, 0.1, 0.1, 0.1, -0.1, 0.2, 0.3, 0.3, 0.4])
    assert w == pytest.approx(3 * 2.5 + 5 + 6.5 * 2 + 8)  # the four |0.1| share ranks 1-4
    assert 0 < p_up < 0.05 < p_down <= 1


def test_signed_rank_rejects_empty_and_non_finite() -> None:
    with pytest.raises(ValueError, match="at least one"):
        signed_rank([])
    with pytest.raises(ValueError, match="finite"):
        signed_rank([0.1, math.inf])


def test_paired_change_known_answer() -> None:
    # Walsh averages of (1, 2, 3): 1, 1.5, 2, 2, 2.5, 3 -> median 2. n = 3 is too few for 95%.
    pc = paired_change([1.0, 2.0, 3.0])
    assert pc.estimate == 2.0
    assert pc.low is None and pc.high is None
    assert pc.blocks == 3
    # n = 6 at 95%: P(W+ <= 0) = 1/64 <= 0.025 < P(W+ <= 1) = 2/64, so the interval is the extreme
    # Walsh averages: [min, max].
    d = [0.01, 0.02, 0.03, 0.04, 0.05, 0.06]
    pc = paired_change(d)
    assert pc.low == pytest.approx(0.01) and pc.high == pytest.approx(0.06)
    assert pc.estimate == pytest.approx(0.035)
    assert pc.p_up == pytest.approx(1 / 64)


def test_paired_change_matches_the_normal_approximation_for_many_blocks() -> None:
    rng = np.random.default_rng(3)
    d = rng.normal(0.02, 0.05, 600)  # beyond the exact table: the normal approximation
    pc = paired_change(d)
    assert pc.low is not None and pc.high is not None
    assert pc.low < pc.estimate < pc.high
    assert pc.low < 0.02 < pc.high
    assert pc.p_up < 1e-6 < pc.p_down


def test_block_log_ratios_pair_blocks_by_number() -> None:
    base = [1.0, 3.0, 2.0, 2.0, 5.0]
    base_blocks = [0, 0, 1, 1, 2]
    cur = [2.0, 2.0, 4.0, 4.0]
    cur_blocks = [0, 0, 1, 1]  # block 2 only on base: left out
    r = block_log_ratios(base, base_blocks, cur, cur_blocks)
    assert r == pytest.approx((0.0, math.log(2.0)))


def test_block_log_ratios_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="block"):
        block_log_ratios([1.0, 2.0], [0], [1.0], [0])
    with pytest.raises(ValueError, match="positive"):
        block_log_ratios([1.0, 0.0], [0, 0], [1.0], [0])


# properties ---------------------------------------------------------------------------------------------
ratios = st.lists(st.floats(-0.5, 0.5, allow_nan=False, allow_subnormal=False), min_size=1, max_size=40)


@FAST
@given(ratios)
def test_negating_the_ratios_mirrors_the_result(d: list[float]) -> None:
    a, b = paired_change(d), paired_change([-x for x in d])
    assert b.estimate == -a.estimate
    assert (a.low is None) == (b.high is None)
    if a.low is not None and a.high is not None:
        assert b.high == -a.low and b.low == -a.high
    assert b.p_up == pytest.approx(a.p_down) and b.p_down == pytest.approx(a.p_up)


@FAST
@given(ratios)
def test_paired_change_is_deterministic_and_ordered(d: list[float]) -> None:
    a = paired_change(d)
    assert a == paired_change(list(d))
    assert a == paired_change(list(reversed(d)))  # block order does not matter to the test
    if a.low is not None and a.high is not None:
        assert a.low <= a.estimate <= a.high
    assert 0 <= a.p_up <= 1 and 0 <= a.p_down <= 1


def _blocks(values: list[float], per_block: int) -> list[int]:
    return [i // per_block for i in range(len(values))]


samples = st.lists(st.floats(1e-6, 1e3, allow_nan=False), min_size=2, max_size=40)


@FAST
@given(samples, samples, st.sampled_from([1e-9, 0.5, 3.0, 1e6]))
def test_block_ratios_are_scale_invariant(base: list[float], cur: list[float], k: float) -> None:
    bb, cb = _blocks(base, 2), _blocks(cur, 2)
    plain = block_log_ratios(base, bb, cur, cb)
    scaled = block_log_ratios([x * k for x in base], bb, [x * k for x in cur], cb)
    assert scaled == pytest.approx(plain, abs=1e-9)


@FAST
@given(samples, samples)
def test_swapping_the_sides_negates_the_ratios(base: list[float], cur: list[float]) -> None:
    bb, cb = _blocks(base, 2), _blocks(cur, 2)
    assert block_log_ratios(cur, cb, base, bb) == pytest.approx(
        [-x for x in block_log_ratios(base, bb, cur, cb)], abs=1e-12
    )


# the suite: compare_suite with paired_blocks ---------------------------------------------------------------
def _ab_pair(
    name: str, change: float, seed: int, blocks: int = 40, threshold: float = 0.01, drift: float = 0.3
) -> MetricPair:
    """An interleaved pair: 2 rounds per side per block, a shared drift per block, small own noise."""
    rng = random.Random(seed)
    base: list[float] = []
    cur: list[float] = []
    ids: list[int] = []
    for k in range(blocks):
        level = math.exp(rng.gauss(0, drift))  # the machine's state during block k: both sides share it
        for _ in range(2):
            base.append(level * math.exp(rng.gauss(0, 0.01)))
            cur.append(level * (1 + change) * math.exp(rng.gauss(0, 0.01)))
            ids.append(k)

    def res(values: list[float]) -> Result:
        return Result(BenchmarkId(name), "time", "s", Direction.LOWER, summarize(values), tuple(values),
                      extra={"mode": "ab", "interleaved": True, "blocks": list(ids)})  # fmt: skip

    return MetricPair(BenchmarkId(name), "time", "s", Direction.LOWER, (res(base),), res(cur), threshold)


PAIRED = CompareSettings(machine_shift="ignore", paired_blocks=True)


def test_paired_blocks_see_through_shared_drift() -> None:
    # A 30% block-to-block drift swamps a 5% slowdown for a two-sample test; the block ratios do not.
    slow = _ab_pair("slow", 0.05, seed=1)
    same = _ab_pair("same", 0.0, seed=2)
    v_slow = compare_pair(slow, PAIRED)
    v_same = compare_pair(same, PAIRED)
    assert v_slow.method == PAIRED_BLOCKS and v_slow.status is Status.REGRESSION
    assert v_slow.change == pytest.approx(0.05, abs=0.01)
    assert v_same.status is Status.UNCHANGED
    assert v_same.change_low is not None and v_same.change_high is not None
    assert -0.01 <= v_same.change_low <= v_same.change_high <= 0.01
    unpaired = compare_pair(slow, CompareSettings(machine_shift="ignore"))
    assert unpaired.status is not Status.REGRESSION  # the rank test over all rounds cannot tell
    assert "paired blocks" in (v_same.reason or "")


def test_paired_blocks_off_keeps_the_existing_method() -> None:
    p = _ab_pair("x", 0.05, seed=5, drift=0.0)
    assert compare_pair(p, CompareSettings()).method != PAIRED_BLOCKS


def test_pairs_without_blocks_fall_back_to_the_two_sample_test() -> None:
    p = _ab_pair("x", 0.05, seed=5, drift=0.0)
    assert p.current is not None
    plain = MetricPair(p.benchmark, p.metric, p.unit, p.direction,
                       tuple(Result(r.benchmark, r.metric, r.unit, r.direction, r.summary, r.samples)
                             for r in p.baseline), p.current, p.threshold)  # fmt: skip
    assert compare_pair(plain, PAIRED).method != PAIRED_BLOCKS


def test_too_few_blocks_is_inconclusive_with_its_reason() -> None:
    v = compare_pair(_ab_pair("few", 0.2, seed=3, blocks=3), PAIRED)
    assert v.status is Status.INCONCLUSIVE
    assert v.reason is not None and "only 3 paired blocks" in v.reason


def test_holm_across_the_suite_and_determinism() -> None:
    pairs = [_ab_pair(f"b{i}", 0.05 if i == 0 else 0.0, seed=10 + i) for i in range(5)]
    a = compare_suite(pairs, PAIRED)
    assert a == compare_suite(pairs, PAIRED)
    status = {v.benchmark.name: v.status for v in a.verdicts}
    assert status["b0"] is Status.REGRESSION
    assert all(status[f"b{i}"] is not Status.REGRESSION for i in range(1, 5))
    assert all(v.method == PAIRED_BLOCKS for v in a.verdicts)


def test_false_alarm_rate_on_identical_suites_is_controlled() -> None:
    # 200 identical five-benchmark suites at a 0% threshold (so only the test decides): Holm at 5%
    # keeps suites with any regression at about 5% or fewer.
    zero = CompareSettings(machine_shift="ignore", paired_blocks=True)
    alarms = 0
    for s in range(200):
        pairs = [_ab_pair(f"b{i}", 0.0, seed=1000 * s + i, blocks=20, threshold=0.0) for i in range(5)]
        suite = compare_suite(pairs, zero)
        alarms += any(v.status is Status.REGRESSION for v in suite.verdicts)
    assert alarms <= 20
