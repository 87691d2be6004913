"""Severity rules: parsing at the boundary, evaluation per verdict."""

from __future__ import annotations

import pytest

from perfgate.errors import ConfigError
from perfgate.model import BenchmarkId, Direction, Status, Verdict
from perfgate.stats import (
    CompareSettings,
    Condition,
    SeverityRule,
    compare_pair,
    parse_severity_rules,
    severity_of,
)

from .builders import pair

RULES = "critical: change > 10% and p < 0.05; warning: change > 5%; improvement: change < -3%"


def verdict(change: float | None, p: float | None = 0.01, direction: Direction = Direction.LOWER) -> Verdict:
    return Verdict(
        BenchmarkId("b"), "time", "s", direction, Status.REGRESSION, change=change, p_value=p, threshold=0.01
    )


def test_parse_the_documented_example() -> None:
    rules = parse_severity_rules(RULES)
    assert rules == (
        SeverityRule("critical", (Condition("change", ">", 0.10), Condition("p", "<", 0.05))),
        SeverityRule("warning", (Condition("change", ">", 0.05),)),
        SeverityRule("improvement", (Condition("change", "<", -0.03),)),
    )


def test_parse_accepts_newlines_fractions_and_all_operators() -> None:
    rules = parse_severity_rules("major: low >= 2\n\nminor: high <= 1e1 and cv < 10% and p < .1\n")
    assert [r.name for r in rules] == ["major", "minor"]
    assert rules[0].conditions == (Condition("low", ">=", 0.02),)
    assert rules[1].conditions == (
        Condition("high", "<=", 0.1),
        Condition("cv", "<", 0.1),
        Condition("p", "<", 0.1),
    )
    assert parse_severity_rules("") == ()


def test_a_bare_number_is_a_percentage_as_in_thresholds_and_keywords_ignore_case() -> None:
    # `change > 10` once meant 1000%, so a 12% regression got no label; `AND` was refused.
    rules = parse_severity_rules("critical: Change > 10 AND p < 0.05; warning: CHANGE > 5 And p < 50%")
    assert rules == (
        SeverityRule("critical", (Condition("change", ">", 0.10), Condition("p", "<", 0.05))),
        SeverityRule("warning", (Condition("change", ">", 0.05), Condition("p", "<", 0.5))),
    )
    assert severity_of(verdict(0.12), rules) == "critical"
    assert severity_of(verdict(0.07), rules) == "warning"
    assert parse_severity_rules("x: change > 10") == parse_severity_rules("x: change > 10%")
    assert parse_severity_rules("x: p < 5%") == parse_severity_rules("x: p < 0.05")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("critical change > 10%", "expected 'name: conditions'"),
        ("critical: speed > 10%", "unknown variable 'speed'"),
        ("critical: change >> 10%", "is not '<variable> <op> <number>[%]'"),
        ("critical: change > ten", "is not '<variable> <op> <number>[%]'"),
        ("critical:", "no conditions"),
        ("two words: change > 1%", "is not a name"),
        ("a: change > 1%; a: change > 2%", "severity 'a' twice"),
        ("a: change > 1% or p < 0.1", "'or' is not supported: write one rule per alternative"),
        ("a: change > 1% OR p < 0.1", "'or' is not supported: write one rule per alternative"),
    ],
)
def test_bad_rules_are_refused_quoting_the_input(text: str, fragment: str) -> None:
    with pytest.raises(ConfigError, match="cannot parse severity rule") as info:
        parse_severity_rules(text, source="perfgate.toml [severity]")
    message = str(info.value)
    assert message.startswith("perfgate.toml [severity]: ")
    assert fragment in message
    assert "\n" not in message


def test_first_matching_rule_wins() -> None:
    rules = parse_severity_rules(RULES)
    assert severity_of(verdict(0.20), rules) == "critical"
    assert severity_of(verdict(0.20, p=0.2), rules) == "warning"
    assert severity_of(verdict(0.07), rules) == "warning"
    assert severity_of(verdict(0.02), rules) is None
    assert severity_of(verdict(-0.05), rules) == "improvement"
    assert severity_of(verdict(None), rules) is None
    assert severity_of(verdict(0.20, p=None), parse_severity_rules("x: p < 1")) is None
    assert severity_of(verdict(0.20), ()) is None


def test_changes_are_adverse_for_higher_is_better_metrics() -> None:
    rules = parse_severity_rules(RULES)
    # Throughput halved: twice as bad (+100% adverse), critical.
    assert severity_of(verdict(-0.5, direction=Direction.HIGHER), rules) == "critical"
    # Throughput doubled: an improvement.
    assert severity_of(verdict(1.0, direction=Direction.HIGHER), rules) == "improvement"


def test_compare_fills_severity_from_settings() -> None:
    base = [1.00, 1.02, 0.99, 1.01, 1.03, 0.98, 1.00, 1.01, 0.99, 1.02]
    settings = CompareSettings(severity_rules=parse_severity_rules(RULES))
    v = compare_pair(pair(base, [1.5 * x for x in base]), settings)
    assert (v.status, v.severity) == (Status.REGRESSION, "critical")
    v = compare_pair(pair(base, base, threshold=0.05), settings)
    assert v.severity is None


def test_rule_values_validate() -> None:
    with pytest.raises(ValueError, match="unknown variable"):
        Condition("speed", ">", 1.0)
    with pytest.raises(ValueError, match="at least one condition"):
        SeverityRule("x", ())
