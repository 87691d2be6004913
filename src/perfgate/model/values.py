"""perfgate's value objects: frozen, slotted, validated when built.

Everything meets in a :class:`Run`: measuring produces one, adapters produce one, the store keeps them,
comparison turns two sets of them into :class:`Verdict` values, and reports render both.
"""

from __future__ import annotations

import enum
import math
import os
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from perfgate.model.checks import check_utc as _utc
from perfgate.model.units import CANONICAL_UNITS, Direction

__all__ = [
    "BenchmarkId",
    "CIInfo",
    "Environment",
    "GitInfo",
    "NegativeValueError",
    "Result",
    "Run",
    "RunStatus",
    "Status",
    "Summary",
    "Verdict",
    "check_run_time",
    "new_run_id",
    "utcnow",
]

JSONValue = Any  # str | int | float | bool | None | list[JSONValue] | dict[str, JSONValue]


class RunStatus(enum.StrEnum):
    COMPLETE = "complete"  # every selected benchmark produced a result (some may be failed results)
    PARTIAL = "partial"  # stopped early (time budget, interruption): what is there is valid
    FAILED = "failed"  # the run itself failed (e.g. the harness crashed before producing results)


class Status(enum.StrEnum):
    """The verdict on one benchmark and metric."""

    REGRESSION = "regression"
    IMPROVEMENT = "improvement"
    UNCHANGED = "unchanged"
    INCONCLUSIVE = "inconclusive"
    NEW = "new"  # no baseline for it
    MISSING = "missing"  # in the baseline, not in the current run
    FAILED = "failed"  # the benchmark raised / crashed in the current run


def _finite(name: str, value: float | None) -> None:
    if value is not None and not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")


_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
#: the times a ULID can hold: 48 bits of milliseconds since 1970-01-01 UTC
_ULID_MAX_MS = (1 << 48) - 1


def check_run_time(name: str, value: datetime) -> None:
    """ValueError unless ``value`` can date a run (and so make its sortable id): 1970 up to year 10889.

    Files record dates perfgate cannot use (year 1, Go's zero time); they are refused, not wrapped.
    """
    ms = int(value.timestamp() * 1000)
    if not 0 <= ms <= _ULID_MAX_MS:
        raise ValueError(f"{name} {value.isoformat()} cannot date a run: it must be after 1970-01-01 UTC")


_last_ms = 0
_id_lock = threading.Lock()


def new_run_id(now: datetime | None = None, rand: bytes | None = None) -> str:
    """A ULID: 26 Crockford base32 characters, sortable by creation time (ms), 80 random bits.

    Without ``now`` the time is the clock's, and each id of this process gets a later millisecond than
    the one before: the first 10 characters (the time, and the short form reports show) then differ
    between any two ids made here, even in the same millisecond.
    """
    global _last_ms
    if now is None:
        with _id_lock:
            _last_ms = ms = max(int(time.time() * 1000), _last_ms + 1)
    else:
        check_run_time("time", now)
        ms = int(now.timestamp() * 1000)
    r = rand if rand is not None else os.urandom(10)
    if len(r) != 10:
        raise ValueError("rand must be 10 bytes")
    n = (ms << 80) | int.from_bytes(r, "big")
    chars = []
    for _ in range(26):
        chars.append(_CROCKFORD[n & 31])
        n >>= 5
    return "".join(reversed(chars))


class NegativeValueError(ValueError):
    """A time, size, count, ratio or rate below zero (``-5 ns/op``): no harness measures that.

    The message names the benchmark and metric; ``benchmark`` and ``key`` (the field: ``samples[3]``,
    ``summary.mean``) let an adapter point at the line of the file that holds it.
    """

    def __init__(self, benchmark: BenchmarkId, where: str, key: str, value: float, unit: str) -> None:
        super().__init__(f"{where}: {key} is negative ({value!r} {unit}); a {_KIND[unit]} cannot be")
        self.benchmark = benchmark
        self.key = key
        self.value = value


_KIND = {"s": "time", "B": "size", "count": "count", "ratio": "ratio"}
_KIND.update({u: "rate" for u in CANONICAL_UNITS if u.endswith("/s")})


@dataclass(frozen=True, slots=True)
class BenchmarkId:
    """A benchmark's stable identity.

    ``name`` is the full, unique name (for pytest the node id, e.g.
    ``bench/test_parse.py::test_small[100]``); ``group`` is an optional display group; ``params`` holds
    parametrisation as ordered (name, value) string pairs.
    """

    name: str
    group: str | None = None
    params: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if not self.name or self.name != self.name.strip():
            raise ValueError(f"benchmark name must be non-empty without surrounding spaces: {self.name!r}")
        for pair in self.params:
            if len(pair) != 2 or not all(isinstance(x, str) for x in pair):
                raise ValueError(f"params of {self.name!r} must be (str, str) pairs, got {pair!r}")

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class Summary:
    """Descriptive statistics of a result's per-operation values.

    ``ci_low``/``ci_high`` bound the centre (the median) at ``ci_level``; ``outliers`` counts values
    outside the Tukey fences (reported, never removed).
    """

    n: int
    mean: float
    median: float
    min: float
    max: float
    stddev: float = 0.0
    q1: float | None = None
    q3: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    ci_level: float | None = None
    outliers: int = 0

    def __post_init__(self) -> None:
        if self.n < 1:
            raise ValueError(f"a summary needs n >= 1, got {self.n}")
        if self.outliers < 0:
            raise ValueError(f"summary outliers must be >= 0, got {self.outliers}")
        # One sum in C instead of nine checks in Python when all is well (a history builds a summary
        # for each of thousands of stored points); the loop names the culprit otherwise.
        total = self.mean + self.median + self.min + self.max + self.stddev
        for v in (self.q1, self.q3, self.ci_low, self.ci_high):
            if v is not None:
                total += v
        if not math.isfinite(total):
            for name in ("mean", "median", "min", "max", "stddev", "q1", "q3", "ci_low", "ci_high"):
                _finite(name, getattr(self, name))
        if self.min > self.max:
            raise ValueError(f"summary min {self.min} > max {self.max}")
        if self.stddev < 0:
            raise ValueError(f"summary stddev must be >= 0, got {self.stddev}")
        if (self.ci_low is None) != (self.ci_high is None):
            raise ValueError("ci_low and ci_high go together")
        if self.ci_level is not None and not 0 < self.ci_level < 1:
            raise ValueError(f"ci_level must be in (0, 1), got {self.ci_level}")

    @property
    def cv(self) -> float | None:
        """Coefficient of variation (stddev / mean), None when the mean is 0."""
        return self.stddev / abs(self.mean) if self.mean else None


@dataclass(frozen=True, slots=True)
class Result:
    """One metric of one benchmark in one run.

    ``samples`` are per-operation values, when known (in ``unit``): one per round, or, for perfgate's
    own timer, one per group of rounds (``extra["rounds_per_sample"]``; see
    :mod:`perfgate.measure.spread`), with ``rounds`` counting the rounds. A benchmark that
    failed is a Result with ``error`` set and no summary, never a silent gap.
    ``rounds``/``iterations``/``warmup`` describe how it was measured; ``extra`` carries free-form,
    JSON-compatible information (pytest-benchmark's ``extra_info``, a harness's own fields).
    """

    benchmark: BenchmarkId
    metric: str
    unit: str
    direction: Direction
    summary: Summary | None = None
    samples: tuple[float, ...] = ()
    rounds: int | None = None
    iterations: int | None = None
    warmup: int | None = None
    error: str | None = None
    extra: Mapping[str, JSONValue] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.metric or not self.unit:
            raise ValueError(f"{self.benchmark.name}: metric and unit must be non-empty")
        if self.error is None and self.summary is None:
            raise ValueError(f"{self.benchmark.name} [{self.metric}]: a result needs a summary or an error")
        # sum() and min() run in C: a result is built for every stored result read back, so the common
        # case (all finite, none negative) must not cost a Python loop over the samples
        if self.samples and not math.isfinite(sum(self.samples)):
            for v in self.samples:  # (a finite sum can overflow too: then no sample is to blame)
                if not math.isfinite(v):
                    raise ValueError(f"{self.benchmark.name} [{self.metric}]: sample {v!r} is not finite")
        if self.unit in CANONICAL_UNITS:
            self._check_not_negative()
        for name in ("rounds", "iterations", "warmup"):
            v = getattr(self, name)
            if v is not None and v < 0:
                raise ValueError(f"{self.benchmark.name}: {name} must be >= 0, got {v}")

    def _check_not_negative(self) -> None:
        """Times, sizes, counts, ratios and rates (perfgate's canonical units) are never negative.

        Custom units (a harness's own counter) may be. The interval bounds are not checked: a reported
        mean +- z * stddev interval can dip below zero for a noisy value near zero.
        """
        where = f"{self.benchmark.name} [{self.metric}]"
        if self.samples and min(self.samples) < 0:
            i, v = next((i, v) for i, v in enumerate(self.samples) if v < 0)
            raise NegativeValueError(self.benchmark, where, f"samples[{i}]", v, self.unit)
        s = self.summary
        if s is not None:
            for name in ("min", "median", "mean", "max", "q1", "q3"):
                v = getattr(s, name)
                if v is not None and v < 0:
                    raise NegativeValueError(self.benchmark, where, f"summary.{name}", v, self.unit)

    @property
    def key(self) -> tuple[str, str]:
        """(benchmark name, metric): what identifies a result within a run."""
        return (self.benchmark.name, self.metric)

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True, slots=True)
class GitInfo:
    commit: str
    branch: str | None = None  # None on a detached HEAD we could not attribute to a branch
    dirty: bool = False
    parents: tuple[str, ...] = ()
    commit_time: datetime | None = None
    subject: str | None = None
    shallow: bool = False

    def __post_init__(self) -> None:
        if not self.commit:
            raise ValueError("git commit must be non-empty")
        _utc("commit_time", self.commit_time)


@dataclass(frozen=True, slots=True)
class CIInfo:
    provider: str  # "github", "gitlab", "generic", ...
    run_id: str | None = None
    job: str | None = None
    event: str | None = None
    pr_number: int | None = None
    base_ref: str | None = None
    head_ref: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Environment:
    """Where a run ran. ``fingerprint`` hashes what makes results comparable (same testbed)."""

    testbed: str
    fingerprint: str = ""
    os: str | None = None
    kernel: str | None = None
    arch: str | None = None
    cpu_model: str | None = None
    cores: int | None = None
    memory_bytes: int | None = None
    python: str | None = None
    governor: str | None = None
    load_avg: tuple[float, float, float] | None = None
    extra: Mapping[str, JSONValue] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.testbed:
            raise ValueError("testbed must be non-empty")


@dataclass(frozen=True, slots=True)
class Run:
    """One execution of a suite (or one ingested file set), with everything needed to compare it later."""

    id: str
    project: str
    started: datetime
    finished: datetime | None
    source: str  # "perfgate" or the adapter's name
    environment: Environment
    results: tuple[Result, ...] = ()
    status: RunStatus = RunStatus.COMPLETE
    tier: str | None = None
    tags: tuple[str, ...] = ()
    git: GitInfo | None = None
    ci: CIInfo | None = None

    def __post_init__(self) -> None:
        if not self.id:
            raise ValueError("run id must be non-empty")
        if not self.project:
            raise ValueError("run project must be non-empty")
        _utc("started", self.started)
        _utc("finished", self.finished)
        check_run_time(f"run {self.id}: started", self.started)
        if self.finished is not None and self.finished < self.started:
            raise ValueError(f"run {self.id}: finished before it started")
        # one set of the keys, in C, when they are distinct (a stored run of 10,000 results is built
        # twice when read); the loop names the first duplicate otherwise
        keys = [(r.benchmark.name, r.metric) for r in self.results]
        if len(set(keys)) != len(keys):
            seen: set[tuple[str, str]] = set()
            for key in keys:
                if key in seen:
                    raise ValueError(f"run {self.id}: duplicate result {key[0]} [{key[1]}]")
                seen.add(key)

    @property
    def duration(self) -> float | None:
        return (self.finished - self.started).total_seconds() if self.finished else None

    def result(self, benchmark: str, metric: str = "time") -> Result | None:
        for r in self.results:
            if r.benchmark.name == benchmark and r.metric == metric:
                return r
        return None

    @property
    def failed_results(self) -> tuple[Result, ...]:
        return tuple(r for r in self.results if r.error is not None)


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Verdict:
    """The comparison of one benchmark and metric between a baseline and a current run.

    ``change`` is relative (``+0.10`` = 10% larger value; the *direction* says whether that is bad);
    ``change_low``/``change_high`` bound it when the method gives an interval. ``method`` names how the
    verdict was reached (e.g. ``"ratio-of-medians"``, ``"mann-whitney+hodges-lehmann"``) and
    ``reason`` says why a verdict is inconclusive or what note applies.
    """

    benchmark: BenchmarkId
    metric: str
    unit: str
    direction: Direction
    status: Status
    baseline: Summary | None = None
    current: Summary | None = None
    change: float | None = None
    change_low: float | None = None
    change_high: float | None = None
    p_value: float | None = None
    threshold: float | None = None
    method: str = ""
    severity: str | None = None
    reason: str | None = None

    def __post_init__(self) -> None:
        # one sum in C when all is well (a suite of 10,000 benchmarks builds 10,000 verdicts); the loop
        # names the culprit otherwise (a NaN or an infinity makes the sum so, and so may an overflow)
        total = 0.0
        for v in (self.change, self.change_low, self.change_high, self.p_value, self.threshold):
            if v is not None:
                total += v
        if not math.isfinite(total):
            for name in ("change", "change_low", "change_high", "p_value", "threshold"):
                _finite(name, getattr(self, name))
        if self.p_value is not None and not 0 <= self.p_value <= 1:
            raise ValueError(f"p_value must be in [0, 1], got {self.p_value}")

    @property
    def key(self) -> tuple[str, str]:
        return (self.benchmark.name, self.metric)
