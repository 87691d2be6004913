"""The one strict reader for untrusted mappings: run and results documents, configuration tables,
harnesses' JSON.

A :class:`Reader` wraps one mapping with the dotted path that leads to it and the file it came from;
its getters check each value's type and raise the caller's :class:`perfgate.errors.PerfgateError`
subclass with a message naming the file and the key path::

    perfgate.toml: tool.perfgate.tiers.fast.timeout: expected a duration like '30s', got 'soon'
    run.json: key run.results[2].summary.median: expected float, got 'fast'

Rules every getter follows: a boolean is never a number (``True`` is not ``1``), an integer is
accepted where a float is wanted, and a float must be finite. A key that is absent (or null, in JSON)
gives the default of an optional getter and a "missing" error from a required one. Unknown keys are
refused with the list of the known ones, either against an explicit set (:meth:`Reader.check_keys`)
or against the keys the getters asked for (:meth:`Reader.done`).

The checks themselves (:func:`matches`, :func:`number`, :func:`integer`, :func:`describe`) are
shared with the adapters' located access to JSON (``perfgate.adapters._parsing.Doc``), which adds
line numbers found in the file's text.

A leaf: it imports nothing of perfgate but :mod:`perfgate.errors`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from perfgate.errors import PerfgateError

__all__ = ["Mismatch", "Reader", "describe", "integer", "matches", "number", "shown"]

Kind = type | tuple[type, ...]


class Mismatch(ValueError):
    """A value of the wrong kind; the caller adds where it was (file, line, key)."""


def kind_name(kind: Kind) -> str:
    return kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)


def shown(value: Any, width: int = 60) -> str:
    """``repr(value)``, cut to ``width`` characters (a value from input may be long)."""
    text = repr(value)
    return text if len(text) <= width else text[: width - 3] + "..."


def describe(value: Any) -> str:
    """A JSON value in JSON's words: ``null``, ``a boolean``, ``the number 3``, ``an array`` ..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the string {value[:40]!r}"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _kinds(kind: Kind) -> tuple[type, ...]:
    return (kind,) if isinstance(kind, type) else kind


def matches(value: Any, kind: Kind) -> bool:
    """Whether ``value`` is of ``kind``: a bool only where bool is asked for, an int where float is,
    a float only when finite."""
    kinds = _kinds(kind)
    if isinstance(value, bool):
        return bool in kinds
    if isinstance(value, float):
        return float in kinds and math.isfinite(value)
    if isinstance(value, int) and float in kinds:
        return True
    return isinstance(value, kinds)


def _coerce(value: Any, kind: Kind) -> Any:
    kinds = _kinds(kind)
    if isinstance(value, int) and not isinstance(value, bool) and float in kinds and int not in kinds:
        return float(value)
    return value


def number(value: Any, *, nan_ok: bool = False) -> float:
    """A finite number from JSON (``"NaN"``/``"inf"`` strings read as those floats); NaN passes with
    ``nan_ok``. Raises :class:`Mismatch` in JSON's words."""
    if isinstance(value, str) and value.strip().lower() in ("nan", "inf", "-inf", "infinity"):
        value = float(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Mismatch(f"expected a number, got {describe(value)}")
    f = float(value)
    if not math.isfinite(f) and not (nan_ok and math.isnan(f)):
        raise Mismatch(f"expected a finite number, got {value!r}")
    return f


def integer(value: Any) -> int:
    """An integer from JSON (an integral float such as ``3.0`` counts). Raises :class:`Mismatch`."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or (isinstance(value, float) and not math.isfinite(value))
        or value != int(value)
    ):
        raise Mismatch(f"expected an integer, got {describe(value)}")
    return int(value)


class Reader:
    """One untrusted mapping, its key path and its source, read through checked getters.

    ``error`` is the exception class raised (``ConfigError`` for configuration, ``InputError`` for
    documents); ``label`` is put before the key path in messages (``"key "`` for documents).
    """

    __slots__ = ("data", "exc_type", "label", "path", "source", "used")

    def __init__(
        self,
        data: Any,
        path: str,
        source: object,
        error: type[PerfgateError],
        *,
        label: str = "",
    ) -> None:
        self.source = str(source)
        self.path = path
        self.exc_type = error
        self.label = label
        if not isinstance(data, Mapping):
            raise error(f"{self.source}: {label}{path or 'document'}: expected a table, got {shown(data)}")
        self.data: Mapping[str, Any] = data
        self.used: set[str] = set()

    # -- where ------------------------------------------------------------------------------------

    def key(self, k: str) -> str:
        """The full path of key ``k`` (``a.b.k``; ``k`` may carry an index: ``k[2]``)."""
        return f"{self.path}.{k}" if self.path else k

    def error_here(self, message: str, what: str = "document") -> PerfgateError:
        """An error about this mapping as a whole (not one of its keys)."""
        return self.exc_type(f"{self.source}: {self.path or what}: {message}")

    def error(self, k: str, message: str) -> PerfgateError:
        """An error about key ``k``: ``source: path.k: message``."""
        return self.exc_type(f"{self.source}: {self.label}{self.key(k)}: {message}")

    def child(self, data: Any, k: str) -> Reader:
        """A reader for ``data`` found at key (or index) ``k`` of this one."""
        return Reader(data, self.key(k), self.source, self.exc_type, label=self.label)

    # -- typed getters ----------------------------------------------------------------------------

    def _typed(self, k: str, v: Any, kind: Kind) -> Any:
        if not matches(v, kind):
            finite = " finite" if isinstance(v, float) and float in _kinds(kind) else ""
            raise self.error(k, f"expected{finite} {kind_name(kind)}, got {shown(v)}")
        return _coerce(v, kind)

    def get(self, k: str, kind: Kind, default: Any = None) -> Any:
        """The value of optional key ``k`` checked against ``kind``; ``default`` when absent or null."""
        self.used.add(k)
        v = self.data.get(k)
        return default if v is None else self._typed(k, v, kind)

    def req(self, k: str, kind: Kind) -> Any:
        """The value of required key ``k`` checked against ``kind``."""
        self.used.add(k)
        if k not in self.data:
            raise self.error(k, "missing")
        return self._typed(k, self.data[k], kind)

    def sub(self, k: str, *, required: bool = False) -> Reader | None:
        """A reader for the nested table at ``k`` (None when absent, unless ``required``)."""
        v = self.req(k, dict) if required else self.get(k, dict)
        return None if v is None else self.child(v, k)

    def items(self, k: str, kind: Kind, *, required: bool = False) -> tuple[Any, ...]:
        """The list at ``k``, each element checked against ``kind`` (``k[i]`` named when wrong)."""
        values = self.req(k, list) if required else self.get(k, list, [])
        return tuple(self._typed(f"{k}[{i}]", v, kind) for i, v in enumerate(values))

    def strings(self, k: str) -> tuple[str, ...]:
        """A string or a list of strings (configuration's shorthand), as a tuple; () when absent."""
        self.used.add(k)
        v = self.data.get(k)
        if v is None:
            return ()
        if isinstance(v, str):
            return (v,)
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            raise self.error(k, f"expected a string or a list of strings, got {shown(v)}")
        return tuple(v)

    def convert(self, k: str, fn: Callable[[Any], object]) -> Any:
        """``fn(value)`` for key ``k`` (None when absent); fn's ValueError becomes a located error."""
        self.used.add(k)
        if k not in self.data:
            return None
        try:
            return fn(self.data[k])
        except ValueError as exc:
            raise self.error(k, str(exc)) from None

    def time(self, k: str, *, required: bool = False) -> datetime | None:
        """An ISO 8601 time with a timezone."""
        v = self.req(k, str) if required else self.get(k, str)
        if v is None:
            return None
        try:
            dt = datetime.fromisoformat(v)
        except ValueError as exc:
            raise self.error(k, f"not an ISO 8601 time: {shown(v)}") from exc
        if dt.tzinfo is None:
            raise self.error(k, f"time without a timezone: {shown(v)}")
        return dt

    # -- unknown keys -----------------------------------------------------------------------------

    def check_keys(self, allowed: Iterable[str], hint: str = "") -> None:
        """Refuse the first key not in ``allowed``, listing the known ones."""
        known = sorted(set(allowed))
        for k in self.data:
            if k not in known:
                raise self.error(k, f"unknown key (known: {', '.join(known)}){hint}")

    def done(self, hint: str = "") -> None:
        """Refuse any key no getter asked for (the known keys are the ones asked for)."""
        self.check_keys(self.used, hint)
