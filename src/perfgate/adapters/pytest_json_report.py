"""pytest-json-report's JSON report (``pytest --json-report --json-report-file=FILE``).

Every test that ran becomes a ``time`` Result named by its node id, valued at the duration of its
``call`` phase (the test body; setup and teardown durations go to ``extra``), with n = 1: a test run is
one observation. Failed and erroring tests become failed Results whose error names the phase and the
crash message. Skipped tests did not run and produce no result (a comparison reports them missing);
xfailed/xpassed tests ran and keep their duration, with the outcome in ``extra``. ``created`` is the
run's start.

A module that failed to import (a failed collector) is a failed result named by its node id, since
its tests never ran; a pytest exit code 2, 3 or 4 (interrupted, internal error, usage error) makes the
run failed (``Parsed.status`` ``failed``).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from perfgate.adapters._parsing import Doc, failed_result, head_is_json_object, load_json, make_result
from perfgate.adapters.base import Adapter, Parsed
from perfgate.model import BenchmarkId, Result, RunStatus

__all__ = ["ADAPTERS", "PytestJsonReportAdapter"]

_PHASES = ("setup", "call", "teardown")
_ABORTED = {2: "interrupted", 3: "internal error", 4: "usage error"}


class PytestJsonReportAdapter:
    """pytest-json-report output: test durations and failures."""

    name = "pytest-json-report"
    description = "pytest-json-report JSON (--json-report): test call durations, failed tests"

    def sniff(self, path: Path, head: str) -> bool:
        return (
            head_is_json_object(head)
            and '"created"' in head
            and '"exitcode"' in head
            and '"root"' in head
            and ('"tests"' in head or '"summary"' in head)
        )

    def parse(self, path: Path) -> Parsed:
        doc, data = load_json(path)
        top = doc.obj(data, "top level")
        tests = doc.arr(top.get("tests") or [], "'tests'", '"tests"')
        results: list[Result] = []
        seen: set[str] = set()
        for i, raw in enumerate(tests):
            test = doc.obj(raw, f"tests[{i}]")
            nodeid = doc.string(test, "nodeid", f"tests[{i}]").strip()
            near = json.dumps(nodeid)
            if not nodeid or nodeid in seen:
                raise doc.error(f"tests[{i}]: empty or duplicate nodeid {nodeid!r}", near)
            seen.add(nodeid)
            result = _test(doc, test, nodeid, near)
            if result is not None:
                results.append(result)
        for i, raw in enumerate(top.get("collectors") or []):
            collector = doc.obj(raw, f"collectors[{i}]")
            nodeid = str(collector.get("nodeid") or "").strip() or "(collection)"
            if collector.get("outcome") != "failed" or nodeid in seen:
                continue
            seen.add(nodeid)
            longrepr = collector.get("longrepr")
            why = longrepr.strip().splitlines()[-1] if isinstance(longrepr, str) and longrepr.strip() else ""
            results.append(
                failed_result(BenchmarkId(nodeid), "time", "s", f"collection failed: {why or 'no message'}")
            )
        aborted = top.get("exitcode") in _ABORTED  # interrupted, internal error, usage error
        created = top.get("created")
        started = None
        if isinstance(created, int | float) and not isinstance(created, bool):
            started = datetime.fromtimestamp(float(created), UTC)
        return Parsed(
            source=self.name,
            results=tuple(results),
            environment=_environment(top),
            started=started,
            status=RunStatus.FAILED if aborted else RunStatus.COMPLETE,
        )


def _test(doc: Doc, test: dict[str, Any], nodeid: str, near: str) -> Result | None:
    what = f"test {nodeid!r}"
    outcome = doc.string(test, "outcome", what, near)
    bid = BenchmarkId(nodeid)
    phases = {p: doc.obj(test[p], f"{what} {p}", near) for p in _PHASES if test.get(p) is not None}
    if outcome in ("failed", "error"):
        return failed_result(bid, "time", "s", _failure(phases, outcome))
    if outcome == "skipped":
        return None
    call = phases.get("call")
    if call is None:
        raise doc.error(f"{what}: outcome {outcome!r} but no 'call' phase", near)
    extra: dict[str, Any] = {}
    if outcome != "passed":
        extra["outcome"] = outcome  # xfailed, xpassed, or a plugin's own outcome
    for p in ("setup", "teardown"):
        if p in phases and phases[p].get("duration") is not None:
            extra[f"{p}_duration"] = doc.num(phases[p], "duration", f"{what} {p}", near)
    duration = doc.num(call, "duration", f"{what} call", near)
    try:
        return make_result(bid, "time", "s", figures={"mean": duration}, n=1, extra=extra)
    except ValueError as exc:
        raise doc.error(f"{what}: {exc}", near) from exc


def _failure(phases: dict[str, dict[str, Any]], outcome: str) -> str:
    for name in _PHASES:
        phase = phases.get(name)
        if phase is None or phase.get("outcome") != "failed":
            continue
        crash = phase.get("crash")
        message = crash.get("message") if isinstance(crash, dict) else None
        if not isinstance(message, str) or not message.strip():
            longrepr = phase.get("longrepr")
            message = (
                longrepr.strip().splitlines()[-1] if isinstance(longrepr, str) and longrepr.strip() else ""
            )
        first = message.strip().splitlines()[0] if message.strip() else "no message"
        return f"{outcome} in {name}: {first}"
    return outcome


def _environment(top: dict[str, Any]) -> dict[str, Any]:
    env: dict[str, Any] = {}
    raw = top.get("environment")
    if isinstance(raw, dict):
        if isinstance(raw.get("Python"), str):
            env["python"] = raw["Python"]
        if isinstance(raw.get("Platform"), str):
            env["platform"] = raw["Platform"]
    if isinstance(top.get("root"), str):
        env["root"] = top["root"]
    return env


ADAPTERS: tuple[Adapter, ...] = (PytestJsonReportAdapter(),)
