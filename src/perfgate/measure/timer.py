"""The timer loop: calibrate, warm up, then measure rounds until the time is spent.

A *round* calls the function ``iterations`` times between two clock reads; its sample is the round time
divided by ``iterations`` (seconds per call). Every sample is kept.

Choices, so the numbers mean something:

- **Round length.** Calibration grows ``iterations`` until one round lasts at least
  ``max(min_time, resolution_factor * resolution)``, where ``resolution`` is the smallest step the clock
  was seen to make (two back-to-back reads, so it includes the cost of a read). With
  ``time.perf_counter_ns`` on Linux that is some 50-100 ns, so rounds last >= 50-100 µs and the clock's
  granularity is below 0.1% of every sample. A function slower than the target runs once per round.
- **Warm-up.** Calibration rounds are never kept. Then warm-up rounds run (and are discarded) until both
  ``warmup_time`` is spent and ``warmup_rounds`` have run.
- **Stopping.** Measured rounds run until ``max_time`` is spent *and* at least ``min_rounds`` have run, or
  until ``max_rounds``, or until the optional ``deadline_ns`` (a timeout or a budget) passes, whichever
  comes first. A deadline never leaves a measurement empty: at least one round is measured.
- **GC.** ``gc.collect()`` runs before measuring and the collector is off during calibration, warm-up and
  rounds (``disable_gc``), so a collection triggered by earlier code does not land in a random round. The
  collector's previous state is restored afterwards, also when the function raises.
- **Loop overhead.** The cost of the bare loop calling an empty function ``iterations`` times is measured
  (best of a few rounds) and reported as ``loop_overhead`` (seconds per call). It is *not* subtracted
  unless ``subtract_overhead`` is set: the estimate is itself noisy and, for a near-empty function,
  subtraction turns the samples into noise around zero. Reports can compare a median with it instead.

Clock and function are injectable, so calibration and stopping are tested with a fake clock.
"""

from __future__ import annotations

import gc
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from itertools import repeat
from typing import Any

from perfgate.errors import MeasureError
from perfgate.model import Summary

__all__ = [
    "Clock",
    "Measurement",
    "RoundWatch",
    "Timer",
    "TimerSettings",
    "measure_once",
    "measure_resolution",
]

Clock = Callable[[], int]
"""A monotonic clock returning integer nanoseconds (``time.perf_counter_ns``)."""

_NS = 1_000_000_000
_MAX_ITERATIONS = 1 << 40  # a calibration that wants more than this is measuring a clock that stands still


def _noop() -> None:
    return None


def measure_resolution(clock: Clock = time.perf_counter_ns, tries: int = 20) -> int:
    """The smallest positive step (ns) seen between two consecutive reads of ``clock``, over ``tries``."""
    best = 0
    for _ in range(tries):
        t0 = clock()
        for _spin in range(1_000_000):
            t1 = clock()
            if t1 != t0:
                break
        else:
            raise MeasureError("the clock did not advance in 1,000,000 reads: cannot time anything")
        if t1 < t0:
            raise MeasureError(f"the clock went backwards ({t0} -> {t1} ns): it must be monotonic")
        step = t1 - t0
        if best == 0 or step < best:
            best = step
    return best


@dataclass(frozen=True, slots=True)
class TimerSettings:
    """How long and how often to measure. Times are in seconds."""

    min_time: float = 10e-6
    max_time: float = 1.0
    min_rounds: int = 5
    max_rounds: int | None = None
    warmup_time: float = 0.0
    warmup_rounds: int = 0
    disable_gc: bool = True
    resolution_factor: int = 1000
    subtract_overhead: bool = False

    def __post_init__(self) -> None:
        if not (math.isfinite(self.min_time) and self.min_time >= 0):
            raise ValueError(f"min_time must be a finite number >= 0, got {self.min_time!r}")
        if not (math.isfinite(self.max_time) and self.max_time >= 0):
            raise ValueError(f"max_time must be a finite number >= 0, got {self.max_time!r}")
        if self.min_rounds < 1:
            raise ValueError(f"min_rounds must be >= 1, got {self.min_rounds}")
        if self.max_rounds is not None and self.max_rounds < 1:
            raise ValueError(f"max_rounds must be >= 1, got {self.max_rounds}")
        if not (math.isfinite(self.warmup_time) and self.warmup_time >= 0):
            raise ValueError(f"warmup_time must be a finite number >= 0, got {self.warmup_time!r}")
        if self.warmup_rounds < 0:
            raise ValueError(f"warmup_rounds must be >= 0, got {self.warmup_rounds}")
        if self.resolution_factor < 1:
            raise ValueError(f"resolution_factor must be >= 1, got {self.resolution_factor}")


@dataclass(frozen=True, slots=True)
class Measurement:
    """What a timer measured: per-call samples (seconds), one per round, and how they were obtained.

    ``stopped_by`` is ``"max_time"``, ``"max_rounds"`` or ``"deadline"``. ``value`` is what the last
    call of the function returned.
    """

    samples: tuple[float, ...]
    iterations: int
    warmup_rounds: int
    calibration_rounds: int
    resolution: float
    round_target: float
    loop_overhead: float | None
    stopped_by: str
    value: Any = None

    @property
    def rounds(self) -> int:
        return len(self.samples)

    def summary(self) -> Summary:
        # Imported here: perfgate.stats pulls in scipy (seconds), and the pytest plugin imports this
        # module in every pytest process, measuring or not.
        from perfgate.stats.summary import summarize

        return summarize(self.samples)


class RoundWatch:
    """Live progress of a timer, for a timeout handler that runs while a round is under way.

    The timer reports each round's start and end; :meth:`overrun_wait` tells a handler firing at ``now``
    whether the round in progress has overrun (return ``0.0``: interrupt it), may still finish normally
    (return the seconds to wait before asking again), or no round is running (return ``None``).
    """

    __slots__ = ("_expected_per_call", "_iterations", "_started")

    def __init__(self) -> None:
        self._started: int | None = None
        self._iterations = 0
        self._expected_per_call: float | None = None

    def start(self, now: int, iterations: int) -> None:
        self._started = now
        self._iterations = iterations

    def end(self, now: int) -> None:
        if self._started is not None and self._iterations > 0:
            self._expected_per_call = (now - self._started) / self._iterations
        self._started = None

    def overrun_wait(self, now: int, grace_ns: int = 1_000_000) -> float | None:
        """Seconds to wait before interrupting the running round, ``0.0`` to interrupt now."""
        if self._started is None:
            return None
        expected = 0.0
        if self._expected_per_call is not None:
            expected = 2.0 * self._expected_per_call * self._iterations
        allowed_end = self._started + expected + grace_ns
        return max(0.0, (allowed_end - now) / _NS)


@dataclass(frozen=True, slots=True)
class Timer:
    """Measures a zero-argument function. ``clock`` returns integer nanoseconds."""

    settings: TimerSettings = TimerSettings()
    clock: Clock = time.perf_counter_ns

    def _round(self, fn: Callable[[], Any], n: int, watch: RoundWatch | None) -> tuple[int, int, Any]:
        clock = self.clock
        it = repeat(None, n)
        result: Any = None
        if watch is not None:
            watch.start(clock(), n)
        t0 = clock()
        for _ in it:
            result = fn()
        t1 = clock()
        if watch is not None:
            watch.end(t1)
        if t1 < t0:
            raise MeasureError(f"the clock went backwards ({t0} -> {t1} ns): it must be monotonic")
        return t1 - t0, t1, result

    def calibrate(
        self,
        fn: Callable[[], Any],
        target_ns: int,
        resolution_ns: int,
        watch: RoundWatch | None = None,
        deadline_ns: int | None = None,
    ) -> tuple[int, int, int, Any]:
        """Grow iterations until a round lasts >= ``target_ns``: ``(iterations, rounds, end_ns, value)``.

        Below 100 clock steps a round is too coarse to extrapolate from, so iterations grow tenfold;
        above, they jump to the estimate plus 10%. Calibration gives up growing (keeping the last count)
        once it has spent ``max_time`` or passed the deadline.
        """
        n = 1
        rounds = 0
        start = self.clock()
        budget = max(int(self.settings.max_time * _NS), target_ns)
        while True:
            dt, end, value = self._round(fn, n, watch)
            rounds += 1
            if dt >= target_ns or n >= _MAX_ITERATIONS:
                return n, rounds, end, value
            if end - start >= budget or (deadline_ns is not None and end >= deadline_ns):
                return n, rounds, end, value
            if dt < 100 * resolution_ns:
                n *= 10
            else:
                n = max(n + 1, math.ceil(n * target_ns * 1.1 / dt))
            n = min(n, _MAX_ITERATIONS)

    def _overhead(self, n: int) -> float:
        best: int | None = None
        for _ in range(3):
            dt, _end, _v = self._round(_noop, n, None)
            best = dt if best is None else min(best, dt)
        assert best is not None
        return best / n / _NS

    def run(
        self,
        fn: Callable[[], Any],
        *,
        deadline_ns: int | None = None,
        watch: RoundWatch | None = None,
    ) -> Measurement:
        """Calibrate, warm up and measure ``fn``; ``deadline_ns`` is on ``clock``'s scale."""
        s = self.settings
        gc_was_enabled = gc.isenabled()
        if s.disable_gc:
            gc.collect()
            gc.disable()
        try:
            resolution = measure_resolution(self.clock)
            target = max(math.ceil(s.min_time * _NS), s.resolution_factor * resolution, 1)
            n, calib_rounds, now, value = self.calibrate(fn, target, resolution, watch, deadline_ns)
            overhead = self._overhead(n)
            now = self.clock()

            def past_deadline(t: int) -> bool:
                return deadline_ns is not None and t >= deadline_ns

            warm_start = now
            warm = 0
            warm_ns = s.warmup_time * _NS
            while (warm < s.warmup_rounds or now - warm_start < warm_ns) and not past_deadline(now):
                _dt, now, value = self._round(fn, n, watch)
                warm += 1

            samples: list[float] = []
            start = now
            max_ns = s.max_time * _NS
            stopped_by = "max_time"
            while True:
                if s.max_rounds is not None and len(samples) >= s.max_rounds:
                    stopped_by = "max_rounds"
                    break
                if samples and past_deadline(now):
                    stopped_by = "deadline"
                    break
                if len(samples) >= s.min_rounds and now - start >= max_ns:
                    break
                dt, now, value = self._round(fn, n, watch)
                per_call = dt / n / _NS
                if s.subtract_overhead:
                    per_call = max(per_call - overhead, 0.0)
                samples.append(per_call)
        finally:
            if s.disable_gc and gc_was_enabled:
                gc.enable()
        return Measurement(
            samples=tuple(samples),
            iterations=n,
            warmup_rounds=warm,
            calibration_rounds=calib_rounds,
            resolution=resolution / _NS,
            round_target=target / _NS,
            loop_overhead=overhead,
            stopped_by=stopped_by,
            value=value,
        )

    def run_pedantic(
        self,
        fn: Callable[[], Any],
        *,
        rounds: int,
        iterations: int = 1,
        warmup_rounds: int = 0,
        prepare: Callable[[], Callable[[], Any]] | None = None,
        deadline_ns: int | None = None,
        watch: RoundWatch | None = None,
    ) -> Measurement:
        """Exactly ``rounds`` rounds of ``iterations`` calls, no calibration (pytest-benchmark's pedantic).

        With ``prepare``, each round (warm-up rounds too) first calls ``prepare()`` outside the timed
        region to get the function for that round; then ``iterations`` must be 1.
        """
        if rounds < 1:
            raise ValueError(f"rounds must be >= 1, got {rounds}")
        if iterations < 1:
            raise ValueError(f"iterations must be >= 1, got {iterations}")
        if warmup_rounds < 0:
            raise ValueError(f"warmup_rounds must be >= 0, got {warmup_rounds}")
        if prepare is not None and iterations > 1:
            raise ValueError("cannot use more than 1 iteration per round with a setup function")
        gc_was_enabled = gc.isenabled()
        if self.settings.disable_gc:
            gc.collect()
            gc.disable()
        value: Any = None
        samples: list[float] = []
        stopped_by = "max_rounds"
        try:
            resolution = measure_resolution(self.clock)
            for i in range(warmup_rounds + rounds):
                call = prepare() if prepare is not None else fn
                dt, now, value = self._round(call, iterations, watch)
                if i >= warmup_rounds:
                    samples.append(dt / iterations / _NS)
                more = i + 1 < warmup_rounds + rounds
                if more and samples and deadline_ns is not None and now >= deadline_ns:
                    stopped_by = "deadline"
                    break
        finally:
            if self.settings.disable_gc and gc_was_enabled:
                gc.enable()
        return Measurement(
            samples=tuple(samples),
            iterations=iterations,
            warmup_rounds=warmup_rounds,
            calibration_rounds=0,
            resolution=resolution / _NS,
            round_target=0.0,
            loop_overhead=None,
            stopped_by=stopped_by,
            value=value,
        )


def measure_once(fn: Callable[[], Any], clock: Clock = time.perf_counter_ns) -> tuple[Any, float]:
    """Call ``fn`` once, timed: ``(its return value, seconds)``. For bodies that cannot be repeated."""
    t0 = clock()
    value = fn()
    t1 = clock()
    if t1 < t0:
        raise MeasureError(f"the clock went backwards ({t0} -> {t1} ns): it must be monotonic")
    return value, (t1 - t0) / _NS
