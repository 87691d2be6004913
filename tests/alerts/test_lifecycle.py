"""One alert per (benchmark, metric, rule) while the rule keeps firing, whatever baseline runs the
rolling baseline picks; a resolution when the metric returns; ack, silence, a receiver that was down;
``perfgate alerts list`` and ``perfgate compare --notify`` (real HTTP receivers on 127.0.0.1, runs
stored in a real SQLite file)."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from perfgate import app
from perfgate.cli.main import main
from perfgate.model import new_run_id

from .conftest import Receiver
from .test_notify import T0, run

CONFIG = """\
[project]
name = "demo"

[tool.perfgate.channels.ops]
type = "slack"
url_env = "OPS_URL"

[tool.perfgate.channels.hook]
type = "webhook"
url_env = "HOOK_URL"

[[tool.perfgate.alerts]]
name = "critical_regression"
condition = "change_percent > 10 AND p_value < 0.05"
severity = "critical"
channels = ["ops", "hook"]
"""

GOOD = {"bench_a": 1.0, "bench_b": 1.0}
SLOW = {"bench_a": 1.15, "bench_b": 1.0}


def cli(root: Path, env: dict[str, str], *argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main([argv[0], "--color", "never", *argv[1:]], cwd=root, environ=env, stdout=out)
    return code, out.getvalue()


def texts(receiver: Receiver, path: str) -> list[str]:
    return [json.loads(b).get("text") or json.loads(b)["message"] for p, _, b in receiver.posts if p == path]


@pytest.fixture
def project(tmp_path: Path, receiver: Receiver) -> tuple[app.Workspace, dict[str, str]]:
    (tmp_path / "pyproject.toml").write_text(CONFIG)
    env = {"OPS_URL": f"{receiver.url}/ops", "HOOK_URL": f"{receiver.url}/hook"}
    ws = app.Workspace.discover(tmp_path, environ=env)
    with ws.store() as s:
        for i in range(5):  # five good nightly runs: the rolling baseline (5 latest runs)
            s.add_run(run(i, GOOD))
    return ws, env


def nightly(ws: app.Workspace, i: int, factors: dict[str, float]) -> str:
    r = run(i, factors)
    with ws.store() as s:
        s.add_run(r)
    return r.id


def test_three_nightly_runs_with_the_same_regression_send_one_alert_and_its_return_one_resolution(
    project: tuple[app.Workspace, dict[str, str]], receiver: Receiver
) -> None:
    ws, _ = project
    baselines = set()
    for i in (5, 6, 7):  # each against another rolling baseline (the 5 latest runs), bench_a 15% slower
        outcome = app.judge_stored(ws, nightly(ws, i, SLOW))
        baselines.add(tuple(outcome.baseline_ids))
        (verdict,) = (v for v in outcome.verdicts if v.benchmark.name == "bench_a")
        assert verdict.change == pytest.approx(0.15, abs=0.005)
        app.notify(ws, outcome)
        assert [a.state for a in app.list_alerts(ws)] == ["open"], i
    assert len(baselines) == 3
    assert len(texts(receiver, "/ops")) == 1
    assert len(texts(receiver, "/hook")) == 1
    assert texts(receiver, "/ops")[0].startswith("[critical] critical_regression: bench_a time changed by")

    (alert,) = app.list_alerts(ws)
    assert (alert.state, alert.benchmark, alert.rule) == ("open", "bench_a", "critical_regression")
    assert alert.channels == (("ops", "sent"), ("hook", "sent"))

    back = nightly(ws, 8, GOOD)
    notified = app.notify(ws, app.judge_stored(ws, back))
    assert [(a.benchmark, ch) for a, ch in notified.resolutions_sent] == [
        ("bench_a", "ops"),
        ("bench_a", "hook"),
    ]
    ops = texts(receiver, "/ops")
    assert len(ops) == 2
    assert ops[1].startswith("[resolved] critical_regression: bench_a time is back")
    assert app.list_alerts(ws) == []
    (gone,) = app.list_alerts(ws, include_resolved=True)
    assert (gone.state, gone.resolved_run) == ("resolved", back)

    again = app.notify(ws, app.judge_stored(ws, back))  # the same run once more: nothing new
    assert again.sent == again.resolutions_sent == ()
    assert len(receiver.posts) == 4


def test_a_regression_firing_against_three_different_baselines_is_one_alert(
    tmp_path: Path, receiver: Receiver
) -> None:
    """With a 20-run rolling baseline each of the three nightly runs fires the rule on its own (the key
    once held the baseline runs: three alerts); the return is inconclusive with a change near 0 against
    the mixed baseline, and resolves the alert."""
    (tmp_path / "pyproject.toml").write_text(CONFIG + "\n[tool.perfgate.baseline]\nruns = 20\n")
    env = {"OPS_URL": f"{receiver.url}/ops", "HOOK_URL": f"{receiver.url}/hook"}
    ws = app.Workspace.discover(tmp_path, environ=env)
    with ws.store() as s:
        for i in range(20):
            s.add_run(run(i, GOOD))
    baselines = set()
    for i in (20, 21, 22):
        outcome = app.judge_stored(ws, nightly(ws, i, SLOW))
        baselines.add(tuple(outcome.baseline_ids))
        notified = app.notify(ws, outcome)
        assert [a.benchmark for a in notified.alerts] == ["bench_a"], i  # it fires every time
    assert len(baselines) == 3
    assert (len(texts(receiver, "/ops")), len(texts(receiver, "/hook"))) == (1, 1)

    outcome = app.judge_stored(ws, nightly(ws, 23, GOOD))
    (verdict,) = (v for v in outcome.verdicts if v.benchmark.name == "bench_a")
    assert verdict.status.value == "inconclusive"
    notified = app.notify(ws, outcome)
    assert [a.benchmark for a in notified.resolved] == ["bench_a"]
    assert texts(receiver, "/ops")[1].startswith("[resolved] critical_regression: bench_a time is back")


def test_a_rerun_of_the_same_commit_that_does_not_fire_resolves_nothing(
    project: tuple[app.Workspace, dict[str, str]], receiver: Receiver
) -> None:
    ws, _ = project
    app.notify(ws, app.judge_stored(ws, nightly(ws, 5, SLOW)))
    # the same commit measured again (another run id), fast this time
    rerun = replace(run(5, GOOD), id=new_run_id(T0 + timedelta(hours=5, minutes=30)))
    with ws.store() as s:
        s.add_run(rerun)
    notified = app.notify(ws, app.judge_stored(ws, rerun.id))
    assert notified.resolved == ()
    assert [a.state for a in app.list_alerts(ws)] == ["open"]
    assert len(receiver.posts) == 2


def test_a_resolution_is_not_sent_for_info_alerts_unless_asked(tmp_path: Path, receiver: Receiver) -> None:
    config = CONFIG.replace('severity = "critical"', 'severity = "info"')
    config = config.replace(
        "[tool.perfgate.channels.hook]", "[tool.perfgate.channels.hook]\nnotify_resolved = true"
    )
    (tmp_path / "pyproject.toml").write_text(config)
    env = {"OPS_URL": f"{receiver.url}/ops", "HOOK_URL": f"{receiver.url}/hook"}
    ws = app.Workspace.discover(tmp_path, environ=env)
    with ws.store() as s:
        for i in range(5):
            s.add_run(run(i, GOOD))
    app.notify(ws, app.judge_stored(ws, nightly(ws, 5, SLOW)))
    notified = app.notify(ws, app.judge_stored(ws, nightly(ws, 6, GOOD)))
    assert [a.benchmark for a in notified.resolved] == ["bench_a"]
    assert [ch for _, ch in notified.resolutions_sent] == ["hook"]  # the channel asked; ops did not


def test_a_receiver_that_was_down_gets_the_alert_once_at_the_next_notify(
    project: tuple[app.Workspace, dict[str, str]], receiver: Receiver
) -> None:
    ws, env = project
    down = app.Workspace.discover(ws.config.root, environ={**env, "OPS_URL": "http://127.0.0.1:1/ops"})
    first = nightly(ws, 5, SLOW)
    notified = app.notify(down, app.judge_stored(down, first))
    assert notified.failures == ("channel ops: cannot reach it: ConnectError",)
    assert dict(app.list_alerts(ws)[0].channels) == {"ops": "pending", "hook": "sent"}

    second = nightly(ws, 6, SLOW)  # the next nightly run, the receiver up again
    code, _ = cli(ws.config.root, env, "notify", second)
    assert code == 0
    assert len(texts(receiver, "/ops")) == 1
    code, _ = cli(ws.config.root, env, "notify", second)
    assert len(texts(receiver, "/ops")) == 1
    assert len(texts(receiver, "/hook")) == 1
    assert dict(app.list_alerts(ws)[0].channels) == {"ops": "sent", "hook": "sent"}


def test_an_acknowledged_alert_is_no_longer_retried(
    project: tuple[app.Workspace, dict[str, str]], receiver: Receiver
) -> None:
    ws, env = project
    down = app.Workspace.discover(ws.config.root, environ={**env, "OPS_URL": "http://127.0.0.1:1/ops"})
    app.notify(down, app.judge_stored(down, nightly(ws, 5, SLOW)))
    (alert,) = app.list_alerts(ws)
    code, out = cli(ws.config.root, env, "alerts", "ack", alert.id[:5])
    assert (code, out) == (0, f"acknowledged {alert.id}: critical_regression on bench_a [time]\n")
    app.notify(ws, app.judge_stored(ws, nightly(ws, 6, SLOW)))
    assert texts(receiver, "/ops") == []
    (acked,) = app.list_alerts(ws)
    assert acked.acked is not None
    code, out = cli(ws.config.root, env, "alerts", "list")
    assert f"{alert.id}  critical  critical_regression  bench_a [time]  open, acked " in out
    assert "channels: ops pending, hook sent" in out


def test_an_unknown_alert_id_is_a_one_line_error(
    project: tuple[app.Workspace, dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    ws, env = project
    code, _ = cli(ws.config.root, env, "alerts", "ack", "zzzz")
    assert code == 2
    assert "no alert with id 'zzzz'" in capsys.readouterr().err


def test_a_silenced_benchmark_is_recorded_but_sent_only_when_the_silence_expires(
    project: tuple[app.Workspace, dict[str, str]], receiver: Receiver
) -> None:
    ws, env = project
    code, out = cli(ws.config.root, env, "alerts", "silence", "bench_*", "--for", "7d")
    assert code == 0 and out.startswith("silenced bench_* until ")
    first = nightly(ws, 5, SLOW)
    app.notify(ws, app.judge_stored(ws, first))
    assert receiver.posts == []
    (alert,) = app.list_alerts(ws)
    assert alert.channels == (("ops", "silenced"), ("hook", "silenced"))

    later = lambda: datetime.now(UTC) + timedelta(days=8)  # noqa: E731
    app.notify(ws, app.judge_stored(ws, nightly(ws, 6, SLOW)), now=later)  # still open, silence over
    assert len(texts(receiver, "/ops")) == 1


def test_a_bad_silence_period_is_a_usage_error(
    project: tuple[app.Workspace, dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    ws, env = project
    code, _ = cli(ws.config.root, env, "alerts", "silence", "x", "--for", "soon")
    assert code == 2
    assert "--for: expected a period like '7d'" in capsys.readouterr().err


def test_compare_notify_sends_on_its_verdicts_and_never_resolves(
    project: tuple[app.Workspace, dict[str, str]], receiver: Receiver
) -> None:
    ws, env = project
    base_id = app.list_runs(ws, limit=1)[0].id
    slow = nightly(ws, 5, SLOW)
    code, _ = cli(ws.config.root, env, "compare", base_id, slow)
    assert code == 1
    assert receiver.posts == []  # without --notify, compare is ad hoc: nothing sent
    code, _ = cli(ws.config.root, env, "compare", base_id, slow, "--notify")
    assert code == 1  # the gate's exit code stands
    assert len(texts(receiver, "/ops")) == 1
    fast = nightly(ws, 6, GOOD)
    code, _ = cli(ws.config.root, env, "compare", base_id, fast, "--notify")
    assert code == 0
    assert [a.state for a in app.list_alerts(ws)] == ["open"]
    assert len(receiver.posts) == 2


def test_a_version_1_record_reads_as_open_alerts_already_sent(
    project: tuple[app.Workspace, dict[str, str]], receiver: Receiver
) -> None:
    ws, _ = project
    path = app.alerts_file(ws)
    path.parent.mkdir(parents=True, exist_ok=True)
    key = ["bench_a", "time", "critical_regression", "r1,r2"]
    path.write_text(json.dumps({"version": 1, "sent": [
        {"key": [*key, "ops"], "run": "r0", "sent": "2026-06-01T00:00:00+00:00"},
        {"key": [*key, "hook"], "run": "r0", "sent": "2026-06-01T00:00:00+00:00"},
    ]}))  # fmt: skip
    notified = app.notify(ws, app.judge_stored(ws, nightly(ws, 5, SLOW)))
    assert (notified.sent, notified.already) == ((), 2)
    assert receiver.posts == []


DETECT_RULE = """
[[tool.perfgate.alerts]]
name = "step"
condition = 'source == "detect" and change_percent > 10'
severity = "warning"
channels = ["ops"]
message_template = "step in {benchmark} {metric_name}: {change_percent}% at {commit_hash} ({baseline_value} -> {current_value})"
"""


def test_detect_notify_alerts_once_on_a_new_change_point(tmp_path: Path, receiver: Receiver) -> None:
    (tmp_path / "pyproject.toml").write_text(
        CONFIG.replace('AND p_value < 0.05"', 'AND source == \\"run\\""') + DETECT_RULE
    )
    env = {"OPS_URL": f"{receiver.url}/ops", "HOOK_URL": f"{receiver.url}/hook"}
    ws = app.Workspace.discover(tmp_path, environ=env)
    with ws.store() as s:  # a stored series with a step: 8 runs at 1 ms, then 8 at 1.15 ms
        for i in range(16):
            s.add_run(run(i, GOOD if i < 8 else SLOW))
    code, out = cli(tmp_path, env, "detect", "bench_a", "--notify")
    assert code == 0
    assert "1 change point in 1 of 1 series" in out
    (text,) = texts(receiver, "/ops")  # the detect rule only: the run rule says source == "run"
    assert text.startswith("step in bench_a time: 15.0% at 008ccccccccc (")
    (alert,) = app.list_alerts(ws, include_resolved=True)
    assert (alert.state, alert.rule, alert.commit) == ("detected", "step", "008" + "c" * 37)
    assert app.list_alerts(ws) == []  # an event, not an open alert

    code, _ = cli(tmp_path, env, "detect", "bench_a", "--notify")  # the same change point: seen
    assert code == 0
    assert len(receiver.posts) == 1
    code, _ = cli(tmp_path, env, "detect", "bench_a")  # without --notify nothing is judged
    assert len(receiver.posts) == 1
