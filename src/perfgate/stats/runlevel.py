"""Run-to-run variance: is the current run's median outside what earlier runs of the same code produced?

Samples within one run share the run's conditions (CPU frequency, memory layout, neighbours on the host),
so a within-run test sees only part of the noise and calls run-to-run drift a change. When the baseline
is several runs, their medians show that drift directly: a prediction interval for the next run's median
(Student's t on log medians, as Bencher's t-test threshold and Conbench's lookback z-score do) tells how
far a new run of unchanged code may land.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from perfgate.stats.student import t_cdf, t_ppf, t_sf

__all__ = ["RunLevel", "log_spread", "pool_spreads", "prediction_test", "run_level_test"]


@dataclass(frozen=True, slots=True)
class RunLevel:
    """The current run against ``runs`` baseline runs, on log medians.

    ``shift`` is log(current median) minus the mean log baseline median; ``low``/``high`` is the
    prediction interval of that shift for unchanged code shifted by ``shift`` (so it contains 0 exactly
    when the run-level test does not reject); ``spread`` is the standard deviation of the baseline log
    medians (about the run-to-run CV). ``p_value`` is two-sided; ``p_up``/``p_down`` are the one-sided
    p-values for "the current median is higher" / "lower".
    """

    shift: float
    low: float
    high: float
    p_value: float
    runs: int
    spread: float
    p_up: float
    p_down: float


def log_spread(medians: Sequence[float]) -> tuple[float, int]:
    """Standard deviation of the log medians and its degrees of freedom (``len - 1``)."""
    k = len(medians)
    if k < 2 or any(m <= 0 for m in medians):
        raise ValueError("a log spread needs at least 2 positive medians")
    logs = [math.log(m) for m in medians]
    mean = math.fsum(logs) / k
    return math.sqrt(math.fsum((x - mean) ** 2 for x in logs) / (k - 1)), k - 1


def pool_spreads(spreads: Sequence[tuple[float, int]]) -> tuple[float, int] | None:
    """Pooled standard deviation (weighted by degrees of freedom) and the summed degrees of freedom."""
    df = sum(d for _, d in spreads)
    if df == 0:
        return None
    return math.sqrt(math.fsum(d * s * s for s, d in spreads) / df), df


def run_level_test(
    baseline_medians: Sequence[float],
    current_median: float,
    confidence: float = 0.95,
    pooled: tuple[float, int] | None = None,
) -> RunLevel:
    """Prediction-interval test of a new run's median against earlier runs' medians (all positive).

    ``pooled`` is a suite-wide (spread, degrees of freedom) from :func:`pool_spreads`: a machine's
    run-to-run noise is largely shared by its benchmarks, and five runs alone give a t-distribution with
    4 degrees of freedom, too wide to see anything once a suite's multiplicity is accounted for. The
    larger of the benchmark's own spread and the pooled one is used, with the pooled degrees of freedom
    only when the pooled spread is the larger (a benchmark noisier than the suite keeps its own, honest,
    small degrees of freedom).
    """
    k = len(baseline_medians)
    if k < 2:
        raise ValueError("the run-level test needs at least 2 baseline runs")
    if current_median <= 0 or any(m <= 0 for m in baseline_medians):
        raise ValueError("the run-level test works on log medians and needs positive medians")
    logs = [math.log(m) for m in baseline_medians]
    mean = math.fsum(logs) / k
    spread, df = log_spread(baseline_medians)
    if pooled is not None and pooled[0] >= spread and pooled[1] > df:
        spread, df = pooled
    return _predict(mean, k, math.log(current_median), spread, df, confidence)


def prediction_test(
    baseline_medians: Sequence[float],
    current_median: float,
    spread: float,
    df: int,
    confidence: float = 0.95,
) -> RunLevel:
    """The same prediction-interval test with a run-to-run ``spread`` measured elsewhere (the testbed's
    stored history, :mod:`perfgate.stats.history`), so one or two baseline runs suffice."""
    k = len(baseline_medians)
    if k < 1:
        raise ValueError("the prediction test needs at least 1 baseline run")
    if current_median <= 0 or any(m <= 0 for m in baseline_medians):
        raise ValueError("the prediction test works on log medians and needs positive medians")
    if spread < 0 or df < 1:
        raise ValueError("the prediction test needs a spread >= 0 and at least 1 degree of freedom")
    mean = math.fsum(math.log(m) for m in baseline_medians) / k
    return _predict(mean, k, math.log(current_median), spread, df, confidence)


def _predict(mean: float, k: int, current: float, spread: float, df: int, confidence: float) -> RunLevel:
    """Student's t prediction interval for a new log median around the mean ``mean`` of ``k`` runs."""
    shift = current - mean
    se = spread * math.sqrt(1.0 + 1.0 / k)
    if se == 0.0:
        # Identical baseline medians: any difference at all is outside the (degenerate) interval.
        up, down = (0.0 if shift > 0 else 1.0), (0.0 if shift < 0 else 1.0)
        return RunLevel(shift, shift, shift, min(1.0, 2 * min(up, down)), k, 0.0, up, down)
    half = t_ppf(0.5 + confidence / 2.0, df) * se
    up = t_sf(shift / se, df)
    down = t_cdf(shift / se, df)
    return RunLevel(shift, shift - half, shift + half, min(1.0, 2.0 * min(up, down)), k, spread, up, down)
