"""Change-point detection over a benchmark's history: pure core, no I/O.

See ``docs/detection.md`` for the method and its published evaluation.
"""

from perfgate.detect.changepoints import ChangePoint, Detection, DetectSettings, Point, detect, extend

__all__ = ["ChangePoint", "DetectSettings", "Detection", "Point", "detect", "extend"]
