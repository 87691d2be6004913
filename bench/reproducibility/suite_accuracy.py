"""Busy-wait workloads of known length, spinning on the clock.

A call lasts its nominal length plus the part of one loop iteration (a clock read and a comparison) that
crosses the deadline and the call's own clock read before it: some 30-60 ns on a current Linux machine,
which is 3-6% of 1 µs and nothing at 100 µs and 10 ms.
"""

import time

import pytest

_pc = time.perf_counter_ns


def _spinner(ns: int):
    def spin() -> None:
        end = _pc() + ns
        while _pc() < end:
            pass

    return spin


@pytest.mark.parametrize("length_ns", [1_000, 100_000, 10_000_000])
def test_busy_wait(benchmark, length_ns):
    benchmark.extra_info["nominal"] = length_ns / 1e9
    benchmark(_spinner(length_ns))


def test_clock_read(benchmark):
    # one poll of the spin loop: what a 1 µs busy-wait overshoots by, roughly
    benchmark.extra_info["nominal"] = None
    benchmark(_pc)
