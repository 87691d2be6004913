"""CPU and RSS of a service's process tree (perfgate.measure.resources), read from /proc for real
processes: a busy one, a sleeping one, one that grows. Deadlines bound the waiting; only orders of
magnitude are asserted."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from builders import bare_run
from perfgate.config import Config, parse_config, parse_growth_rate
from perfgate.errors import ConfigError
from perfgate.gate import check_budgets
from perfgate.measure.resources import ResourceSampler, TreeSample, read_tree, resource_results
from perfgate.model import Result

PY = sys.executable
BUSY = "while True: pass"
SLEEPY = "import time; time.sleep(600)"
# grows by 2 MB every 50 ms, touching every page so it is resident
GROWING = (
    "import time\nkept = []\nwhile True:\n    kept.append(bytearray(b'x' * 2_000_000)); time.sleep(0.05)"
)
# a parent whose child holds 30 MB: the tree's RSS counts both
PARENT = (
    "import subprocess, sys, time\n"
    "subprocess.Popen([sys.executable, '-c', 'b = bytearray(b\"x\" * 30_000_000); import time; time.sleep(600)'])\n"
    "time.sleep(600)"
)


@contextmanager
def process(code: str) -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen([PY, "-c", code], process_group=0)
    try:
        yield proc
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def sample_for(leaders: dict[str, int], seconds: float, interval: float = 0.1) -> dict[str, list[TreeSample]]:
    sampler = ResourceSampler(leaders, interval).start()
    time.sleep(seconds)
    return sampler.stop()


def results_of(name: str, samples: list[TreeSample]) -> dict[str, Result]:
    return {r.metric: r for r in resource_results(name, samples)}


def test_the_tree_counts_the_children_of_the_service() -> None:
    with process(PARENT) as proc:
        deadline = time.monotonic() + 20
        while (tree := read_tree(proc.pid))[2] < 2 or tree[1] < 30_000_000:
            assert time.monotonic() < deadline, f"the child never showed up: {tree}"
            time.sleep(0.1)
        _, rss, n = tree
        assert n == 2
        assert rss > 30_000_000
    # killed: nothing resident is left (a child not yet reaped by whoever adopted it is a zombie)
    assert read_tree(proc.pid)[1] == 0


def test_a_busy_service_uses_more_cpu_than_a_sleeping_one() -> None:
    with process(BUSY) as busy, process(SLEEPY) as sleepy:
        samples = sample_for({"busy": busy.pid, "sleepy": sleepy.pid}, 1.5)
    b = resource_results("busy", samples["busy"])[0]
    s = resource_results("sleepy", samples["sleepy"])[0]
    assert b.metric == s.metric == "cpu_percent" and b.unit == "%"
    assert len(b.samples) >= 3  # one per interval
    # a busy loop gets a good share of a core even on a crowded machine; a sleeper gets none
    assert b.extra["overall"] > 10 * max(1.0, s.extra["overall"]), (b.extra, s.extra)


def test_a_growing_service_shows_its_growth_and_a_leak_budget_fails_it() -> None:
    with process(GROWING) as grows, process(SLEEPY) as steady:
        time.sleep(0.5)  # both interpreters started
        samples = sample_for({"grows": grows.pid, "steady": steady.pid}, 2.0)
    g = results_of("grows", samples["grows"])
    s = results_of("steady", samples["steady"])
    assert g["rss_growth"].summary.median > 10_000_000  # about 2 MB per 50 ms for 2 s
    assert g["rss_peak"].summary.median >= g["rss_growth"].summary.median
    assert g["rss_growth_per_hour"].unit == "B/h"
    assert g["rss_growth_per_hour"].summary.ci_low > 1e9  # tens of GB/h
    assert s["rss_growth_per_hour"].summary.ci_low < 1e9
    config = configure(
        [
            {"name": "grows", "command": ["x"], "leak": "1GB/h"},
            {"name": "steady", "command": ["x"], "leak": "1GB/h"},
        ]
    )
    run = bare_run(*g.values(), *s.values())
    checks, notes = check_budgets(run, config.policy(None))
    assert notes == []
    by = {c.benchmark: c for c in checks}
    assert not by["service:grows"].passed
    assert by["service:grows"].rule == "service:grows leak <= 1GB/h (lower bound of the 95% interval)"
    assert by["service:steady"].passed


def configure(services: list[dict[str, Any]]) -> Config:
    root = Path("/nonexistent/proj")
    return parse_config({"services": services}, root, root / "pyproject.toml", "p")


def test_fewer_than_two_samples_say_nothing() -> None:
    assert resource_results("svc", [TreeSample(0.0, 1.0, 100, 1)]) == ()


@pytest.mark.parametrize("leak", ["5MB", "fast", "-5MB/h", 5, "5MB/fortnight", "0MB/h"])
def test_a_bad_leak_limit_is_one_line_naming_the_key(leak: object) -> None:
    with pytest.raises(
        ConfigError, match=r"services\[0\]\.leak: expected a positive growth rate like '5MB/h'"
    ):
        configure([{"name": "svc", "command": ["x"], "leak": leak}])


def test_leak_rates_are_bytes_per_hour() -> None:
    assert parse_growth_rate("5MB/h") == 5e6
    assert parse_growth_rate("1 KiB/min") == 1024 * 60
    assert parse_growth_rate("1B/s") == 3600
