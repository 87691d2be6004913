"""The JSON report: valid, deterministic, and exactly the keys docs/json-report.md documents."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

from conftest import BASE_ID, comparison_outcome, no_baseline_outcome
from perfgate.model import GitInfo, Status
from perfgate.report import render_json

DOC = Path(__file__).resolve().parents[2] / "docs" / "json-report.md"
SUMMARY_KEYS_HEADING = "A **summary object**"


def documented() -> tuple[set[str], set[str]]:
    """(report key paths, summary object keys) from the tables in docs/json-report.md."""
    text = DOC.read_text(encoding="utf-8")
    keys_part, _, summary_part = text.partition(SUMMARY_KEYS_HEADING)
    summary_part = summary_part.partition("## Listings")[0]
    row = re.compile(r"^\| `([^`]+)` \|", re.MULTILINE)
    return set(row.findall(keys_part)), set(row.findall(summary_part))


def paths(value: Any, prefix: str = "") -> set[str]:
    """Every key path in ``value``, lists written as ``[]``; opaque objects are not descended into."""
    out: set[str] = set()
    if isinstance(value, dict):
        for k, v in value.items():
            p = f"{prefix}.{k}" if prefix else k
            out.add(p)
            if not (p.endswith(".extra") or p in ("verdicts[].baseline", "verdicts[].current")):
                out |= paths(v, p)
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict):
                out |= paths(item, f"{prefix}[]")
    return out


def report() -> dict[str, Any]:
    base_git = {BASE_ID: GitInfo(commit="def5678aaaa", branch="main")}
    data = json.loads(render_json(dataclasses.replace(comparison_outcome(), baseline_git=base_git)))
    assert isinstance(data, dict)
    return data


def test_every_documented_key_is_present_and_nothing_else() -> None:
    keys, summary_keys = documented()
    assert len(keys) > 50 and len(summary_keys) == 12  # the tables were found
    data = report()
    found = paths(data)
    assert keys - found == set(), "documented but not in the report"
    assert found - keys == set(), "in the report but not documented"
    for v in data["verdicts"]:
        for side in ("baseline", "current"):
            if v[side] is not None:
                assert set(v[side]) == summary_keys


def test_values_and_order() -> None:
    data = report()
    outcome = comparison_outcome()
    assert data["perfgate_report"] == 1
    assert data["passed"] is False
    assert [v["benchmark"] for v in data["verdicts"]] == [v.benchmark.name for v in outcome.verdicts]
    assert data["summary"] == {
        "regression": 2, "failed": 1, "inconclusive": 1, "missing": 1, "new": 1, "improvement": 1,
        "unchanged": 1, "total": 8, "budgets_broken": 1, "targets_missed": 0,
    }  # fmt: skip
    reg = data["verdicts"][1]
    assert reg["status"] == "regression"
    assert isinstance(reg["change"], float) and abs(reg["change"] - 0.30) < 1e-9
    assert (reg["change_low"], reg["change_high"], reg["p_value"]) == (0.25, 0.35, 0.0004)
    assert reg["baseline"]["median"] == outcome.verdicts[1].baseline.median  # type: ignore[union-attr]
    assert data["verdicts"][0]["reason"] == "ZeroDivisionError: division by zero"
    assert data["verdicts"][0]["current"] is None
    assert data["baseline"] == {
        "run_ids": [BASE_ID],
        "runs": [{"run_id": BASE_ID, "commit": "def5678aaaa", "branch": "main"}],
    }
    assert data["run"]["duration_s"] == 42.5
    assert data["run"]["started"] == "2024-05-01T12:00:00+00:00"
    assert data["run"]["git"]["branch"] == "feature/fast-parse"
    assert data["run"]["ci"]["pr_number"] == 42
    assert data["run"]["environment"]["cores"] == 8
    assert data["budgets"][0]["passed"] is False and data["budgets"][0]["value"] == 0.0013


def test_deterministic_and_sorted() -> None:
    a = render_json(comparison_outcome())
    assert a == render_json(comparison_outcome())
    assert a.endswith("}\n")
    data = json.loads(a)
    assert list(data) == sorted(data)
    assert "NaN" not in a and "Infinity" not in a


def test_no_baseline_report() -> None:
    data = json.loads(render_json(no_baseline_outcome()))
    assert data["baseline"] == {"run_ids": [], "runs": []}
    assert data["notes"] == ["no baseline yet: this run becomes it"]
    assert data["summary"][Status.NEW.value] == 2
    assert data["method_description"] == "ratio of medians"


def test_the_commands_the_page_names_exist_and_take_format_json() -> None:
    from perfgate.cli.main import build_parser

    named = set(re.findall(r"`perfgate ([a-z]+) --format json`", DOC.read_text(encoding="utf-8")))
    assert {"run", "compare", "ab", "cmd", "runs", "history", "show"} <= named
    parser = build_parser()
    for command in sorted(named):
        args = {"compare": ["a", "b"], "ab": ["--base", "main"], "show": ["x"], "history": ["b"]}.get(
            command, []
        )
        ns = parser.parse_args([command, *args, "--format", "json"])  # an unknown command raises
        assert ns.command == command and ns.format == "json"
