"""The gate computed column by column gives, bit for bit, what the per-benchmark path gave (hypothesis).

``tests/stats/refsuite.py`` keeps the per-benchmark path as it was (each pair's rank tests on their
own, each analysis, decision and verdict one at a time through the checked constructors, the pairs
built one by one); :func:`perfgate.stats.compare_suite` and :func:`perfgate.gate.pair_results` now
recognise the common pair with a few checks, build analyses and verdicts field by field and decide
with fewer intermediate values. Equality is ``repr`` equality: every float to the last bit, every
reason, in the same order.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builders import bare_run
from perfgate.gate import Policy, ThresholdOverride, pair_results
from perfgate.model import BenchmarkId, Direction, Result, Run, Summary
from perfgate.stats import (
    HL_MANN_WHITNEY,
    MACHINE_SHIFT_MODES,
    RATIO_OF_MEDIANS,
    CompareSettings,
    MetricPair,
    RunSpread,
    compare_suite,
    holm,
    parse_severity_rules,
)
from perfgate.stats import compare as compare_module

from . import refsuite
from .builders import result

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# values with ties within and across the sides, continuous ones, and zeros (no rank test)
_value = st.one_of(st.sampled_from([1.0, 1.5, 2.0, 3.0, 7.0]), st.floats(min_value=1e-3, max_value=1e3))
_samples = st.integers(min_value=1, max_value=12).flatmap(lambda k: st.lists(_value, min_size=k, max_size=k))
_METRICS = (("time", Direction.LOWER), ("cpu_time", Direction.LOWER), ("ops", Direction.HIGHER))


@st.composite
def _side(draw: st.DrawFn, name: str, metric: str, direction: Direction) -> Result:
    kind = draw(
        st.sampled_from(["samples", "samples", "samples", "scaled", "repeat", "zeros", "summary", "failed"])
    )
    unit = "s" if direction is Direction.LOWER else "ops/s"
    if kind == "failed":
        return Result(BenchmarkId(name), metric, unit, direction, error="boom")
    if kind == "summary":
        m = draw(st.floats(min_value=0.5, max_value=2.0))
        return Result(
            BenchmarkId(name), metric, unit, direction, Summary(n=10, mean=m, median=m, min=m, max=m)
        )
    if kind == "repeat":  # every value the same: deterministic
        xs = [draw(st.sampled_from([1.0, 2.0, 4.0]))] * draw(st.integers(min_value=1, max_value=6))
    elif kind == "zeros":
        xs = draw(st.lists(st.sampled_from([0.0, 1.0, 2.0]), min_size=1, max_size=8))
    elif kind == "scaled":  # far from 1: big changes, machine-wide shifts
        factor = draw(st.sampled_from([0.5, 2.0, 1e3]))
        xs = [v * factor for v in draw(_samples)]
    else:
        xs = draw(_samples)
    r = result(xs, name, metric, direction)
    return Result(r.benchmark, metric, unit, direction, r.summary, samples=r.samples)


@st.composite
def suites(draw: st.DrawFn) -> list[MetricPair]:
    """1-15 benchmarks, each in one to three metrics, with 0-4 baseline runs (new), or none now
    (missing); failed, summary-only, repeating and zero values; thresholds from 0 to 20%."""
    pairs = []
    runs = draw(st.sampled_from([1, 1, 1, 2, 3, 4]))  # one baseline run is the common case
    for i in range(draw(st.integers(min_value=1, max_value=15))):
        name = f"bench_{i}"
        for metric, direction in draw(
            st.lists(st.sampled_from(_METRICS), min_size=1, max_size=3, unique=True)
        ):
            side = _side(name, metric, direction)
            count = draw(st.sampled_from([runs, runs, runs, 0, 1]))
            base = tuple(draw(side) for _ in range(count))
            current = draw(st.one_of(side, side, side, st.none()))
            if not base and current is None:
                continue
            unit = "s" if direction is Direction.LOWER else "ops/s"
            threshold = draw(st.sampled_from([0.0, 0.01, 0.05, 0.2]))
            pairs.append(MetricPair(BenchmarkId(name), metric, unit, direction, base, current, threshold))
    return pairs


compare_settings = st.builds(
    CompareSettings,
    method=st.sampled_from([HL_MANN_WHITNEY, HL_MANN_WHITNEY, RATIO_OF_MEDIANS]),
    min_samples=st.sampled_from([1, 3, 5]),
    alpha=st.sampled_from([0.05, 0.5]),
    confidence=st.sampled_from([0.9, 0.95]),
    multiplicity=st.sampled_from(["holm", "none"]),
    min_baseline_runs=st.sampled_from([2, 3]),
    machine_shift=st.sampled_from(MACHINE_SHIFT_MODES),
    machine_shift_min_benchmarks=st.sampled_from([2, 5]),
    noisy_cv=st.sampled_from([0.01, 0.1]),
    severity_rules=st.sampled_from(
        [(), parse_severity_rules("critical: change > 10% and p < 0.05; minor: change > 1%")]
    ),
    paired_blocks=st.booleans(),
)


@SETTINGS
@given(suites(), compare_settings, st.booleans())
def test_compare_suite_gives_the_per_benchmark_path_s_verdicts_to_the_last_bit(
    pairs: list[MetricPair], s: CompareSettings, with_history: bool
) -> None:
    spreads = (
        {(p.benchmark.name, p.metric): RunSpread(0.02, 8, 8, 1) for p in pairs[::3]} if with_history else None
    )
    assert repr(compare_suite(pairs, s, spreads)) == repr(refsuite.compare_suite(pairs, s, spreads))


def test_a_suite_of_the_common_pair_takes_the_column_path_and_agrees() -> None:
    """Many benchmarks of one baseline run each, moved up, down or not, with ties: every one is a
    'simple' pair, so the analyses and verdicts are all built field by field."""
    pairs = []
    for i in range(300):
        base = [1.0 + 0.01 * ((i * 7 + k) % 5) for k in range(10)]
        factor = (1.0, 1.2, 0.8, 1.02)[i % 4]
        cur = [v * factor + 0.001 * (k % 3) for k, v in enumerate(base)]
        direction = Direction.LOWER if i % 5 else Direction.HIGHER
        pairs.append(
            MetricPair(
                BenchmarkId(f"b{i}"),
                "time",
                "s",
                direction,
                (result(base, f"b{i}", direction=direction),),
                result(cur, f"b{i}", direction=direction),
                0.05,
            )
        )
    s = CompareSettings(noisy_cv=0.005)  # some verdicts carry the noise note
    fast = compare_suite(pairs, s)
    assert repr(fast) == repr(refsuite.compare_suite(pairs, s))
    assert {v.status.value for v in fast.verdicts} >= {"regression", "improvement", "unchanged"}


def test_a_bad_threshold_still_raises_the_verdict_s_own_error() -> None:
    """The column-wise checks stand for Verdict's: a value it refuses is built by it, and raises."""
    p = MetricPair(
        BenchmarkId("b"),
        "time",
        "s",
        Direction.LOWER,
        (result([1.0, 1.1, 1.2, 1.3, 1.4]),),
        result([2.0, 2.1, 2.2, 2.3, 2.4]),
        float("inf"),
    )
    with pytest.raises(ValueError, match="threshold") as fast:
        compare_suite([p])
    with pytest.raises(ValueError, match="threshold") as ref:
        refsuite.compare_suite([p], CompareSettings())
    assert str(fast.value) == str(ref.value)


@given(st.lists(st.one_of(st.sampled_from([0.0, -0.0, 1e-300, 0.01, 0.5, 1.0]), st.floats(0.0, 1.0))))
def test_holm_gives_the_adjusted_p_values_of_the_loop_it_replaced(p_values: list[float]) -> None:
    assert repr(holm(p_values)) == repr(refsuite.holm(p_values))


def test_holm_refuses_a_p_value_outside_the_unit_interval_as_before() -> None:
    for bad in ([0.5, 1.5, -1.0], [float("nan")]):
        with pytest.raises(ValueError, match="p-values must be in") as new:
            holm(bad)
        with pytest.raises(ValueError) as old:
            refsuite.holm(bad)
        assert str(new.value) == str(old.value)


@st.composite
def runs(draw: st.DrawFn) -> tuple[Run, list[Run]]:
    """A current run and 1-3 baseline runs over a few shared, dropped and added benchmarks."""
    names = [f"bench/test_{i}.py::case" for i in range(draw(st.integers(min_value=1, max_value=8)))]

    def one() -> Run:
        chosen = draw(st.lists(st.sampled_from(names), unique=True, max_size=len(names)))
        out = []
        for name in chosen:
            for metric, direction in draw(
                st.lists(st.sampled_from(_METRICS), min_size=1, max_size=2, unique=True)
            ):
                out.append(draw(_side(name, metric, direction)))
        return bare_run(*out)

    return one(), [one() for _ in range(draw(st.integers(min_value=1, max_value=3)))]


policies = st.sampled_from(
    [
        Policy(),
        Policy(metrics={"time": 0.1, "ops": 0.2}),
        Policy(metrics={"time": 0.1}, overrides=(ThresholdOverride("bench/test_1.py::*", {"time": 0.15}),)),
    ]
)


@SETTINGS
@given(runs(), policies)
def test_pair_results_gives_the_pairs_of_the_one_by_one_path(
    current_and_baselines: tuple[Run, list[Run]], policy: Policy
) -> None:
    current, baselines = current_and_baselines
    assert repr(pair_results(current, baselines, policy)) == repr(
        refsuite.pair_results(current, baselines, policy)
    )


@st.composite
def many_runs(draw: st.DrawFn) -> list[MetricPair]:
    """Up to 60 benchmarks in two metrics with 2-5 baseline runs each: medians that repeat (no
    spread), spreads near each other's factor of 3, and far apart."""
    pairs = []
    for i in range(draw(st.integers(min_value=1, max_value=60))):
        metric = draw(st.sampled_from(["time", "cpu_time"]))
        centre = draw(st.sampled_from([1.0, 2.0, 1e-6]))
        width = draw(st.sampled_from([0.0, 0.01, 0.03, 0.09, 0.27, 0.5]))
        medians = [
            centre * (1 + width * draw(st.sampled_from([-1.0, -0.5, 0.0, 0.3, 1.0])))
            for _ in range(draw(st.integers(2, 5)))
        ]
        base = tuple(
            Result(
                BenchmarkId(f"b{i}"),
                metric,
                "s",
                Direction.LOWER,
                Summary(n=10, mean=m, median=m, min=m, max=m),
            )
            for m in medians
        )
        pairs.append(MetricPair(BenchmarkId(f"b{i}"), metric, "s", Direction.LOWER, base, base[0], 0.05))
    return pairs


@SETTINGS
@given(many_runs(), st.sampled_from([2, 3]))
def test_pooled_spreads_equal_the_pairwise_pooling_to_the_last_bit(
    pairs: list[MetricPair], runs: int
) -> None:
    """The groups found by bisection and pooled from exact prefix sums are those of comparing every
    benchmark with every other, and their pooled spreads the same floats."""
    s = CompareSettings(min_baseline_runs=runs)
    assert repr(compare_module._pooled_spreads(pairs, s)) == repr(refsuite._pooled_spreads(pairs, s))
