"""The seed's three alert rules, verbatim, on a stored run with a 12% and a 7% regression and a 4%
improvement: sent once each to the right real receivers (HTTP on 127.0.0.1, SMTP by aiosmtpd)."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from builders import run_at, wiggled
from perfgate import app
from perfgate.alerts import Alert, ChannelSpec
from perfgate.alerts.channels import ChannelError, Sender, signature
from perfgate.cli.main import main
from perfgate.model import Run

from .conftest import Mailbox, Receiver, TlsMailbox

T0 = datetime(2026, 6, 1, tzinfo=UTC)
SECRET = "s3cret-hmac-key-for-the-test"

CONFIG = '''\
[project]
name = "demo"

[tool.perfgate.channels.slack_performance]
type = "slack"
url_env = "SLACK_URL"

[tool.perfgate.channels.email_stakeholders]
type = "email"
host = "127.0.0.1"
port = {port}
from = "perfgate@example.com"
to = ["perf@example.com"]
starttls = false

[tool.perfgate.channels.github_comment]
type = "webhook"
url_env = "HOOK_URL"
secret_env = "HOOK_SECRET"

[[tool.perfgate.alerts]]
name = "critical_regression"
condition = "change_percent > 10 AND p_value < 0.05"
severity = "critical"
channels = ["slack_performance", "email_stakeholders"]
message_template = """
Critical Performance Regression Detected
Metric: {{metric_name}}  Regression: {{change_percent}}%  Confidence: {{confidence_level}}
Previous: {{baseline_value}}  Current: {{current_value}}  Commit: {{commit_hash}}  Branch: {{branch_name}}
"""

[[tool.perfgate.alerts]]
name = "warning_regression"
condition = "change_percent > 5 AND p_value < 0.05 AND change_percent <= 10"
severity = "warning"
channels = ["slack_performance"]

[[tool.perfgate.alerts]]
name = "performance_improvement"
condition = "change_percent < -3 AND p_value < 0.05"
severity = "info"
channels = ["slack_performance", "github_comment"]
'''


def run(i: int, factors: dict[str, float]) -> Run:
    """Run ``i`` on main: each benchmark's 20 samples around ``factors[name]`` ms, +-0.2%."""
    results = [wiggled(name, 1e-3 * f, n=20, damp=5) for name, f in factors.items()]
    return run_at(T0, i, f"{i:03d}" + "c" * 37, results)


@pytest.fixture
def project(tmp_path: Path, receiver: Receiver, mailbox: Mailbox) -> tuple[Path, dict[str, str], str]:
    (tmp_path / "pyproject.toml").write_text(CONFIG.format(port=mailbox.port))
    env = {"SLACK_URL": f"{receiver.url}/slack", "HOOK_URL": f"{receiver.url}/hook", "HOOK_SECRET": SECRET}
    ws = app.Workspace.discover(tmp_path, environ=env)
    names = ("bench_slow12", "bench_slow7", "bench_fast4", "bench_same")
    with ws.store() as s:
        s.add_run(run(0, dict.fromkeys(names, 1.0)))
        head = run(1, {"bench_slow12": 1.12, "bench_slow7": 1.07, "bench_fast4": 0.96, "bench_same": 1.0})
        s.add_run(head)
    return tmp_path, env, head.id


def notify(root: Path, env: dict[str, str], run_id: str) -> int:
    return main(["notify", run_id, "--color", "never"], cwd=root, environ=env, stdout=io.StringIO())


def test_the_seed_rules_send_one_critical_one_warning_one_info_to_their_channels(
    project: tuple[Path, dict[str, str], str], receiver: Receiver, mailbox: Mailbox
) -> None:
    root, env, run_id = project
    assert notify(root, env, run_id) == 0

    slack = [json.loads(body)["text"] for path, _, body in receiver.posts if path == "/slack"]
    assert len(slack) == 3
    critical, warning, info = slack  # verdicts come worst first
    assert critical.splitlines() == [
        "Critical Performance Regression Detected",
        "Metric: time  Regression: 12.0%  Confidence: " + critical.split("Confidence: ")[1].split("\n")[0],
        "Previous: 0.001 s  Current: 0.00112 s  Commit: 001ccccccccc  Branch: main",
    ]
    assert float(critical.split("Confidence: ")[1].split("%")[0]) >= 95.0
    assert warning.startswith("[warning] warning_regression: bench_slow7 time changed by 7.0%")
    assert info.startswith("[info] performance_improvement: bench_fast4 time changed by -4.0%")

    (mail,) = mailbox.messages
    assert mail[1] == ["perf@example.com"]
    assert mail[2]["Subject"] == "[perfgate critical] critical_regression: bench_slow12 time"
    assert "Regression: 12.0%" in mail[2].get_payload()

    (hook,) = [(h, body) for path, h, body in receiver.posts if path == "/hook"]
    headers, body = hook
    assert json.loads(body)["rule"] == "performance_improvement"
    assert json.loads(body)["benchmark"] == "bench_fast4"
    assert headers["X-Perfgate-Signature"] == signature(SECRET, body)

    # a rerun sends nothing new
    posts, mails = len(receiver.posts), len(mailbox.messages)
    assert notify(root, env, run_id) == 0
    assert (len(receiver.posts), len(mailbox.messages)) == (posts, mails)
    assert receiver.tries == posts


def test_a_receiver_answering_500_twice_gets_it_on_the_third_try(
    project: tuple[Path, dict[str, str], str], receiver: Receiver
) -> None:
    root, env, run_id = project
    ws = app.Workspace.discover(root, environ=env)
    outcome = app.judge_stored(ws, run_id)
    receiver.statuses = [500, 500]
    waits: list[float] = []
    notified = app.notify(ws, outcome, sender=Sender(env, sleep=waits.append))
    assert notified.failures == ()
    assert receiver.tries == len(receiver.posts) + 2
    assert waits == [1.0, 2.0]  # backoff before the second and the third try
    assert len(notified.sent) == 5


def test_a_failing_channel_is_a_warning_and_is_tried_again_later(
    project: tuple[Path, dict[str, str], str],
    receiver: Receiver,
    mailbox: Mailbox,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root, env, run_id = project
    receiver.statuses = [500, 500, 500]  # the first Slack message fails all three tries
    ws = app.Workspace.discover(root, environ=env)
    notified = app.notify(ws, app.judge_stored(ws, run_id), sender=Sender(env, sleep=lambda s: None))
    assert notified.failures == ("channel slack_performance: HTTP 500 (tried 3 times)",)
    assert len(notified.sent) == 4
    assert notify(root, env, run_id) == 0  # the next notify delivers the one that failed, only it
    assert len(receiver.posts) == 4  # Slack three times (once each), the webhook once
    assert len(mailbox.messages) == 1
    assert "alert critical_regression (critical) sent to slack_performance" in capsys.readouterr().err


def test_a_secret_never_reaches_the_warning(
    project: tuple[Path, dict[str, str], str], capsys: pytest.CaptureFixture[str]
) -> None:
    root, env, run_id = project
    env = {**env, "SLACK_URL": "http://127.0.0.1:1/T000/B000/xoxb-very-secret-token"}
    assert notify(root, env, run_id) == 0
    err = capsys.readouterr().err
    assert "warning: channel slack_performance: cannot reach it" in err
    assert "xoxb-very-secret-token" not in err


def test_email_over_starttls_with_login(tls_mailbox: TlsMailbox, monkeypatch: pytest.MonkeyPatch) -> None:
    """The certificate is checked against the trust store SSL_CERT_FILE names, then the login is sent."""
    monkeypatch.setenv("SSL_CERT_FILE", tls_mailbox.cafile)
    channel = ChannelSpec(
        "mail", "email", host="127.0.0.1", port=tls_mailbox.port, sender="perfgate@example.com",
        to=("a@example.com", "b@example.com"), username_env="SMTP_USER", password_env="SMTP_PASSWORD",
    )  # fmt: skip
    alert = Alert("crit", "critical", ("mail",), "bench\x1b[2J", "time", ("k",), "Regression: 12.0%", {})
    Sender({"SMTP_USER": "perf", "SMTP_PASSWORD": "pw-1234"}).send(channel, alert)
    (mail,) = tls_mailbox.messages
    assert tls_mailbox.logins == [("perf", "PLAIN")]  # (smtplib prefers PLAIN to LOGIN)
    assert mail[1] == ["a@example.com", "b@example.com"]
    assert mail[2]["Subject"] == "[perfgate critical] crit: bench\\x1b[2J time"
    assert mail[2].get_payload().strip() == "Regression: 12.0%"


def test_email_refuses_a_certificate_it_does_not_trust(tls_mailbox: TlsMailbox) -> None:
    channel = ChannelSpec(
        "mail", "email", host="127.0.0.1", port=tls_mailbox.port, sender="p@e.com", to=("a@e.com",)
    )
    alert = Alert("crit", "critical", ("mail",), "bench", "time", ("k",), "text", {})
    with pytest.raises(ChannelError, match=r"channel mail: SMTP 127.0.0.1:\d+: .*CERTIFICATE_VERIFY_FAILED"):
        Sender({}).send(channel, alert)
    assert tls_mailbox.messages == []


def test_slack_text_cannot_mention_or_link_or_act_on_a_terminal(receiver: Receiver) -> None:
    channel = ChannelSpec("ops", "slack", url=f"{receiver.url}/ops")
    alert = Alert(
        "r", "info", ("ops",), "b", "time", ("k",), "bench <!channel> & <http://x|y>\x1b]0;t\x07", {}
    )
    Sender({}).send(channel, alert)
    (post,) = receiver.posts
    assert json.loads(post[2])["text"] == "bench &lt;!channel&gt; &amp; &lt;http://x|y&gt;\\x1b]0;t\\x07"


def test_a_webhook_that_times_out_is_tried_again(receiver: Receiver) -> None:
    receiver.statuses = [0, 503]  # no answer in time, then a 503, then 200
    channel = ChannelSpec("hook", "webhook", url=f"{receiver.url}/hook", secret_env="K")
    alert = Alert("r", "warning", ("hook",), "b", "time", ("k",), "text", {"change_percent": "7.0"})
    waits: list[float] = []
    sender = Sender({"K": SECRET}, sleep=waits.append, timeout=0.5)
    sender.send(channel, alert)
    assert sender.attempts == [("hook", 0), ("hook", 503), ("hook", 200)]
    assert waits == [1.0, 2.0]
    ((_, headers, body),) = receiver.posts
    assert headers["X-Perfgate-Signature"] == signature(SECRET, body)
    assert json.loads(body)["fields"] == {"change_percent": "7.0"}
