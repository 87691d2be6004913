"""Interrupting a benchmark call that runs past its timeout (SIGALRM, main thread, POSIX only).

The timer stops by itself between rounds once its deadline passes; the alarm exists for the call that
never returns. When it fires it asks the :class:`~perfgate.measure.timer.RoundWatch` whether the round
in progress has overrun what the previous rounds predict (plus a grace period): if so it raises
:class:`BenchmarkTimeout` inside the benchmarked code, otherwise it re-arms itself for the rest of the
allowance. Where SIGALRM is unavailable (Windows, a thread other than the main one) only the soft
between-rounds stop applies.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from perfgate.measure.timer import Clock, RoundWatch

__all__ = ["BenchmarkTimeout", "alarm_available", "timeout_alarm"]


class BenchmarkTimeout(BaseException):
    """Raised inside a benchmarked call that overran its timeout.

    A ``BaseException`` so that ``except Exception`` in the benchmarked code cannot swallow it.
    """

    def __init__(self, timeout: float) -> None:
        super().__init__(f"timed out after {timeout:g}s")
        self.timeout = timeout


def alarm_available() -> bool:
    """True when a SIGALRM timer can interrupt the current thread."""
    return hasattr(signal, "SIGALRM") and threading.current_thread() is threading.main_thread()


@contextmanager
def timeout_alarm(
    timeout: float | None,
    watch: RoundWatch,
    clock: Clock = time.perf_counter_ns,
    outside_grace: float = 1.0,
) -> Iterator[bool]:
    """Arm a SIGALRM for ``timeout`` seconds while the block runs; yields whether it is armed.

    Code running outside the timer's rounds (between them, or in a pedantic setup) gets
    ``outside_grace`` more seconds before it is interrupted too.
    """
    if timeout is None or timeout <= 0 or not alarm_available():
        yield False
        return

    outside = 0

    def on_alarm(signum: int, frame: FrameType | None) -> None:
        nonlocal outside
        wait = watch.overrun_wait(clock())
        if wait is None:
            # Between rounds the timer sees its deadline and stops by itself, and leaving this block
            # cancels the alarm. Still here after another grace period: stuck outside the timed rounds
            # (a pedantic setup function that never returns, say), so interrupt that too.
            outside += 1
            if outside > 1:
                raise BenchmarkTimeout(timeout)
            signal.setitimer(signal.ITIMER_REAL, outside_grace)
            return
        if wait > 0:
            signal.setitimer(signal.ITIMER_REAL, wait)
            return
        raise BenchmarkTimeout(timeout)

    previous = signal.signal(signal.SIGALRM, on_alarm)
    armed_at = time.monotonic()
    outer_delay, outer_interval = signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        yield True
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer_delay > 0:
            # someone else's alarm (pytest-timeout, say) was pending: give it back what is left of it
            left = outer_delay - (time.monotonic() - armed_at)
            signal.setitimer(signal.ITIMER_REAL, max(left, 1e-6), outer_interval)
