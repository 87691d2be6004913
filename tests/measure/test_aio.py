"""Event loops for coroutines."""

from __future__ import annotations

import functools
import importlib.util

import pytest

from perfgate.errors import UsageError
from perfgate.measure.aio import is_async, new_event_loop


async def _co(x: int) -> int:
    return x


class _Awaitable:
    async def __call__(self) -> int:
        return 1


def test_coroutine_functions_are_recognised_through_partials() -> None:
    assert is_async(_co)
    assert is_async(functools.partial(_co, 1))
    assert is_async(_Awaitable())
    assert not is_async(lambda: None)
    assert not is_async(functools.partial(max, 1))


def test_a_fresh_asyncio_loop_runs_a_coroutine() -> None:
    loop = new_event_loop()
    try:
        assert loop.run_until_complete(_co(3)) == 3
    finally:
        loop.close()


@pytest.mark.skipif(importlib.util.find_spec("uvloop") is not None, reason="uvloop is installed")
def test_uvloop_missing_is_a_usage_error_with_the_remedy() -> None:
    with pytest.raises(UsageError, match="pip install uvloop"):
        new_event_loop(uvloop=True)
