"""``@pytest.mark.benchmark(...)``: which items are benchmarks, and the settings their marker asks for."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import pytest

from perfgate.measure import TimerSettings
from perfgate.pytest_plugin.options import marker_settings
from perfgate.pytest_plugin.session import PerfgateSession

__all__ = [
    "MARKER_HELP",
    "ItemExtras",
    "PerfgateMarkerWarning",
    "is_benchmark",
    "item_extras",
    "item_settings",
    "uses_fixture",
]

MARKER_HELP = (
    "benchmark(group=None, min_time=None, max_time=None, min_rounds=None, max_rounds=None, warmup=None, "
    "disable_gc=None, memory=False, bytes=None, items=None, uvloop=False): mark a benchmark. With the "
    "`benchmark` fixture it sets its group and options; on a test without the fixture perfgate measures the "
    "whole test body (as pytest-codspeed does). memory=True traces peak memory and allocations; "
    "bytes=/items= per call give a throughput."
)


class PerfgateMarkerWarning(pytest.PytestWarning):
    """A benchmark marker argument perfgate does not understand (it is ignored)."""


def uses_fixture(item: pytest.Item) -> bool:
    return "benchmark" in getattr(item, "fixturenames", ())


def is_benchmark(item: pytest.Item) -> bool:
    """A test that requests the ``benchmark`` fixture or carries the ``benchmark`` marker."""
    return uses_fixture(item) or item.get_closest_marker("benchmark") is not None


def item_settings(item: pytest.Item, session: PerfgateSession) -> tuple[TimerSettings, str | None]:
    """The timer settings and group for ``item``: session options refined by its marker.

    Unknown marker arguments are ignored, with one warning per argument name per session.
    """
    base = session.options.timer
    if session.pass_index > 1:  # a later pass: the first one chose to spread this benchmark
        base = replace(base, force_passes=True, iterations=session.iterations.get(item.nodeid))
    marker = item.get_closest_marker("benchmark")
    if marker is None:
        return base, None
    settings, group, unknown = marker_settings(base, marker.kwargs, item.nodeid)
    fresh = [k for k in unknown if k not in session.warned_marker_keys]
    if fresh:
        session.warned_marker_keys.update(fresh)
        names = ", ".join(fresh)
        item.warn(
            PerfgateMarkerWarning(
                f"perfgate ignores benchmark marker argument(s) {names} (understood: group, min_time, "
                "max_time, min_rounds, max_rounds, warmup, warmup_rounds, disable_gc, memory, bytes, items, "
                "uvloop)"
            )
        )
    return settings, group


@dataclass(frozen=True, slots=True)
class ItemExtras:
    """What a benchmark asks for beyond time: a memory pass, amounts per call, uvloop."""

    memory: bool = False
    uvloop: bool = False
    per_call: Mapping[str, float] = field(default_factory=dict)


def per_call_amounts(source: Mapping[str, Any], where: str) -> dict[str, float]:
    """``bytes``/``items`` per call from a marker's kwargs or ``extra_info``; refuses what is no count."""
    out: dict[str, float] = {}
    for key in ("bytes", "items"):
        v = source.get(key)
        if v is None:
            continue
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) or v <= 0:
            raise pytest.UsageError(f"perfgate: {where}: {key} per call must be a number > 0, got {v!r}")
        out[key] = float(v)
    return out


def item_extras(item: pytest.Item, session: PerfgateSession) -> ItemExtras:
    """The session's ``--perfgate-memory``/``--perfgate-uvloop`` refined by the item's marker."""
    marker = item.get_closest_marker("benchmark")
    kwargs: Mapping[str, Any] = marker.kwargs if marker is not None else {}
    return ItemExtras(
        memory=bool(kwargs.get("memory", session.options.memory)),
        uvloop=bool(kwargs.get("uvloop", session.options.uvloop)),
        per_call=per_call_amounts(kwargs, item.nodeid),
    )
