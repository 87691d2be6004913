"""``perfgate run`` sends the configured alerts after its report, once, and a failing channel never
changes its exit code (a real git project, a command benchmark, a real HTTP receiver)."""

from __future__ import annotations

import json
from pathlib import Path

from gitproject import GitProject

from .conftest import Receiver

CONFIG = """\
[project]
name = "demo"

[[tool.perfgate.commands]]
name = "noop"
command = ["true"]
runs = 5

[tool.perfgate.channels.ops]
type = "slack"
url_env = "OPS_SLACK_URL"

[[tool.perfgate.alerts]]
name = "any_compared"
condition = 'benchmark matches "cmd:*" and metric == "time"'
channels = ["ops"]
message_template = "{benchmark} {metric_name} {change_percent}% on {branch_name}"
"""


def test_perfgate_run_sends_alerts_once_and_a_failing_channel_keeps_the_exit_code(
    tmp_path: Path, receiver: Receiver
) -> None:
    proj = GitProject(tmp_path / "p", testbed="tb")
    proj.init()
    proj.write("pyproject.toml", CONFIG)
    proj.commit("one")
    proj.env["OPS_SLACK_URL"] = f"{receiver.url}/ops"
    first = proj.perfgate_here("run")
    assert first.code == 0, first.stderr
    assert receiver.posts == []  # no baseline yet: nothing compared, nothing to say

    proj.write("README", "two\n")
    proj.commit("two")  # (a commit's own runs are never its baseline)
    proj.env["OPS_SLACK_URL"] = "http://127.0.0.1:1/unreachable"
    second = proj.perfgate_here("run", "--threshold", "1000")
    assert second.code == 0, second.stderr
    assert "perfgate: warning: channel ops: cannot reach it: ConnectError" in second.stderr

    proj.env["OPS_SLACK_URL"] = f"{receiver.url}/ops"
    again = proj.perfgate_here("notify", _newest_run(proj))
    assert again.code == 0, again.stderr
    (post,) = receiver.posts
    assert json.loads(post[2])["text"].startswith("cmd:noop time ")
    assert json.loads(post[2])["text"].endswith("% on main")
    assert (proj.root / ".perfgate" / "alerts.json").is_file()

    repeat = proj.perfgate_here("notify", _newest_run(proj))
    assert "1 alert(s) already sent, not sent again" in repeat.stderr
    assert len(receiver.posts) == 1


def _newest_run(proj: GitProject) -> str:
    runs = proj.perfgate_here("runs", "--format", "json", "--limit", "1")
    rows = json.loads(runs.stdout)
    return str((rows["runs"] if isinstance(rows, dict) else rows)[0]["id"])
