"""Alert channels: Slack incoming webhooks, signed generic webhooks, e-mail over SMTP, and a comment on
the CI job's pull request (through :mod:`perfgate.ci`, as ``perfgate ci comment`` posts).

Secrets (webhook URLs, HMAC keys, SMTP passwords) come from environment variables named in the
configuration; they never appear in a message perfgate prints (errors pass through the caller's
redactor). TLS uses the system's trust store (``SSL_CERT_FILE`` honoured, as OpenSSL does).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage

import httpx

from perfgate.alerts.rules import Alert, ChannelSpec
from perfgate.ci.publish import comment_body, open_forge, post_comment
from perfgate.ci.target import detect_target
from perfgate.errors import ForgeError, PerfgateError
from perfgate.escape import json_inert, visible
from perfgate.report import escape_markdown

__all__ = ["ATTEMPTS", "ChannelError", "ChannelSkipped", "Sender", "alert_comment_key", "signature"]

ATTEMPTS = 3
BACKOFF = 1.0  # seconds before the second try; doubled before each next one
TIMEOUT = 10.0  # seconds for an answer (and at most 5 to connect)
SIGNATURE_HEADER = "X-Perfgate-Signature"


class ChannelError(PerfgateError):
    """A channel could not deliver an alert (the message names the channel, never its secrets)."""


class ChannelSkipped(ChannelError):
    """A channel that has nowhere to deliver here (a github_comment outside a pull request's job, or
    in a fork's job, whose token cannot write): not a failure, and not tried again."""


def alert_comment_key(alert: Alert) -> str:
    """The identity of an alert's pull-request comment: updated, never duplicated, by a later post."""
    return "alert/" + "/".join(alert.key)


def signature(secret: str, body: bytes) -> str:
    """The ``X-Perfgate-Signature`` header value: ``sha256=`` and the hex HMAC-SHA256 of ``body``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _slack_text(text: str) -> str:
    # Slack's mrkdwn control characters, so a benchmark name cannot mention @channel or link
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _safe_message(alert: Alert) -> str:
    """The message with every control character of every line spelled out (names come from input)."""
    return "\n".join(visible(line) for line in alert.message.splitlines())


@dataclass(slots=True)
class Sender:
    """Sends alerts through configured channels. ``sleep`` and ``transport`` are injectable for tests."""

    environ: Mapping[str, str]
    sleep: Callable[[float], None] = time.sleep
    transport: httpx.BaseTransport | None = None
    timeout: float = TIMEOUT
    attempts: list[tuple[str, int]] = field(default_factory=list)  # (channel, HTTP status) per try

    def send(self, channel: ChannelSpec, alert: Alert) -> None:
        """Deliver ``alert`` through ``channel``; :class:`ChannelError` when it cannot."""
        if channel.type == "email":
            self._email(channel, alert)
            return
        if channel.type == "github_comment":
            self._comment(channel, alert)
            return
        if channel.type == "slack":
            body = json.dumps({"text": _slack_text(_safe_message(alert))}).encode()
            self._post(channel, body, {})
            return
        payload = {
            "rule": alert.rule,
            "severity": alert.severity,
            "benchmark": alert.benchmark,
            "metric": alert.metric,
            "message": alert.message,
            "fields": dict(alert.fields),
        }
        body = json_inert(json.dumps(payload, sort_keys=True)).encode()
        headers = {}
        if channel.secret_env is not None:
            headers[SIGNATURE_HEADER] = signature(self._env(channel, channel.secret_env, "secret_env"), body)
        self._post(channel, body, headers)

    def _env(self, channel: ChannelSpec, name: str, key: str) -> str:
        value = self.environ.get(name, "")
        if not value:
            raise ChannelError(f"channel {channel.name}: {key}: environment variable {name} is not set")
        return value

    def _post(self, channel: ChannelSpec, body: bytes, headers: dict[str, str]) -> None:
        url = channel.url if channel.url is not None else self._env(channel, channel.url_env or "", "url_env")
        headers = {"Content-Type": "application/json", "User-Agent": "perfgate", **headers}
        problem, tries = "", 0
        verify = ssl.create_default_context()  # the system's trust store (and SSL_CERT_FILE), not certifi's
        with httpx.Client(
            timeout=httpx.Timeout(self.timeout, connect=min(self.timeout, 5.0)),
            transport=self.transport,
            follow_redirects=False,
            verify=verify,
        ) as client:
            for attempt in range(ATTEMPTS):
                if attempt:
                    self.sleep(BACKOFF * 2 ** (attempt - 1))
                tries += 1
                try:
                    r = client.post(url, content=body, headers=headers)
                except httpx.TimeoutException:
                    self.attempts.append((channel.name, 0))
                    problem = "timed out"
                    continue
                except httpx.HTTPError as exc:
                    raise ChannelError(
                        f"channel {channel.name}: cannot reach it: {type(exc).__name__}"
                    ) from None
                self.attempts.append((channel.name, r.status_code))
                if r.status_code < 300:
                    return
                problem = f"HTTP {r.status_code}"
                if r.status_code < 500:
                    break  # the request itself is wrong: trying again changes nothing
        raise ChannelError(f"channel {channel.name}: {problem} (tried {tries} times)")

    def _email(self, channel: ChannelSpec, alert: Alert) -> None:
        msg = EmailMessage()
        msg["Subject"] = visible(
            f"[perfgate {alert.severity}] {alert.rule}: {alert.benchmark} {alert.metric}"
        )
        msg["From"] = channel.sender or ""
        msg["To"] = ", ".join(channel.to)
        msg.set_content(_safe_message(alert))
        assert channel.host is not None
        try:
            with smtplib.SMTP(channel.host, channel.port, timeout=30) as smtp:
                if channel.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if channel.username_env is not None:
                    user = self._env(channel, channel.username_env, "username_env")
                    password = self._env(channel, channel.password_env or "", "password_env")
                    smtp.login(user, password)
                smtp.send_message(msg)
        except (OSError, smtplib.SMTPException) as exc:
            raise ChannelError(f"channel {channel.name}: SMTP {channel.host}:{channel.port}: {exc}") from None

    def _comment(self, channel: ChannelSpec, alert: Alert) -> None:
        name = channel.name
        try:
            target = detect_target(self.environ)
        except ForgeError as exc:
            raise ChannelSkipped(f"channel {name}: {exc}") from None
        if target.number is None:
            raise ChannelSkipped(f"channel {name}: this job is not for a pull request: no comment to post")
        if target.fork:
            raise ChannelSkipped(
                f"channel {name}: pull request #{target.number} comes from a fork: its token is read-only, "
                "so no comment was posted"
            )
        text = "\n".join(f"{escape_markdown(line)}  " for line in alert.message.splitlines())
        heading = f"**perfgate alert {escape_markdown(alert.rule)}** ({escape_markdown(alert.severity)})"
        body = comment_body(f"{heading}\n\n{text}", alert_comment_key(alert), target.job_url)
        try:
            forge = open_forge(target, self.environ, None)
            try:
                post_comment(forge, target.number, body, create=True)
            finally:
                forge.api.close()
        except ForgeError as exc:
            raise ChannelError(f"channel {name}: {exc}") from None
