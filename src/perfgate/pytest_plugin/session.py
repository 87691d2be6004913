"""One pytest session's benchmarking state: settings, deadlines, collected results, the JSON document.

The session measures through :meth:`PerfgateSession.measure`, which applies the per-benchmark timeout
(soft stop between rounds plus a SIGALRM for a call that never returns) and the session budget, and
turns a :class:`~perfgate.measure.Measurement` or an exception into a :class:`~perfgate.model.Result`.
"""

from __future__ import annotations

import enum
import json
import math
import os
import random
import re
import sys
import time
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from perfgate.escape import json_inert
from perfgate.measure import BenchmarkTimeout, Measurement, MemoryUse, RoundWatch, timeout_alarm
from perfgate.model import BenchmarkId, Direction, Result, RunStatus, Summary, results_to_dict, utcnow
from perfgate.pytest_plugin.options import PluginOptions

__all__ = ["PerfgateSession", "benchmark_id", "error_line", "seed_random"]

_NS = 1_000_000_000
_TIMED = ("fixture", "marker")  # Results the timer measured round by round


def error_line(exc: BaseException) -> str:
    """``ExceptionType: first line of the message``, the one-line error of a failed Result."""
    if isinstance(exc, BenchmarkTimeout):
        return str(exc)
    lines = str(exc).strip().splitlines()
    name = type(exc).__name__
    return f"{name}: {lines[0]}" if lines else name


PARAM_REPR_LIMIT = 120
"""Longest parameter text kept in ``BenchmarkId.params``; a longer ``repr`` is cut, ending in "…"."""
_ADDRESS = re.compile(r" (?:object )?at 0x[0-9a-fA-F]+")


def _param_value(value: object) -> str:
    """A parametrize value as stable, readable text: ``str`` of plain scalars and enums' values, else a
    bounded ``repr`` with memory addresses removed (they differ from run to run)."""
    if isinstance(value, enum.Enum):
        value = value.value
    if value is None or isinstance(value, str | int | float | bool):
        text = str(value)
    else:
        try:
            text = _ADDRESS.sub("", repr(value))
        except Exception as exc:  # a broken __repr__ must not fail the benchmark
            text = f"<{type(value).__name__}: repr failed: {type(exc).__name__}>"
    if len(text) > PARAM_REPR_LIMIT:
        text = text[: PARAM_REPR_LIMIT - 1] + "…"
    return text


def benchmark_id(item: pytest.Item, group: str | None) -> BenchmarkId:
    """The node id (relative to the rootdir) as name; parametrize values as (argname, text) params
    (see :func:`_param_value`: every value is kept, as readable text)."""
    params: list[tuple[str, str]] = []
    callspec = getattr(item, "callspec", None)
    if callspec is not None:
        for name, value in callspec.params.items():
            params.append((str(name), _param_value(value)))
    return BenchmarkId(item.nodeid, group, tuple(params))


def _jsonable(data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` as plain JSON values; what JSON cannot hold becomes its ``str``."""
    loaded: dict[str, Any] = json.loads(json.dumps(dict(data), default=str, allow_nan=False))
    return loaded


def seed_random(name: str) -> None:
    """Seed ``random`` (and numpy's global generator, if numpy is loaded) from a benchmark's name."""
    seed = zlib.crc32(name.encode("utf-8"))
    random.seed(seed)
    np = sys.modules.get("numpy")
    if np is not None:
        np.random.seed(seed)


def _summarize(samples: tuple[float, ...]) -> Summary:
    from perfgate.stats.summary import summarize  # numpy is slow to import: only when measuring

    return summarize(samples)


@dataclass(slots=True)
class PerfgateSession:
    """Mutable per-session state (lives in ``config.stash``)."""

    options: PluginOptions
    clock: Callable[[], int] = time.perf_counter_ns
    started: datetime = field(default_factory=utcnow)
    started_ns: int = 0
    results: dict[tuple[str, str], Result] = field(default_factory=dict)  # (name, metric) -> Result
    skipped_by_budget: list[str] = field(default_factory=list)
    cut_by_budget: list[str] = field(default_factory=list)
    warned_marker_keys: set[str] = field(default_factory=set)
    planned: int = 0  # benchmarks collected to run in this session
    measured: set[tuple[str, int]] = field(default_factory=set)  # (node id, pass) measured or started
    pass_index: int = 1  # which pass through the benchmarks is under way (see --perfgate-passes)
    spread: set[str] = field(default_factory=set)  # node ids measured over the passes
    iterations: dict[str, int] = field(default_factory=dict)  # node id -> calls per round, pass 1
    pass_problems: list[str] = field(default_factory=list)
    # what keeps the environment's secrets out of recorded errors (perfgate.context.Redactor)
    redact: Callable[[str], str] = str

    def __post_init__(self) -> None:
        self.started_ns = self.clock()

    # budget -------------------------------------------------------------------------------------------
    def budget_deadline(self) -> int | None:
        b = self.options.budget
        return None if b is None else self.started_ns + int(b * _NS)

    def budget_spent(self) -> bool:
        deadline = self.budget_deadline()
        return deadline is not None and self.clock() >= deadline

    def share_deadline(self, now: int) -> int | None:
        """When this benchmark's fair share of the remaining budget runs out (None: no budget).

        The time left is split evenly over the benchmarks not yet measured, this one included, so an
        early benchmark cannot spend the whole budget and a late one inherits what earlier ones saved.
        """
        deadline = self.budget_deadline()
        if deadline is None:
            return None
        passes = self.options.passes
        # In units of one pass of one benchmark; the first pass may measure a benchmark in full.
        remaining = max(self.planned * passes - len(self.measured), 1)
        units = passes if self.pass_index == 1 else 1
        return now + max(deadline - now, 0) * min(units, remaining) // remaining

    @property
    def partial(self) -> bool:
        return bool(self.skipped_by_budget) or bool(self.cut_by_budget)

    # measuring ----------------------------------------------------------------------------------------
    def measure(
        self, name: str, run: Callable[[int | None, RoundWatch], Measurement]
    ) -> tuple[Measurement, str]:
        """Run ``run(deadline_ns, watch)`` under the timeout and budget: ``(measurement, stopped_by)``.

        ``stopped_by`` refines the timer's ``"deadline"`` into ``"timeout"``, ``"budget"`` (the session's
        budget ran out: the run is partial) or ``"budget-share"`` (this benchmark's share of the remaining
        budget was spent, which is normal). ``random`` is seeded from the name first, so a benchmark
        drawing random inputs draws the same ones in every run. Exceptions (including
        :class:`BenchmarkTimeout`) propagate.
        """
        seed_random(name)
        watch = RoundWatch()
        now = self.clock()
        share_at = self.share_deadline(now)
        self.measured.add((name, self.pass_index))
        timeout = self.options.timeout
        timeout_at = None if timeout is None else now + int(timeout * _NS)
        budget_at = self.budget_deadline()
        candidates = [t for t in (timeout_at, budget_at, share_at) if t is not None]
        deadline = min(candidates) if candidates else None
        with timeout_alarm(timeout, watch, self.clock):
            m = run(deadline, watch)
        stopped_by = m.stopped_by
        if stopped_by == "deadline":
            if budget_at is not None and deadline == budget_at:
                stopped_by = "budget"
                if self.pass_index == 1:  # a later pass only adds to what the first one measured
                    self.cut_by_budget.append(name)
            elif timeout_at is not None and deadline == timeout_at:
                stopped_by = "timeout"
            else:
                stopped_by = "budget-share"
        return m, stopped_by

    def record_measurement(
        self,
        bid: BenchmarkId,
        m: Measurement,
        stopped_by: str,
        *,
        mode: str,
        extra_info: Mapping[str, Any],
        disable_gc: bool,
        per_call: Mapping[str, float] | None = None,
        memory: Sequence[MemoryUse] = (),
    ) -> Result:
        """Record the ``time`` Result, and ``cpu_time``, throughput and memory Results when known.

        ``per_call`` maps ``"bytes"``/``"items"`` to what one call processes (from ``extra_info`` or
        the marker); each becomes a rate per round (``throughput`` in B/s, ``item_throughput`` in
        items/s, higher is better), derived from the round's time sample.
        """
        extra: dict[str, Any] = {
            "extra_info": _jsonable(extra_info),
            "mode": mode,
            "stopped_by": stopped_by,
            "calibration_rounds": m.calibration_rounds,
            "clock_resolution": m.resolution,
            # the grid a per-call figure sits on: one clock step shared by the calls of a round
            "resolution": m.resolution / max(m.iterations, 1),
            "round_target": m.round_target,
            "loop_overhead": m.loop_overhead,
            "overhead_rounds": m.overhead_rounds,
            "ci_halfwidth": m.ci_halfwidth,
            "gc_disabled": disable_gc,
            "passes": 1,  # pooling the later passes' rounds counts them here
        }
        result = Result(
            benchmark=bid,
            metric="time",
            unit="s",
            direction=Direction.LOWER,
            summary=m.summary(),
            samples=m.samples,
            rounds=m.rounds,
            iterations=m.iterations,
            warmup=m.warmup_rounds,
            extra=extra,
        )
        self.results[(bid.name, "time")] = result
        if m.passes > 1 and self.pass_index == 1:
            self.spread.add(bid.name)
            self.iterations[bid.name] = m.iterations  # later passes keep it: pooled rounds alike
        how = {"rounds": m.rounds, "iterations": m.iterations, "warmup": m.warmup_rounds}
        if m.cpu_samples:
            self._add(bid, "cpu_time", "s", Direction.LOWER, m.cpu_samples, how, {"mode": mode})
        for key, metric, unit in (("bytes", "throughput", "B/s"), ("items", "item_throughput", "items/s")):
            amount = (per_call or {}).get(key)
            if amount is None:
                continue
            if any(x <= 0 for x in m.samples):  # a round at the clock's floor has no finite rate
                continue
            rates = tuple(amount / x for x in m.samples)
            self._add(
                bid, metric, unit, Direction.HIGHER, rates, how, {"mode": mode, f"{key}_per_call": amount}
            )
        if memory:
            calls = memory[0].calls
            traced = {"rounds": len(memory), "iterations": calls, "warmup": 0}
            peaks = tuple(float(u.peak) for u in memory)
            self._add(bid, "peak_memory", "B", Direction.LOWER, peaks, traced, {"mode": "tracemalloc"})
            self._add(bid, "allocations", "count", Direction.LOWER, tuple(u.allocations for u in memory),
                      traced, {"mode": "tracemalloc", "counts": "blocks retained per call"})  # fmt: skip
        return result

    def _add(
        self,
        bid: BenchmarkId,
        metric: str,
        unit: str,
        direction: Direction,
        samples: tuple[float, ...],
        how: Mapping[str, int],
        extra: Mapping[str, Any],
    ) -> None:
        if not samples or not all(math.isfinite(x) for x in samples):
            return
        self.results[(bid.name, metric)] = Result(
            benchmark=bid,
            metric=metric,
            unit=unit,
            direction=direction,
            summary=_summarize(samples),
            samples=samples,
            rounds=how["rounds"],
            iterations=how["iterations"],
            warmup=how["warmup"],
            extra=_jsonable(extra),
        )

    def record_error(
        self, bid: BenchmarkId, error: str, *, mode: str, extra_info: Mapping[str, Any]
    ) -> Result:
        result = Result(
            benchmark=bid,
            metric="time",
            unit="s",
            direction=Direction.LOWER,
            error=self.redact(error),
            extra={"extra_info": _jsonable(extra_info), "mode": mode},
        )
        self.results[(bid.name, "time")] = result
        return result

    def fail(self, bid: BenchmarkId, error: str, *, mode: str) -> Result:
        """Mark benchmark ``bid`` failed: its test failed (in setup, the call or teardown), whatever it
        measured. Every other metric of it is dropped, so nothing of a failed test reads as measured;
        the first error recorded for it is kept."""
        kept = self.results.get((bid.name, "time"))
        if kept is not None and kept.error is not None:
            return kept
        if kept is not None:
            bid = kept.benchmark  # the group may have been set while the test ran
            mode = str(kept.extra.get("mode", mode))
        for key in [k for k in self.results if k[0] == bid.name]:
            del self.results[key]
        info = kept.extra.get("extra_info", {}) if kept is not None else {}
        return self.record_error(bid, error, mode=mode, extra_info=info)

    def finalize(self) -> None:
        """Make samples of the timer's rounds: each the best of rounds spread over the measurement.

        Applies to what the timer measured (modes ``fixture`` and ``marker``, per round), not to
        pedantic rounds the suite fixed itself nor to the memory pass. A process spawned by
        ``--perfgate-processes`` keeps its rounds: the first process pools them all, then finalizes.
        See :mod:`perfgate.measure.spread`.
        """
        from perfgate.measure.spread import MIN_SAMPLES, best_of_spread

        group = self.options.rounds_per_sample
        if group <= 1 or self.options.process_of:
            return
        for key, r in list(self.results.items()):
            if r.error is not None or len(r.samples) <= MIN_SAMPLES or r.extra.get("mode") not in _TIMED:
                continue
            samples = best_of_spread(r.samples, group, higher=r.direction is Direction.HIGHER)
            extra = dict(r.extra)
            extra["rounds_per_sample"] = round(len(r.samples) / len(samples), 1)
            self.results[key] = replace(r, samples=samples, summary=_summarize(samples), extra=extra)

    # output -------------------------------------------------------------------------------------------
    def status(self, exitstatus: int | pytest.ExitCode, stopped_early: bool) -> RunStatus:
        interrupted = exitstatus == pytest.ExitCode.INTERRUPTED
        return RunStatus.PARTIAL if self.partial or interrupted or stopped_early else RunStatus.COMPLETE

    def document(self, status: RunStatus, finished: datetime | None = None) -> dict[str, Any]:
        return results_to_dict(
            list(self.results.values()),
            started=self.started,
            finished=finished if finished is not None else utcnow(),
            status=status,
        )

    def write_json(self, path: Path, status: RunStatus) -> None:
        """Write the results document atomically (temporary file, then rename)."""
        # bidi and C1 controls in names as \u escapes: the file may be shown in a terminal or CI log
        text = json_inert(json.dumps(self.document(status), indent=2, ensure_ascii=False, allow_nan=False))
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(text + "\n", encoding="utf-8")
        os.replace(tmp, path)
