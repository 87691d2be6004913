"""argparse types shared by the command line and the pytest plugin (standard library only, so the plugin,
loaded in every pytest process, stays light). argparse names the option in the error:
``argument --perfgate-passes: expected a whole number >= 1, got '0'``."""

from __future__ import annotations

import argparse
import re
from datetime import timedelta

__all__ = ["age", "positive_int", "shard"]


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return value


def shard(text: str) -> tuple[int, int]:
    """``K/N`` (shard K of N, 1 <= K <= N) as ``(K, N)``: ``perfgate run --shard 2/4``."""
    k, sep, n = text.partition("/")
    try:
        index, count = int(k), int(n)
    except ValueError:
        index = count = 0
    if not sep or count < 1 or not 1 <= index <= count:
        raise argparse.ArgumentTypeError(f"expected K/N with 1 <= K <= N, such as 2/4, got {text!r}")
    return index, count


def age(value: str) -> timedelta:
    """``90d``, ``2w``, ``12h``, ``30m`` as an age (argparse type)."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(w|d|h|min|m)\s*", value)
    if m is None or float(m.group(1)) <= 0:
        raise argparse.ArgumentTypeError(f"expected an age like 90d, 2w or 12h, got {value!r}")
    unit = {"w": "weeks", "d": "days", "h": "hours", "min": "minutes", "m": "minutes"}[m.group(2)]
    return timedelta(**{unit: float(m.group(1))})
