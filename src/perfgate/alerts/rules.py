"""Alert rules as data: a condition in a small expression language, a severity, channels, a template.

The condition language (parsed by a recursive-descent parser into a tree, never ``eval``)::

    expr    := or
    or      := and ("or" and)*
    and     := not ("and" not)*
    not     := "not" not | compare
    compare := "(" expr ")" | NAME OP literal | NAME "matches" STRING
    OP      := < <= > >= == !=
    literal := NUMBER | STRING

Keywords and variable names are case-insensitive, so ``change_percent > 10 AND p_value < 0.05`` works as
written. Variables (:data:`VARIABLES`): ``change_percent`` is the *adverse* change in percent (positive is
worse, whatever the metric's direction, as in the severity rules); ``p_value`` a probability; ``metric``,
``benchmark``, ``tier``, ``branch``, ``severity`` and ``verdict`` (the status: ``regression``,
``improvement``...) are strings. A comparison with a value the verdict does not have (no p-value, no
branch) does not hold. ``matches`` is a glob (``fnmatch``, case-sensitive).
"""

from __future__ import annotations

import math
import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase

from perfgate.gate import Outcome
from perfgate.model import Status, Verdict
from perfgate.stats.severity import verdict_variables

__all__ = [
    "CHANNEL_TYPES",
    "PLACEHOLDERS",
    "VARIABLES",
    "Alert",
    "AlertRule",
    "ChannelSpec",
    "ConditionError",
    "Expr",
    "check_template",
    "evaluate",
    "evaluate_change_point",
    "parse_condition",
    "render_template",
    "resolution",
]

NUMERIC = ("change_percent", "p_value")
TEXT = ("metric", "benchmark", "tier", "branch", "severity", "verdict", "source")
VARIABLES = NUMERIC + TEXT
PLACEHOLDERS = (
    "metric_name", "change_percent", "confidence_level", "baseline_value", "current_value", "commit_hash",
    "branch_name", "benchmark", "interval", "tier", "testbed", "run_url", "rule", "severity", "p_value",
)  # fmt: skip
CHANNEL_TYPES = ("slack", "webhook", "email", "github_comment")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")
DEFAULT_TEMPLATE = (
    "[{severity}] {rule}: {benchmark} {metric_name} changed by {change_percent}% "
    "(p={p_value}; baseline {baseline_value}, current {current_value}; {branch_name}@{commit_hash})"
)

Value = float | str | None


class ConditionError(ValueError):
    """A condition or template that does not parse; ``column`` (and ``line``) are 1-based."""

    def __init__(self, message: str, column: int, line: int | None = None) -> None:
        where = f"column {column}" if line is None else f"line {line}, column {column}"
        super().__init__(f"{where}: {message}")
        self.column = column
        self.line = line


# ---------------------------------------------------------------------------------------------------
# the expression tree


@dataclass(frozen=True, slots=True)
class Compare:
    variable: str
    op: str  # < <= > >= == != matches
    value: float | str

    def holds(self, env: Mapping[str, Value]) -> bool:
        x = env.get(self.variable)
        if x is None:
            return False
        if self.op == "matches":
            return isinstance(x, str) and fnmatchcase(x, str(self.value))
        if self.op == "==":
            return x == self.value
        if self.op == "!=":
            return x != self.value
        if not isinstance(x, float) or not isinstance(self.value, float):
            return False
        if self.op == "<":
            return x < self.value
        if self.op == "<=":
            return x <= self.value
        if self.op == ">":
            return x > self.value
        return x >= self.value


@dataclass(frozen=True, slots=True)
class Not:
    inner: Expr

    def holds(self, env: Mapping[str, Value]) -> bool:
        return not self.inner.holds(env)


@dataclass(frozen=True, slots=True)
class BoolOp:
    op: str  # "and" / "or"
    parts: tuple[Expr, ...]

    def holds(self, env: Mapping[str, Value]) -> bool:
        if self.op == "and":
            return all(p.holds(env) for p in self.parts)
        return any(p.holds(env) for p in self.parts)


Expr = Compare | Not | BoolOp

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<num>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?%?)
      | (?P<str>"[^"]*"|'[^']*')
      | (?P<op><=|>=|==|!=|<|>)
      | (?P<paren>[()])
      | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
      | (?P<bad>\S)
    )""",
    re.VERBOSE,
)


@dataclass(frozen=True, slots=True)
class _Tok:
    kind: str  # num str op paren name end
    text: str
    column: int


def _tokens(text: str) -> list[_Tok]:
    out: list[_Tok] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.lastgroup is None:  # only blanks are left
            break
        kind = m.lastgroup
        column = m.start(kind) + 1
        if kind == "bad":
            raise ConditionError(f"unexpected character {m.group(kind)!r}", column)
        if kind == "str" and m.group(kind)[-1:] != m.group(kind)[:1]:
            raise ConditionError("unterminated string", column)
        out.append(_Tok(kind, m.group(kind), column))
        pos = m.end()
    out.append(_Tok("end", "", len(text) + 1))
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.toks = _tokens(text)
        self.i = 0

    def peek(self) -> _Tok:
        return self.toks[self.i]

    def take(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def keyword(self, word: str) -> bool:
        tok = self.peek()
        if tok.kind == "name" and tok.text.lower() == word:
            self.i += 1
            return True
        return False

    def parse(self) -> Expr:
        if self.peek().kind == "end":
            raise ConditionError("empty condition", self.peek().column)
        expr = self.or_()
        tok = self.peek()
        if tok.kind != "end":
            raise ConditionError(f"expected 'and', 'or' or the end, got {tok.text!r}", tok.column)
        return expr

    def or_(self) -> Expr:
        parts = [self.and_()]
        while self.keyword("or"):
            parts.append(self.and_())
        return parts[0] if len(parts) == 1 else BoolOp("or", tuple(parts))

    def and_(self) -> Expr:
        parts = [self.not_()]
        while self.keyword("and"):
            parts.append(self.not_())
        return parts[0] if len(parts) == 1 else BoolOp("and", tuple(parts))

    def not_(self) -> Expr:
        if self.keyword("not"):
            return Not(self.not_())
        return self.compare()

    def compare(self) -> Expr:
        tok = self.take()
        if tok.kind == "paren" and tok.text == "(":
            inner = self.or_()
            close = self.take()
            if close.kind != "paren" or close.text != ")":
                raise ConditionError(f"expected ')', got {close.text or 'the end'!r}", close.column)
            return inner
        if tok.kind != "name":
            raise ConditionError(f"expected a variable, got {tok.text or 'the end'!r}", tok.column)
        var = tok.text.lower()
        if var not in VARIABLES:
            raise ConditionError(f"unknown variable {tok.text!r} (known: {', '.join(VARIABLES)})", tok.column)
        op_tok = self.take()
        if op_tok.kind == "name" and op_tok.text.lower() == "matches":
            pat = self.take()
            if pat.kind != "str":
                raise ConditionError("'matches' takes a quoted glob", pat.column)
            if var not in TEXT:
                raise ConditionError(f"{var} is a number: 'matches' compares text", op_tok.column)
            return Compare(var, "matches", pat.text[1:-1])
        if op_tok.kind != "op":
            got = op_tok.text or "the end"
            raise ConditionError(
                f"expected a comparison (< <= > >= == != matches), got {got!r}", op_tok.column
            )
        lit = self.take()
        if var in NUMERIC:
            if lit.kind != "num":
                raise ConditionError(
                    f"{var} compares with a number, got {lit.text or 'the end'!r}", lit.column
                )
            number = float(lit.text.rstrip("%"))
            if lit.text.endswith("%") and var == "p_value":
                number /= 100.0
            if not math.isfinite(number):
                raise ConditionError(f"not a finite number: {lit.text!r}", lit.column)
            return Compare(var, op_tok.text, number)
        if lit.kind != "str":
            raise ConditionError(
                f"{var} compares with a quoted string, got {lit.text or 'the end'!r}", lit.column
            )
        if op_tok.text not in ("==", "!="):
            raise ConditionError(f"{var} is text: use ==, != or matches", op_tok.column)
        return Compare(var, op_tok.text, lit.text[1:-1])


def parse_condition(text: str) -> Expr:
    """The expression tree of ``text``; :class:`ConditionError` (with the column) when it does not parse."""
    return _Parser(text).parse()


def check_template(template: str) -> None:
    """Refuse a template with an unknown placeholder (:class:`ConditionError` naming line and column)
    or an unmatched brace (ValueError)."""
    for lineno, line in enumerate(template.splitlines() or [""], 1):
        pos = 0
        for literal, name, spec, conv in string.Formatter().parse(line):
            pos += len(literal)
            if name is None:
                continue
            column = line.find("{" + name, pos) + 1 or pos + 1
            if name not in PLACEHOLDERS or spec or conv:
                known = ", ".join(PLACEHOLDERS)
                raise ConditionError(f"unknown placeholder {{{name}}} (known: {known})", column, lineno)
            pos = column + len(name) + 1


# ---------------------------------------------------------------------------------------------------
# rules, channels, alerts


@dataclass(frozen=True, slots=True)
class ChannelSpec:
    """``[tool.perfgate.channels.NAME]``: where alerts go. Secrets are environment variable *names*."""

    name: str
    type: str
    url: str | None = None
    url_env: str | None = None
    secret_env: str | None = None
    host: str | None = None
    port: int = 587
    sender: str | None = None  # "from"
    to: tuple[str, ...] = ()
    username_env: str | None = None
    password_env: str | None = None
    starttls: bool = True
    # send resolution notices here (None: as the rule says; see AlertRule.resolutions_to)
    notify_resolved: bool | None = None

    def __post_init__(self) -> None:
        if self.type not in CHANNEL_TYPES:
            raise ValueError(f"expected one of {', '.join(CHANNEL_TYPES)}, got {self.type!r}")
        if self.type == "email":
            if not self.host or not self.sender or not self.to:
                raise ValueError("an email channel needs host, from and to")
        elif self.type == "github_comment":
            if self.url is not None or self.url_env is not None:
                raise ValueError("a github_comment channel posts to the job's pull request: no url")
        elif (self.url is None) == (self.url_env is None):
            raise ValueError(f"a {self.type} channel needs url or url_env (one of them)")


@dataclass(frozen=True, slots=True)
class AlertRule:
    """``[[tool.perfgate.alerts]]``: when ``condition`` holds for a verdict, send ``message_template``
    filled for it to ``channels`` at ``severity``."""

    name: str
    condition: Expr
    severity: str = "warning"
    channels: tuple[str, ...] = ()
    message_template: str = DEFAULT_TEMPLATE
    condition_text: str = ""
    # notify when the alert resolves (None: yes for severity critical or warning)
    notify_resolved: bool | None = None

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("an alert rule needs a name")
        if not _WORD.match(self.severity):
            raise ValueError(f"severity must be a word (critical, warning, info...), got {self.severity!r}")
        if not self.channels:
            raise ValueError(f"alert {self.name!r} names no channels")

    def resolutions_to(self, channel: ChannelSpec) -> bool:
        """Whether ``channel`` is told when this rule's alert resolves: the channel's own
        ``notify_resolved`` when set, else the rule's, else yes for severity critical or warning."""
        if channel.notify_resolved is not None:
            return channel.notify_resolved
        if self.notify_resolved is not None:
            return self.notify_resolved
        return self.severity.lower() in ("critical", "warning")


@dataclass(frozen=True, slots=True)
class Alert:
    """One rule firing on one verdict: what to send, and the key that makes it sent only once."""

    rule: str
    severity: str
    channels: tuple[str, ...]
    benchmark: str
    metric: str
    key: tuple[str, ...]  # (benchmark, metric, rule): one alert while the rule keeps firing
    message: str
    fields: Mapping[str, str]


def _fmt(x: float | None, digits: int = 4) -> str:
    return "n/a" if x is None else f"{x:.{digits}g}"


def _variables(v: Verdict, outcome: Outcome) -> dict[str, Value]:
    sv = verdict_variables(v)
    change = sv["change"]
    git = outcome.run.git
    return {
        "change_percent": None if change is None else change * 100.0,
        "p_value": v.p_value,
        "metric": v.metric,
        "benchmark": v.benchmark.name,
        "tier": outcome.run.tier,
        "branch": git.branch if git is not None else None,
        "severity": v.severity,
        "verdict": v.status.value,
        "source": "run",
    }


def _fields(
    rule: AlertRule, v: Verdict, outcome: Outcome, env: Mapping[str, Value], run_url: str
) -> dict[str, str]:
    sv = verdict_variables(v)
    change = env["change_percent"]
    lo, hi = sv["low"], sv["high"]
    git = outcome.run.git
    return {
        "metric_name": v.metric,
        "change_percent": "n/a" if not isinstance(change, float) else f"{change:.1f}",
        "confidence_level": "n/a" if v.p_value is None else f"{(1.0 - v.p_value) * 100:.1f}%",
        "baseline_value": "n/a" if v.baseline is None else f"{_fmt(v.baseline.median)} {v.unit}",
        "current_value": "n/a" if v.current is None else f"{_fmt(v.current.median)} {v.unit}",
        "commit_hash": (git.commit or "")[:12] if git is not None else "n/a",
        "branch_name": (git.branch or "n/a") if git is not None else "n/a",
        "benchmark": v.benchmark.name,
        "interval": "n/a" if lo is None or hi is None else f"[{lo * 100:+.1f}%, {hi * 100:+.1f}%]",
        "tier": outcome.run.tier or "n/a",
        "testbed": outcome.run.environment.testbed,
        "run_url": run_url or "n/a",
        "rule": rule.name,
        "severity": rule.severity,
        "p_value": _fmt(v.p_value, 3),
    }


def render_template(template: str, fields: Mapping[str, str]) -> str:
    """``template`` with its placeholders filled (checked when the configuration was read)."""
    return template.format_map(dict(fields))


_COMPARED = (Status.REGRESSION, Status.IMPROVEMENT, Status.UNCHANGED, Status.INCONCLUSIVE)


def evaluate(outcome: Outcome, rules: Sequence[AlertRule], *, run_url: str = "") -> list[Alert]:
    """The alerts ``rules`` raise on ``outcome``'s compared verdicts, in verdict then rule order.

    Strings from input (benchmark names, branches) are put in as they are: each channel escapes them
    for where it sends them.
    """
    alerts: list[Alert] = []
    for v in outcome.verdicts:
        if v.status not in _COMPARED:
            continue
        env = _variables(v, outcome)
        for rule in rules:
            if not rule.condition.holds(env):
                continue
            fields = _fields(rule, v, outcome, env, run_url)
            alerts.append(
                Alert(
                    rule=rule.name,
                    severity=rule.severity,
                    channels=rule.channels,
                    benchmark=v.benchmark.name,
                    metric=v.metric,
                    key=(v.benchmark.name, v.metric, rule.name),
                    message=render_template(rule.message_template, fields),
                    fields=fields,
                )
            )
    return alerts


RESOLVED_TEMPLATE = (
    "[resolved] {rule}: {benchmark} {metric_name} is back ({change_percent}% against the baseline; "
    "baseline {baseline_value}, current {current_value}; {branch_name}@{commit_hash})"
)


def resolution(
    rule: AlertRule, outcome: Outcome, benchmark: str, metric: str, *, run_url: str = ""
) -> Alert | None:
    """The notice that ``rule``'s alert on (``benchmark``, ``metric``) resolved in ``outcome``: its
    verdict was compared and the rule no longer holds. None when it still holds, or when ``outcome``
    did not compare that pair (a missing or failed benchmark says nothing about its regression).

    An inconclusive verdict resolves only when the rule would not hold even were its change
    significant (the condition evaluated with ``p_value`` 0): a rolling baseline that took in the
    regressed runs widens the noise until nothing is significant, while the change estimate still says
    the regression is there; once the estimate itself has left the rule's range, the metric is back.
    """
    for v in outcome.verdicts:
        if v.status in _COMPARED and v.benchmark.name == benchmark and v.metric == metric:
            env = _variables(v, outcome)
            if v.status is Status.INCONCLUSIVE:
                env = {**env, "p_value": 0.0}
            if rule.condition.holds(env):
                return None
            fields = _fields(rule, v, outcome, _variables(v, outcome), run_url)
            return Alert(
                rule=rule.name,
                severity=rule.severity,
                channels=rule.channels,
                benchmark=benchmark,
                metric=metric,
                key=(benchmark, metric, rule.name),
                message=render_template(RESOLVED_TEMPLATE, fields),
                fields=fields,
            )
    return None


def evaluate_change_point(
    rules: Sequence[AlertRule],
    *,
    benchmark: str,
    metric: str,
    change_percent: float | None,
    p_value: float,
    commit: str | None,
    before: str,
    after: str,
    tier: str | None,
    branch: str | None,
    testbed: str | None,
) -> list[Alert]:
    """The alerts ``rules`` raise on a change point ``perfgate detect`` found (``source`` is
    ``"detect"``; ``change_percent`` adverse, as for verdicts; ``before``/``after`` the levels as text).
    The key holds the change's commit: each change point alerts once."""
    env: dict[str, Value] = {
        "change_percent": change_percent, "p_value": p_value, "metric": metric, "benchmark": benchmark,
        "tier": tier, "branch": branch, "severity": None, "verdict": None, "source": "detect",
    }  # fmt: skip
    alerts = []
    for rule in rules:
        if not rule.condition.holds(env):
            continue
        fields = {
            "metric_name": metric,
            "change_percent": "n/a" if change_percent is None else f"{change_percent:.1f}",
            "confidence_level": f"{(1.0 - p_value) * 100:.1f}%",
            "baseline_value": before,
            "current_value": after,
            "commit_hash": (commit or "n/a")[:12],
            "branch_name": branch or "n/a",
            "benchmark": benchmark,
            "interval": "n/a",
            "tier": tier or "n/a",
            "testbed": testbed or "n/a",
            "run_url": "n/a",
            "rule": rule.name,
            "severity": rule.severity,
            "p_value": _fmt(p_value, 3),
        }
        alerts.append(
            Alert(
                rule=rule.name,
                severity=rule.severity,
                channels=rule.channels,
                benchmark=benchmark,
                metric=metric,
                key=(benchmark, metric, rule.name),
                message=render_template(rule.message_template, fields),
                fields=fields,
            )
        )
    return alerts
