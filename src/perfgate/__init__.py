"""perfgate: continuous benchmarking for CI.

Measure, remember every run, decide with statistics whether a change made things slower, and tell people
where they already look. The public Python API is listed in ``__all__``; everything else is private.
"""

import typing

from perfgate.errors import (
    ConfigError,
    ContextError,
    InputError,
    MeasureError,
    NotFoundError,
    ParseError,
    PerfgateError,
    SchemaError,
    StoreError,
    UsageError,
)

if typing.TYPE_CHECKING:
    from perfgate.model import (
        BenchmarkId,
        CIInfo,
        Direction,
        Environment,
        GitInfo,
        Result,
        Run,
        RunInfo,
        RunStatus,
        Series,
        SeriesPoint,
        Status,
        Summary,
        Verdict,
    )
else:  # the model imported when one of its names is first read (perfgate.lazy): `perfgate --version`
    # and `perfgate --help` need none of it
    from perfgate.lazy import lazy_package as _lazy_package

    _lazy_package(
        __name__,
        {
            "model": (
                "BenchmarkId",
                "CIInfo",
                "Direction",
                "Environment",
                "GitInfo",
                "Result",
                "Run",
                "RunInfo",
                "RunStatus",
                "Series",
                "SeriesPoint",
                "Status",
                "Summary",
                "Verdict",
            )
        },
    )

__version__ = "0.1.0.dev0"

__all__ = [
    "BenchmarkId",
    "CIInfo",
    "ConfigError",
    "ContextError",
    "Direction",
    "Environment",
    "GitInfo",
    "InputError",
    "MeasureError",
    "NotFoundError",
    "ParseError",
    "PerfgateError",
    "Result",
    "Run",
    "RunInfo",
    "RunStatus",
    "SchemaError",
    "Series",
    "SeriesPoint",
    "Status",
    "StoreError",
    "Summary",
    "UsageError",
    "Verdict",
    "__version__",
]
