"""Samples as the best of interleaved rounds: group sizes, picks, and what a slow stretch does to them."""

from __future__ import annotations

import statistics

import pytest
from hypothesis import given
from hypothesis import strategies as st

from perfgate.measure.spread import MIN_SAMPLES, best_of_spread, sample_groups


def test_group_count_aims_at_the_group_size_but_keeps_a_minimum_of_samples() -> None:
    assert sample_groups(0) == 0
    assert sample_groups(5) == 5  # fewer rounds than the minimum: every round is a sample
    assert sample_groups(200) == MIN_SAMPLES  # 200 // 128 = 1, raised to the minimum
    assert sample_groups(12_800) == 100
    assert sample_groups(12_800, group=1) == 12_800
    with pytest.raises(ValueError, match="rounds per sample must be >= 1"):
        sample_groups(10, group=0)


def test_each_sample_is_the_best_of_rounds_taken_across_the_whole_measurement() -> None:
    values = [float(v) for v in range(40)]  # rounds in time order
    samples = best_of_spread(values, group=4, min_samples=2)
    # 40 // 4 = 10 groups: group j holds rounds j, j + 10, j + 20, j + 30 and gives the smallest
    assert samples == tuple(float(j) for j in range(10))
    rates = best_of_spread(values, group=4, min_samples=2, higher=True)
    assert rates == tuple(float(j + 30) for j in range(10))


def test_few_rounds_or_group_one_leave_the_rounds_as_they_are() -> None:
    assert best_of_spread([3.0, 1.0, 2.0]) == (3.0, 1.0, 2.0)
    values = [float(v % 7) for v in range(1000)]
    assert best_of_spread(values, group=1) == tuple(values)


def test_a_slow_stretch_moves_the_median_of_rounds_but_not_the_samples() -> None:
    # 1000 rounds of 1.00 (machine fast) with a stretch of 700 consecutive rounds at 1.70 (machine slow):
    # the median of the rounds lands in the slow state, every sample still sees a fast moment.
    fast, slow = 1.0, 1.7
    rounds = [fast] * 150 + [slow] * 700 + [fast] * 150
    assert statistics.median(rounds) == slow
    samples = best_of_spread(rounds, group=100)
    assert len(samples) == MIN_SAMPLES
    assert statistics.median(samples) == fast


@given(st.lists(st.floats(min_value=0.0, max_value=1e3), min_size=0, max_size=600), st.integers(1, 200))
def test_the_best_round_is_a_sample_and_the_count_follows_the_rule(values: list[float], group: int) -> None:
    samples = best_of_spread(values, group)
    if not values:
        assert samples == ()
        return
    assert min(samples) == min(values)
    assert len(samples) == (len(values) if len(values) <= MIN_SAMPLES else sample_groups(len(values), group))
