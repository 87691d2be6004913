"""Change-point detection and trends over a benchmark's history: pure core, no I/O.

See ``docs/detection.md`` for the method and its published evaluation.
"""

from perfgate.detect.changepoints import ChangePoint, Detection, DetectSettings, Point, detect, extend
from perfgate.detect.trend import BARS, Trend, cell_of, sparkline, trend

__all__ = [
    "BARS",
    "ChangePoint",
    "DetectSettings",
    "Detection",
    "Point",
    "Trend",
    "cell_of",
    "detect",
    "extend",
    "sparkline",
    "trend",
]
