"""Fixtures of the command-line tests."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest


@pytest.fixture
def gc_on() -> Iterator[None]:
    """Python's cyclic garbage collector on for the test (as in a user's process), restored after."""
    was = gc.isenabled()
    gc.enable()
    yield
    (gc.enable if was else gc.disable)()
