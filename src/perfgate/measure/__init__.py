"""Measurement: the timer loop (calibration, warm-up, rounds) with an injectable clock; the memory pass."""

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
