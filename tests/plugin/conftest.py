"""Helpers for driving the plugin in a separate pytest process through ``pytester``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from perfgate.model import ResultsDoc, results_from_dict

FAST = ("--benchmark-max-time=0.01", "--benchmark-min-rounds=3", "--benchmark-warmup=no")


def run_perfgate(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    """pytest in a subprocess with pytest-benchmark out of the way and short measurements."""
    return pytester.runpytest_subprocess("-p", "no:benchmark", "-p", "no:cacheprovider", *FAST, *args)


def read_results(path: Path) -> ResultsDoc:
    return results_from_dict(json.loads(path.read_text(encoding="utf-8")), source=str(path))
