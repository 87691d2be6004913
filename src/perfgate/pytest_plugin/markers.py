"""``@pytest.mark.benchmark(...)``: which items are benchmarks, and the settings their marker asks for."""

from __future__ import annotations

import pytest

from perfgate.measure import TimerSettings
from perfgate.pytest_plugin.options import marker_settings
from perfgate.pytest_plugin.session import PerfgateSession

__all__ = ["MARKER_HELP", "PerfgateMarkerWarning", "is_benchmark", "item_settings", "uses_fixture"]

MARKER_HELP = (
    "benchmark(group=None, min_time=None, max_time=None, min_rounds=None, max_rounds=None, warmup=None, "
    "disable_gc=None): mark a benchmark. With the `benchmark` fixture it sets its group and options; on a "
    "test without the fixture perfgate measures the whole test body (as pytest-codspeed does)."
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
    marker = item.get_closest_marker("benchmark")
    if marker is None:
        return session.options.timer, None
    settings, group, unknown = marker_settings(session.options.timer, marker.kwargs, item.nodeid)
    fresh = [k for k in unknown if k not in session.warned_marker_keys]
    if fresh:
        session.warned_marker_keys.update(fresh)
        names = ", ".join(fresh)
        item.warn(
            PerfgateMarkerWarning(
                f"perfgate ignores benchmark marker argument(s) {names} (understood: group, min_time, "
                "max_time, min_rounds, max_rounds, warmup, disable_gc)"
            )
        )
    return settings, group
