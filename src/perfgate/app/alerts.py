"""``perfgate notify``, ``perfgate alerts`` and the alerts after ``perfgate run``/``compare``: evaluate
the configured alert rules on a gate's outcome, open, resolve and deliver alerts, remember them.

The alerts live in ``alerts.json`` next to the store (``.perfgate/alerts.json`` by default; under the
project's ``.perfgate/`` for a database URL). An alert is keyed by (benchmark, metric, rule), not by the
baseline runs: it is **open** from the first run whose verdict fires the rule until a later run (of
another commit) compares that benchmark and metric and the rule no longer fires; then it **resolves**.
So the next nightly run against a rolling baseline that still sees the same regression, or a rerun of
the same job, sends nothing new. Each channel's delivery is kept per alert (``pending``, ``sent``,
``silenced``, ``skipped``): one that failed stays pending and is tried again by the next call,
whatever run that call is about. ``perfgate alerts ack ID`` stops an alert's deliveries;
``perfgate alerts silence GLOB --for 7d`` holds back the alerts of matching benchmarks until it
expires (they are recorded, and sent then if still open). A JSON file rather than a store table: the
store's schema stays at 4 until alert history earns a migration.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from perfgate import context
from perfgate.alerts import Alert, AlertRule, evaluate
from perfgate.alerts.channels import ChannelError, ChannelSkipped, Sender
from perfgate.alerts.rules import evaluate_change_point, resolution
from perfgate.app.workspace import Workspace
from perfgate.config import is_url
from perfgate.errors import AmbiguousError, NotFoundError, SchemaError, StoreError
from perfgate.gate import Outcome

__all__ = [
    "AlertState",
    "DetectedChange",
    "Notified",
    "Silence",
    "ack_alert",
    "alerts_file",
    "list_alerts",
    "notify",
    "notify_change_points",
    "parse_period",
    "silence_alerts",
]

FORMAT_VERSION = 2  # 1: {"sent": [{"key": [bench, metric, rule, baseline, channel], "run", "sent"}]}

Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Notified:
    """What :func:`notify` did: deliveries made (an alert or a resolution notice, and its channel),
    deliveries already made before for alerts still firing, failures (one redacted line each, naming
    the channel), the alerts the rules raised on this outcome, and the notices of alerts it resolved."""

    sent: tuple[tuple[Alert, str], ...] = ()
    already: int = 0
    failures: tuple[str, ...] = ()
    alerts: tuple[Alert, ...] = field(default=())
    resolved: tuple[Alert, ...] = ()
    resolutions_sent: tuple[tuple[Alert, str], ...] = ()  # resolution notices delivered, and where
    skipped: tuple[str, ...] = ()  # channels with nowhere to deliver here (a github_comment off a PR)


@dataclass(frozen=True, slots=True)
class AlertState:
    """One recorded alert, as ``perfgate alerts list`` shows it."""

    id: str
    rule: str
    benchmark: str
    metric: str
    severity: str
    state: str  # "open", "resolved", or "detected" (a change point's alert: an event, never resolved)
    run: str  # the run that opened it
    commit: str | None
    opened: str  # ISO time
    channels: tuple[tuple[str, str], ...]  # (channel, "pending" | "sent" | "silenced" | "skipped")
    acked: str | None = None
    resolved_run: str | None = None
    resolutions: tuple[tuple[str, str], ...] = ()  # (channel, "pending" | "sent") of the notice

    def __post_init__(self) -> None:
        if self.state not in _STATES:
            raise ValueError(f"alert {self.id}: state must be one of {_STATES}, got {self.state!r}")


_STATES = ("open", "resolved", "detected")


@dataclass(frozen=True, slots=True)
class DetectedChange:
    """A change point ``perfgate detect`` found in one stored series, as the alert rules see it
    (``change_percent`` adverse: positive is worse whatever the metric's direction)."""

    benchmark: str
    metric: str
    testbed: str | None
    tier: str | None
    branch: str | None
    commit: str | None
    change_percent: float | None
    p_value: float
    before: str
    after: str

    def __post_init__(self) -> None:
        if not 0.0 <= self.p_value <= 1.0:
            raise ValueError(f"p_value must be a probability, got {self.p_value}")

    @property
    def seen_key(self) -> str:
        parts = (self.benchmark, self.metric, self.testbed, self.tier, self.branch, self.commit)
        return "\0".join(p or "" for p in parts)


@dataclass(frozen=True, slots=True)
class Silence:
    glob: str
    until: datetime


def alerts_file(ws: Workspace) -> Path:
    """Where the alerts are recorded: next to a file store, else under the project root."""
    url = ws.url
    base = ws.config.root / ".perfgate" if is_url(url) else Path(url).parent
    return base / "alerts.json"


_PERIOD = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(s|min|m|h|d|w)\s*\Z")
_UNIT = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_period(text: str) -> timedelta:
    """``"7d"`` -> 7 days (units s, m or min, h, d, w)."""
    m = _PERIOD.match(text)
    if m is None or float(m.group(1)) <= 0:
        raise ValueError(f"expected a period like '7d', '12h' or '30m', got {text!r}")
    return timedelta(seconds=float(m.group(1)) * _UNIT[m.group(2)])


# ---------------------------------------------------------------------------------------------------
# the file


def _load(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"version": FORMAT_VERSION, "alerts": [], "silences": []}
    except (OSError, ValueError) as exc:
        raise StoreError(f"{path}: cannot read the record of alerts: {exc}") from None
    if not isinstance(data, dict):
        raise StoreError(f"{path}: not a record of alerts (expected a JSON object with a version)")
    version = data.get("version")
    if version == 1:
        return _from_v1(path, data)
    if version != FORMAT_VERSION:
        raise SchemaError(f"{path}: version {version!r}: upgrade perfgate to read it")
    for k in ("alerts", "silences"):
        if not isinstance(data.get(k), list):
            raise StoreError(f"{path}: {k}: expected a list")
    for i, rec in enumerate(data["alerts"]):
        if not isinstance(rec, dict) or not isinstance(rec.get("key"), list) or len(rec["key"]) != 3:
            raise StoreError(f"{path}: alerts[{i}]: expected a record with a key [benchmark, metric, rule]")
        if rec.get("state") not in _STATES or not isinstance(rec.get("channels"), dict):
            raise StoreError(f"{path}: alerts[{i}]: expected a state ({', '.join(_STATES)}) and channels")
    for i, s in enumerate(data["silences"]):
        if not isinstance(s, dict) or not all(isinstance(s.get(k), str) for k in ("glob", "until")):
            raise StoreError(f"{path}: silences[{i}]: expected a glob and an until time")
    return data


def _from_v1(path: Path, data: dict[str, Any]) -> dict[str, Any]:
    """A version 1 record (what was sent, keyed with the baseline runs) as open alerts, sent."""
    if not isinstance(data.get("sent"), list):
        raise StoreError(f"{path}: not a record of sent alerts (expected {{'version': 1, 'sent': [...]}})")
    alerts: dict[tuple[str, ...], dict[str, Any]] = {}
    for i, rec in enumerate(data["sent"]):
        if not isinstance(rec, dict) or not isinstance(rec.get("key"), list) or len(rec["key"]) != 5:
            raise StoreError(f"{path}: sent[{i}]: expected a record with a key list")
        bench, metric, rule, _, channel = (str(x) for x in rec["key"])
        run, at = str(rec.get("run", "")), str(rec.get("sent", ""))
        a = alerts.setdefault(
            (bench, metric, rule), _record(bench, metric, rule, "", run, None, at, "", {}, {}, {})
        )
        a["channels"][channel] = "sent"
    return {"version": FORMAT_VERSION, "alerts": list(alerts.values()), "silences": []}


def _save(path: Path, data: dict[str, Any]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(data, indent=1) + "\n", "utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        raise StoreError(f"{path}: cannot write the record of alerts: {exc.strerror or exc}") from None


def _record(
    bench: str,
    metric: str,
    rule: str,
    severity: str,
    run: str,
    commit: str | None,
    at: str,
    message: str,
    fields: dict[str, str],
    channels: dict[str, str],
    resolution_: dict[str, str],
) -> dict[str, Any]:
    ident = hashlib.sha256("\0".join((bench, metric, rule, run)).encode()).hexdigest()[:8]
    return {
        "id": ident, "key": [bench, metric, rule], "severity": severity, "state": "open",
        "run": run, "commit": commit, "opened": at, "last_run": run, "last_commit": commit,
        "acked": None, "resolved_run": None, "resolved_at": None,
        "message": message, "fields": fields, "channels": channels,
        "resolution": resolution_, "resolution_message": "",
    }  # fmt: skip


def _silences(data: dict[str, Any], at: datetime) -> list[Silence]:
    out = []
    for s in data["silences"]:
        try:
            until = datetime.fromisoformat(s["until"])
        except ValueError:
            continue
        if until > at:
            out.append(Silence(s["glob"], until))
    return out


def _silenced(benchmark: str, silences: list[Silence]) -> bool:
    return any(fnmatchcase(benchmark, s.glob) for s in silences)


def _as_alert(rec: dict[str, Any], rule: AlertRule | None, *, resolved: bool) -> Alert:
    bench, metric, name = (str(x) for x in rec["key"])
    return Alert(
        rule=name,
        severity=str(rec.get("severity") or (rule.severity if rule else "")),
        channels=rule.channels if rule else tuple(rec["channels"]),
        benchmark=bench,
        metric=metric,
        key=(bench, metric, name),
        message=str(rec["resolution_message"] if resolved else rec["message"]),
        fields=dict(rec.get("fields") or {}),
    )


# ---------------------------------------------------------------------------------------------------
# notify


def notify(
    ws: Workspace,
    outcome: Outcome | None,
    *,
    sender: Sender | None = None,
    now: Clock = _utcnow,
    resolve: bool = True,
) -> Notified:
    """Open the alerts the configured rules raise on ``outcome`` that are not open yet, resolve the
    open ones it shows gone, and deliver every pending delivery (this call's and earlier ones').

    ``outcome`` None only delivers what is pending; ``resolve=False`` opens but never resolves (for
    ``perfgate compare --notify``: two arbitrary sides say nothing about whether the regression the
    nightly runs see is gone). A channel that fails is a line in
    :attr:`Notified.failures` (never an exception: alerts never fail the gate); its delivery stays
    pending for the next call.
    """
    cfg = ws.config
    if not cfg.alerts:
        return Notified()
    path = alerts_file(ws)
    data = _load(path)
    at = now()
    stamp = at.isoformat()
    records: list[dict[str, Any]] = data["alerts"]
    rules = {r.name: r for r in cfg.alerts}
    open_by_key = {tuple(r["key"]): r for r in records if r["state"] == "open"}
    silences = _silences(data, at)
    changed = False
    already = 0
    alerts: list[Alert] = []
    notices: list[Alert] = []
    if outcome is not None:
        run = outcome.run
        run_url = (run.ci.url or "") if run.ci is not None else ""
        commit = run.git.commit if run.git is not None else None
        alerts = evaluate(outcome, cfg.alerts, run_url=run_url)
        firing = set()
        for alert in alerts:
            firing.add(alert.key)
            rec = open_by_key.get(alert.key)
            if rec is not None:  # still the same alert: say nothing new
                already += sum(1 for st in rec["channels"].values() if st == "sent")
                if rec["last_run"] != run.id:
                    rec["last_run"], rec["last_commit"] = run.id, commit
                    changed = True
                continue
            state = "silenced" if _silenced(alert.benchmark, silences) else "pending"
            rec = _record(
                alert.benchmark, alert.metric, alert.rule, alert.severity, run.id, commit, stamp,
                alert.message, dict(alert.fields), dict.fromkeys(alert.channels, state), {},
            )  # fmt: skip
            records.append(rec)
            open_by_key[alert.key] = rec
            changed = True
        for key, rec in open_by_key.items() if resolve else ():
            bench, metric, name = key
            rule = rules.get(name)
            if key in firing or rule is None:
                continue  # (a rule no longer configured: its alerts stay as they are)
            if run.id in (rec["run"], rec["last_run"]) or (
                commit is not None and commit in (rec["commit"], rec["last_commit"])
            ):
                continue  # a rerun of a job that fired: noise, not a return
            notice = resolution(rule, outcome, bench, metric, run_url=run_url)
            if notice is None:
                continue
            rec["state"], rec["resolved_run"], rec["resolved_at"] = "resolved", run.id, stamp
            changed = True
            notices.append(notice)
            rec["resolution_message"] = notice.message
            rec["resolution"] = {
                ch: "pending"
                for ch, st in rec["channels"].items()
                if st == "sent" and ch in cfg.channels and rule.resolutions_to(cfg.channels[ch])
            }
    sent, told, failures, skipped = _deliver(ws, records, rules, silences, sender)
    if changed or sent or told or skipped:
        _save(path, data)
    return Notified(
        tuple(sent), already, tuple(failures), tuple(alerts), tuple(notices), tuple(told), tuple(skipped)
    )


def _deliver(
    ws: Workspace,
    records: list[dict[str, Any]],
    rules: dict[str, AlertRule],
    silences: list[Silence],
    sender: Sender | None,
) -> tuple[list[tuple[Alert, str]], list[tuple[Alert, str]], list[str], list[str]]:
    cfg = ws.config
    secret_names = [
        n
        for c in cfg.channels.values()
        for n in (c.url_env, c.secret_env, c.username_env, c.password_env)
        if n is not None
    ]
    redact = context.redactor(ws.environ, (*cfg.redact, *secret_names))
    sender = sender if sender is not None else Sender(ws.environ)
    sent: list[tuple[Alert, str]] = []
    told: list[tuple[Alert, str]] = []
    failures: list[str] = []
    skipped: list[str] = []
    for rec in records:
        bench = str(rec["key"][0])
        rule = rules.get(str(rec["key"][2]))
        silenced = _silenced(bench, silences)
        jobs: list[tuple[dict[str, str], bool]] = []
        if rec["state"] in ("open", "detected") and rec["acked"] is None:
            jobs.append((rec["channels"], False))
        if rec["state"] == "resolved":
            jobs.append((rec["resolution"], True))
        for states, is_notice in jobs:
            for ch, st in states.items():
                if st not in ("pending", "silenced") or ch not in cfg.channels or silenced:
                    continue
                alert = _as_alert(rec, rule, resolved=is_notice)
                try:
                    sender.send(cfg.channels[ch], alert)
                except ChannelSkipped as exc:  # nowhere to deliver from this job: not tried again
                    states[ch] = "skipped"
                    skipped.append(redact(str(exc)))
                    continue
                except ChannelError as exc:
                    failures.append(redact(str(exc)))
                    continue
                states[ch] = "sent"
                (told if is_notice else sent).append((alert, ch))
    return sent, told, failures, skipped


def notify_change_points(
    ws: Workspace,
    changes: Sequence[DetectedChange],
    *,
    sender: Sender | None = None,
    now: Clock = _utcnow,
) -> Notified:
    """Alert on the change points not seen before (``perfgate detect --notify``): each is remembered
    once judged, so the next detect sends nothing for it; then deliver every pending delivery."""
    cfg = ws.config
    if not cfg.alerts:
        return Notified()
    path = alerts_file(ws)
    data = _load(path)
    seen: list[str] = data.setdefault("change_points", [])
    known = set(seen)
    at = now()
    silences = _silences(data, at)
    alerts: list[Alert] = []
    changed = False
    for c in changes:
        if c.seen_key in known:
            continue
        known.add(c.seen_key)
        seen.append(c.seen_key)
        changed = True
        found = evaluate_change_point(
            cfg.alerts, benchmark=c.benchmark, metric=c.metric, change_percent=c.change_percent,
            p_value=c.p_value, commit=c.commit, before=c.before, after=c.after, tier=c.tier,
            branch=c.branch, testbed=c.testbed,
        )  # fmt: skip
        for alert in found:
            state = "silenced" if _silenced(alert.benchmark, silences) else "pending"
            rec = _record(
                alert.benchmark, alert.metric, alert.rule, alert.severity, f"detect:{c.commit or '-'}",
                c.commit, at.isoformat(), alert.message, dict(alert.fields),
                dict.fromkeys(alert.channels, state), {},
            )  # fmt: skip
            rec["state"] = "detected"
            data["alerts"].append(rec)
        alerts.extend(found)
    rules = {r.name: r for r in cfg.alerts}
    sent, told, failures, skipped = _deliver(ws, data["alerts"], rules, silences, sender)
    if changed or sent or told or skipped:
        _save(path, data)
    return Notified(tuple(sent), 0, tuple(failures), tuple(alerts), (), tuple(told), tuple(skipped))


# ---------------------------------------------------------------------------------------------------
# perfgate alerts list | ack | silence


def _state(rec: dict[str, Any]) -> AlertState:
    bench, metric, rule = (str(x) for x in rec["key"])
    return AlertState(
        id=str(rec["id"]),
        rule=rule,
        benchmark=bench,
        metric=metric,
        severity=str(rec.get("severity") or ""),
        state=str(rec["state"]),
        run=str(rec["run"]),
        commit=rec.get("commit"),
        opened=str(rec["opened"]),
        channels=tuple((str(k), str(v)) for k, v in rec["channels"].items()),
        acked=rec.get("acked"),
        resolved_run=rec.get("resolved_run"),
        resolutions=tuple((str(k), str(v)) for k, v in (rec.get("resolution") or {}).items()),
    )


def list_alerts(ws: Workspace, *, include_resolved: bool = False) -> list[AlertState]:
    """The recorded alerts, newest first: the open ones, or all with ``include_resolved``."""
    data = _load(alerts_file(ws))
    rows = [_state(r) for r in data["alerts"] if include_resolved or r["state"] == "open"]
    return sorted(rows, key=lambda a: a.opened, reverse=True)


def ack_alert(ws: Workspace, ident: str, *, now: Clock = _utcnow) -> AlertState:
    """Acknowledge the alert with this id (or unique id prefix): its deliveries stop (recorded)."""
    path = alerts_file(ws)
    data = _load(path)
    found = [r for r in data["alerts"] if str(r["id"]).startswith(ident)] if ident else []
    if not found:
        raise NotFoundError(f"{path}: no alert with id {ident!r} (see perfgate alerts list --all)")
    if len(found) > 1:
        raise AmbiguousError(f"{path}: alert id {ident!r} is ambiguous: {', '.join(r['id'] for r in found)}")
    (rec,) = found
    if rec["acked"] is None:
        rec["acked"] = now().isoformat()
        _save(path, data)
    return _state(rec)


def silence_alerts(ws: Workspace, glob: str, period: timedelta, *, now: Clock = _utcnow) -> Silence:
    """Hold back the alerts of benchmarks matching ``glob`` for ``period``: they are recorded, and
    delivered by the first notify after it expires if they are still open."""
    path = alerts_file(ws)
    data = _load(path)
    at = now()
    silence = Silence(glob, at + period)
    data["silences"].append({"glob": glob, "until": silence.until.isoformat(), "created": at.isoformat()})
    _save(path, data)
    return silence
