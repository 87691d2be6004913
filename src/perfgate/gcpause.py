"""Python's cyclic garbage collector paused while a block builds many small acyclic values.

Reading a 10,000-point series or comparing two 10,000-result runs allocates tens of thousands of
rows, summaries, points and verdicts, none of them in a cycle; each collection those allocations
trigger walks every live object, which was a fifth to a half of the time. Reference counting still
frees everything; a collector the caller turned off stays off.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["gc_paused"]


@contextmanager
def gc_paused() -> Iterator[None]:
    """The collector off until the block ends (on again afterwards, also on an error), unless it was
    already off."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
