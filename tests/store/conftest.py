"""Fixtures for the store tests: a real SQLite file per test and a small factory of Runs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from builders import T0, RunFactory, make_result, sha
from perfgate.model import CIInfo, Direction, Environment, GitInfo, Run, RunStatus
from perfgate.store import SqlStore, open_store

__all__ = ["T0", "RunFactory", "make_result", "rich_run", "sha"]  # the store tests import these from here


@pytest.fixture
def make_run() -> RunFactory:
    return RunFactory()


def rich_run(run_id: str = "01HXRICH000000000000000001") -> Run:
    """A run using every field of the model, with non-UTC offsets, unicode and nested extras."""
    cest = timezone(timedelta(hours=2))
    started = datetime(2024, 6, 1, 14, 30, 15, 123456, tzinfo=cest)
    results = (
        make_result(
            "bench/test_parse.py::test_small[100]",
            group="parse",
            params=(("n", "100"), ("mode", "fast")),
            extra={"note": "µs-level", "nested": {"list": [1, 2.5, None, True, "x"]}, "big": 2**62},
        ),
        make_result(
            "bench/test_parse.py::test_small[100]", "peak_memory", samples=(1024.0, 2048.0), unit="B"
        ),
        make_result(
            "throughput_json",
            "throughput",
            samples=(1.5e6, 1.52e6, 1.49e6),
            unit="B/s",
            direction=Direction.HIGHER,
        ),
        make_result("crashes", error="ZeroDivisionError: division by zero\n  at line 3"),
        # a negative value needs a custom unit: times, sizes, counts and rates are never negative
        make_result("odd values", "offset", samples=(0.0, -1.0, 1e-300, 1e150, 0.1 + 0.2), unit="mV"),
        make_result("custom", "frobs", samples=(3.0,), unit="frob", extra={"ünïcødé": "✓"}),
    )
    return Run(
        id=run_id,
        project="rich-project",
        started=started,
        finished=started + timedelta(minutes=3, microseconds=7),
        source="pytest-benchmark",
        environment=Environment(
            testbed="gh-ubuntu-22.04",
            fingerprint="sha256:abcdef",
            os="Linux",
            kernel="6.5.0-1025-azure",
            arch="x86_64",
            cpu_model="AMD EPYC 7763 64-Core Processor",
            cores=4,
            memory_bytes=16 * 2**30,
            python="3.11.9",
            governor="performance",
            load_avg=(0.5, 0.25, 0.125),
            extra={"container": True, "labels": ["a", "b"]},
        ),
        results=results,
        status=RunStatus.PARTIAL,
        tier="pr",
        tags=("nightly", "ünïcode"),
        git=GitInfo(
            commit=sha("rich"),
            branch="feature/x",
            dirty=True,
            parents=(sha("p1"), sha("p2")),
            commit_time=datetime(2024, 6, 1, 9, 0, tzinfo=timezone(timedelta(hours=-5))),
            subject="Make parsing faster — really",
            shallow=True,
        ),
        ci=CIInfo(
            provider="github",
            run_id="123456789",
            job="bench",
            event="pull_request",
            pr_number=42,
            base_ref="main",
            head_ref="feature/x",
            url="https://github.com/o/r/actions/runs/123456789",
        ),
    )


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / ".perfgate" / "perfgate.db"


@pytest.fixture
def store(db_path: Path) -> Iterator[SqlStore]:
    with open_store(db_path) as s:
        yield s
