"""Properties every verdict must have, whatever the data (hypothesis)."""

from __future__ import annotations

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perfgate.model import Status
from perfgate.stats import DETERMINISTIC, CompareSettings, compare_pair, compare_suite

from .builders import pair

# Positive timings over a few orders of magnitude, including exact repeats (ties).
values = st.lists(
    st.floats(min_value=1e-3, max_value=1e3, allow_nan=False, allow_infinity=False),
    min_size=5,
    max_size=25,
)
thresholds = st.sampled_from([0.0, 0.01, 0.05, 0.2])
SWAPPED = {
    Status.REGRESSION: Status.IMPROVEMENT,
    Status.IMPROVEMENT: Status.REGRESSION,
    Status.UNCHANGED: Status.UNCHANGED,
    Status.INCONCLUSIVE: Status.INCONCLUSIVE,
}
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(values, values, thresholds)
def test_deterministic(base: list[float], cur: list[float], threshold: float) -> None:
    assert compare_pair(pair(base, cur, threshold=threshold)) == compare_pair(
        pair(list(base), list(cur), threshold=threshold)
    )


@FAST
@given(values, values, thresholds)
def test_swapping_sides_negates_the_log_change_and_swaps_the_verdict(
    base: list[float], cur: list[float], threshold: float
) -> None:
    v = compare_pair(pair(base, cur, threshold=threshold))
    w = compare_pair(pair(cur, base, threshold=threshold))
    assert v.change is not None and w.change is not None
    assert math.log1p(v.change) == -math.log1p(w.change) or math.isclose(
        math.log1p(v.change), -math.log1p(w.change), abs_tol=1e-12
    )
    assert w.status is SWAPPED[v.status]


@FAST
@given(values, values, thresholds, st.integers(min_value=-20, max_value=20))
def test_scaling_every_value_by_a_power_of_two_changes_nothing(
    base: list[float], cur: list[float], threshold: float, exponent: int
) -> None:
    k = 2.0**exponent
    v = compare_pair(pair(base, cur, threshold=threshold))
    w = compare_pair(pair([k * x for x in base], [k * x for x in cur], threshold=threshold))
    assert (w.status, w.change, w.change_low, w.change_high, w.p_value) == (
        v.status,
        v.change,
        v.change_low,
        v.change_high,
        v.p_value,
    )


@FAST
@given(values, values, st.floats(min_value=1e-3, max_value=1e3))
def test_scaling_by_any_constant_keeps_the_verdict_close(
    base: list[float], cur: list[float], k: float
) -> None:
    v = compare_pair(pair(base, cur, threshold=0.05))
    w = compare_pair(pair([k * x for x in base], [k * x for x in cur], threshold=0.05))
    assert v.change is not None and w.change is not None
    # Rounding k*x can merge two nearly equal values into a tie, which moves the p-value slightly; the
    # power-of-two test above pins exact invariance, this one that nothing drifts for other constants.
    assert math.isclose(v.change, w.change, rel_tol=1e-9, abs_tol=1e-9)


degenerate = st.one_of(
    st.lists(st.sampled_from([0.0, 1.0, 2.0]), min_size=0, max_size=8),
    st.builds(lambda x, n: [x] * n, st.floats(min_value=0.0, max_value=1e6), st.integers(1, 12)),
    st.lists(st.floats(min_value=0.0, max_value=1e-300), min_size=1, max_size=6),
    st.lists(st.sampled_from([5e-324, 1e-300, 1.0, 1e300, 1.7e308]), min_size=1, max_size=8),
)


@settings(max_examples=120, deadline=None)
@given(degenerate, degenerate, thresholds, st.integers(min_value=1, max_value=6))
def test_degenerate_inputs_never_crash(
    base: list[float], cur: list[float], threshold: float, min_n: int
) -> None:
    if not base or not cur:
        return  # a Result needs a summary, and a summary needs a value
    s = CompareSettings(min_samples=min_n)
    v = compare_pair(pair(base, cur, threshold=threshold), s)
    assert v.status in SWAPPED
    if v.status is not Status.INCONCLUSIVE:
        # A decisive verdict carries its change, but for values that repeat exactly from a zero
        # baseline: no ratio exists, and any rise beyond the threshold is decisive all the same.
        zero_base = v.baseline is not None and v.baseline.median == 0
        assert v.change is not None or (v.method == DETERMINISTIC and zero_base), v
    suite = compare_suite([pair(base, cur, name=f"b{i}", threshold=threshold) for i in range(6)], s)
    assert len(suite.verdicts) == 6
