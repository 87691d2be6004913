"""Samples that a slow stretch of the machine cannot fill: the best of rounds spread over the measurement.

Why
    On a shared machine the CPU runs for stretches of milliseconds to seconds at a fraction of its
    speed (a busy neighbour on the same core, frequency steps, steal time). Those stretches only ever
    add time, and the share of rounds they cover changes from run to run, so the median of all rounds
    moves with the machine, not with the code: by 5-30% between whole runs on our 2-vCPU machine
    (docs/measurement.md). The fastest rounds do not move with it. Chen and Revels (2016, "Robust
    benchmarking in noisy environments") make the same argument for the minimum.

What
    :func:`best_of_spread` splits the rounds, in the order they were taken, into ``k`` interleaved groups
    (round ``i`` goes to group ``i mod k``), so that every group has rounds from the whole measurement,
    from its first moments to its last, and from every pass over the suite. Each group gives one sample:
    its best round (the smallest time; the largest rate). A sample is slow only if the machine was slow
    at every moment its group was sampled. ``k`` is chosen so that a group holds about ``group`` rounds,
    but there are at least ``min_samples`` samples whenever there are that many rounds.

    The samples keep the usual machinery meaningful: their median is the headline figure, its
    confidence interval and the between-run tests are computed on them as on any samples. The price:
    a cost that only some calls pay (a cache refill every 100th call) counts less than in the median of
    all rounds. ``--perfgate-rounds-per-sample 1`` keeps every round as a sample.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["DEFAULT_GROUP", "MIN_SAMPLES", "best_of_spread", "sample_groups"]

DEFAULT_GROUP = 128
"""Rounds per sample by default: enough that one fast moment in the group's spread decides it."""

MIN_SAMPLES = 10
"""At least this many samples (when there are this many rounds): fewer than 5 and no test is made."""


def sample_groups(rounds: int, group: int = DEFAULT_GROUP, min_samples: int = MIN_SAMPLES) -> int:
    """How many samples (interleaved groups) ``rounds`` rounds make: ``1 <= k <= rounds``."""
    if rounds < 1:
        return 0
    if group < 1:
        raise ValueError(f"rounds per sample must be >= 1, got {group}")
    if group == 1:
        return rounds
    return min(rounds, max(min_samples, rounds // group))


def best_of_spread(
    values: Sequence[float],
    group: int = DEFAULT_GROUP,
    *,
    higher: bool = False,
    min_samples: int = MIN_SAMPLES,
) -> tuple[float, ...]:
    """One sample per interleaved group of ``values`` (in time order): its minimum, or its maximum when
    ``higher`` is better (rates). ``group <= 1`` returns the values unchanged."""
    if group <= 1 or len(values) <= min_samples:
        return tuple(values)
    k = sample_groups(len(values), group, min_samples)
    pick = max if higher else min
    return tuple(pick(values[j::k]) for j in range(k))
