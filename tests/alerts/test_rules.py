"""The alert condition language and templates on literal inputs: what parses, what holds, and the
column of what does not parse."""

from __future__ import annotations

from pathlib import Path

import pytest

from builders import bare_run
from perfgate.alerts import AlertRule, ConditionError, check_template, evaluate, parse_condition
from perfgate.config import parse_config
from perfgate.errors import ConfigError
from perfgate.gate import Outcome
from perfgate.model import BenchmarkId, Direction, Status, Verdict

SEED = {
    "critical_regression": "change_percent > 10 AND p_value < 0.05",
    "warning_regression": "change_percent > 5 AND p_value < 0.05 AND change_percent <= 10",
    "performance_improvement": "change_percent < -3 AND p_value < 0.05",
}


def env(**kw: object) -> dict[str, object]:
    base: dict[str, object] = {
        "change_percent": 0.0, "p_value": 0.5, "metric": "time", "benchmark": "b", "tier": None,
        "branch": "main", "severity": None, "verdict": "unchanged",
    }  # fmt: skip
    return {**base, **kw}


@pytest.mark.parametrize(
    ("change", "p", "fires"),
    [
        (12.0, 0.01, {"critical_regression"}),
        (7.0, 0.01, {"warning_regression"}),
        (10.0, 0.01, {"warning_regression"}),  # <= 10 is the warning's, > 10 the critical's
        (-4.0, 0.01, {"performance_improvement"}),
        (12.0, 0.2, set()),  # not significant
        (-2.0, 0.01, set()),
    ],
)
def test_the_seed_rules_as_written(change: float, p: float, fires: set[str]) -> None:
    e = env(change_percent=change, p_value=p)
    assert {name for name, text in SEED.items() if parse_condition(text).holds(e)} == fires  # type: ignore[arg-type]


def test_or_not_parentheses_strings_and_globs() -> None:
    c = parse_condition('(benchmark matches "bench/io*" or metric == "rps") and not tier == "nightly"')
    assert c.holds(env(benchmark="bench/io_read"))  # type: ignore[arg-type]
    assert c.holds(env(metric="rps", tier="fast"))  # type: ignore[arg-type]
    assert not c.holds(env(benchmark="bench/io_read", tier="nightly"))  # type: ignore[arg-type]
    assert not c.holds(env(benchmark="bench/cpu"))  # type: ignore[arg-type]


def test_a_missing_value_never_holds() -> None:
    assert not parse_condition("p_value < 0.05").holds(env(p_value=None))  # type: ignore[arg-type]
    assert not parse_condition('branch == "main"').holds(env(branch=None))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "column", "words"),
    [
        ("change_percent > 10 AND p_valu < 0.05", 25, "unknown variable 'p_valu'"),
        ("change_percent >> 10", 17, "compares with a number"),
        ("change_percent > 10 AND", 24, "expected a variable, got 'the end'"),
        ("(change_percent > 10", 21, "expected ')'"),
        ("change_percent > 10 p_value < 1", 21, "expected 'and', 'or' or the end"),
        ('benchmark > "a"', 11, "use ==, != or matches"),
        ("change_percent matches 'x*'", 16, "'matches' compares text"),
        ("change_percent > 10; drop", 20, "unexpected character ';'"),
        ("", 1, "empty condition"),
    ],
)
def test_a_bad_condition_names_its_column(text: str, column: int, words: str) -> None:
    with pytest.raises(ConditionError) as err:
        parse_condition(text)
    assert err.value.column == column
    assert words in str(err.value)


def test_never_eval() -> None:
    with pytest.raises(ConditionError, match=r"column 17: unexpected character '\.'"):
        parse_condition("__import__('os').system('true')")
    with pytest.raises(ConditionError, match="column 1: unknown variable '__import__'"):
        parse_condition("__import__ == 'os'")


def test_an_unknown_placeholder_names_line_and_column() -> None:
    check_template("Metric: {metric_name}  Regression: {change_percent}%")
    with pytest.raises(ConditionError, match=r"line 2, column 9: unknown placeholder \{commit\}"):
        check_template("Critical\nCommit: {commit} on {branch_name}")


def config(tmp_path: Path, **alert: object) -> None:
    data = {
        "channels": {"ops": {"type": "slack", "url_env": "SLACK_URL"}},
        "alerts": [{"name": "crit", "channels": ["ops"], "condition": "change_percent > 10", **alert}],
    }
    parse_config(data, tmp_path, tmp_path / "pyproject.toml", "demo")


def test_config_errors_name_file_key_and_column(tmp_path: Path) -> None:
    config(tmp_path)
    with pytest.raises(ConfigError) as err:
        config(tmp_path, condition="change_percent > 10 AND p < 0.05")
    assert str(err.value).startswith(
        f"{tmp_path / 'pyproject.toml'}: tool.perfgate.alerts[0].condition: column 25:"
    )
    with pytest.raises(
        ConfigError, match=r"alerts\[0\]\.message_template: line 1, column 9: unknown placeholder"
    ):
        config(tmp_path, message_template="Commit: {sha}")
    with pytest.raises(
        ConfigError, match=r"alerts\[0\]\.channels: no channel named 'email' \(channels: ops\)"
    ):
        config(tmp_path, channels=["email"])


def test_evaluate_uses_the_adverse_change_whatever_the_direction() -> None:
    rule = AlertRule("crit", parse_condition(SEED["critical_regression"]), "critical", ("ops",))
    slower_rps = Verdict(
        BenchmarkId("load"), "rps", "1/s", Direction.HIGHER, Status.REGRESSION, change=-0.10, p_value=0.01
    )
    faster_rps = Verdict(
        BenchmarkId("load2"), "rps", "1/s", Direction.HIGHER, Status.IMPROVEMENT, change=0.2, p_value=0.01
    )
    new = Verdict(BenchmarkId("fresh"), "time", "s", Direction.LOWER, Status.NEW)
    outcome = Outcome(bare_run(), ("01BASE",), (slower_rps, faster_rps, new))
    (alert,) = evaluate(outcome, [rule])
    assert (alert.benchmark, alert.metric, alert.severity) == ("load", "rps", "critical")
    assert alert.fields["change_percent"] == "11.1"  # x 0.9 is 1/0.9 - 1 = 11.1% worse
    assert alert.key == ("load", "rps", "crit")  # not the baseline runs: one alert while it fires


def test_channel_and_rule_errors_name_their_key(tmp_path: Path) -> None:
    src = tmp_path / "perfgate.toml"

    def parse(channel: dict[str, object], **alert: object) -> None:
        rule = {"name": "r", "condition": "change_percent > 1", "channels": ["c"], **alert}
        parse_config({"channels": {"c": channel}, "alerts": [rule]}, tmp_path, src, "demo")

    with pytest.raises(
        ConfigError, match=r"perfgate.toml: channels.c.type: a slack channel needs url or url_env"
    ):
        parse({"type": "slack"})
    with pytest.raises(
        ConfigError, match=r"channels.c.secret_env: expected the name of an environment variable"
    ):
        parse({"type": "webhook", "url": "http://127.0.0.1/", "secret_env": "s3cr3t value"})
    with pytest.raises(ConfigError, match=r"channels.c.type: an email channel needs host, from and to"):
        parse({"type": "email", "host": "smtp.example.com"})
    with pytest.raises(
        ConfigError,
        match=r"channels.c.type: expected one of slack, webhook, email, github_comment, got 'pager'",
    ):
        parse({"type": "pager", "url": "http://127.0.0.1/"})
    with pytest.raises(ConfigError, match=r"alerts\[0\].severity: expected a word"):
        parse({"type": "slack", "url_env": "U"}, severity="very bad")
    with pytest.raises(ConfigError, match=r"alerts\[0\].channels: missing"):
        parse_config({"alerts": [{"name": "r", "condition": "p_value < 1"}]}, tmp_path, src, "demo")


def test_notify_resolved_and_github_comment_errors_name_their_key(tmp_path: Path) -> None:
    src = tmp_path / "perfgate.toml"

    def parse(channel: dict[str, object], **alert: object) -> bool:
        rule = {"name": "r", "condition": "change_percent > 1", "channels": ["c"], **alert}
        cfg = parse_config({"channels": {"c": channel}, "alerts": [rule]}, tmp_path, src, "demo")
        return cfg.alerts[0].resolutions_to(cfg.channels["c"])

    with pytest.raises(
        ConfigError, match=r"perfgate.toml: alerts\[0\].notify_resolved: expected bool, got 'yes'"
    ):
        parse({"type": "github_comment"}, notify_resolved="yes")
    with pytest.raises(ConfigError, match=r"channels.c.notify_resolved: expected bool, got 1"):
        parse({"type": "github_comment", "notify_resolved": 1})
    with pytest.raises(
        ConfigError, match=r"channels.c.type: a github_comment channel posts to the job's pull"
    ):
        parse({"type": "github_comment", "url": "http://127.0.0.1/"})
    # who is told of a resolution: the channel's word, else the rule's, else critical/warning only
    hook = {"type": "webhook", "url": "http://127.0.0.1/"}
    assert parse(hook, severity="critical") is True
    assert parse(hook, severity="info") is False
    assert parse(hook, severity="info", notify_resolved=True) is True
    assert parse({**hook, "notify_resolved": False}, severity="critical", notify_resolved=True) is False
