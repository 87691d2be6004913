"""Peak memory and allocations of one call, traced with :mod:`tracemalloc` in a pass of its own.

Tracing slows every allocation several times over, so it never runs while time is measured: the plugin
calls :func:`measure_memory` after the timed rounds. What it reports for one call of the function:

- ``peak``: the highest traced memory above what was allocated when the call started (bytes), i.e. the
  most the call held at once;
- ``allocations``: memory blocks the call allocated that were still alive when it returned (net, from a
  tracemalloc snapshot before and after). This is what a call *retains*; tracemalloc cannot count blocks
  that were allocated and freed again, so this is not Go's allocs/op.

Tracing started by someone else (``python -X tracemalloc``) is left running, and its peak restored is
not possible: the peak is reset for the call.
"""

from __future__ import annotations

import asyncio
import gc
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["MemoryUse", "measure_memory"]

_OWN_FILTERS = (tracemalloc.Filter(False, tracemalloc.__file__),)


@dataclass(frozen=True, slots=True)
class MemoryUse:
    """What one call allocated: ``peak`` bytes above the starting point, ``allocations`` blocks retained."""

    peak: int
    allocations: int
    value: Any = None

    def __post_init__(self) -> None:
        if self.peak < 0 or self.allocations < 0:
            raise ValueError(f"peak and allocations must be >= 0, got {self.peak}, {self.allocations}")


def _blocks(snapshot: tracemalloc.Snapshot) -> int:
    return sum(stat.count for stat in snapshot.filter_traces(_OWN_FILTERS).statistics("filename"))


def measure_memory(
    fn: Callable[[], Any], loop: asyncio.AbstractEventLoop | None = None, disable_gc: bool = True
) -> MemoryUse:
    """Trace one call of ``fn`` (awaited on ``loop`` when given): its peak memory and retained blocks."""
    was_tracing = tracemalloc.is_tracing()
    gc_was_enabled = gc.isenabled()
    gc.collect()
    if disable_gc:
        gc.disable()
    if not was_tracing:
        tracemalloc.start()
    try:
        # two snapshots around nothing tell what taking a snapshot itself leaves behind
        empty_before = _blocks(tracemalloc.take_snapshot())
        empty_after = _blocks(tracemalloc.take_snapshot())
        tracemalloc.reset_peak()
        start, _ = tracemalloc.get_traced_memory()
        value = loop.run_until_complete(fn()) if loop is not None else fn()
        _, peak = tracemalloc.get_traced_memory()
        after = _blocks(tracemalloc.take_snapshot())
        retained = max((after - empty_after) - (empty_after - empty_before), 0)
    finally:
        if not was_tracing:
            tracemalloc.stop()
        if disable_gc and gc_was_enabled:
            gc.enable()
    return MemoryUse(peak=max(peak - start, 0), allocations=retained, value=value)
