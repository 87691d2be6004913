"""``perfgate load``: HTTP/1.1 load tests of local servers, open and closed models.

The measuring layer for HTTP: a :class:`Scenario` (the request) under an :class:`OpenModel` (requests
on a schedule, latency timed from each one's due time) or a :class:`ClosedModel` (users that wait for
each answer), run by :func:`run_load` on several worker processes, gives a :class:`LoadReport`;
:func:`load_results` turns it into perfgate results (``rps``, ``latency_p50`` ... ``latency_max``,
``error_rate``, ``throughput``), each second of the run one sample.
"""

from __future__ import annotations

import typing

if typing.TYPE_CHECKING:
    from perfgate.load.results import load_results
    from perfgate.load.runner import LoadReport, Window, check_listening, run_load
    from perfgate.load.scenario import ClosedModel, LoadSpec, OpenModel, Scenario, Stage, parse_rate
else:  # each module imported when one of its names is first read (perfgate.lazy)
    from perfgate.lazy import lazy_package as _lazy_package

    _lazy_package(
        __name__,
        {
            "results": ("load_results",),
            "runner": ("LoadReport", "Window", "check_listening", "run_load"),
            "scenario": ("ClosedModel", "LoadSpec", "OpenModel", "Scenario", "Stage", "parse_rate"),
        },
    )

__all__ = [
    "ClosedModel",
    "LoadReport",
    "LoadSpec",
    "OpenModel",
    "Scenario",
    "Stage",
    "Window",
    "check_listening",
    "load_results",
    "parse_rate",
    "run_load",
]
