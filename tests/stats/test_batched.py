"""The batched rank tests give exactly what the per-benchmark definition gives (hypothesis).

:func:`perfgate.stats.ranktest.rank_tests` computes the Hodges-Lehmann shift and the Mann-Whitney
p-values of many pairs at once; :func:`rank_test` is the definition, one pair at a time. Equality here is
``repr`` equality: every float to the last bit (and NaN equal to NaN, -0.0 unequal to 0.0).
"""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perfgate.model import BenchmarkId, Direction, Result
from perfgate.stats import MACHINE_SHIFT_MODES, CompareSettings, MetricPair, compare_suite
from perfgate.stats import compare as compare_module
from perfgate.stats.ranktest import rank_test, rank_tests

from .builders import result, summary_only

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Few distinct values (ties within and across the sides), continuous values, and the float range's ends
# (ratios that overflow to inf and medians of -inf and inf, which are NaN).
_ordinary = st.one_of(st.sampled_from([1.0, 1.5, 2.0, 3.0, 7.0]), st.floats(min_value=1e-3, max_value=1e3))
_value = st.one_of(_ordinary, st.sampled_from([5e-324, 1e-300, 1e300, 1.7e308]))
# Sizes from a small set, so that many pairs share (m, n) and are computed in one block.
_samples = st.integers(min_value=1, max_value=9).flatmap(lambda k: st.lists(_value, min_size=k, max_size=k))
# A suite's values stay within a few orders of magnitude: its geometric mean of changes must be a float.
_moderate = st.integers(min_value=1, max_value=9).flatmap(
    lambda k: st.lists(_ordinary, min_size=k, max_size=k)
)


@SETTINGS
@given(st.lists(st.tuples(_samples, _samples), min_size=1, max_size=40), st.sampled_from([0.8, 0.9, 0.95]))
def test_rank_tests_equal_the_per_pair_definition_to_the_last_bit(
    pairs: list[tuple[list[float], list[float]]], confidence: float
) -> None:
    batched = rank_tests(pairs, confidence)
    one_by_one = [rank_test(x, y, confidence) for x, y in pairs]
    assert repr(batched) == repr(one_by_one)


def test_rank_tests_of_large_or_bad_pairs_take_the_per_pair_path_and_raise_as_it_does() -> None:
    big = ([1.0 + i / 100 for i in range(70)], [1.1 + i / 100 for i in range(70)])  # 4,900 value pairs
    small = ([1.0, 2.0, 3.0], [2.0, 3.0, 4.0])
    assert repr(rank_tests([big, small, big])) == repr([rank_test(*big), rank_test(*small), rank_test(*big)])
    with pytest.raises(ValueError, match="positive"):
        rank_tests([small, ([1.0, 0.0, 2.0], [1.0, 2.0, 3.0])])
    with pytest.raises(ValueError, match="non-empty"):
        rank_tests([small, ([], [1.0])])


def test_a_nan_sample_is_refused_before_any_statistic_sees_it() -> None:
    summary = result([1.0, 2.0]).summary
    with pytest.raises(ValueError, match="sample nan is not finite"):
        Result(BenchmarkId("b"), "time", "s", Direction.LOWER, summary, samples=(1.0, math.nan))


# A suite: per benchmark, 1-4 baseline runs (or none: new) and a current result (or none: missing),
# with zeros (no rank test), a single value (too few), summary-only results and exact repeats.
_side = st.one_of(
    _moderate.map(lambda xs: ("samples", xs)),
    st.lists(st.sampled_from([0.0, 1.0, 2.0]), min_size=1, max_size=6).map(lambda xs: ("samples", xs)),
    st.floats(min_value=0.5, max_value=2.0).map(lambda m: ("summary", [m])),
)


def _result(side: tuple[str, list[float]], name: str, direction: Direction) -> Result:
    kind, xs = side
    if kind == "summary":
        r = summary_only(xs[0], name=name)
        return Result(BenchmarkId(name), "time", r.unit, direction, r.summary)
    return result(xs, name, direction=direction)


@st.composite
def suites(draw: st.DrawFn) -> list[MetricPair]:
    pairs = []
    for i in range(draw(st.integers(min_value=1, max_value=12))):
        name = f"bench_{i}"
        direction = draw(st.sampled_from([Direction.LOWER, Direction.HIGHER]))
        base = tuple(_result(s, name, direction) for s in draw(st.lists(_side, max_size=4)))
        cur = draw(st.one_of(st.none(), _side))
        current = None if cur is None else _result(cur, name, direction)
        if not base and current is None:
            continue
        unit = "s" if direction is Direction.LOWER else "ops/s"
        threshold = draw(st.sampled_from([0.0, 0.01, 0.05, 0.2]))
        pairs.append(MetricPair(BenchmarkId(name), "time", unit, direction, base, current, threshold))
    return pairs


@SETTINGS
@given(
    suites(),
    st.sampled_from(MACHINE_SHIFT_MODES),
    st.sampled_from([1, 3, 5]),
    st.sampled_from([0.9, 0.95]),
)
def test_compare_suite_gives_the_per_benchmark_verdicts_to_the_last_bit(
    pairs: list[MetricPair], machine_shift: str, min_samples: int, confidence: float
) -> None:
    s = CompareSettings(
        min_samples=min_samples,
        confidence=confidence,
        machine_shift=machine_shift,
        machine_shift_min_benchmarks=2,
    )
    batched = compare_suite(pairs, s)
    with pytest.MonkeyPatch.context() as m:
        # the definition: each benchmark's rank tests on their own
        m.setattr(compare_module, "rank_tests", lambda xy, c: [rank_test(x, y, c) for x, y in xy])
        one_by_one = compare_suite(pairs, s)
    assert repr(batched) == repr(one_by_one)
