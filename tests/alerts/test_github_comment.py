"""The ``github_comment`` channel: an alert posted as a pull-request comment through perfgate.ci's
machinery, against the fake GitHub of ``tests/ci`` on 127.0.0.1; keyed so its resolution updates the
same comment; never a write from a fork's job."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from ci.conftest import HEAD, MERGE, TOKEN, pull_request_event
from ci.forge import State, github, serve
from perfgate import app

from .test_lifecycle import GOOD, SLOW, nightly
from .test_notify import run

CONFIG = """\
[project]
name = "demo"

[tool.perfgate.channels.pr]
type = "github_comment"

[[tool.perfgate.alerts]]
name = "critical_regression"
condition = "change_percent > 10 AND p_value < 0.05"
severity = "critical"
channels = ["pr"]
"""


@pytest.fixture
def forge(tmp_path: Path) -> Iterator[tuple[app.Workspace, State, dict[str, str]]]:
    with serve(github) as (url, state):
        state.tokens[TOKEN] = "write"
        state.pulls[7] = {"sha": HEAD, "repo": "octo/demo"}
        event = tmp_path / "event.json"
        event.write_text(json.dumps(pull_request_event()), encoding="utf-8")
        env = {
            "GITHUB_ACTIONS": "true", "GITHUB_API_URL": url, "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_REPOSITORY": "octo/demo", "GITHUB_RUN_ID": "42", "GITHUB_SHA": MERGE,
            "GITHUB_REF": "refs/pull/7/merge", "GITHUB_TOKEN": TOKEN, "GITHUB_EVENT_NAME": "pull_request",
            "GITHUB_EVENT_PATH": str(event),
        }  # fmt: skip
        (tmp_path / "pyproject.toml").write_text(CONFIG)
        ws = app.Workspace.discover(tmp_path, environ=env)
        with ws.store() as s:
            for i in range(5):
                s.add_run(run(i, GOOD))
        yield ws, state, env


def test_an_alert_is_a_comment_and_its_resolution_updates_that_comment(
    forge: tuple[app.Workspace, State, dict[str, str]],
) -> None:
    ws, state, _ = forge
    notified = app.notify(ws, app.judge_stored(ws, nightly(ws, 5, SLOW)))
    assert (notified.failures, [ch for _, ch in notified.sent]) == ((), ["pr"])
    (comment,) = state.comments[7]
    marker = "<!-- perfgate-comment key=alert%2Fbench_a%2Ftime%2Fcritical_regression -->"
    assert comment["body"].startswith(marker + "\n**perfgate alert critical_regression** (critical)\n\n")
    assert "\n\\[critical\\] critical_regression: bench_a time changed by 15.0%" in comment["body"]

    for i in (6, 7):  # the regression still seen: the comment is left alone
        app.notify(ws, app.judge_stored(ws, nightly(ws, i, SLOW)))
    posts = [r for r in state.requests if r.method in ("POST", "PATCH")]
    assert len(posts) == 1

    notified = app.notify(ws, app.judge_stored(ws, nightly(ws, 8, GOOD)))
    assert [ch for _, ch in notified.resolutions_sent] == ["pr"]
    (comment,) = state.comments[7]  # updated, not a second comment
    assert comment["body"].startswith(marker)
    assert "\\[resolved\\] critical_regression: bench_a time is back" in comment["body"]


def test_a_fork_pull_request_gets_no_write_and_it_is_not_retried(
    forge: tuple[app.Workspace, State, dict[str, str]], tmp_path: Path
) -> None:
    ws, state, _ = forge
    event = tmp_path / "event.json"
    event.write_text(json.dumps(pull_request_event(head_repo="forker/demo")), encoding="utf-8")
    notified = app.notify(ws, app.judge_stored(ws, nightly(ws, 5, SLOW)))
    assert notified.failures == ()
    assert notified.skipped == (
        "channel pr: pull request #7 comes from a fork: its token is read-only, so no comment was posted",
    )
    assert [r for r in state.requests if r.method != "GET"] == []
    assert app.list_alerts(ws)[0].channels == (("pr", "skipped"),)
    again = app.notify(ws, app.judge_stored(ws, nightly(ws, 6, SLOW)))
    assert again.skipped == ()
    assert [r for r in state.requests if r.method != "GET"] == []
