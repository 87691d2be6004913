"""Severity rules as data: ``"critical: change > 10% and p < 0.05; warning: change > 5%"``.

A rule set is parsed once, at the configuration boundary, into typed :class:`SeverityRule` values and then
evaluated per verdict: the first rule whose conditions all hold names the verdict's severity.

Variables a condition may use (changes are *adverse*: positive means worse, whatever the metric's
direction, so one rule set serves times and throughputs alike):

``change``  the relative adverse change, a percentage (``10`` and ``10%`` both mean 10%)
``low``     the lower bound of the adverse change's interval (a percentage)
``high``    the upper bound of the adverse change's interval (a percentage)
``cv``      the larger (robust) coefficient of variation of the two sides (a percentage)
``p``       the p-value the verdict used (after the suite's multiplicity correction), a probability:
            ``p < 0.05``, or equally ``p < 5%``

A bare number means a percentage for every relative quantity, as in ``thresholds.time = 5``; only ``p``
is a probability. Keywords and variables are case-insensitive (``AND``, ``Change``). A condition on a
value the verdict does not have (no interval, no p-value) does not hold.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from perfgate.errors import ConfigError
from perfgate.model import Direction, Verdict
from perfgate.stats.noise import robust_cv

__all__ = ["Condition", "SeverityRule", "parse_severity_rules", "severity_of", "verdict_variables"]

VARIABLES = ("change", "low", "high", "p", "cv")
_OPS = ("<=", ">=", "<", ">")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")
# Variables measured as relative changes: a bare number there is a percentage, as in thresholds.
_PERCENT_VARIABLES = ("change", "low", "high", "cv")
_AND = re.compile(r"\s+and\s+", re.IGNORECASE)
_OR = re.compile(r"\sor\s", re.IGNORECASE)
_COND = re.compile(r"\s*([A-Za-z_]+)\s*(<=|>=|<|>)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(%?)\s*\Z")


@dataclass(frozen=True, slots=True)
class Condition:
    """``variable op value``; ``value`` is a fraction (``5%`` is stored as 0.05)."""

    variable: str
    op: str
    value: float

    def __post_init__(self) -> None:
        if self.variable not in VARIABLES:
            raise ValueError(f"unknown variable {self.variable!r}, expected one of {', '.join(VARIABLES)}")
        if self.op not in _OPS:
            raise ValueError(f"unknown operator {self.op!r}")
        if not math.isfinite(self.value):
            raise ValueError(f"condition value must be finite, got {self.value!r}")

    def holds(self, variables: dict[str, float | None]) -> bool:
        """True when the variable is known and compares as stated."""
        x = variables.get(self.variable)
        if x is None:
            return False
        if self.op == "<":
            return x < self.value
        if self.op == "<=":
            return x <= self.value
        if self.op == ">":
            return x > self.value
        return x >= self.value

    def __str__(self) -> str:
        return f"{self.variable} {self.op} {self.value:g}"


@dataclass(frozen=True, slots=True)
class SeverityRule:
    """A named severity and the conditions that must all hold for it."""

    name: str
    conditions: tuple[Condition, ...]

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ValueError(f"severity name must be a word, got {self.name!r}")
        if not self.conditions:
            raise ValueError(f"severity {self.name!r} needs at least one condition")

    def matches(self, variables: dict[str, float | None]) -> bool:
        return all(c.holds(variables) for c in self.conditions)


def _parse_condition(text: str, rule: str, prefix: str) -> Condition:
    m = _COND.match(text)
    if m is None:
        raise ConfigError(
            f"{prefix}cannot parse severity rule {rule!r}: condition {text.strip()!r} is not "
            "'<variable> <op> <number>[%]'"
        )
    var, op, num, pct = m.groups()
    var = var.lower()
    if var not in VARIABLES:
        raise ConfigError(
            f"{prefix}cannot parse severity rule {rule!r}: unknown variable {var!r} "
            f"(use {', '.join(VARIABLES)})"
        )
    value = float(num) / 100.0 if pct or var in _PERCENT_VARIABLES else float(num)
    return Condition(var, op, value)


def parse_severity_rules(text: str, source: str | None = None) -> tuple[SeverityRule, ...]:
    """Parse ``"name: cond and cond; name: cond"`` (``;`` or new lines between rules).

    ``source`` (e.g. ``"pyproject.toml [tool.perfgate] severity"``) prefixes error messages. Raises
    :class:`~perfgate.errors.ConfigError` quoting the rule that does not parse.
    """
    prefix = f"{source}: " if source else ""
    rules: list[SeverityRule] = []
    seen: set[str] = set()
    for raw in re.split(r"[;\n]", text):
        rule = raw.strip()
        if not rule:
            continue
        name, colon, body = rule.partition(":")
        name = name.strip()
        if not colon:
            raise ConfigError(f"{prefix}cannot parse severity rule {rule!r}: expected 'name: conditions'")
        if not _NAME.match(name):
            raise ConfigError(f"{prefix}cannot parse severity rule {rule!r}: {name!r} is not a name")
        if name in seen:
            raise ConfigError(f"{prefix}cannot parse severity rule {rule!r}: severity {name!r} twice")
        if _OR.search(f" {body} "):
            raise ConfigError(
                f"{prefix}cannot parse severity rule {rule!r}: 'or' is not supported: write one rule per "
                "alternative (the first rule that matches names the severity)"
            )
        parts = _AND.split(body.strip())
        if not body.strip():
            raise ConfigError(f"{prefix}cannot parse severity rule {rule!r}: no conditions")
        conditions = tuple(_parse_condition(part, rule, prefix) for part in parts)
        seen.add(name)
        rules.append(SeverityRule(name, conditions))
    return tuple(rules)


def verdict_variables(v: Verdict) -> dict[str, float | None]:
    """The values severity conditions see for ``v`` (adverse orientation, see the module docstring)."""

    def adverse(change: float | None) -> float | None:
        if change is None:
            return None
        if v.direction is Direction.LOWER:
            return change
        # For higher-is-better metrics, value x(1 + c) is worse by 1/(1 + c) - 1.
        return 1.0 / (1.0 + change) - 1.0 if change > -1.0 else None

    lo, hi = adverse(v.change_low), adverse(v.change_high)
    if lo is not None and hi is not None and lo > hi:
        lo, hi = hi, lo
    cvs = [c for c in (robust_cv(v.baseline), robust_cv(v.current)) if c is not None]
    return {
        "change": adverse(v.change),
        "low": lo,
        "high": hi,
        "p": v.p_value,
        "cv": max(cvs) if cvs else None,
    }


def severity_of(v: Verdict, rules: Sequence[SeverityRule]) -> str | None:
    """The name of the first rule that matches ``v``, or None."""
    if not rules:
        return None
    variables = verdict_variables(v)
    for rule in rules:
        if rule.matches(variables):
            return rule.name
    return None
