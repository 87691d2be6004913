"""The memory pass: real tracemalloc on real allocations."""

from __future__ import annotations

import asyncio
import tracemalloc

import pytest

from perfgate.measure import MemoryUse, measure_memory

_kept: list[object] = []


def test_peak_counts_what_a_call_holds_at_once() -> None:
    def big_temporary() -> int:
        block = bytearray(4_000_000)
        return len(block)

    use = measure_memory(big_temporary)
    assert use.value == 4_000_000
    assert 4_000_000 <= use.peak < 4_200_000
    assert use.allocations < 10  # freed before returning


def test_allocations_count_the_blocks_a_call_retains() -> None:
    _kept.clear()

    def retain() -> None:
        _kept.extend(object() for _ in range(1000))

    use = measure_memory(retain)
    assert 1000 <= use.allocations < 1100
    assert use.peak >= 1000 * 16
    _kept.clear()


def test_a_call_that_allocates_nothing_reads_zero() -> None:
    use = measure_memory(lambda: None)
    assert use.peak < 1000
    assert use.allocations <= 8  # a first call may fill a cache or two of the interpreter


def test_tracing_is_stopped_afterwards_unless_it_was_on() -> None:
    measure_memory(lambda: None)
    assert not tracemalloc.is_tracing()
    tracemalloc.start()
    try:
        measure_memory(lambda: None)
        assert tracemalloc.is_tracing()
    finally:
        tracemalloc.stop()


def test_coroutines_are_awaited() -> None:
    async def grow() -> int:
        await asyncio.sleep(0)
        return len(bytes(1_000_000))

    loop = asyncio.new_event_loop()
    try:
        use = measure_memory(grow, loop=loop)
    finally:
        loop.close()
    assert use.value == 1_000_000
    assert use.peak >= 1_000_000


def test_negative_figures_are_refused() -> None:
    with pytest.raises(ValueError, match="peak"):
        MemoryUse(peak=-1, allocations=0)
