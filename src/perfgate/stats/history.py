"""The run-to-run noise a testbed really has, measured on its stored history.

A store usually holds many earlier runs of the same project, testbed and tier on the main branch. The
successive differences of a benchmark's log medians over those runs measure how far one whole run of
(nearly) the same code lands from the next: the noise a comparison against one or two baseline runs
cannot see from inside those runs. Differences rather than deviations from a mean, so a real step on the
main branch counts as one outlying difference, not as spread; and a median of absolute differences, so a
few such steps do not inflate it.

Benchmarks differ: an I/O-bound benchmark moving ±50% from run to run says nothing about a CPU-bound one
moving 1%. A benchmark's spread is therefore pooled only over the benchmarks of the same metric whose own
spread is similar (within a factor ``similar``), and a benchmark with a long enough history of its own
uses its own spread alone.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

__all__ = ["RunSpread", "history_spreads", "successive_log_differences"]

# For d ~ N(0, 2 s^2) (the difference of two runs each with spread s), median |d| = 0.6745 * sqrt(2) * s.
_MEDIAN_ABS_TO_SD = 0.6744897501960817 * math.sqrt(2.0)
# A median of absolute successive differences carries less information than a standard deviation of
# independent values: simulated on normal data, 2 / Var(s^2) (the degrees of freedom of a chi-square
# with the same spread) is 0.27-0.29 per difference from 20 differences on, 0.20-0.23 below. The t
# distribution gets 0.29 per difference, which keeps a short history wide (and small samples also
# overestimate s^2, which errs on the quiet side).
_EFFICIENCY = 0.29


def _degrees_of_freedom(differences: int) -> int:
    """Student's t degrees of freedom for a spread from ``differences`` successive differences.

    0.29 per difference matches the estimator's variance, but below 7 differences that rounds to 1
    (a Cauchy tail), so a quiet benchmark alone in its noise class with a short history could not see
    even a 5x change (issue 9: +417% read "inconclusive, p = 0.12"). On normal data the statistic's
    tail at the p-values a suite's Holm step asks for lies within t with 2 degrees of freedom for 2-3
    differences and up to 5 for 8-17; but runs with outliers have heavier tails, and a floor of up to 5
    raised the false alarms of the drift evaluation (one baseline run, 5 stored runs, 400 suites) from
    0.043 to 0.068. A floor of 2 keeps them at 0.048 (`bench/stats_eval.py`) and still sees the 5x."""
    return max(1, math.floor(_EFFICIENCY * differences), min(2, (differences + 2) // 2))


@dataclass(frozen=True, slots=True)
class RunSpread:
    """The standard deviation of one run's log median around its code's level (about the run-to-run CV).

    ``df``: degrees of freedom for Student's t; ``differences``: the successive differences it rests on;
    ``benchmarks``: how many benchmarks they came from (1: the benchmark's own history).
    """

    spread: float
    df: int
    differences: int
    benchmarks: int

    def __post_init__(self) -> None:
        if not (self.spread >= 0 and math.isfinite(self.spread)):
            raise ValueError(f"a run-to-run spread must be finite and >= 0, got {self.spread!r}")
        if self.df < 1 or self.differences < 1 or self.benchmarks < 1:
            raise ValueError("a run-to-run spread needs at least one difference and one degree of freedom")

    def describe(self) -> str:
        """For people: ``run-to-run spread 2.1% (pooled over 18 benchmarks of similar noise, 72 run
        pairs of this testbed's history)``."""
        where = (
            f"this benchmark's own history, {self.differences} run pairs"
            if self.benchmarks == 1
            else f"pooled over {self.benchmarks} benchmarks of similar noise, "
            f"{self.differences} run pairs of this testbed's history"
        )
        return f"run-to-run spread {math.expm1(self.spread):.1%} ({where})"


def successive_log_differences(medians: Sequence[float]) -> tuple[float, ...]:
    """``log m[i] - log m[i+1]`` for successive positive medians (non-positive ones are skipped)."""
    logs = [math.log(m) for m in medians if m > 0 and math.isfinite(m)]
    return tuple(a - b for a, b in pairwise(logs))


def _spread(diffs: Sequence[float], benchmarks: int) -> RunSpread:
    sd = statistics.median(abs(d) for d in diffs) / _MEDIAN_ABS_TO_SD
    return RunSpread(sd, _degrees_of_freedom(len(diffs)), len(diffs), benchmarks)


def history_spreads(
    series: Mapping[tuple[str, str], Sequence[float]],
    *,
    min_runs: int = 3,
    own_runs: int = 30,
    similar: float = 3.0,
) -> dict[tuple[str, str], RunSpread]:
    """Per (benchmark, metric), the run-to-run spread of its stored medians (newest first, or oldest
    first: only successive pairs count).

    A key needs at least ``min_runs`` positive medians to get a spread at all. With ``own_runs`` or
    more, its own differences alone decide. Otherwise its differences are pooled with those of every
    benchmark of the same metric whose own spread lies within a factor ``similar`` of its own (a
    benchmark whose values never moved pools only with others that never moved).
    """
    if min_runs < 3:
        raise ValueError(f"min_runs must be >= 3 (two differences), got {min_runs}")
    if not similar >= 1:
        raise ValueError(f"similar must be >= 1, got {similar}")
    diffs = {key: d for key, s in series.items() if len(d := successive_log_differences(s)) >= min_runs - 1}
    own = {key: _spread(d, 1) for key, d in diffs.items()}
    out: dict[tuple[str, str], RunSpread] = {}
    for key, mine in own.items():
        if mine.differences + 1 >= own_runs:
            out[key] = mine
            continue
        s = mine.spread
        group = [
            k
            for k, other in own.items()
            if k[1] == key[1]
            and (other.spread == s if s == 0 else s / similar <= other.spread <= s * similar)
        ]
        out[key] = _spread([x for k in group for x in diffs[k]], len(group))
    return out
