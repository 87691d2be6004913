"""The data model: frozen value objects, read models (run listings, series), canonical units, versioned
JSON. Imports only the stdlib.

Each module is imported when one of its names is first read (:mod:`perfgate.lazy`): every dataclass
costs its definition at import (Python generates and compiles its methods), and ``perfgate history``
needs the read models and units, not the run's values, verdicts and JSON.
"""

import typing

if typing.TYPE_CHECKING:
    from perfgate.model.read import Series, SeriesPoint, SeriesPoints
    from perfgate.model.runinfo import RunInfo
    from perfgate.model.serialize import (
        SCHEMA_VERSION,
        ResultsDoc,
        dumps_run,
        loads_run,
        results_from_dict,
        results_to_dict,
        run_from_dict,
        run_to_dict,
        summary_from_dict,
        summary_to_dict,
    )
    from perfgate.model.units import (
        CANONICAL_UNITS,
        METRICS,
        Direction,
        MetricInfo,
        default_direction,
        format_value,
        metric_info,
        normalize,
    )
    from perfgate.model.values import (
        BenchmarkId,
        CIInfo,
        Environment,
        GitInfo,
        NegativeValueError,
        Result,
        Run,
        RunStatus,
        Status,
        Summary,
        Verdict,
        check_run_time,
        new_run_id,
        utcnow,
    )
else:  # each module imported when one of its names is first read (perfgate.lazy)
    from perfgate.lazy import lazy_package as _lazy_package

    _lazy_package(
        __name__,
        {
            "read": ("Series", "SeriesPoint", "SeriesPoints"),
            "runinfo": ("RunInfo",),
            "serialize": (
                "SCHEMA_VERSION",
                "ResultsDoc",
                "dumps_run",
                "loads_run",
                "results_from_dict",
                "results_to_dict",
                "run_from_dict",
                "run_to_dict",
                "summary_from_dict",
                "summary_to_dict",
            ),
            "units": (
                "CANONICAL_UNITS",
                "METRICS",
                "Direction",
                "MetricInfo",
                "default_direction",
                "format_value",
                "metric_info",
                "normalize",
            ),
            "values": (
                "BenchmarkId",
                "CIInfo",
                "Environment",
                "GitInfo",
                "NegativeValueError",
                "Result",
                "Run",
                "RunStatus",
                "Status",
                "Summary",
                "Verdict",
                "check_run_time",
                "new_run_id",
                "utcnow",
            ),
        },
    )

__all__ = [
    "CANONICAL_UNITS",
    "METRICS",
    "SCHEMA_VERSION",
    "BenchmarkId",
    "CIInfo",
    "Direction",
    "Environment",
    "GitInfo",
    "MetricInfo",
    "NegativeValueError",
    "Result",
    "ResultsDoc",
    "Run",
    "RunInfo",
    "RunStatus",
    "Series",
    "SeriesPoint",
    "SeriesPoints",
    "Status",
    "Summary",
    "Verdict",
    "check_run_time",
    "default_direction",
    "dumps_run",
    "format_value",
    "loads_run",
    "metric_info",
    "new_run_id",
    "normalize",
    "results_from_dict",
    "results_to_dict",
    "run_from_dict",
    "run_to_dict",
    "summary_from_dict",
    "summary_to_dict",
    "utcnow",
]
