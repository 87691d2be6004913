"""The dashboard: the pages ``perfgate report --html DIR`` writes and ``perfgate serve`` serves.

Both front ends render the same pages from one :class:`Site` (page data read from the store through
:mod:`perfgate.app`, HTML from autoescaped Jinja2 templates, JavaScript and CSS as package files, the
chart library from the installed ``plotly`` package). The ``dashboard`` extra installs what it needs.
"""

from __future__ import annotations

from perfgate.dashboard.site import (
    CSP,
    Page,
    Site,
    change_points,
    json_for_html,
    missing_extra,
    write_site,
)

__all__ = ["CSP", "Page", "Site", "change_points", "json_for_html", "missing_extra", "write_site"]
