"""The timer loop: calibrate, warm up until the figure settles, then measure rounds until precise enough.

A *round* calls the function ``iterations`` times between two clock reads; its sample is the round time
divided by ``iterations`` (seconds per call), minus the loop's own cost. Every sample is kept.

Choices, so the numbers mean something:

- **Round length.** Calibration grows ``iterations`` until one round lasts at least
  ``max(min_time, resolution_factor * resolution)``, where ``resolution`` is the smallest step the clock
  was seen to make (two back-to-back reads, so it includes the cost of a read). With
  ``time.perf_counter_ns`` on Linux that is some 50-100 ns, so rounds last >= 50-100 µs and the clock's
  granularity is below 0.1% of every sample. A function slower than the target runs once per round.
- **Warm-up.** Calibration rounds are never kept. Then at least ``warmup_rounds`` warm-up rounds run
  (discarded), and more until the median of the last :data:`WARMUP_WINDOW` rounds agrees with the median
  of the window before within ``warmup_settle`` (the figure has settled), or ``warmup_time`` is spent.
- **Loop overhead.** The loop calling an empty function ``iterations`` times (see :func:`empty_like`:
  what a call of the function costs before its body runs) is timed too, in rounds
  interleaved with the measured ones (three before, then one after every ``overhead_every`` rounds), so
  it sees the same machine state. Its median per call is subtracted from every sample (clamped at 0) and
  recorded as ``loop_overhead``: a no-op reads near zero instead of the cost of the loop and the call.
- **Stopping (adaptive).** Measured rounds run until the 95% confidence interval of the median (order
  statistics, distribution-free) of the *gross* per-call round times lies within ``±ci_target`` of it
  (``"converged"``, looked at only after ``ci_min_time``), or ``max_time`` is spent (``"max_time"``),
  never before ``min_rounds``; or until ``max_rounds``, or the optional ``deadline_ns`` (a timeout, a
  budget or this benchmark's share of it; ``"deadline"``). A deadline never leaves a measurement empty:
  at least one round is measured.
- **GC.** ``gc.collect()`` runs before measuring and the collector is off during calibration, warm-up and
  rounds (``disable_gc``), so a collection triggered by earlier code does not land in a random round. The
  collector's previous state is restored afterwards, also when the function raises.
- **CPU time.** ``cpu_clock`` (``time.process_time_ns``) is read around every measured round, outside the
  wall-clock reads; its per-call samples (loop overhead subtracted too) are ``cpu_samples``.
- **Coroutines.** With an event ``loop``, the function is a coroutine function: a round runs as one task
  awaiting it ``iterations`` times, the clock read inside the task, so what is timed is the awaited time
  per call, not the cost of starting the loop.

Clock and function are injectable, so calibration and stopping are tested with a fake clock.
"""

from __future__ import annotations

import functools
import gc
import math
import time
import types
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import TYPE_CHECKING, Any

from perfgate.errors import MeasureError
from perfgate.measure.spread import DEFAULT_GROUP, best_of_spread
from perfgate.model import Summary

if TYPE_CHECKING:  # (a loop is passed in: the pytest plugin, loaded in every session, imports no asyncio)
    import asyncio

__all__ = [
    "WARMUP_WINDOW",
    "Clock",
    "Measurement",
    "RoundWatch",
    "Timer",
    "TimerSettings",
    "empty_like",
    "measure_once",
    "measure_resolution",
    "median_ci_halfwidth",
    "runqueue_wait_ns",
    "spread_over_passes",
]

Clock = Callable[[], int]
"""A monotonic clock returning integer nanoseconds (``time.perf_counter_ns``)."""

_NS = 1_000_000_000
_MAX_ITERATIONS = 1 << 40  # a calibration that wants more than this is measuring a clock that stands still
WARMUP_WINDOW = 5
"""Warm-up rounds per window when deciding whether the figure has settled."""
_OVERHEAD_FIRST = 3  # empty-loop rounds before the measured ones
_CONFIRM_BELOW = 16  # a calibration round under this many targets is confirmed by a second, warm one
SPREAD_MARGIN = 3.0
"""A benchmark is spread over passes unless its best round is this many times too slow for it."""
DECISION_ROUNDS = 5
"""Rounds the spread-or-not decision is taken from when it is close (never from one round)."""


def _noop() -> None:
    return None


async def _anoop() -> None:
    return None


def _noop_any(*args: Any, **kwargs: Any) -> None:
    return None


class _Empty:
    def method(self) -> None:
        return None


def empty_like(fn: Callable[[], Any]) -> Callable[[], Any] | None:
    """An empty callable that costs what calling ``fn`` costs before its body runs; None: no call.

    A Python function or lambda is matched by an empty Python function, a bound method by an empty
    bound method, a ``functools.partial`` of a Python function by a partial of an empty function taking
    the same arguments (argument passing is overhead too). Anything else (a builtin, a class, a C
    callable) may be cheaper to call than a Python function, so only the bare loop is subtracted
    (``None``), never more than the call really costs.
    """
    if isinstance(fn, types.FunctionType):
        return _noop
    if isinstance(fn, types.MethodType) and isinstance(fn.__func__, types.FunctionType):
        return _Empty().method
    if isinstance(fn, functools.partial) and isinstance(fn.func, types.FunctionType):
        return functools.partial(_noop_any, *fn.args, **fn.keywords)
    return None


def spread_over_passes(
    round_ns: Sequence[float], pass_ns: float, min_rounds: int, margin: float = SPREAD_MARGIN
) -> bool:
    """Whether a benchmark whose rounds took ``round_ns`` is spread over the passes (True) or measured
    in full in the first one (False): spread while ``min_rounds`` of its best round fit in ``margin``
    times a pass's share ``pass_ns``.

    The best of several rounds, because a busy machine only ever adds time: one slow round (a
    neighbour's burst) must not flip the choice, or an unchanged rerun measures the other way and every
    sample moves. The margin leans towards spreading, which is the robust way, so that benchmarks near
    the old boundary (``margin == 1``) are not decided by a few percent of noise.
    """
    if not round_ns:
        return True
    return min(round_ns) * min_rounds <= pass_ns * margin


_SCHEDSTAT = "/proc/thread-self/schedstat"


def runqueue_wait_ns() -> int:
    """Nanoseconds the calling thread has spent runnable but waiting for a CPU (Linux schedstat's
    ``run_delay``); 0 where the kernel does not tell. Contention by other processes shows here."""
    try:
        with open(_SCHEDSTAT, "rb") as f:
            return int(f.read().split()[1])
    except (OSError, ValueError, IndexError):
        return 0


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


def _median(xs: Sequence[float]) -> float:
    s = sorted(xs)
    n = len(s)
    mid = n // 2
    return s[mid] if n % 2 else (s[mid - 1] + s[mid]) / 2


_CI_RANK: dict[int, int] = {}


def _ci_rank(n: int) -> int:
    """Largest k with P(Binom(n, 1/2) < k) <= 2.5%: the 95% median CI is ``[x_(k), x_(n-k+1)]``; 0: none."""
    k = _CI_RANK.get(n)
    if k is None:
        log_norm = math.lgamma(n + 1) - n * math.log(2.0)
        cdf = 0.0
        k = 0
        for j in range(n // 2 + 1):
            p = math.exp(log_norm - math.lgamma(j + 1) - math.lgamma(n - j + 1))
            if cdf + p > 0.025:
                break
            cdf += p
            k = j + 1
        _CI_RANK[n] = k
    return k


def median_ci_halfwidth(samples: Sequence[float]) -> float | None:
    """Half the width of the 95% median CI relative to the median (``0.01`` = ±1%); None: too few."""
    n = len(samples)
    k = _ci_rank(n) if n >= 2 else 0
    if k < 1:
        return None
    s = sorted(samples)
    med = s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2
    if med <= 0:
        return None
    return (s[n - k] - s[k - 1]) / 2 / med


@dataclass(frozen=True, slots=True)
class TimerSettings:
    """How long and how often to measure. Times are in seconds.

    ``ci_target`` (relative half-width of the median's 95% CI) lets measuring stop before ``max_time``;
    ``None`` always spends ``max_time``. ``warmup_settle`` lets warm-up stop before ``warmup_time``;
    ``None`` always spends ``warmup_time``. The CI is consulted only once ``ci_min_time`` of measuring
    is spent: noise on a shared machine comes in bursts lasting longer than a round, and a short window
    can be precise and still unrepresentative. ``overhead_every`` interleaves one empty-loop round after
    every that many measured rounds.

    ``passes > 1`` makes this run one of that many passes over the suite: it spends ``1/passes`` of
    ``max_time``, ``warmup_time``, ``ci_min_time`` and ``min_rounds`` (rounded up), so that the passes
    together spend what one run would. A function too slow for that (fewer than ``spread_min_rounds``
    rounds would fit in one pass, with ``spread_margin`` in favour of spreading, judged on the best of
    up to :data:`DECISION_ROUNDS` rounds: :func:`spread_over_passes`) is measured in full instead, and
    the Measurement says so (``passes == 1``), unless ``force_passes`` (a later pass: the first one
    already chose). ``iterations`` (a later pass) reuses the first pass's calibrated count instead of
    calibrating again, so the pooled rounds all hold the same number of calls.
    ``rounds_per_sample`` is how many rounds make one sample downstream
    (:func:`perfgate.measure.spread.best_of_spread`); the loop overhead is estimated the same way.
    """

    min_time: float = 10e-6
    max_time: float = 1.0
    min_rounds: int = 5
    max_rounds: int | None = None
    warmup_time: float = 0.0
    warmup_rounds: int = 0
    disable_gc: bool = True
    resolution_factor: int = 1000
    subtract_overhead: bool = True
    ci_target: float | None = None
    warmup_settle: float | None = None
    overhead_every: int = 4
    ci_min_time: float = 0.0
    passes: int = 1
    spread_min_rounds: int = 20
    force_passes: bool = False
    rounds_per_sample: int = DEFAULT_GROUP
    spread_margin: float = SPREAD_MARGIN
    iterations: int | None = None

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
        for name in ("ci_target", "warmup_settle"):
            v = getattr(self, name)
            if v is not None and not (math.isfinite(v) and v > 0):
                raise ValueError(f"{name} must be a finite number > 0 or None, got {v!r}")
        if not (math.isfinite(self.ci_min_time) and self.ci_min_time >= 0):
            raise ValueError(f"ci_min_time must be a finite number >= 0, got {self.ci_min_time!r}")
        if self.overhead_every < 1:
            raise ValueError(f"overhead_every must be >= 1, got {self.overhead_every}")
        for name in ("passes", "spread_min_rounds", "rounds_per_sample"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if not (math.isfinite(self.spread_margin) and self.spread_margin > 0):
            raise ValueError(f"spread_margin must be a finite number > 0, got {self.spread_margin!r}")
        if self.iterations is not None and self.iterations < 1:
            raise ValueError(f"iterations must be >= 1 or None, got {self.iterations}")


@dataclass(frozen=True, slots=True)
class Measurement:
    """What a timer measured: per-call samples (seconds), one per round, and how they were obtained.

    ``stopped_by`` is ``"converged"``, ``"max_time"``, ``"max_rounds"`` or ``"deadline"``. ``value`` is
    what the last call of the function returned. ``cpu_samples`` (CPU seconds per call, one per round)
    is empty without a CPU clock. ``loop_overhead`` is what was subtracted per call (None: nothing).
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
    cpu_samples: tuple[float, ...] = ()
    overhead_rounds: int = 0
    ci_halfwidth: float | None = None
    passes: int = 1

    @property
    def rounds(self) -> int:
        return len(self.samples)

    def summary(self) -> Summary:
        # Imported here: perfgate.stats pulls in numpy (a second), and the pytest plugin imports this
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
class _Round:
    wall: int  # ns for the whole round
    end: int  # clock reading at its end
    cpu: int  # CPU ns for the whole round (0 without a CPU clock)
    value: Any


@dataclass(frozen=True, slots=True)
class Timer:
    """Measures a zero-argument function. ``clock`` returns integer nanoseconds.

    ``cpu_clock`` (``None``: no CPU time) is read around measured rounds. With ``loop`` (an asyncio
    event loop), the function is a zero-argument coroutine function and its awaited time is measured.
    ``wait_clock`` (ns this thread has waited for a CPU so far, e.g. :func:`runqueue_wait_ns`; None:
    unknown) corrects the rounds the spread-or-not decision is taken on, never a sample.
    """

    settings: TimerSettings = TimerSettings()
    clock: Clock = time.perf_counter_ns
    cpu_clock: Clock | None = time.process_time_ns
    loop: asyncio.AbstractEventLoop | None = None
    wait_clock: Clock | None = None

    def _round(self, fn: Callable[[], Any], n: int, watch: RoundWatch | None, cpu: bool = False) -> _Round:
        if self.loop is not None:
            return self.loop.run_until_complete(self._around(fn, n, watch, cpu))
        clock = self.clock
        cpu_clock = self.cpu_clock if cpu else None
        it = repeat(None, n)
        result: Any = None
        if watch is not None:
            watch.start(clock(), n)
        c0 = cpu_clock() if cpu_clock is not None else 0
        t0 = clock()
        for _ in it:
            result = fn()
        t1 = clock()
        c1 = cpu_clock() if cpu_clock is not None else 0
        return _closed(t0, t1, c0, c1, result, watch)

    async def _around(
        self,
        fn: Callable[[], Coroutine[Any, Any, Any]],
        n: int,
        watch: RoundWatch | None,
        cpu: bool,
    ) -> _Round:
        clock = self.clock
        cpu_clock = self.cpu_clock if cpu else None
        it = repeat(None, n)
        result: Any = None
        if watch is not None:
            watch.start(clock(), n)
        c0 = cpu_clock() if cpu_clock is not None else 0
        t0 = clock()
        for _ in it:
            result = await fn()
        t1 = clock()
        c1 = cpu_clock() if cpu_clock is not None else 0
        return _closed(t0, t1, c0, c1, result, watch)

    def calibrate(
        self,
        fn: Callable[[], Any],
        target_ns: int,
        resolution_ns: int,
        watch: RoundWatch | None = None,
        deadline_ns: int | None = None,
    ) -> tuple[int, int, int, Any, int]:
        """Grow iterations until a round lasts >= ``target_ns``:
        ``(iterations, rounds, end_ns, value, last_round_ns)``.

        Below 100 clock steps a round is too coarse to extrapolate from, so iterations grow tenfold;
        above, they jump to the estimate plus 10%. Calibration gives up growing (keeping the last count)
        once it has spent ``max_time`` or passed the deadline. A round that reaches the target is timed
        once more when it is short (under 16 targets) or is the very first (its first call may be cold),
        and the faster of the two decides: calibration is taken on warm calls.
        ``last_round_ns`` is that faster round.
        """
        n = 1
        rounds = 0
        start = self.clock()
        budget = max(int(self.settings.max_time * _NS), target_ns)
        while True:
            r = self._round(fn, n, watch)
            dt, end, value = r.wall, r.end, r.value
            rounds += 1
            confirm = dt >= target_ns and n < _MAX_ITERATIONS
            if confirm and self._confirm(dt, rounds, target_ns, end - start, budget):
                # A round that reaches the target is timed again, warm: the first call of a fresh object
                # may be slow (code generated, caches filled), and calibrating on it would keep rounds
                # short of the target for good, on the clock's grid.
                again = self._round(fn, n, watch)
                rounds += 1
                dt, end, value = min(dt, again.wall), again.end, again.value
            if dt >= target_ns or n >= _MAX_ITERATIONS:
                return n, rounds, end, value, dt
            if end - start >= budget or (deadline_ns is not None and end >= deadline_ns):
                return n, rounds, end, value, dt
            if dt < 100 * resolution_ns:
                n *= 10
            else:
                n = max(n + 1, math.ceil(n * target_ns * 1.1 / dt))
            n = min(n, _MAX_ITERATIONS)

    def _decision_rounds(
        self,
        fn: Callable[[], Any],
        n: int,
        last: int,
        pass_ns: float,
        watch: RoundWatch | None,
        deadline_ns: int | None,
    ) -> tuple[list[float], list[_Round]]:
        """The round costs the spread-or-not decision is taken on, and the extra rounds run for it.

        The calibration's last round decides alone when it is clearly fast enough to spread (its
        wall time is an upper bound of its cost). Otherwise up to :data:`DECISION_ROUNDS` more rounds
        run while the decision is close (within a factor of 4 of the boundary), and only they count.
        Their cost is their wall time minus the time the thread waited for a CPU (``wait_clock``):
        contention adds wall time, not work, so an unchanged rerun on a busy machine decides the same
        way.
        """
        s = self.settings
        k = s.spread_min_rounds
        if last * k <= pass_ns * s.spread_margin / 4:
            return [float(last)], []
        costs: list[float] = []
        rounds: list[_Round] = []
        while len(rounds) < DECISION_ROUNDS:
            if rounds and deadline_ns is not None and rounds[-1].end >= deadline_ns:
                break
            w0 = self.wait_clock() if self.wait_clock is not None else 0
            r = self._round(fn, n, watch)
            w1 = self.wait_clock() if self.wait_clock is not None else 0
            costs.append(float(max(r.wall - max(w1 - w0, 0), 0)))
            rounds.append(r)
            fast = min(costs) * k <= pass_ns * s.spread_margin / 4
            if fast or not spread_over_passes(costs, pass_ns, k, s.spread_margin * 4):
                break
        return costs, rounds

    @staticmethod
    def _confirm(dt: int, rounds: int, target_ns: int, spent: int, budget: int) -> bool:
        """Whether a calibration round that reached the target is timed again (see :meth:`calibrate`)."""
        if dt < _CONFIRM_BELOW * target_ns:
            return True
        return rounds == 1 and spent + dt <= budget  # the very first call, if max-time allows a second

    def _empty_round(self, n: int, empty: Callable[[], Any] | None) -> tuple[int, int]:
        """One round of the loop calling ``empty`` (None: the bare loop): ``(wall ns, cpu ns)``."""
        if self.loop is not None:
            r = self._round(_anoop, n, None, cpu=True)
        elif empty is not None:
            r = self._round(empty, n, None, cpu=True)
        else:
            clock, cpu_clock = self.clock, self.cpu_clock
            it = repeat(None, n)
            c0 = cpu_clock() if cpu_clock is not None else 0
            t0 = clock()
            for _ in it:
                pass
            t1 = clock()
            c1 = cpu_clock() if cpu_clock is not None else 0
            return t1 - t0, c1 - c0
        return r.wall, r.cpu

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
            if s.iterations is not None:  # a later pass: the first one calibrated; one round warms up
                n, calib_rounds = s.iterations, 1
                r = self._round(fn, n, watch)
                now, value, last = r.end, r.value, r.wall
            else:
                n, calib_rounds, now, value, last = self.calibrate(fn, target, resolution, watch, deadline_ns)

            def past_deadline(t: int) -> bool:
                return deadline_ns is not None and t >= deadline_ns

            share = s.passes
            warm = 0
            warm_samples: list[int] = []
            warm_start = now  # the decision's rounds count as warm-up, in rounds and in time
            if share > 1 and not s.force_passes:
                pass_ns = s.max_time * _NS / share
                costs, extra = self._decision_rounds(fn, n, last, pass_ns, watch, deadline_ns)
                for r in extra:
                    now, value = r.end, r.value
                    warm_samples.append(r.wall)
                    warm += 1
                if not spread_over_passes(costs, pass_ns, s.spread_min_rounds, s.spread_margin):
                    share = 1  # too slow to spread: measured in full now, in no later pass

            warm_ns = s.warmup_time * _NS / share
            while not past_deadline(now):
                if warm >= math.ceil(s.warmup_rounds / share):
                    if now - warm_start >= warm_ns:
                        break
                    if s.warmup_settle is not None and _settled(warm_samples, s.warmup_settle):
                        break
                r = self._round(fn, n, watch)
                now, value = r.end, r.value
                warm_samples.append(r.wall)
                warm += 1

            empty = empty_like(fn)
            empty_wall: list[int] = []
            empty_cpu: list[int] = []
            for _ in range(_OVERHEAD_FIRST if s.subtract_overhead else 0):
                w, c = self._empty_round(n, empty)
                empty_wall.append(w)
                empty_cpu.append(c)
            now = self.clock()

            gross: list[int] = []
            cpu: list[int] = []
            start = now
            max_ns = s.max_time * _NS / share
            min_rounds = math.ceil(s.min_rounds / share)
            max_rounds = None if s.max_rounds is None else math.ceil(s.max_rounds / share)
            ci_min_ns = s.ci_min_time * _NS / share
            stopped_by = "max_time"
            next_check = max(min_rounds, 6)
            halfwidth: float | None = None
            while True:
                if max_rounds is not None and len(gross) >= max_rounds:
                    stopped_by = "max_rounds"
                    break
                if gross and past_deadline(now):
                    stopped_by = "deadline"
                    break
                if len(gross) >= min_rounds:
                    if now - start >= max_ns:
                        break
                    precise_enough_to_look = len(gross) >= next_check and now - start >= ci_min_ns
                    if s.ci_target is not None and precise_enough_to_look:
                        halfwidth = median_ci_halfwidth(gross)
                        if halfwidth is not None and halfwidth <= s.ci_target:
                            stopped_by = "converged"
                            break
                        # sorting every round would cost O(n^2 log n): look again after 10% more rounds
                        next_check = len(gross) + max(1, len(gross) // 10)
                r = self._round(fn, n, watch, cpu=self.cpu_clock is not None)
                now, value = r.end, r.value
                gross.append(r.wall)
                cpu.append(r.cpu)
                if s.subtract_overhead and len(gross) % s.overhead_every == 0:
                    w, c = self._empty_round(n, empty)
                    empty_wall.append(w)
                    empty_cpu.append(c)
                    now = self.clock()
        finally:
            if s.disable_gc and gc_was_enabled:
                gc.enable()
        # The loop overhead is estimated the way samples will be (the best of spread rounds), so a
        # no-op reads near zero in the fast and the slow state of the machine alike.
        overhead = _spread_centre(empty_wall, s.rounds_per_sample) / n / _NS if empty_wall else None
        cpu_overhead = _spread_centre(empty_cpu, s.rounds_per_sample) / n / _NS if empty_cpu else 0.0
        samples = tuple(max(dt / n / _NS - (overhead or 0.0), 0.0) for dt in gross)
        cpu_samples: tuple[float, ...] = ()
        if self.cpu_clock is not None:
            cpu_samples = tuple(max(c / n / _NS - cpu_overhead, 0.0) for c in cpu)
        if halfwidth is None or stopped_by != "converged":
            halfwidth = median_ci_halfwidth(gross)
        return Measurement(
            samples=samples,
            iterations=n,
            warmup_rounds=warm,
            calibration_rounds=calib_rounds,
            resolution=resolution / _NS,
            round_target=target / _NS,
            loop_overhead=overhead,
            stopped_by=stopped_by,
            value=value,
            cpu_samples=cpu_samples,
            overhead_rounds=len(empty_wall),
            ci_halfwidth=halfwidth,
            passes=share,
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
        region to get the function for that round; then ``iterations`` must be 1. The caller chose the
        rounds, so nothing is subtracted (``loop_overhead`` None) and stopping is not adaptive.
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
        cpu: list[float] = []
        stopped_by = "max_rounds"
        try:
            resolution = measure_resolution(self.clock)
            for i in range(warmup_rounds + rounds):
                call = prepare() if prepare is not None else fn
                r = self._round(call, iterations, watch, cpu=self.cpu_clock is not None)
                now, value = r.end, r.value
                if i >= warmup_rounds:
                    samples.append(r.wall / iterations / _NS)
                    cpu.append(r.cpu / iterations / _NS)
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
            cpu_samples=tuple(cpu) if self.cpu_clock is not None else (),
        )


def _closed(t0: int, t1: int, c0: int, c1: int, result: Any, watch: RoundWatch | None) -> _Round:
    """A round from its clock readings (taken after the round, outside the timed window)."""
    if watch is not None:
        watch.end(t1)
    if t1 < t0:
        raise MeasureError(f"the clock went backwards ({t0} -> {t1} ns): it must be monotonic")
    return _Round(t1 - t0, t1, c1 - c0, result)


def _spread_centre(values: Sequence[int], group: int) -> float:
    """The median of :func:`~perfgate.measure.spread.best_of_spread` samples of ``values``."""
    return _median(best_of_spread([float(v) for v in values], group))


def _settled(walls: Sequence[int], tolerance: float) -> bool:
    """Whether the last two windows of warm-up rounds have medians within ``tolerance`` of each other."""
    w = WARMUP_WINDOW
    if len(walls) < 2 * w:
        return False
    last = _median(walls[-w:])
    before = _median(walls[-2 * w : -w])
    return before > 0 and abs(last - before) <= tolerance * before


def measure_once(fn: Callable[[], Any], clock: Clock = time.perf_counter_ns) -> tuple[Any, float]:
    """Call ``fn`` once, timed: ``(its return value, seconds)``. For bodies that cannot be repeated."""
    t0 = clock()
    value = fn()
    t1 = clock()
    if t1 < t0:
        raise MeasureError(f"the clock went backwards ({t0} -> {t1} ns): it must be monotonic")
    return value, (t1 - t0) / _NS
