"""Versioned JSON for runs.

A document is ``{"perfgate_schema": N, "kind": "run", "run": {...}}``. Files of an older schema load
(through the upgrade steps below); a newer schema is refused with "upgrade perfgate". ``run_from_dict``
inverts ``run_to_dict`` exactly: ``run_from_dict(run_to_dict(r)) == r``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from perfgate.errors import InputError, SchemaError
from perfgate.model.units import Direction
from perfgate.model.values import (
    BenchmarkId,
    CIInfo,
    Environment,
    GitInfo,
    Result,
    Run,
    RunStatus,
    Summary,
)

__all__ = [
    "SCHEMA_VERSION",
    "ResultsDoc",
    "dumps_run",
    "loads_run",
    "results_from_dict",
    "results_to_dict",
    "run_from_dict",
    "run_to_dict",
    "summary_from_dict",
    "summary_to_dict",
]

SCHEMA_VERSION = 1

T = TypeVar("T")


def _dt(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def summary_to_dict(s: Summary) -> dict[str, Any]:
    return {
        "n": s.n,
        "mean": s.mean,
        "median": s.median,
        "min": s.min,
        "max": s.max,
        "stddev": s.stddev,
        "q1": s.q1,
        "q3": s.q3,
        "ci_low": s.ci_low,
        "ci_high": s.ci_high,
        "ci_level": s.ci_level,
        "outliers": s.outliers,
    }


def _result_to_dict(r: Result) -> dict[str, Any]:
    return {
        "benchmark": {
            "name": r.benchmark.name,
            "group": r.benchmark.group,
            "params": [list(p) for p in r.benchmark.params],
        },
        "metric": r.metric,
        "unit": r.unit,
        "direction": r.direction.value,
        "summary": summary_to_dict(r.summary) if r.summary is not None else None,
        "samples": list(r.samples),
        "rounds": r.rounds,
        "iterations": r.iterations,
        "warmup": r.warmup,
        "error": r.error,
        "extra": dict(r.extra),
    }


def run_to_dict(run: Run) -> dict[str, Any]:
    """The versioned JSON document of ``run``."""
    env = run.environment
    git = run.git
    ci = run.ci
    return {
        "perfgate_schema": SCHEMA_VERSION,
        "kind": "run",
        "run": {
            "id": run.id,
            "project": run.project,
            "started": _dt(run.started),
            "finished": _dt(run.finished),
            "source": run.source,
            "status": run.status.value,
            "tier": run.tier,
            "tags": list(run.tags),
            "git": None
            if git is None
            else {
                "commit": git.commit,
                "branch": git.branch,
                "dirty": git.dirty,
                "parents": list(git.parents),
                "commit_time": _dt(git.commit_time),
                "subject": git.subject,
                "shallow": git.shallow,
            },
            "ci": None
            if ci is None
            else {
                "provider": ci.provider,
                "run_id": ci.run_id,
                "job": ci.job,
                "event": ci.event,
                "pr_number": ci.pr_number,
                "base_ref": ci.base_ref,
                "head_ref": ci.head_ref,
                "url": ci.url,
            },
            "environment": {
                "testbed": env.testbed,
                "fingerprint": env.fingerprint,
                "os": env.os,
                "kernel": env.kernel,
                "arch": env.arch,
                "cpu_model": env.cpu_model,
                "cores": env.cores,
                "memory_bytes": env.memory_bytes,
                "python": env.python,
                "governor": env.governor,
                "load_avg": list(env.load_avg) if env.load_avg is not None else None,
                "extra": dict(env.extra),
            },
            "results": [_result_to_dict(r) for r in run.results],
        },
    }


class _Reader:
    """Reads a JSON object strictly, naming the path of whatever is wrong."""

    def __init__(self, data: Any, path: str, source: str) -> None:
        if not isinstance(data, dict):
            raise InputError(f"{source}: {path or 'document'} must be an object")
        self.data: dict[str, Any] = data
        self.path = path
        self.source = source
        self.used: set[str] = set()

    def _where(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def fail(self, key: str, what: str) -> InputError:
        return InputError(f"{self.source}: key {self._where(key)}: {what}")

    def get(self, key: str, kind: type[T] | tuple[type, ...], *, optional: bool = False) -> Any:
        self.used.add(key)
        if key not in self.data:
            if optional:
                return None
            raise self.fail(key, "missing")
        v = self.data[key]
        if v is None and optional:
            return None
        if kind is float and isinstance(v, int) and not isinstance(v, bool):
            return float(v)
        if isinstance(v, bool) and kind is not bool and not (isinstance(kind, tuple) and bool in kind):
            raise self.fail(key, f"expected {getattr(kind, '__name__', kind)}, got {v!r}")
        if not isinstance(v, kind):
            name = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
            raise self.fail(key, f"expected {name}, got {type(v).__name__}")
        return v

    def sub(self, key: str, *, optional: bool = False) -> _Reader | None:
        v = self.get(key, dict, optional=optional)
        return None if v is None else _Reader(v, self._where(key), self.source)

    def time(self, key: str, *, optional: bool = False) -> datetime | None:
        v = self.get(key, str, optional=optional)
        if v is None:
            return None
        try:
            dt = datetime.fromisoformat(v)
        except ValueError as exc:
            raise self.fail(key, f"not an ISO 8601 time: {v!r}") from exc
        if dt.tzinfo is None:
            raise self.fail(key, f"time without a timezone: {v!r}")
        return dt

    def done(self) -> None:
        unknown = sorted(set(self.data) - self.used)
        if unknown:
            raise self.fail(unknown[0], "unknown key (written by a newer perfgate?)")


def _build(reader: _Reader, what: str, make: Callable[[], T]) -> T:
    try:
        value = make()
    except ValueError as exc:
        raise InputError(f"{reader.source}: {reader.path or what}: {exc}") from exc
    reader.done()
    return value


def summary_from_dict(data: Any, path: str = "summary", source: str = "<json>") -> Summary:
    r = _Reader(data, path, source)
    return _build(
        r,
        "summary",
        lambda: Summary(
            n=r.get("n", int),
            mean=r.get("mean", float),
            median=r.get("median", float),
            min=r.get("min", float),
            max=r.get("max", float),
            stddev=r.get("stddev", float),
            q1=r.get("q1", float, optional=True),
            q3=r.get("q3", float, optional=True),
            ci_low=r.get("ci_low", float, optional=True),
            ci_high=r.get("ci_high", float, optional=True),
            ci_level=r.get("ci_level", float, optional=True),
            outliers=r.get("outliers", int),
        ),
    )


def _floats(r: _Reader, key: str) -> tuple[float, ...]:
    values = r.get(key, list)
    out = []
    for i, v in enumerate(values):
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise r.fail(f"{key}[{i}]", f"expected a number, got {v!r}")
        out.append(float(v))
    return tuple(out)


def _strings(r: _Reader, key: str) -> tuple[str, ...]:
    values = r.get(key, list)
    for i, v in enumerate(values):
        if not isinstance(v, str):
            raise r.fail(f"{key}[{i}]", f"expected a string, got {v!r}")
    return tuple(values)


def _direction(r: _Reader, key: str) -> Direction:
    v = r.get(key, str)
    try:
        return Direction(v)
    except ValueError as exc:
        raise r.fail(key, f"expected 'lower' or 'higher', got {v!r}") from exc


def _result_from_dict(data: Any, path: str, source: str) -> Result:
    r = _Reader(data, path, source)
    b = r.sub("benchmark")
    assert b is not None
    params_raw = b.get("params", list)
    params: list[tuple[str, str]] = []
    for i, p in enumerate(params_raw):
        if not (isinstance(p, list) and len(p) == 2 and all(isinstance(x, str) for x in p)):
            raise b.fail(f"params[{i}]", f"expected [name, value] strings, got {p!r}")
        params.append((p[0], p[1]))
    bench = _build(
        b,
        "benchmark",
        lambda: BenchmarkId(b.get("name", str), b.get("group", str, optional=True), tuple(params)),
    )
    summary_raw = r.get("summary", dict, optional=True)
    summary = None if summary_raw is None else summary_from_dict(summary_raw, f"{path}.summary", source)
    return _build(
        r,
        path,
        lambda: Result(
            benchmark=bench,
            metric=r.get("metric", str),
            unit=r.get("unit", str),
            direction=_direction(r, "direction"),
            summary=summary,
            samples=_floats(r, "samples"),
            rounds=r.get("rounds", int, optional=True),
            iterations=r.get("iterations", int, optional=True),
            warmup=r.get("warmup", int, optional=True),
            error=r.get("error", str, optional=True),
            extra=r.get("extra", dict),
        ),
    )


def _load_avg(r: _Reader) -> tuple[float, float, float] | None:
    v = r.get("load_avg", list, optional=True)
    if v is None:
        return None
    if len(v) != 3 or not all(isinstance(x, int | float) and not isinstance(x, bool) for x in v):
        raise r.fail("load_avg", f"expected three numbers, got {v!r}")
    return (float(v[0]), float(v[1]), float(v[2]))


def _upgrade(doc: dict[str, Any], source: str) -> dict[str, Any]:
    version = doc.get("perfgate_schema")
    if isinstance(version, bool) or not isinstance(version, int):
        raise InputError(f"{source}: not a perfgate document (no integer 'perfgate_schema' key)")
    if version > SCHEMA_VERSION:
        raise SchemaError(
            f"{source}: written with perfgate schema {version}, this perfgate reads up to "
            f"{SCHEMA_VERSION}: upgrade perfgate"
        )
    if version < 1:
        raise SchemaError(f"{source}: unknown perfgate schema version {version}")
    # Future: while version < SCHEMA_VERSION: doc = _UPGRADES[version](doc); version += 1
    return doc


def run_from_dict(doc: Mapping[str, Any], source: str = "<json>") -> Run:
    """Parse a run document; errors name ``source`` and the key path."""
    if not isinstance(doc, Mapping):
        raise InputError(f"{source}: a perfgate run document must be a JSON object")
    top = _Reader(_upgrade(dict(doc), source), "", source)
    top.get("perfgate_schema", int)
    kind = top.get("kind", str)
    if kind != "run":
        raise top.fail("kind", f"expected 'run', got {kind!r}")
    r = top.sub("run")
    assert r is not None
    top.done()

    g = r.sub("git", optional=True)
    git = None
    if g is not None:
        gr = g
        git = _build(
            gr,
            "git",
            lambda: GitInfo(
                commit=gr.get("commit", str),
                branch=gr.get("branch", str, optional=True),
                dirty=gr.get("dirty", bool),
                parents=_strings(gr, "parents"),
                commit_time=gr.time("commit_time", optional=True),
                subject=gr.get("subject", str, optional=True),
                shallow=gr.get("shallow", bool),
            ),
        )
    c = r.sub("ci", optional=True)
    ci = None
    if c is not None:
        cr = c
        ci = _build(
            cr,
            "ci",
            lambda: CIInfo(
                provider=cr.get("provider", str),
                run_id=cr.get("run_id", str, optional=True),
                job=cr.get("job", str, optional=True),
                event=cr.get("event", str, optional=True),
                pr_number=cr.get("pr_number", int, optional=True),
                base_ref=cr.get("base_ref", str, optional=True),
                head_ref=cr.get("head_ref", str, optional=True),
                url=cr.get("url", str, optional=True),
            ),
        )
    e = r.sub("environment")
    assert e is not None
    env = _build(
        e,
        "environment",
        lambda: Environment(
            testbed=e.get("testbed", str),
            fingerprint=e.get("fingerprint", str),
            os=e.get("os", str, optional=True),
            kernel=e.get("kernel", str, optional=True),
            arch=e.get("arch", str, optional=True),
            cpu_model=e.get("cpu_model", str, optional=True),
            cores=e.get("cores", int, optional=True),
            memory_bytes=e.get("memory_bytes", int, optional=True),
            python=e.get("python", str, optional=True),
            governor=e.get("governor", str, optional=True),
            load_avg=_load_avg(e),
            extra=e.get("extra", dict),
        ),
    )
    results_raw = r.get("results", list)
    results = tuple(_result_from_dict(x, f"run.results[{i}]", source) for i, x in enumerate(results_raw))

    def status() -> RunStatus:
        v = r.get("status", str)
        try:
            return RunStatus(v)
        except ValueError as exc:
            raise r.fail("status", f"unknown run status {v!r}") from exc

    return _build(
        r,
        "run",
        lambda: Run(
            id=r.get("id", str),
            project=r.get("project", str),
            started=r.time("started"),  # type: ignore[arg-type]
            finished=r.time("finished", optional=True),
            source=r.get("source", str),
            status=status(),
            tier=r.get("tier", str, optional=True),
            tags=_strings(r, "tags"),
            git=git,
            ci=ci,
            environment=env,
            results=results,
        ),
    )


def results_to_dict(
    results: Sequence[Result],
    *,
    started: datetime,
    finished: datetime | None,
    status: RunStatus = RunStatus.COMPLETE,
) -> dict[str, Any]:
    """A bare results document: what a measuring process (the pytest plugin) hands to the caller that
    adds context and stores it. ``{"perfgate_schema": N, "kind": "results", ...}``."""
    return {
        "perfgate_schema": SCHEMA_VERSION,
        "kind": "results",
        "started": _dt(started),
        "finished": _dt(finished),
        "status": status.value,
        "results": [_result_to_dict(r) for r in results],
    }


@dataclass(frozen=True, slots=True)
class ResultsDoc:
    started: datetime
    finished: datetime | None
    status: RunStatus
    results: tuple[Result, ...]


def results_from_dict(doc: Mapping[str, Any], source: str = "<json>") -> ResultsDoc:
    """Inverse of :func:`results_to_dict`."""
    if not isinstance(doc, Mapping):
        raise InputError(f"{source}: a perfgate results document must be a JSON object")
    r = _Reader(_upgrade(dict(doc), source), "", source)
    r.get("perfgate_schema", int)
    kind = r.get("kind", str)
    if kind != "results":
        raise r.fail("kind", f"expected 'results', got {kind!r}")
    raw = r.get("results", list)
    results = tuple(_result_from_dict(x, f"results[{i}]", source) for i, x in enumerate(raw))
    status_raw = r.get("status", str)
    try:
        status = RunStatus(status_raw)
    except ValueError as exc:
        raise r.fail("status", f"unknown run status {status_raw!r}") from exc
    started = r.time("started")
    assert started is not None
    out = ResultsDoc(
        started=started, finished=r.time("finished", optional=True), status=status, results=results
    )
    r.done()
    return out


def dumps_run(run: Run, indent: int | None = 2) -> str:
    return json.dumps(run_to_dict(run), indent=indent, ensure_ascii=False, allow_nan=False)


def loads_run(text: str, source: str = "<json>") -> Run:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{source}:{exc.lineno}: invalid JSON: {exc.msg}") from exc
    return run_from_dict(doc, source)
