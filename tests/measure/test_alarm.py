"""The SIGALRM guard that interrupts a benchmarked call running past its timeout."""

from __future__ import annotations

import signal
import time

import pytest

from perfgate.measure import BenchmarkTimeout, RoundWatch, alarm_available, timeout_alarm

pytestmark = pytest.mark.skipif(not alarm_available(), reason="SIGALRM needs POSIX and the main thread")


def test_a_round_that_overruns_is_interrupted() -> None:
    watch = RoundWatch()
    watch.start(time.perf_counter_ns(), 1)
    with (
        pytest.raises(BenchmarkTimeout, match=r"timed out after 0\.05s"),
        timeout_alarm(0.05, watch) as armed,
    ):
        assert armed
        time.sleep(30)  # interrupted by the alarm, long before this ends


def test_nothing_is_armed_without_a_timeout() -> None:
    with timeout_alarm(None, RoundWatch()) as armed:
        assert not armed
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_between_rounds_the_alarm_first_lets_the_timer_stop_by_itself() -> None:
    watch = RoundWatch()  # no round running
    fired = []

    def clock() -> int:  # read by the alarm's handler only: counts the times the alarm fired
        fired.append(True)
        return time.perf_counter_ns()

    with timeout_alarm(0.01, watch, clock, outside_grace=30.0):
        deadline = time.monotonic() + 5.0
        while not fired and time.monotonic() < deadline:  # the alarm fires in here and must not raise
            time.sleep(0.01)
    assert fired, "the alarm never fired"


def test_code_stuck_outside_the_rounds_is_interrupted_after_the_grace() -> None:
    with pytest.raises(BenchmarkTimeout), timeout_alarm(0.01, RoundWatch(), outside_grace=0.01):
        time.sleep(30)


def test_an_outer_alarm_is_restored_and_the_handler_put_back() -> None:
    def outer(signum: int, frame: object) -> None:
        raise AssertionError("the outer alarm must not fire during this test")

    old = signal.signal(signal.SIGALRM, outer)
    signal.setitimer(signal.ITIMER_REAL, 100.0)
    try:
        with timeout_alarm(5.0, RoundWatch()):
            pass
        delay, _interval = signal.getitimer(signal.ITIMER_REAL)
        assert 0 < delay <= 100.0
        assert signal.getsignal(signal.SIGALRM) is outer
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
