"""Many frozen, slotted values built column by column, without a Python call of ``__init__`` per value:
what a suite of 10,000 benchmarks makes once per benchmark (rank tests, analyses, verdicts) and what a
store reads in bulk (a run's results, a series' points and their summaries). A leaf module: any layer
may import it.

Each field of every new instance is set through its slot's descriptor (``map`` over the column, in
C), which skips ``__init__`` and ``__post_init__``: the caller checks, column by column, whatever the
class checks when built, and builds the values it cannot vouch for through the class itself (which
raises its own error). The values are indistinguishable from constructed ones (same fields, same
``repr``, same equality).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Sequence
from itertools import repeat
from typing import Any, TypeVar

__all__ = ["build"]

T = TypeVar("T")


_SETTERS: dict[type, tuple[Callable[[Any, Any], None], ...]] = {}


def _setters(cls: type) -> tuple[Callable[[Any, Any], None], ...]:
    """Each field's slot setter, in the order of the fields (looked up once per class): a slotted
    dataclass's ``__slots__`` are its fields in order, as a :class:`perfgate.frozen.Frozen` class's."""
    found = _SETTERS.get(cls)
    if found is None:
        found = _SETTERS[cls] = tuple(cls.__dict__[name].__set__ for name in cls.__slots__)  # type: ignore[attr-defined]
    return found


def build(cls: type[T], count: int, columns: Sequence[Iterable[Any]]) -> list[T]:
    """``count`` new instances of the slotted dataclass (or :class:`~perfgate.frozen.Frozen` class)
    ``cls``, field i of the k-th taken from the k-th item of ``columns[i]`` (one column per field, in
    the order of the fields; ``itertools.repeat`` for a constant). No ``__post_init__`` (or checking
    ``__init__``) runs: the caller has checked what it checks."""
    setters = _setters(cls)
    if len(columns) != len(setters):
        raise TypeError(f"{cls.__name__} has {len(setters)} fields, got {len(columns)} columns")
    out: list[T] = list(map(object.__new__, repeat(cls, count)))
    for setter, column in zip(setters, columns, strict=True):
        deque(map(setter, out, column), maxlen=0)
    return out
