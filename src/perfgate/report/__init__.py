"""Reports: a gate outcome, run listings and history rendered as terminal text, JSON or Markdown.

Listings and history render the read models of :mod:`perfgate.model` (``RunInfo``, ``Series``) as
the store returns them.

Renderers are pure functions returning strings; the CLI decides where they go. The only I/O here is
:func:`append_step_summary`, which appends to the file GitHub Actions names in ``$GITHUB_STEP_SUMMARY``.
"""

import typing

from perfgate.escape import inert_lines, json_inert, visible

if typing.TYPE_CHECKING:
    from perfgate.report.console import ROLES, Console, Progress, make_console
    from perfgate.report.history import history_title, render_history, render_history_json, sparkline
    from perfgate.report.json_report import JSON_REPORT_VERSION, outcome_to_dict, render_json
    from perfgate.report.listing import (
        render_run,
        render_run_json,
        render_runs,
        render_runs_json,
    )
    from perfgate.report.markdown import (
        GITHUB_COMMENT_LIMIT,
        append_step_summary,
        escape_markdown,
        render_markdown,
        report_marker,
    )
    from perfgate.report.summary import (
        SUMMARY_VERSION,
        ReportSummary,
        parse_summary,
        render_summary,
        summary_of,
    )
    from perfgate.report.table import truncate_middle
    from perfgate.report.text import render_results_table, render_text
else:  # each module imported when one of its names is first read (perfgate.lazy)
    from perfgate.lazy import lazy_package as _lazy_package

    _lazy_package(
        __name__,
        {
            "console": ("ROLES", "Console", "Progress", "make_console"),
            "json_report": ("JSON_REPORT_VERSION", "outcome_to_dict", "render_json"),
            "history": ("history_title", "render_history", "render_history_json", "sparkline"),
            "listing": (
                "render_run",
                "render_run_json",
                "render_runs",
                "render_runs_json",
            ),
            "markdown": (
                "GITHUB_COMMENT_LIMIT",
                "append_step_summary",
                "escape_markdown",
                "render_markdown",
                "report_marker",
            ),
            "summary": ("SUMMARY_VERSION", "ReportSummary", "parse_summary", "render_summary", "summary_of"),
            "table": ("truncate_middle",),
            "text": ("render_results_table", "render_text"),
        },
    )

__all__ = [
    "GITHUB_COMMENT_LIMIT",
    "JSON_REPORT_VERSION",
    "ROLES",
    "SUMMARY_VERSION",
    "Console",
    "Progress",
    "ReportSummary",
    "append_step_summary",
    "escape_markdown",
    "history_title",
    "inert_lines",
    "json_inert",
    "make_console",
    "outcome_to_dict",
    "parse_summary",
    "render_history",
    "render_history_json",
    "render_json",
    "render_markdown",
    "render_results_table",
    "render_run",
    "render_run_json",
    "render_runs",
    "render_runs_json",
    "render_summary",
    "render_text",
    "report_marker",
    "sparkline",
    "summary_of",
    "truncate_middle",
    "visible",
]
