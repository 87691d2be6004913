"""Budgets with two levels (a targets table's target and critical columns) in every report."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable

from conftest import passing_outcome
from perfgate.gate.outcome import BudgetCheck, Outcome
from perfgate.report import Console, render_json, render_markdown, render_text


def _check(metric: str, op: str, limit: float, warn: float, unit: str, value: float | None) -> BudgetCheck:
    passed = value is not None and (value <= limit if op == "<=" else value >= limit)
    met = value is not None and (value <= warn if op == "<=" else value >= warn)
    return BudgetCheck(
        "load:health", metric, op, limit, unit, value, passed, f"load:health {metric}", warn, met
    )


def targets_outcome(*checks: BudgetCheck) -> Outcome:
    return dataclasses.replace(passing_outcome(), budgets=checks)


MISSED = _check("latency_p95", "<=", 0.5, 0.1, "s", 0.23)
KEPT = _check("rps", ">=", 10.0, 50.0, "req/s", 812.0)
CRITICAL = _check("error_rate", "<=", 0.05, 0.01, "ratio", 0.08)


def plain(width: int = 100) -> Console:
    return Console(color=False, width=width, is_tty=False)


def test_text_golden(golden: Callable[[str, str], None]) -> None:
    golden("text_targets_100.txt", render_text(targets_outcome(KEPT, MISSED, CRITICAL), plain()))


def test_markdown_golden(golden: Callable[[str, str], None]) -> None:
    golden("markdown_targets.md", render_markdown(targets_outcome(KEPT, MISSED, CRITICAL)))


def test_a_missed_target_is_a_warning_row_and_the_gate_passes() -> None:
    text = render_text(targets_outcome(KEPT, MISSED), plain())
    assert (
        "  ! load:health latency_p95 230.0 ms > target 100.0 ms, ≤ critical 500.0 ms: target missed" in text
    )
    assert "  ✓ load:health rps 812.0 req/s ≥ target 50.00 req/s (critical 10.00 req/s)" in text
    last = text.rstrip().splitlines()[-1]
    assert "1 target missed" in last and last.endswith("gate passed")
    md = render_markdown(targets_outcome(KEPT, MISSED))
    assert (
        "- ⚠️ load:health latency_p95 230.0 ms \\> target 100.0 ms, ≤ critical 500.0 ms: target missed" in md
    )
    assert "1 target missed" in md.splitlines()[2]


def test_a_critical_value_fails_and_comes_first() -> None:
    outcome = targets_outcome(MISSED, CRITICAL)
    assert not outcome.passed and outcome.exit_code() == 1
    budgets = render_text(outcome, plain()).split("budgets:\n", 1)[1].splitlines()
    assert budgets[0].startswith("  ✗ load:health error_rate") and budgets[0].endswith(
        "> critical 5.000 % (target 1.000 %)"
    )
    assert budgets[1].startswith("  ! load:health latency_p95")


def test_the_warning_mark_is_coloured_as_a_warning() -> None:
    console = Console(color=True, width=100, is_tty=True)
    text = render_text(targets_outcome(MISSED), console)
    assert console.style("!", "warn") in text and console.style("1 target missed", "warn") in text


def test_json_carries_the_level_and_the_target() -> None:
    data = json.loads(render_json(targets_outcome(KEPT, MISSED, CRITICAL)))
    assert [(b["metric"], b["level"], b["warn"], b["passed"]) for b in data["budgets"]] == [
        ("rps", "ok", 50.0, True),
        ("latency_p95", "target_missed", 0.1, True),
        ("error_rate", "critical", 0.01, False),
    ]
    assert data["summary"]["targets_missed"] == 1 and data["summary"]["budgets_broken"] == 1
    assert data["passed"] is False


def test_no_value_against_a_target_is_critical() -> None:
    gone = _check("latency_p95", "<=", 0.5, 0.1, "s", None)
    text = render_text(targets_outcome(gone), plain())
    assert (
        "  ✗ load:health latency_p95: no value (missing or failed), critical ≤ 500.0 ms (target 100.0 ms)"
        in text
    )
    assert json.loads(render_json(targets_outcome(gone)))["budgets"][0]["level"] == "critical"


def test_a_budget_without_a_target_reads_as_before() -> None:
    plain_budget = BudgetCheck("load:health", "latency_p95", "<=", 0.5, "s", 0.23, True, "r")
    assert "  ✓ load:health latency_p95 230.0 ms ≤ budget 500.0 ms" in render_text(
        targets_outcome(plain_budget), plain()
    )
    assert json.loads(render_json(targets_outcome(plain_budget)))["budgets"][0]["level"] == "ok"


def test_names_from_input_stay_inert() -> None:
    evil = dataclasses.replace(MISSED, benchmark="load:\x1b[31mred\x1b[0m*x*")
    text = render_text(targets_outcome(evil), plain())
    assert "\x1b" not in text
    assert "\\*x\\*" in render_markdown(targets_outcome(evil))


def test_the_hidden_summary_counts_missed_targets_for_ci_status() -> None:
    from perfgate.ci.publish import description
    from perfgate.report import parse_summary

    s = parse_summary(render_markdown(targets_outcome(KEPT, MISSED)), "report.md")
    assert (s.targets_missed, s.budgets_broken, s.passed, s.changed) == (1, 0, True, True)
    assert "1 target missed" in description(s)


def test_a_summary_written_before_targets_existed_reads_as_none_missed() -> None:
    from perfgate.report import parse_summary

    text = render_markdown(passing_outcome())
    line = next(ln for ln in text.splitlines() if ln.startswith("<!-- perfgate-summary v1 "))
    data = json.loads(line[len("<!-- perfgate-summary v1 ") : -len(" -->")])
    del data["targets_missed"]
    older = text.replace(line, f"<!-- perfgate-summary v1 {json.dumps(data)} -->")
    assert parse_summary(older, "old.md").targets_missed == 0
