"""The machine-readable report of a gate outcome (schema: ``docs/json-report.md``).

Deterministic: keys are sorted, lists keep the gate's order (verdicts worst first), floats are plain JSON
numbers (the model refuses NaN and infinities, so every value is valid JSON). Strings from input keep
their exact value; the control characters JSON leaves raw are escaped
(:func:`perfgate.escape.json_inert`).
"""

from __future__ import annotations

import json
from typing import Any

from perfgate.escape import json_inert
from perfgate.gate.outcome import BudgetCheck, Outcome
from perfgate.model import Run, Status, Verdict, run_to_dict, summary_to_dict
from perfgate.report.formatting import method_phrase

__all__ = ["JSON_REPORT_VERSION", "outcome_to_dict", "render_json"]

#: bumped when a key changes meaning or disappears; adding keys does not bump it
JSON_REPORT_VERSION = 1


def _run_dict(run: Run) -> dict[str, Any]:
    # Reuse the run document's own field spellings so both formats read the same; results are the
    # verdicts' business here, and samples would bloat a report.
    doc = run_to_dict(run)["run"]
    return {
        "id": run.id,
        "project": run.project,
        "started": doc["started"],
        "finished": doc["finished"],
        "duration_s": run.duration,
        "status": run.status.value,
        "tier": run.tier,
        "tags": list(run.tags),
        "source": run.source,
        "git": doc["git"],
        "ci": doc["ci"],
        "environment": doc["environment"],
        "n_results": len(run.results),
        "n_failed": len(run.failed_results),
    }


def _verdict_dict(v: Verdict) -> dict[str, Any]:
    return {
        "benchmark": v.benchmark.name,
        "group": v.benchmark.group,
        "params": [list(p) for p in v.benchmark.params],
        "metric": v.metric,
        "unit": v.unit,
        "direction": v.direction.value,
        "status": v.status.value,
        "baseline": summary_to_dict(v.baseline) if v.baseline is not None else None,
        "current": summary_to_dict(v.current) if v.current is not None else None,
        "change": v.change,
        "change_low": v.change_low,
        "change_high": v.change_high,
        "p_value": v.p_value,
        "threshold": v.threshold,
        "method": v.method or None,
        "severity": v.severity,
        "reason": v.reason,
    }


def _budget_dict(b: BudgetCheck) -> dict[str, Any]:
    return {
        "benchmark": b.benchmark,
        "metric": b.metric,
        "op": b.op,
        "limit": b.limit,
        "unit": b.unit,
        "value": b.value,
        "passed": b.passed,
        "rule": b.rule,
        "warn": b.warn,
        "level": b.level.value,
    }


def outcome_to_dict(outcome: Outcome) -> dict[str, Any]:
    """The JSON report as a dict (see ``docs/json-report.md``)."""
    counts = {s.value: 0 for s in Status}
    for v in outcome.verdicts:
        counts[v.status.value] += 1
    git = outcome.baseline_git
    refs = []
    for run_id in outcome.baseline_ids:
        g = git.get(run_id)
        refs.append({"run_id": run_id, "commit": g.commit if g else None, "branch": g.branch if g else None})
    return {
        "perfgate_report": JSON_REPORT_VERSION,
        "run": _run_dict(outcome.run),
        "baseline": {"run_ids": list(outcome.baseline_ids), "runs": refs},
        "method": outcome.method or None,
        "method_description": method_phrase(outcome),
        "passed": outcome.passed,
        # one count per status (zeros included, so readers need no defaults), then the totals
        "summary": {
            **counts,
            "total": len(outcome.verdicts),
            "budgets_broken": len(outcome.broken_budgets),
            "targets_missed": len(outcome.missed_targets),
        },
        "verdicts": [_verdict_dict(v) for v in outcome.verdicts],
        "budgets": [_budget_dict(b) for b in outcome.budgets],
        "notes": list(outcome.notes),
        "geomean": None
        if outcome.geomean is None
        else {
            "ratio": outcome.geomean.ratio,
            "low": outcome.geomean.low,
            "high": outcome.geomean.high,
            "count": outcome.geomean.count,
            "confidence": outcome.geomean.confidence,
        },
    }


def render_json(outcome: Outcome) -> str:
    """The JSON report of ``outcome``: indented, sorted keys, one trailing newline."""
    return (
        json_inert(
            json.dumps(
                outcome_to_dict(outcome),
                indent=2,
                sort_keys=True,
                ensure_ascii=False,
                allow_nan=False,
            )
        )
        + "\n"
    )
