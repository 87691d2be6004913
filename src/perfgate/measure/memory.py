"""Peak memory and allocations per call, traced with :mod:`tracemalloc` in a pass of its own.

Tracing slows every allocation several times over, so it never runs while time is measured: the plugin
calls :func:`measure_memory` after the timed rounds, twice (two samples, so a comparison can see whether
a value repeats exactly). One measurement is a batch of ``calls`` traced calls of the function:

- ``peak``: per call, the highest traced memory above what was allocated when that call started
  (bytes), i.e. the most one call holds at once; the median over the batch;
- ``allocations``: memory blocks the batch allocated that were still alive when it returned, per call
  (net, from tracemalloc snapshots before and after), to one decimal. The same batch around an empty
  function is subtracted, so what the tracing loop and the snapshots leave behind does not count, and a
  no-op reads 0. Over many calls, allocations served from the interpreter's free lists (a dict freed
  earlier and reused) are amortised: a function that keeps 10 new dicts per call reads at least 10.
  tracemalloc cannot count blocks that were allocated and freed again, so this is what a call
  *retains*, not Go's allocs/op.

The function is called the same way whatever the call form (``benchmark(f, *args)``,
``benchmark.pedantic``, a marked test body): what is counted is what the call itself retains.

Tracing started by someone else (``python -X tracemalloc``) is left running; its peak is reset for
each call.
"""

from __future__ import annotations

import gc
import tracemalloc
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # (a loop is passed in: the pytest plugin, loaded in every session, imports no asyncio)
    import asyncio

__all__ = ["MEMORY_SAMPLES", "MemoryUse", "calls_per_batch", "measure_memory", "measure_memory_samples"]

MEMORY_SAMPLES = 2
"""Traced batches per benchmark: two, so a comparison can see whether the value repeats exactly."""

_OWN_FILTERS = (tracemalloc.Filter(False, tracemalloc.__file__),)


@dataclass(frozen=True, slots=True)
class MemoryUse:
    """What one call allocated: ``peak`` bytes above the starting point, ``allocations`` blocks retained
    per call (a mean over ``calls`` traced calls, so it may be fractional)."""

    peak: int
    allocations: float
    value: Any = None
    calls: int = 1

    def __post_init__(self) -> None:
        if self.peak < 0 or self.allocations < 0:
            raise ValueError(f"peak and allocations must be >= 0, got {self.peak}, {self.allocations}")
        if self.calls < 1:
            raise ValueError(f"calls must be >= 1, got {self.calls}")


def _blocks(snapshot: tracemalloc.Snapshot) -> int:
    return sum(stat.count for stat in snapshot.filter_traces(_OWN_FILTERS).statistics("filename"))


def _noop() -> None:
    return None


async def _anoop() -> None:
    return None


def _batch(fn: Callable[[], Any], loop: asyncio.AbstractEventLoop | None, calls: int) -> tuple[int, int, Any]:
    """``calls`` traced calls of ``fn``: ``(median peak per call, blocks retained, last value)``.

    Peaks go into a C array, so recording them allocates nothing that outlives the batch.
    """
    peaks = array("q", bytes(8 * calls))
    # One call before the first snapshot: the value it returns is held at both snapshots (each call's
    # value replaces the previous one), so what a call returns is not counted as kept, and a function
    # returning a fresh object reads the same per call whatever the batch (issue 9).
    value: Any = loop.run_until_complete(fn()) if loop is not None else fn()
    before = _blocks(tracemalloc.take_snapshot())
    for i in range(calls):
        tracemalloc.reset_peak()
        start = tracemalloc.get_traced_memory()[0]
        value = loop.run_until_complete(fn()) if loop is not None else fn()
        peaks[i] = max(tracemalloc.get_traced_memory()[1] - start, 0)
    after = _blocks(tracemalloc.take_snapshot())
    ordered = sorted(peaks)
    return ordered[(calls - 1) // 2], after - before, value


def measure_memory(
    fn: Callable[[], Any],
    loop: asyncio.AbstractEventLoop | None = None,
    disable_gc: bool = True,
    calls: int = 1,
) -> MemoryUse:
    """Trace ``calls`` calls of ``fn`` (awaited on ``loop`` when given): peak and retained blocks per call."""
    if calls < 1:
        raise ValueError(f"calls must be >= 1, got {calls}")
    was_tracing = tracemalloc.is_tracing()
    gc_was_enabled = gc.isenabled()
    gc.collect()
    if disable_gc:
        gc.disable()
    if not was_tracing:
        tracemalloc.start()
    try:
        # The same batch around nothing: what the loop and the snapshots themselves leave behind. Run
        # twice: the first batch of a process fills caches of tracemalloc's own (filters, tracebacks).
        nothing = _anoop if loop is not None else _noop
        _batch(nothing, loop, calls)
        _, empty, _ = _batch(nothing, loop, calls)
        peak, retained, value = _batch(fn, loop, calls)
    finally:
        if not was_tracing:
            tracemalloc.stop()
        if disable_gc and gc_was_enabled:
            gc.enable()
    # The reference can free a block left over from the batch before it (-1): the loop itself keeps no
    # fewer than zero, and subtracting a negative would credit the function with a block it never kept.
    per_call = round(max(retained - max(empty, 0), 0) / calls, 1)  # a one-off block is not per call
    return MemoryUse(peak=peak, allocations=per_call, value=value, calls=calls)


def calls_per_batch(seconds_per_call: float | None) -> int:
    """Traced calls per batch: 100 for calls up to 100 µs, 10 up to 1 ms, else 1 (a power of ten, so the
    same function gets the same batch in every run, and a traced batch stays within ~10 ms untraced)."""
    if seconds_per_call is None or seconds_per_call > 1e-3:
        return 1
    return 100 if seconds_per_call <= 1e-4 else 10


def measure_memory_samples(
    fn: Callable[[], Any],
    loop: asyncio.AbstractEventLoop | None = None,
    disable_gc: bool = True,
    calls: int = 1,
    samples: int = MEMORY_SAMPLES,
) -> tuple[MemoryUse, ...]:
    """:func:`measure_memory` ``samples`` times: one :class:`MemoryUse` per traced batch."""
    return tuple(measure_memory(fn, loop=loop, disable_gc=disable_gc, calls=calls) for _ in range(samples))
