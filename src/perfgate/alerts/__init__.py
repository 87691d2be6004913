"""Alerts as data: rules (a condition, a severity, channels, a message template) evaluated on a gate's
verdicts, and the channels that deliver them.

:mod:`perfgate.alerts.rules` is pure (parsing and evaluating); :mod:`perfgate.alerts.channels` does the
I/O (HTTP, SMTP) and is imported by name, so reading the configuration does not load httpx.
Which alerts were already sent is the application's business
(:func:`perfgate.app.notify`).
"""

from __future__ import annotations

from perfgate.alerts.rules import (
    CHANNEL_TYPES,
    PLACEHOLDERS,
    VARIABLES,
    Alert,
    AlertRule,
    ChannelSpec,
    ConditionError,
    check_template,
    evaluate,
    parse_condition,
    render_template,
)

__all__ = [
    "CHANNEL_TYPES",
    "PLACEHOLDERS",
    "VARIABLES",
    "Alert",
    "AlertRule",
    "ChannelSpec",
    "ConditionError",
    "check_template",
    "evaluate",
    "parse_condition",
    "render_template",
]
