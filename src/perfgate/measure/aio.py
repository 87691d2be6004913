"""Event loops for measuring coroutines: asyncio's own, or uvloop's when installed and asked for."""

from __future__ import annotations

import functools
import importlib
import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from perfgate.errors import UsageError

if TYPE_CHECKING:  # (imported when a loop is made: the pytest plugin loads this module in every session)
    import asyncio

__all__ = ["is_async", "new_event_loop"]


def is_async(fn: Callable[..., Any]) -> bool:
    """Whether calling ``fn`` returns something to await (also through ``functools.partial``)."""
    while isinstance(fn, functools.partial):
        fn = fn.func
    call = type(fn).__call__ if not inspect.isfunction(fn) else None
    return inspect.iscoroutinefunction(fn) or (call is not None and inspect.iscoroutinefunction(call))


def new_event_loop(uvloop: bool = False) -> asyncio.AbstractEventLoop:
    """A fresh event loop (the caller closes it); uvloop's when ``uvloop`` is set."""
    if not uvloop:
        import asyncio

        return asyncio.new_event_loop()
    try:
        module = importlib.import_module("uvloop")
    except ImportError:
        raise UsageError("uvloop was asked for but is not installed: pip install uvloop") from None
    loop: asyncio.AbstractEventLoop = module.new_event_loop()
    return loop
