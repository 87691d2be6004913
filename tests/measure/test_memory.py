"""The memory pass: real tracemalloc on real allocations."""

from __future__ import annotations

import asyncio
import tracemalloc

import pytest

from perfgate.measure import MemoryUse, calls_per_batch, measure_memory, measure_memory_samples

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
    assert use.allocations == 0  # the same batch around an empty function is subtracted


_leaked: list[dict[str, int]] = []


def _leak() -> None:
    for i in range(10):
        _leaked.append({"i": i})


def test_a_leak_reads_what_one_call_keeps_per_call_over_a_batch() -> None:
    # Dicts may come from the interpreter's free list (no new block): a batch amortises that.
    uses = measure_memory_samples(_leak, calls=calls_per_batch(1e-6))
    assert len(uses) == 2 and uses[0].calls == 100
    assert uses[0].allocations == uses[1].allocations >= 10
    assert uses[0].peak == uses[1].peak
    none = measure_memory_samples(lambda: None, calls=100)
    assert [u.allocations for u in none] == [0.0, 0.0]
    _leaked.clear()


def test_the_batch_is_a_power_of_ten_chosen_by_the_time_per_call() -> None:
    assert [calls_per_batch(t) for t in (None, 50e-9, 1e-4, 5e-4, 1e-3, 2.0)] == [1, 100, 100, 10, 10, 1]
    with pytest.raises(ValueError, match="calls"):
        measure_memory(lambda: None, calls=0)


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


def test_a_returned_value_is_not_counted_as_kept_whatever_the_batch() -> None:
    # The value a call returns is held only until the next call replaces it: counting it made a function
    # returning a fresh list read 2 blocks per call in a batch of 1, 0.2 in 10, 0 in 100, so one crossing
    # 1 ms per call between runs moved "deterministically" by 10x.
    def fresh() -> list[float]:
        return [1.5, 2.5]

    assert [measure_memory(fresh, calls=c).allocations for c in (1, 10, 100)] == [0.0, 0.0, 0.0]
    assert measure_memory(fresh, calls=1).value == [1.5, 2.5]


def test_a_function_keeping_nothing_reads_zero_whatever_the_batch() -> None:
    # The reference batch around nothing can free a block left from the batch before it (-1): subtracted,
    # that made a function keeping nothing read 1.0 / 0.1 per call in batches of 1 / 10.
    def temporary() -> int:
        return len(bytearray(100))

    assert [measure_memory(temporary, calls=c).allocations for c in (1, 10, 100)] == [0.0, 0.0, 0.0]
