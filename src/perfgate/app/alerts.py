"""``perfgate notify`` and the alerts after ``perfgate run``: evaluate the configured alert rules on a
gate's outcome, send what was not sent yet, remember what was.

What was sent is kept in ``alerts.json`` next to the store (``.perfgate/alerts.json`` by default; under
the project's ``.perfgate/`` for a database URL): one record per (benchmark, metric, rule, baseline,
channel), so a rerun against the same baseline sends nothing new, and a channel that failed is tried
again on the next call (its alert is not recorded until it is delivered). A JSON file rather than a
store table: the store's schema stays at 4 until alert history earns a migration.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from perfgate import context
from perfgate.alerts import Alert, evaluate
from perfgate.alerts.channels import ChannelError, Sender
from perfgate.app.workspace import Workspace
from perfgate.config import is_url
from perfgate.errors import SchemaError, StoreError
from perfgate.gate import Outcome

__all__ = ["Notified", "alerts_file", "notify"]

FORMAT_VERSION = 1


@dataclass(frozen=True, slots=True)
class Notified:
    """What :func:`notify` did: alerts sent (with their channel), already sent before, and failures
    (one redacted line each, naming the channel)."""

    sent: tuple[tuple[Alert, str], ...] = ()
    already: int = 0
    failures: tuple[str, ...] = ()
    alerts: tuple[Alert, ...] = field(default=())


def alerts_file(ws: Workspace) -> Path:
    """Where the record of sent alerts lives: next to a file store, else under the project root."""
    url = ws.url
    base = ws.config.root / ".perfgate" if is_url(url) else Path(url).parent
    return base / "alerts.json"


def _load(path: Path) -> list[dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as exc:
        raise StoreError(f"{path}: cannot read the record of sent alerts: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("sent"), list):
        raise StoreError(f"{path}: not a record of sent alerts (expected {{'version': 1, 'sent': [...]}})")
    if data.get("version") != FORMAT_VERSION:
        raise SchemaError(f"{path}: version {data.get('version')!r}: upgrade perfgate to read it")
    records: list[dict[str, Any]] = data["sent"]
    for i, rec in enumerate(records):
        if not isinstance(rec, dict) or not isinstance(rec.get("key"), list):
            raise StoreError(f"{path}: sent[{i}]: expected a record with a key list")
    return records


def _save(path: Path, records: list[dict[str, Any]]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps({"version": FORMAT_VERSION, "sent": records}, indent=1) + "\n", "utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        raise StoreError(f"{path}: cannot write the record of sent alerts: {exc.strerror or exc}") from None


def notify(
    ws: Workspace,
    outcome: Outcome,
    *,
    sender: Sender | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Notified:
    """Send the alerts the configured rules raise on ``outcome`` that were not sent before.

    A channel that fails is a line in :attr:`Notified.failures` (never an exception: alerts never fail
    the gate); its alert stays unrecorded so the next call tries it again.
    """
    cfg = ws.config
    if not cfg.alerts:
        return Notified()
    run = outcome.run
    alerts = evaluate(outcome, cfg.alerts, run_url=(run.ci.url or "") if run.ci is not None else "")
    secret_names = [
        n
        for c in cfg.channels.values()
        for n in (c.url_env, c.secret_env, c.username_env, c.password_env)
        if n is not None
    ]
    redact = context.redactor(ws.environ, (*cfg.redact, *secret_names))
    sender = sender if sender is not None else Sender(ws.environ)
    path = alerts_file(ws)
    records = _load(path)
    known = {tuple(str(x) for x in r["key"]) for r in records}
    sent: list[tuple[Alert, str]] = []
    failures: list[str] = []
    already = 0
    for alert in alerts:
        for name in alert.channels:
            key = (*alert.key, name)
            if key in known:
                already += 1
                continue
            try:
                sender.send(cfg.channels[name], alert)
            except ChannelError as exc:
                failures.append(redact(str(exc)))
                continue
            known.add(key)
            sent.append((alert, name))
            records.append({"key": list(key), "run": run.id, "sent": now().isoformat()})
    if sent:
        _save(path, records)
    return Notified(tuple(sent), already, tuple(failures), tuple(alerts))
