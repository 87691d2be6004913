"""Measurement: the timer loop (calibration, warm-up, rounds) with an injectable clock."""

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
    "Clock",
    "Measurement",
    "RoundWatch",
    "Timer",
    "TimerSettings",
    "measure_once",
    "measure_resolution",
]
