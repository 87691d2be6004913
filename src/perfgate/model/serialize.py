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
from perfgate.strict import Reader

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


def _reader(data: Any, path: str, source: str) -> Reader:
    return Reader(data, path, source, InputError, label="key ")


def _build(reader: Reader, what: str, make: Callable[[], T]) -> T:
    try:
        value = make()
    except ValueError as exc:
        raise reader.error_here(str(exc), what) from exc
    reader.done(", written by a newer perfgate?")
    return value


def summary_from_dict(data: Any, path: str = "summary", source: str = "<json>") -> Summary:
    r = _reader(data, path, source)
    return _build(
        r,
        "summary",
        lambda: Summary(
            n=r.req("n", int),
            mean=r.req("mean", float),
            median=r.req("median", float),
            min=r.req("min", float),
            max=r.req("max", float),
            stddev=r.req("stddev", float),
            q1=r.get("q1", float),
            q3=r.get("q3", float),
            ci_low=r.get("ci_low", float),
            ci_high=r.get("ci_high", float),
            ci_level=r.get("ci_level", float),
            outliers=r.req("outliers", int),
        ),
    )


def _direction(r: Reader, key: str) -> Direction:
    v = r.req(key, str)
    try:
        return Direction(v)
    except ValueError as exc:
        raise r.error(key, f"expected 'lower' or 'higher', got {v!r}") from exc


def _result_from_dict(data: Any, path: str, source: str) -> Result:
    r = _reader(data, path, source)
    b = r.sub("benchmark", required=True)
    assert b is not None
    params_raw = b.req("params", list)
    params: list[tuple[str, str]] = []
    for i, p in enumerate(params_raw):
        if not (isinstance(p, list) and len(p) == 2 and all(isinstance(x, str) for x in p)):
            raise b.error(f"params[{i}]", f"expected [name, value] strings, got {p!r}")
        params.append((p[0], p[1]))
    bench = _build(
        b,
        "benchmark",
        lambda: BenchmarkId(b.req("name", str), b.get("group", str), tuple(params)),
    )
    summary_raw = r.get("summary", dict)
    summary = None if summary_raw is None else summary_from_dict(summary_raw, f"{path}.summary", source)
    return _build(
        r,
        path,
        lambda: Result(
            benchmark=bench,
            metric=r.req("metric", str),
            unit=r.req("unit", str),
            direction=_direction(r, "direction"),
            summary=summary,
            samples=r.items("samples", float, required=True),
            rounds=r.get("rounds", int),
            iterations=r.get("iterations", int),
            warmup=r.get("warmup", int),
            error=r.get("error", str),
            extra=r.req("extra", dict),
        ),
    )


def _load_avg(r: Reader) -> tuple[float, float, float] | None:
    v = r.get("load_avg", list)
    if v is None:
        return None
    if len(v) != 3 or not all(isinstance(x, int | float) and not isinstance(x, bool) for x in v):
        raise r.error("load_avg", f"expected three numbers, got {v!r}")
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
    top = _reader(_upgrade(dict(doc), source), "", source)
    top.req("perfgate_schema", int)
    kind = top.req("kind", str)
    if kind != "run":
        raise top.error("kind", f"expected 'run', got {kind!r}")
    r = top.sub("run", required=True)
    assert r is not None
    top.done(", written by a newer perfgate?")

    g = r.sub("git")
    git = None
    if g is not None:
        gr = g
        git = _build(
            gr,
            "git",
            lambda: GitInfo(
                commit=gr.req("commit", str),
                branch=gr.get("branch", str),
                dirty=gr.req("dirty", bool),
                parents=gr.items("parents", str, required=True),
                commit_time=gr.time("commit_time"),
                subject=gr.get("subject", str),
                shallow=gr.req("shallow", bool),
            ),
        )
    c = r.sub("ci")
    ci = None
    if c is not None:
        cr = c
        ci = _build(
            cr,
            "ci",
            lambda: CIInfo(
                provider=cr.req("provider", str),
                run_id=cr.get("run_id", str),
                job=cr.get("job", str),
                event=cr.get("event", str),
                pr_number=cr.get("pr_number", int),
                base_ref=cr.get("base_ref", str),
                head_ref=cr.get("head_ref", str),
                url=cr.get("url", str),
            ),
        )
    e = r.sub("environment", required=True)
    assert e is not None
    env = _build(
        e,
        "environment",
        lambda: Environment(
            testbed=e.req("testbed", str),
            fingerprint=e.req("fingerprint", str),
            os=e.get("os", str),
            kernel=e.get("kernel", str),
            arch=e.get("arch", str),
            cpu_model=e.get("cpu_model", str),
            cores=e.get("cores", int),
            memory_bytes=e.get("memory_bytes", int),
            python=e.get("python", str),
            governor=e.get("governor", str),
            load_avg=_load_avg(e),
            extra=e.req("extra", dict),
        ),
    )
    results_raw = r.req("results", list)
    results = tuple(_result_from_dict(x, f"run.results[{i}]", source) for i, x in enumerate(results_raw))

    def status() -> RunStatus:
        v = r.req("status", str)
        try:
            return RunStatus(v)
        except ValueError as exc:
            raise r.error("status", f"unknown run status {v!r}") from exc

    return _build(
        r,
        "run",
        lambda: Run(
            id=r.req("id", str),
            project=r.req("project", str),
            started=r.time("started", required=True),  # type: ignore[arg-type]
            finished=r.time("finished"),
            source=r.req("source", str),
            status=status(),
            tier=r.get("tier", str),
            tags=r.items("tags", str, required=True),
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
    r = _reader(_upgrade(dict(doc), source), "", source)
    r.req("perfgate_schema", int)
    kind = r.req("kind", str)
    if kind != "results":
        raise r.error("kind", f"expected 'results', got {kind!r}")
    raw = r.req("results", list)
    results = tuple(_result_from_dict(x, f"results[{i}]", source) for i, x in enumerate(raw))
    status_raw = r.req("status", str)
    try:
        status = RunStatus(status_raw)
    except ValueError as exc:
        raise r.error("status", f"unknown run status {status_raw!r}") from exc
    started = r.time("started", required=True)
    assert started is not None
    out = ResultsDoc(started=started, finished=r.time("finished"), status=status, results=results)
    r.done(", written by a newer perfgate?")
    return out


def dumps_run(run: Run, indent: int | None = 2) -> str:
    return json.dumps(run_to_dict(run), indent=indent, ensure_ascii=False, allow_nan=False)


def loads_run(text: str, source: str = "<json>") -> Run:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{source}:{exc.lineno}: invalid JSON: {exc.msg}") from exc
    return run_from_dict(doc, source)
