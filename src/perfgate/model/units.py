"""Canonical units, unit conversion, metric defaults and human formatting.

Everything perfgate stores is in a canonical unit: seconds for time, bytes for memory, plain counts for
counted things, and ``<thing>/s`` for rates. Adapters convert what a harness prints with
:func:`normalize`; reports convert back to a readable scale with :func:`format_value`.
"""

from __future__ import annotations

import enum
import math
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from itertools import compress, repeat
from operator import eq, truediv

__all__ = [
    "CANONICAL_UNITS",
    "METRICS",
    "Direction",
    "MetricInfo",
    "default_direction",
    "format_in_units",
    "format_template",
    "format_value",
    "format_values",
    "metric_info",
    "normalize",
]


class Direction(enum.StrEnum):
    """Which way is better for a metric."""

    LOWER = "lower"
    HIGHER = "higher"


# Canonical units. Anything else an adapter meets it keeps verbatim as a custom unit.
SECONDS = "s"
BYTES = "B"
COUNT = "count"
RATIO = "ratio"
CANONICAL_UNITS = frozenset(
    {SECONDS, BYTES, COUNT, RATIO, "B/s", "ops/s", "items/s", "req/s", "iter/s", "bits/s"}
)

# unit spelled by some harness -> (factor to multiply by, canonical unit)
_TIME = {
    "ps": 1e-12,
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
    "μs": 1e-6,  # Greek mu, as some harnesses print it
    "ms": 1e-3,
    "s": 1.0,
    "sec": 1.0,
    "second": 1.0,
    "seconds": 1.0,
    "min": 60.0,
    "m": 60.0,
    "h": 3600.0,
}
_SIZE = {
    "B": 1.0,
    "byte": 1.0,
    "bytes": 1.0,
    "kB": 1e3,
    "KB": 1e3,
    "MB": 1e6,
    "GB": 1e9,
    "KiB": 1024.0,
    "MiB": 1024.0**2,
    "GiB": 1024.0**3,
}
_COUNT = {
    "count": 1.0,
    "1": 1.0,
    "": 1.0,
    "n": 1.0,
    "x": 1.0,
    "allocs": 1.0,
    "allocations": 1.0,
    "instructions": 1.0,
    "instr": 1.0,
    "calls": 1.0,
    "iterations": 1.0,
    "ops": 1.0,
}
_RATIO = {"ratio": 1.0, "%": 0.01, "percent": 0.01}
_PER = {
    "s": 1.0,
    "sec": 1.0,
    "ms": 1e3,
    "us": 1e6,
    "µs": 1e6,
    "μs": 1e6,
    "ns": 1e9,
    "min": 1 / 60,
    "m": 1 / 60,
}
_RATE_THINGS = {
    "ops": "ops/s",
    "op": "ops/s",
    "items": "items/s",
    "req": "req/s",
    "requests": "req/s",
    "iter": "iter/s",
    "iters": "iter/s",
    "bits": "bits/s",
}


def normalize(value: float, unit: str) -> tuple[float, str]:
    """Convert ``value`` in ``unit`` to perfgate's canonical unit.

    >>> normalize(1500.0, "ns")
    (1.5e-06, 's')
    >>> normalize(2.0, "ops/ms")
    (2000.0, 'ops/s')

    Units perfgate does not know are returned unchanged (custom metrics keep their unit).
    """
    u = unit.strip()
    if u in _TIME:
        return value * _TIME[u], SECONDS
    if u in _SIZE:
        return value * _SIZE[u], BYTES
    if u in _COUNT:
        return value * _COUNT[u], COUNT
    if u in _RATIO:
        return value * _RATIO[u], RATIO
    if "/" in u:
        num, _, den = u.partition("/")
        num, den = num.strip(), den.strip()
        if den in _PER:
            per = _PER[den]
            if num in _SIZE:
                return value * _SIZE[num] * per, "B/s"
            if num in _RATE_THINGS:
                return value * per, _RATE_THINGS[num]
            if num in CANONICAL_UNITS or not num:
                return value * per, f"{num or 'ops'}/s"
            return value * per, f"{num}/s"
        # "ns/op", "s/op", "B/op": per-operation figures of the quantity in the numerator
        if den in ("op", "ops", "iter", "call"):
            return normalize(value, num)
    return value, u


def default_direction(unit: str) -> Direction:
    """Rates (anything per second) are higher-is-better; everything else lower-is-better."""
    return Direction.HIGHER if unit.endswith("/s") else Direction.LOWER


class MetricInfo:
    """The canonical unit and direction of a well-known metric."""

    __slots__ = ("direction", "unit")

    def __init__(self, unit: str, direction: Direction) -> None:
        self.unit = unit
        self.direction = direction

    def __repr__(self) -> str:
        return f"MetricInfo({self.unit!r}, {self.direction.value!r})"


METRICS: dict[str, MetricInfo] = {
    "time": MetricInfo(SECONDS, Direction.LOWER),
    "cpu_time": MetricInfo(SECONDS, Direction.LOWER),
    "user_time": MetricInfo(SECONDS, Direction.LOWER),
    "system_time": MetricInfo(SECONDS, Direction.LOWER),
    "instructions": MetricInfo(COUNT, Direction.LOWER),
    "peak_memory": MetricInfo(BYTES, Direction.LOWER),
    "allocations": MetricInfo(COUNT, Direction.LOWER),
    "allocated_bytes": MetricInfo(BYTES, Direction.LOWER),
    "throughput": MetricInfo("B/s", Direction.HIGHER),
    "item_throughput": MetricInfo("items/s", Direction.HIGHER),  # Google Benchmark's items_per_second
    "element_throughput": MetricInfo("items/s", Direction.HIGHER),  # Criterion's Elements throughput
    "rps": MetricInfo("req/s", Direction.HIGHER),
    "latency_mean": MetricInfo(SECONDS, Direction.LOWER),
    "latency_p50": MetricInfo(SECONDS, Direction.LOWER),
    "latency_p90": MetricInfo(SECONDS, Direction.LOWER),
    "latency_p95": MetricInfo(SECONDS, Direction.LOWER),
    "latency_p99": MetricInfo(SECONDS, Direction.LOWER),
    "latency_max": MetricInfo(SECONDS, Direction.LOWER),
    "error_rate": MetricInfo(RATIO, Direction.LOWER),
}


def metric_info(metric: str, unit: str | None = None) -> MetricInfo:
    """Defaults for ``metric``; an unknown metric gets its direction from its unit."""
    known = METRICS.get(metric)
    if known is not None:
        return known
    u = unit if unit is not None else COUNT
    return MetricInfo(u, default_direction(u))


_TIME_SCALE = ((1.0, "s"), (1e-3, "ms"), (1e-6, "µs"), (1e-9, "ns"), (1e-12, "ps"))
_BYTE_SCALE = ((1024.0**3, "GiB"), (1024.0**2, "MiB"), (1024.0, "KiB"), (1.0, "B"))
_SI_SCALE = ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"), (1.0, ""))


def _sig(x: float, digits: int) -> str:
    if x == 0 or not math.isfinite(x):
        return f"{x:g}"
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(x))))
    return f"{x:.{decimals}f}"


def format_value(value: float | None, unit: str, digits: int = 4) -> str:
    """A human-readable rendering: ``format_value(1.234e-6, "s") == "1.234 µs"``."""
    if value is None:
        return "-"
    if not math.isfinite(value):
        return f"{value} {unit}"
    a = abs(value)
    if value == 0:
        return f"0 {unit}" if unit != COUNT else "0"
    if unit == SECONDS:
        if a >= 60 * 60:
            return f"{_sig(value / 3600, digits)} h"
        if a >= 60:
            return f"{_sig(value / 60, digits)} min"
        for factor, name in _TIME_SCALE:
            if a >= factor or factor == 1e-12:
                return f"{_sig(value / factor, digits)} {name}"
    if unit == BYTES:
        for factor, name in _BYTE_SCALE:
            if a >= factor or factor == 1.0:
                return f"{_sig(value / factor, digits)} {name}"
    if unit == RATIO:
        return f"{_sig(value * 100, digits)} %"
    if unit == COUNT or unit.endswith("/s"):
        suffix = "" if unit == COUNT else f" {unit}"
        if a < 1000:
            return f"{_sig(value, digits)}{suffix}"
        for factor, name in _SI_SCALE:
            if a >= factor:
                return f"{_sig(value / factor, digits)}{name}{suffix}"
    if unit == "B/h":  # a service's memory growth per hour
        return f"{format_value(value, BYTES, digits)}/h"
    if unit.endswith(" delta"):  # a change of a scraped metric: in its own unit, and may be negative
        return format_value(value, unit.removesuffix(" delta"), digits)
    return f"{_sig(value, digits)} {unit}"


# A unit's scales as a ladder for :func:`format_values`: the thresholds (ascending) at which each rung
# above the first begins, and each rung's divisor and the text between the number and the unit (the
# same scales, thresholds and divisions as :func:`format_value`, which is the definition).
_LADDERS: dict[str, tuple[tuple[float, ...], tuple[float, ...], tuple[str, ...]]] = {
    SECONDS: (
        (1e-9, 1e-6, 1e-3, 1.0, 60.0, 3600.0),
        (1e-12, 1e-9, 1e-6, 1e-3, 1.0, 60.0, 3600.0),
        (" ps", " ns", " µs", " ms", " s", " min", " h"),
    ),
    BYTES: (
        (1024.0, 1024.0**2, 1024.0**3),
        (1.0, 1024.0, 1024.0**2, 1024.0**3),
        (" B", " KiB", " MiB", " GiB"),
    ),
}
_SI_LADDER = ((1e3, 1e6, 1e9, 1e12), (1.0, 1e3, 1e6, 1e9, 1e12), ("", "k", "M", "G", "T"))
# A column whose values span at most three rungs (the highest less than this above the lowest) is
# formatted a rung at a time, each rung mostly by one template (58 M instructions for 10,000 values on
# two rungs, 69 M value by value); a wider one value by value (there a pass per rung cost more than it
# saved: 93 M against 69 M on seven rungs)
_GROUPED_RUNGS = 3
_FIXED = tuple(f".{d}f" for d in range(400))  # format specs by number of decimals (doubles need < 400)


def _ladder(unit: str) -> tuple[tuple[float, ...], tuple[float, ...], tuple[str, ...]] | None:
    ladder = _LADDERS.get(unit)
    if ladder is not None:
        return ladder
    if unit == COUNT or unit.endswith("/s"):
        thresholds, divisors, prefixes = _SI_LADDER
        suffix = "" if unit == COUNT else f" {unit}"
        return thresholds, divisors, tuple(p + suffix for p in prefixes)
    return None


def format_values(values: Sequence[float], unit: str, digits: int = 4) -> list[str]:
    """``[format_value(v, unit, digits) for v in values]``, for a column of thousands of values of one
    unit (a history table): the scale, the division, the number of decimals and the formatting of every
    value are each one C-level pass (``map``), no Python call per value. Zeros, non-finite values and
    units without a scale ladder are formatted one by one by :func:`format_value`."""
    ladder = _ladder(unit)
    if ladder is None or not values:
        return [format_value(v, unit, digits) for v in values]
    thresholds, divisors, names = ladder
    magnitudes = values if min(values) > 0 else list(map(abs, values))  # (a NaN first: min is NaN)
    if min(magnitudes) == 0 or not math.isfinite(sum(magnitudes)):  # (a NaN anywhere makes the sum NaN)
        odd = [v == 0 or not math.isfinite(v) for v in values]
        if any(odd):
            fine = [v for v, o in zip(values, odd, strict=True) if not o]
            done = iter(format_values(fine, unit, digits))
            pairs = zip(values, odd, strict=True)
            return [format_value(v, unit, digits) if o else next(done) for v, o in pairs]
        # (every value finite and not zero, only their sum too large for a float)
    least, most = min(magnitudes), max(magnitudes)
    low, high = bisect_right(thresholds, least), bisect_right(thresholds, most)
    suffixes: Iterable[str]
    if low == high:  # one rung for all (the common case)
        divisor = divisors[low]
        scaled = list(map(truediv, values, repeat(divisor)))
        suffixes = repeat(names[low])
        spec = _one_spec(least / divisor, most / divisor, digits)
        if spec is not None:  # and one printf template
            return list(map(f"%{spec}{_suffix(names[low])}".__mod__, scaled))
    else:
        rungs = list(map(bisect_right, repeat(thresholds), magnitudes))
        if high - low < _GROUPED_RUNGS:  # (values near a step: 998 ns, 1.002 µs) each rung a column
            out = [""] * len(values)
            for rung in set(rungs):
                where = list(compress(range(len(rungs)), map(eq, rungs, repeat(rung))))
                texts = format_values(list(map(values.__getitem__, where)), unit, digits)
                for i, text in zip(where, texts, strict=True):
                    out[i] = text
            return out
        scaled = list(map(truediv, values, map(divisors.__getitem__, rungs)))
        suffixes = map(names.__getitem__, rungs)
    # the spec looked up by exponent (a column has a handful of distinct exponents)
    exponents = list(map(math.floor, map(math.log10, map(abs, scaled))))
    specs = {e: _FIXED[max(0, digits - 1 - e)] for e in set(exponents)}
    numbers = map(format, scaled, map(specs.__getitem__, exponents))
    return list(map(str.__add__, numbers, suffixes))


def _suffix(name: str) -> str:
    """A rung's name as the end of a printf template (a unit from input may hold a ``%``)."""
    return name.replace("%", "%%")


def _one_spec(least: float, most: float, digits: int) -> str | None:
    """The one format spec of every scaled value whose magnitude lies in [``least``, ``most``] (both > 0):
    :func:`_sig`'s ``max(0, digits - 1 - floor(log10(|x|)))`` decimals are one when the smallest and the
    largest magnitude have one exponent; else None. (A column's magnitudes are its values' over one
    divisor, ``|v| / divisor`` being ``|v / divisor|``, as ``_sig`` sees it.)"""
    exponent = math.floor(math.log10(least))
    if exponent != math.floor(math.log10(most)):
        return None
    return _FIXED[max(0, digits - 1 - exponent)]


def format_template(
    values: Sequence[float], unit: str, digits: int = 4
) -> tuple[str, list[float], int] | None:
    """``(template, scaled, width)``: ``template % scaled[i]`` is ``format_value(values[i], unit, digits)``
    and every one is ``width`` characters long, when one printf template formats the whole column:
    positive values on one rung of the unit's scale with one exponent, and no value rounding up to one
    more digit, the common column of a history. A table then formats each value in its row's one ``%``
    (:class:`perfgate.report.table.Formatted`), without a text per value. None for any other column."""
    ladder = _ladder(unit)
    if ladder is None or not values:
        return None
    least, most = min(values), max(values)
    if not least > 0 or not math.isfinite(sum(values)):  # (a NaN anywhere makes the sum NaN)
        return None
    thresholds, divisors, names = ladder
    low = bisect_right(thresholds, least)
    if low != bisect_right(thresholds, most):
        return None
    divisor = divisors[low]
    spec = _one_spec(least / divisor, most / divisor, digits)
    if spec is None:
        return None
    template = f"%{spec}{_suffix(names[low])}"
    # a text's length grows with the value (the digits before the point): the extremes bound them all
    width = len(template % (least / divisor))
    if len(template % (most / divisor)) != width:
        return None
    return template, list(map(truediv, values, repeat(divisor))), width


def format_in_units(values: Sequence[float], units: Sequence[str]) -> list[str]:
    """``[format_value(v, u) for v, u in zip(values, units)]``: one :func:`format_values` per unit."""
    kinds = set(units)
    if len(kinds) == 1:
        return format_values(values, units[0])
    out = [""] * len(values)
    for unit in kinds:
        where = [i for i, u in enumerate(units) if u == unit]
        for i, text in zip(where, format_values([values[i] for i in where], unit), strict=True):
            out[i] = text
    return out
