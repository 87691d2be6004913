"""Machine-wide shifts: when nearly every benchmark moves by a similar factor, suspect the machine.

A slower CI runner, a throttled CPU or a noisy neighbour moves every timing at once; so does a code change
that touches every benchmark (a core data structure, an interpreter upgrade). The run gets one note that
says so, with the remedy: running base and head interleaved on one machine (``perfgate ab``) tells code
from machine. What the verdicts do about it is the caller's setting (``CompareSettings.machine_shift``).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["MachineShift", "detect_machine_shift"]


@dataclass(frozen=True, slots=True)
class MachineShift:
    """``members`` of ``total`` benchmarks of ``metric`` moved together by about ``log_shift``.

    ``log_shift`` is adverse (positive = worse: slower times, lower throughput); ``tolerance`` is how far
    from it (in log units) a benchmark may land and still count as moving with the machine.
    """

    metric: str
    log_shift: float
    tolerance: float
    members: tuple[str, ...]
    total: int

    @property
    def change(self) -> float:
        """The shift as a relative adverse change (+0.35 = 35% worse)."""
        return math.expm1(self.log_shift)

    def includes(self, log_change: float) -> bool:
        """Whether an adverse log change lies with the shift."""
        return abs(log_change - self.log_shift) <= self.tolerance

    def describe(self) -> str:
        """One sentence for people, with the remedy."""
        worse = "slower" if self.log_shift > 0 else "faster"
        size = abs(self.change) if self.log_shift > 0 else 1.0 - math.exp(self.log_shift)
        what = "the whole run" if self.metric == "time" else f"the whole run [{self.metric}]"
        return (
            f"{what} is {size:.0%} {worse} ({len(self.members)} of {self.total} benchmarks moved together): "
            "a change that touches every benchmark, or the machine; `perfgate ab` (base and head "
            "interleaved on one machine) tells code from machine"
        )


def detect_machine_shift(
    metric: str,
    changes: Sequence[tuple[str, float]],
    threshold: float,
    min_benchmarks: int = 5,
    fraction: float = 0.8,
) -> MachineShift | None:
    """Detect a shared shift among ``(benchmark, adverse log change)`` of one metric.

    A shift is reported when at least ``min_benchmarks`` benchmarks were compared, their median change is
    beyond ``threshold`` (log units), and at least ``fraction`` of them lie within the tolerance
    ``max(threshold, |median| / 2)`` of it (so a 35% machine slowdown admits benchmarks between about 16%
    and 57% slower, while one real 35% regression among unchanged benchmarks is no shift).
    """
    k = len(changes)
    if k < max(1, min_benchmarks):
        return None
    shift = statistics.median(c for _, c in changes)
    if abs(shift) <= threshold:
        return None
    tol = max(threshold, abs(shift) / 2.0)
    members = tuple(name for name, c in changes if abs(c - shift) <= tol)
    if len(members) < fraction * k:
        return None
    return MachineShift(metric, shift, tol, members, k)
