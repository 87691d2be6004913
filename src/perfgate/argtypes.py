"""argparse types shared by the command line and the pytest plugin (standard library only, so the plugin,
loaded in every pytest process, stays light). argparse names the option in the error:
``argument --perfgate-passes: expected a whole number >= 1, got '0'``."""

from __future__ import annotations

import argparse

__all__ = ["positive_int"]


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return value
