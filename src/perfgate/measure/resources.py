"""CPU and memory of the services while a run's suites use them: read from ``/proc`` every half second.

A service's *tree* is its leader, every process in its process group (services run in their own), and
every descendant of the leader (one that moved to a group of its own too). Per sample:

- **CPU**: ``utime + stime + cutime + cstime`` summed over the tree, in seconds. A live process counts
  its own time; once it exits and is reaped its time moves into its parent's ``cutime``, so nothing is
  counted twice and a short-lived worker is not lost. CPU % of an interval is that sum's delta over the
  wall time (100 = one core busy).
- **RSS**: the resident set (``/proc/<pid>/stat`` field 24, in pages) summed over the tree, in bytes.

:func:`resource_results` turns a service's samples into results of ``service:<name>``: ``cpu_percent``
(one sample per interval), ``rss_peak``, ``rss_growth`` (last minus first, never below 0) and
``rss_growth_per_hour`` (the slope of a least-squares line through the RSS samples, with its 95%
interval as the summary's ``ci_low``/``ci_high``, so a leak budget can gate on the interval's lower
bound rather than on noise).
"""

from __future__ import annotations

import itertools
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from perfgate.model import BenchmarkId, Direction, Result, Summary
from perfgate.stats import linear_fit, summarize

__all__ = [
    "DEFAULT_INTERVAL",
    "ResourceSampler",
    "TreeSample",
    "read_tree",
    "resource_results",
]

DEFAULT_INTERVAL = 0.5  # seconds between samples
_TICKS = os.sysconf("SC_CLK_TCK")
_PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True, slots=True)
class TreeSample:
    """One reading of a service's tree: ``t`` (monotonic seconds), total CPU seconds, RSS bytes."""

    t: float
    cpu: float
    rss: int
    processes: int


def _stat(path: Path) -> tuple[int, int, float, int] | None:
    """(ppid, pgrp, cpu seconds, rss bytes) of one process, None when it is gone."""
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    # the name (field 2) is in parentheses and may hold spaces or ')': split after the last ')'
    fields = raw[raw.rfind(b")") + 2 :].split()
    try:
        ppid, pgrp = int(fields[1]), int(fields[2])
        ticks = sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
        rss = int(fields[21]) * _PAGE
    except (IndexError, ValueError):
        return None
    return ppid, pgrp, ticks / _TICKS, max(rss, 0)


def read_tree(leader: int, proc: Path = Path("/proc")) -> tuple[float, int, int]:
    """(CPU seconds, RSS bytes, process count) of ``leader``'s tree: its process group and its
    descendants. (0, 0, 0) when nothing of it is left."""
    stats: dict[int, tuple[int, int, float, int]] = {}
    try:
        entries = os.listdir(proc)
    except OSError:
        return 0.0, 0, 0
    for name in entries:
        if name.isdigit() and (st := _stat(proc / name / "stat")) is not None:
            stats[int(name)] = st
    children: dict[int, list[int]] = {}
    for pid, (ppid, _, _, _) in stats.items():
        children.setdefault(ppid, []).append(pid)
    tree = {pid for pid, st in stats.items() if st[1] == leader}
    todo = [leader] if leader in stats else []
    while todo:
        pid = todo.pop()
        tree.add(pid)
        todo.extend(c for c in children.get(pid, ()) if c not in tree)
    cpu = sum(stats[p][2] for p in tree)
    rss = sum(stats[p][3] for p in tree)
    return cpu, rss, len(tree)


class ResourceSampler:
    """Samples each service's tree (``{name: leader pid}``) every ``interval`` seconds in a daemon
    thread, from :meth:`start` to :meth:`stop`, which takes a last sample and returns them all."""

    def __init__(
        self,
        leaders: Mapping[str, int],
        interval: float = DEFAULT_INTERVAL,
        *,
        read: Callable[[int], tuple[float, int, int]] = read_tree,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not interval > 0:
            raise ValueError(f"the sampling interval must be positive, got {interval!r}")
        self._leaders = dict(leaders)
        self._interval = interval
        self._read = read
        self._clock = clock
        self._samples: dict[str, list[TreeSample]] = {name: [] for name in self._leaders}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def sample(self) -> None:
        """Read every tree once."""
        for name, pid in self._leaders.items():
            cpu, rss, n = self._read(pid)
            if n:
                with self._lock:
                    self._samples[name].append(TreeSample(self._clock(), cpu, rss, n))

    def _loop(self) -> None:
        while not self._stop.wait(self._interval):
            self.sample()

    def start(self) -> ResourceSampler:
        self.sample()
        self._thread = threading.Thread(target=self._loop, name="perfgate-resources", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> dict[str, list[TreeSample]]:
        """Stop sampling (a last sample first) and return the samples per service."""
        if self._thread is not None and not self._stop.is_set():
            self._stop.set()
            self._thread.join()
            self.sample()
        with self._lock:
            return {name: list(s) for name, s in self._samples.items()}


def _one(
    bid: BenchmarkId, metric: str, unit: str, values: tuple[float, ...], extra: dict[str, float]
) -> Result:
    return Result(bid, metric, unit, Direction.LOWER, summary=summarize(values), samples=values, extra=extra)


def resource_results(name: str, samples: list[TreeSample]) -> tuple[Result, ...]:
    """The resource metrics of service ``name`` from its samples (see the module's docstring); none
    from fewer than two samples (a run too short to say anything)."""
    if len(samples) < 2:
        return ()
    bid = BenchmarkId(f"service:{name}", group="service")
    seconds = samples[-1].t - samples[0].t
    info: dict[str, float] = {"seconds": round(seconds, 3), "interval_samples": len(samples)}
    cpu = tuple(
        max(0.0, (b.cpu - a.cpu) / (b.t - a.t) * 100.0) for a, b in itertools.pairwise(samples) if b.t > a.t
    )
    rss = [s.rss for s in samples]
    peak = float(max(rss))
    out = []
    if cpu:
        overall = max(0.0, (samples[-1].cpu - samples[0].cpu) / seconds * 100.0) if seconds > 0 else 0.0
        out.append(_one(bid, "cpu_percent", "%", cpu, {**info, "overall": round(overall, 3)}))
    out.append(_one(bid, "rss_peak", "B", (peak,), info))
    growth = float(rss[-1] - rss[0])
    out.append(_one(bid, "rss_growth", "B", (max(0.0, growth),), {**info, "first": rss[0], "last": rss[-1]}))
    fit = linear_fit([s.t - samples[0].t for s in samples], [float(r) for r in rss])
    if fit is not None:
        per_hour = fit.slope * 3600.0
        summary = Summary(
            n=fit.n,
            mean=per_hour,
            median=per_hour,
            min=per_hour,
            max=per_hour,
            stddev=fit.stderr * 3600.0,
            ci_low=fit.low * 3600.0,
            ci_high=fit.high * 3600.0,
            ci_level=fit.level,
        )
        out.append(
            Result(
                bid,
                "rss_growth_per_hour",
                "B/h",
                Direction.LOWER,
                summary=summary,
                extra={**info, "stderr": fit.stderr * 3600.0},
            )
        )
    return tuple(out)
