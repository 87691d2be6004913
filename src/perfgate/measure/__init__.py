"""Measurement: the timer loop (calibration, warm-up, rounds) with an injectable clock; the memory pass."""

import typing

if typing.TYPE_CHECKING:
    from perfgate.measure.alarm import BenchmarkTimeout, alarm_available, timeout_alarm
    from perfgate.measure.memory import MemoryUse, calls_per_batch, measure_memory, measure_memory_samples
    from perfgate.measure.timer import (
        Clock,
        Measurement,
        RoundWatch,
        Timer,
        TimerSettings,
        measure_once,
        measure_resolution,
    )
else:  # each module imported when one of its names is first read (perfgate.lazy)
    from perfgate.lazy import lazy_package as _lazy_package

    _lazy_package(
        __name__,
        {
            "alarm": ("BenchmarkTimeout", "alarm_available", "timeout_alarm"),
            "memory": ("MemoryUse", "calls_per_batch", "measure_memory", "measure_memory_samples"),
            "timer": (
                "Clock",
                "Measurement",
                "RoundWatch",
                "Timer",
                "TimerSettings",
                "measure_once",
                "measure_resolution",
            ),
        },
    )

__all__ = [
    "BenchmarkTimeout",
    "Clock",
    "Measurement",
    "MemoryUse",
    "RoundWatch",
    "Timer",
    "TimerSettings",
    "alarm_available",
    "calls_per_batch",
    "measure_memory",
    "measure_memory_samples",
    "measure_once",
    "measure_resolution",
    "timeout_alarm",
]
