"""The pure planning rules of perfgate ab: turn order, chunking, time shares, iteration counts."""

from __future__ import annotations

import pytest

from perfgate.ab import (
    block_order,
    chunk_rounds,
    common_order,
    episode_shifts,
    plan_benchmark,
    side_seconds,
    slice_models,
    slice_order,
)
from perfgate.load import ClosedModel, OpenModel, Stage


def test_block_order_is_seeded_and_reproducible() -> None:
    assert block_order(7, 50) == block_order(7, 50)
    assert block_order(7, 50) != block_order(8, 50)
    assert block_order(3, 0) == ()


def test_every_block_is_abba_or_baab() -> None:
    order = block_order(1, 200)
    assert len(order) == 800
    blocks = {order[i : i + 4] for i in range(0, len(order), 4)}
    assert blocks == {("base", "head", "head", "base"), ("head", "base", "base", "head")}


def test_each_side_goes_first_about_half_the_time() -> None:
    order = block_order(0, 1000)
    base_first = sum(order[i] == "base" for i in range(0, len(order), 4))
    assert 400 < base_first < 600  # a fair coin, not one side always first
    assert order.count("base") == order.count("head") == 2000


def test_block_order_rejects_negative_counts() -> None:
    with pytest.raises(ValueError, match="blocks"):
        block_order(0, -1)


@pytest.mark.parametrize(
    ("round_s", "expected"),
    [(0.001, 5), (0.0001, 50), (0.00001, 50), (0.004, 1), (0.5, 1), (0.0, 1), (float("nan"), 1)],
)
def test_chunk_rounds_fills_a_short_turn(round_s: float, expected: int) -> None:
    assert chunk_rounds(round_s, chunk_seconds=0.005, most=50) == expected


def test_side_seconds_shares_what_is_left_of_the_budget() -> None:
    assert side_seconds(0.5, None, 10, 2) == 0.5
    assert side_seconds(0.5, 100.0, 10, 2) == 0.5  # plenty of budget: the tier's max_time
    assert side_seconds(0.5, 4.0, 10, 2) == pytest.approx(0.2)
    assert side_seconds(0.5, -3.0, 10, 2) == 0.0  # spent: the minimum rounds still run
    assert side_seconds(0.5, 4.0, 0, 2) == 0.5


def test_plan_uses_the_same_iterations_on_both_sides() -> None:
    # base calibrated to 10 iterations of 10 µs, head to 30 of 12 µs: both run max(...) iterations
    plan = plan_benchmark([(10, 10e-6), (30, 12e-6)], seconds=0.0)
    assert plan.iterations == 30
    assert plan.warmup_seconds == 0.0


def test_plan_lengthens_rounds_to_about_the_target_count() -> None:
    plan = plan_benchmark([(10, 1e-6), (10, 1e-6)], seconds=0.3, target_rounds=300, chunk_seconds=0.005)
    assert plan.iterations == 1000  # 1 ms rounds: 300 of them fill 0.3 s
    assert plan.rounds_per_turn == 5  # 5 ms turns
    assert plan.warmup_seconds == pytest.approx(0.03)
    assert plan.min_rounds <= plan.max_rounds


def test_plan_keeps_a_slow_function_at_one_call_per_round() -> None:
    plan = plan_benchmark([(1, 0.5), (1, 0.6)], seconds=1.0)
    assert plan.iterations == 1
    assert plan.rounds_per_turn == 1


def test_plan_needs_a_calibration() -> None:
    with pytest.raises(ValueError, match="calibration"):
        plan_benchmark([], seconds=1.0)


def test_common_order_keeps_heads_order_then_the_one_sided() -> None:
    both, head_only, base_only = common_order(["a", "b", "c", "x"], ["c", "new", "a", "b"])
    assert both == ["c", "a", "b"]
    assert head_only == ["new"]
    assert base_only == ["x"]


def test_episode_shifts_are_seeded_and_start_at_zero() -> None:
    shifts = episode_shifts(5, 12)
    assert shifts == episode_shifts(5, 12)
    assert shifts != episode_shifts(6, 12)
    assert len(shifts) == 12 and shifts[0] == 0
    assert all(1 <= s <= 4096 for s in shifts[1:])
    assert len(set(shifts[1:])) > 5  # episodes land on different layouts
    assert episode_shifts(1, 0) == ()
    with pytest.raises(ValueError):
        episode_shifts(1, -1)


def test_slice_order_gives_each_side_its_slices_in_adjacent_pairs() -> None:
    for seed in range(20):
        for slices in (1, 2, 5, 10):
            order = slice_order(seed, slices)
            assert [k for s, k in order if s == "base"] == list(range(slices))
            assert [k for s, k in order if s == "head"] == list(range(slices))
            # base's slice k and head's slice k are next to each other (ABBA: A0 B0 B1 A1)
            for k in range(slices):
                i, j = order.index(("base", k)), order.index(("head", k))
                assert abs(i - j) == 1, (seed, slices, order)
    assert slice_order(3, 10) == slice_order(3, 10)
    assert {slice_order(s, 10) for s in range(10)} != {slice_order(0, 10)}  # the seed picks ABBA or BAAB
    with pytest.raises(ValueError, match="slices"):
        slice_order(0, 0)


def test_an_open_models_duration_is_shared_out_and_every_slice_warms_up() -> None:
    parts = slice_models(OpenModel(rate=100.0, duration=3.0, warmup=0.5, connections=8), 4)
    assert [m.duration for m in parts] == [0.75] * 4
    assert [m.warmup for m in parts] == [0.5] * 4  # each slice against freshly started services
    assert all(isinstance(m, OpenModel) and m.rate == 100.0 and m.connections == 8 for m in parts)


def test_a_closed_models_requests_or_duration_are_shared_out() -> None:
    parts = slice_models(ClosedModel(users=3, requests=10, think=0.01, warmup=1.0), 4)
    assert [m.requests for m in parts] == [3, 3, 2, 2]
    assert [m.warmup for m in parts] == [1.0] * 4
    assert all(isinstance(m, ClosedModel) and m.users == 3 and m.think == 0.01 for m in parts)
    timed = slice_models(ClosedModel(users=2, duration=2.0), 5)
    assert [m.duration for m in timed] == [0.4] * 5


def test_what_cannot_be_sliced_says_why() -> None:
    with pytest.raises(ValueError, match="ramp stages"):
        slice_models(OpenModel(rate=10.0, stages=(Stage(1.0, 20.0),)), 2)
    with pytest.raises(ValueError, match="3 request"):
        slice_models(ClosedModel(users=1, requests=3), 4)
