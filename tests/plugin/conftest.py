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


@pytest.fixture(autouse=True)
def _not_inside_an_xdist_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pytest a test starts is a user's, not a worker of the pytest-xdist run this suite may be in
    (CI runs the logic tests with ``-n 2``): xdist's variables must not reach it."""
    for name in ("PYTEST_XDIST_WORKER", "PYTEST_XDIST_WORKER_COUNT", "PYTEST_XDIST_TESTRUNUID"):
        monkeypatch.delenv(name, raising=False)
