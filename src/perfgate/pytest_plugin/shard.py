"""Sharding: split the selected benchmarks deterministically over N CI jobs (``--perfgate-shard K/N``).

The split runs last among the collection hooks, after ``-k``, ``-m`` and the tier's selection, so the
shards partition exactly what the unsharded run would measure. Every shard computes the same partition
from the same inputs: the benchmarks' node ids and, when given (``--perfgate-shard-durations FILE``,
written by ``perfgate run`` from the last stored run of the tier), how long each took. Benchmarks are
dealt out longest first, each to the shard with the least total so far (ties: the lower shard); a
benchmark with no known duration counts as the mean of the known ones, and without any durations all
count the same, dealt in the order of a stable hash of their node ids (not Python's salted ``hash``).
Tests that are not benchmarks stay in every shard (``--benchmark-only`` skips them).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from perfgate.pytest_plugin.markers import is_benchmark

__all__ = ["ShardPlugin", "assign", "read_durations"]


def _stable(nodeid: str) -> str:
    return hashlib.sha256(nodeid.encode("utf-8")).hexdigest()


def assign(nodeids: Sequence[str], count: int, durations: Mapping[str, float] | None = None) -> list[int]:
    """The shard (0-based) of each of ``nodeids``, balanced by ``durations`` (seconds by node id)."""
    known = [d for n in nodeids if (d := (durations or {}).get(n)) is not None and d >= 0]
    default = sum(known) / len(known) if known else 1.0
    weight = {n: (durations or {}).get(n, default) for n in nodeids}
    order = sorted(set(nodeids), key=lambda n: (-weight[n], _stable(n), n))
    totals = [0.0] * count
    shard_of: dict[str, int] = {}
    for n in order:
        best = min(range(count), key=lambda i: (totals[i], i))
        shard_of[n] = best
        totals[best] += weight[n]
    return [shard_of[n] for n in nodeids]


def read_durations(path: str) -> dict[str, float]:
    """The durations file: a JSON object of node id -> seconds."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise pytest.UsageError(f"perfgate: cannot read the shard durations {path}: {exc}") from None
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, int | float) and not isinstance(v, bool) for k, v in data.items()
    ):
        raise pytest.UsageError(f"perfgate: {path}: expected a JSON object of node id -> seconds")
    return {k: float(v) for k, v in data.items()}


class ShardPlugin:
    """Keeps shard ``index`` (1-based) of ``count`` of the selected benchmarks; deselects the others."""

    def __init__(self, index: int, count: int, durations: Mapping[str, float] | None) -> None:
        self.index, self.count, self.durations = index, count, durations

    @pytest.hookimpl(trylast=True)  # after -k/-m and every other selection
    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        benchmarks = [item for item in items if is_benchmark(item)]
        shards = assign([i.nodeid for i in benchmarks], self.count, self.durations)
        other = {i.nodeid for i, s in zip(benchmarks, shards, strict=True) if s != self.index - 1}
        if not other:
            return
        config.hook.pytest_deselected(items=[i for i in items if i.nodeid in other])
        items[:] = [i for i in items if i.nodeid not in other]

    def pytest_report_header(self, config: pytest.Config) -> list[str]:
        how = "balanced by the last run's durations" if self.durations else "by node id"
        return [f"perfgate: shard {self.index}/{self.count} of the selected benchmarks ({how})"]
