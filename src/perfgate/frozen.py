"""Frozen, slotted value classes that validate when built, without :mod:`dataclasses`, for the few
classes every command builds as it starts. A leaf module: any layer may import it.

Importing ``dataclasses`` (it imports ``inspect``, ``ast``, ``dis`` and ``tokenize``) and generating the
methods of a frozen dataclass (source text compiled for each of ``__init__``, ``__repr__``, ``__eq__``,
``__hash__``, ``__setattr__`` and ``__delattr__``) cost each command's start about 77 million
instructions for its ten such classes, a third of a short command's start (docs/scale.md). The
classes on that path are therefore named tuples (plain records: the configuration, the workspace) or,
where they check their values, a :class:`Frozen` subclass: its ``_fields`` name its fields in order
(a named tuple's attribute; ``__slots__ = _fields``), and its own ``__init__`` checks the values and
stores them with :meth:`Frozen._fill`.

:class:`Frozen` gives what ``@dataclass(frozen=True, slots=True)`` would: equality and a hash over
the fields in order (instances of one class only), a ``repr`` naming each field, assignment refused,
copying and pickling, and :meth:`Frozen._replace` (a named tuple's name for ``dataclasses.replace``),
which builds through ``__init__`` and so checks again.
"""

from __future__ import annotations

from itertools import repeat
from typing import Any, Self

__all__ = ["Frozen"]


class Frozen:
    """The base of a frozen value class whose ``_fields`` (and ``__slots__``) name its fields in order."""

    __slots__ = ()
    _fields: tuple[str, ...] = ()  # (a subclass's fields, in order: its __slots__ too)

    def _fill(self, *values: Any) -> None:
        """Store ``values`` in the fields, in order (for ``__init__``, once it has checked them)."""
        names = type(self)._fields
        if len(values) != len(names):
            raise TypeError(f"{type(self).__name__} has {len(names)} fields, got {len(values)} values")
        for name, value in zip(names, values, strict=True):
            object.__setattr__(self, name, value)

    def _values(self) -> tuple[Any, ...]:
        return tuple(map(getattr, repeat(self), type(self)._fields))

    def _replace(self, **changes: Any) -> Self:
        """A copy with the fields named in ``changes`` changed, built (and checked) by ``__init__``."""
        unknown = set(changes) - set(type(self)._fields)
        if unknown:
            raise TypeError(f"{type(self).__name__} has no field {sorted(unknown)[0]!r}")
        return type(self)(**{**dict(zip(type(self)._fields, self._values(), strict=True)), **changes})

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"cannot assign to field {name!r} of a frozen {type(self).__name__}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r} of a frozen {type(self).__name__}")

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        pairs = zip(type(self)._fields, self._values(), strict=True)
        fields = ", ".join(f"{name}={value!r}" for name, value in pairs)
        return f"{type(self).__qualname__}({fields})"

    def __getstate__(self) -> tuple[Any, ...]:
        return self._values()

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        self._fill(*state)
