"""The Markdown report for pull-request comments and CI job summaries.

Shape: a hidden marker (so a later step finds and updates its own comment), a hidden machine-readable
summary (:mod:`perfgate.report.summary`, read by ``perfgate ci``), one summary line, the rows
that need attention (regressions, failures) in a table, everything else folded in ``<details>``, then
budgets and notes. It never exceeds ``max_chars`` (GitHub refuses comments over 65536 characters): rows
are dropped from the folded table first, then from the main table, and the report says how many.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from urllib.parse import quote

from perfgate.errors import ContextError
from perfgate.escape import visible
from perfgate.gate.outcome import BudgetLevel, Outcome
from perfgate.model import Status, Verdict
from perfgate.report.formatting import (
    BUDGET_LEVEL_ORDER,
    baseline_phrase,
    budget_phrase,
    count_parts,
    distinct_short_ids,
    format_centre,
    format_change,
    format_interval,
    format_p,
    geomean_phrase,
    git_label,
    inconclusive_reasons,
    method_phrase,
    verdict_error,
)
from perfgate.report.summary import render_summary, summary_of

_BUDGET_MARKS = {BudgetLevel.OK: "✅", BudgetLevel.TARGET_MISSED: "⚠️", BudgetLevel.CRITICAL: "❌"}

__all__ = [
    "GITHUB_COMMENT_LIMIT",
    "append_step_summary",
    "escape_markdown",
    "render_markdown",
    "report_marker",
]

GITHUB_COMMENT_LIMIT = 65536
MIN_CHARS = 200  # below this not even the summary line fits
_ERROR_CHARS = 160

_EMOJI = {
    Status.REGRESSION: "🔴",
    Status.FAILED: "❌",
    Status.INCONCLUSIVE: "🟡",
    Status.MISSING: "❔",
    Status.NEW: "🆕",
    Status.IMPROVEMENT: "🟢",
    Status.UNCHANGED: "⚪",
}
_ATTENTION = (Status.REGRESSION, Status.FAILED)

# Characters that start Markdown or HTML constructs inside a line. CommonMark lets any ASCII punctuation
# be backslash-escaped, and GFM tables need "\|" even inside code spans, so escaping beats code spans.
_SPECIAL = frozenset("\\`*_[]<>|~#!&$")
_EMAIL_DOMAIN = re.compile(r"[\w-]+\.[\w-]")


def _needs_code(text: str, i: int) -> bool:
    """Whether ``text[i]`` must sit in a code span to stay inert on GitHub.

    GitHub finds mentions (``@octocat``), issue references (``#123``), e-mail addresses and bare links
    (``http://x``, ``www.x``; other linkifiers ``//x.io`` too) in the rendered text, after backslash
    escapes are gone, but never inside code: so their ``@`` or ``#``, the ``://`` (or a lone ``//``) and
    the ``.`` of ``www.`` go into a code span (visible, and copied as they were). An ``@`` after a
    letter or digit and before no domain (``main@abc1234``) is neither and stays as it is.
    """
    c = text[i]
    if c == "#":  # "#123", "owner/repo#123": a reference that links and shows up on that issue
        return text[i + 1 : i + 2].isdigit()
    if c == "@":
        mention = i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")
        return mention or _EMAIL_DOMAIN.match(text, i + 1) is not None
    if c == ":":
        return text.startswith("//", i + 1)
    if c == "/":  # both slashes of "//": linkify-it (markdown-it's linkifier) links "//host" alone
        return text.startswith("//", i) or text.startswith("//", max(0, i - 1))
    return c == "." and text[max(0, i - 3) : i].lower() == "www"


def escape_markdown(text: str) -> str:
    """``text`` inert inside a Markdown table cell or list item.

    Control characters are made visible (``\\n``, ``\\u202e``: :func:`~perfgate.escape.visible`),
    Markdown and HTML specials backslash-escaped, and mentions and bare links broken with code spans
    (see :func:`_needs_code`). An underscore between two letters or digits is left alone: it cannot start
    or end emphasis there (CommonMark's intraword rule), and ``test_parse`` stays readable and
    searchable in the raw comment.
    """
    flat = visible(text)
    linkish = "@" in flat or "#" in flat or "//" in flat or "www." in flat.lower()
    out = []
    code: list[str] = []  # adjacent characters share one span: "`@``@`" would not parse as two
    for i, c in enumerate(flat):
        if linkish and _needs_code(flat, i):
            code.append(c)
            continue
        if code:
            out.append("`" + "".join(code) + "`")
            code = []
        if c == "_" and 0 < i < len(flat) - 1 and flat[i - 1].isalnum() and flat[i + 1].isalnum():
            out.append(c)
        elif c in _SPECIAL:
            out.append("\\" + c)
        else:
            out.append(c)
    if code:
        out.append("`" + "".join(code) + "`")
    return "".join(out)


def report_marker(project: str) -> str:
    """The hidden first line identifying perfgate's comment for ``project`` (percent-encoded, so any
    project name stays inside the HTML comment)."""
    return f"<!-- perfgate-report project={quote(project, safe='')} -->"


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _columns(verdicts: Sequence[Verdict]) -> tuple[bool, bool]:
    return any(v.metric != "time" for v in verdicts), any(v.p_value is not None for v in verdicts)


def _header(with_metric: bool, with_p: bool) -> list[str]:
    names = ["Benchmark"] + (["Metric"] if with_metric else []) + ["Baseline", "Current", "Change"]
    names += (["p"] if with_p else []) + ["Verdict"]
    aligns = [":--"] + ([":--"] if with_metric else []) + ["--:", "--:", "--:"]
    aligns += (["--:"] if with_p else []) + [":--"]
    return ["| " + " | ".join(names) + " |", "|" + "|".join(aligns) + "|"]


def _row(outcome: Outcome, v: Verdict, with_metric: bool, with_p: bool) -> str:
    if v.status is Status.FAILED:
        change = "error: " + escape_markdown(_shorten(visible(verdict_error(outcome, v)), _ERROR_CHARS))
    else:
        change = escape_markdown(
            f"{format_change(v.change)} {format_interval(v.change_low, v.change_high)}".strip()
        )
    cells = [escape_markdown(v.benchmark.name)]
    if with_metric:
        cells.append(escape_markdown(v.metric))
    cells += [
        escape_markdown(format_centre(v.baseline, v.unit)),
        escape_markdown(format_centre(v.current, v.unit)),
    ]
    cells.append(change)
    if with_p:
        cells.append(escape_markdown(format_p(v.p_value)))
    verdict = f"{_EMOJI[v.status]} {v.status.value}" + (
        f" ({escape_markdown(v.severity)})" if v.severity else ""
    )
    if v.status is Status.REGRESSION:
        verdict = f"**{verdict}**"
    cells.append(verdict)
    return "| " + " | ".join(cells) + " |"


def _more(n: int, details_url: str | None) -> str:
    text = f"… {n} more row{'s' if n != 1 else ''} not shown"
    if details_url:
        text += f" ([full report](<{details_url}>))"
    return text


def _context(outcome: Outcome) -> str:
    run = outcome.run
    about = [x for x in (git_label(run.git), f"tier {run.tier}" if run.tier else None) if x]
    about.append(f"testbed {run.environment.testbed}")
    sid = distinct_short_ids([run.id, *outcome.baseline_ids])[0]  # told from its baseline's
    shown = f"`{sid}`" if sid.isascii() and sid.isalnum() else escape_markdown(sid)
    text = f"Run {shown} ({escape_markdown(', '.join(about))})"
    text += f" · {escape_markdown(baseline_phrase(outcome.baseline_ids, outcome.baseline_git, run.id))}"
    return text + f" · {escape_markdown(method_phrase(outcome))}"


class _Parts:
    """Everything but the rows, computed once; :meth:`compose` renders with a given number of rows."""

    def __init__(self, outcome: Outcome, details_url: str | None):
        self.outcome = outcome
        self.details_url = details_url
        main = [v for v in outcome.verdicts if v.status in _ATTENTION]
        rest = [v for v in outcome.verdicts if v.status not in _ATTENTION]
        self.with_metric, self.with_p = _columns(outcome.verdicts)
        self.main_rows = [_row(outcome, v, self.with_metric, self.with_p) for v in main]
        self.rest_rows = [_row(outcome, v, self.with_metric, self.with_p) for v in rest]
        counts = ", ".join(text for text, _ in count_parts(outcome)) or "no results"
        decision = "gate passed" if outcome.passed else "gate FAILED"
        mark = "✅" if outcome.passed else "❌"
        self.head = [
            report_marker(outcome.run.project),
            render_summary(summary_of(outcome)),
            f"### {mark} perfgate: {escape_markdown(counts)} — {decision}",
            "",
            _context(outcome),
        ]
        if (geomean := geomean_phrase(outcome)) is not None:
            self.head += ["", escape_markdown(geomean[0].upper() + geomean[1:])]
        rest_counts: dict[Status, int] = {}
        for v in rest:
            rest_counts[v.status] = rest_counts.get(v.status, 0) + 1
        self.rest_summary = f"{len(rest)} other result{'s' if len(rest) != 1 else ''}" + (
            ": " + ", ".join(f"{n} {s.value}" for s, n in rest_counts.items()) if rest_counts else ""
        )
        tail: list[str] = []
        if outcome.budgets:
            tail += ["", "**Budgets**", ""]
            for b in sorted(outcome.budgets, key=lambda b: BUDGET_LEVEL_ORDER[b.level]):
                tail.append(f"- {_BUDGET_MARKS[b.level]} {escape_markdown(budget_phrase(b))}")
        tail += _reasons(outcome.verdicts, Status.REGRESSION, "**About the regressions**")
        tail += _reasons(outcome.verdicts, Status.INCONCLUSIVE, "**Why inconclusive**")
        if outcome.notes:
            tail += ["", "**Notes**", ""]
            tail += [f"- {escape_markdown(n)}" for n in outcome.notes]
        self.tail = tail

    def compose(self, n_main: int, n_rest: int) -> str:
        lines = list(self.head)
        header = _header(self.with_metric, self.with_p)
        if self.main_rows:
            lines += ["", *header, *self.main_rows[:n_main]] if n_main else []
            dropped = len(self.main_rows) - n_main
            if dropped:
                lines += ["", _more(dropped, self.details_url)]
        elif self.outcome.baseline_ids:
            lines += ["", "No regressions and no failures."]
        if self.rest_rows:
            lines += ["", f"<details><summary>{escape_markdown(self.rest_summary)}</summary>", ""]
            if n_rest:
                lines += [*header, *self.rest_rows[:n_rest]]
            dropped = len(self.rest_rows) - n_rest
            if dropped:
                lines += (
                    ["", _more(dropped, self.details_url)] if n_rest else [_more(dropped, self.details_url)]
                )
            lines += ["", "</details>"]
        lines += self.tail
        return "\n".join(lines) + "\n"


def _most_rows(fits: Callable[[int], bool], hi: int) -> int:
    """The largest k in [0, hi] with fits(k) true, given fits is monotone (fewer rows, shorter text)."""
    lo = 0
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if fits(mid):
            lo = mid
        else:
            hi = mid - 1
    return lo


def render_markdown(
    outcome: Outcome,
    *,
    max_chars: int = GITHUB_COMMENT_LIMIT,
    details_url: str | None = None,
) -> str:
    """The Markdown report of ``outcome``, at most ``max_chars`` characters long.

    ``details_url`` (e.g. the CI job's page) is linked wherever rows had to be left out.
    """
    if max_chars < MIN_CHARS:
        raise ValueError(f"max_chars must be at least {MIN_CHARS}, got {max_chars}")
    parts = _Parts(outcome, details_url)
    n_main, n_rest = len(parts.main_rows), len(parts.rest_rows)
    text = parts.compose(n_main, n_rest)
    if len(text) <= max_chars:
        return text
    # Drop the folded rows first; only when none of them fit, drop rows that need attention.
    if len(parts.compose(n_main, 0)) <= max_chars:
        k = _most_rows(lambda k: len(parts.compose(n_main, k)) <= max_chars, n_rest)
        return parts.compose(n_main, k)
    k = _most_rows(lambda k: len(parts.compose(k, 0)) <= max_chars, n_main)
    text = parts.compose(k, 0)
    if len(text) <= max_chars:
        return text
    # Even the frame is too long (huge notes or budget lists): cut the text, keep the marker and summary.
    cut = "\n\n… report truncated" + (f" ([full report](<{details_url}>))" if details_url else "") + "\n"
    closing = "\n\n</details>"  # reserved in case the cut lands inside the folded section
    head = text[: max(0, max_chars - len(cut) - len(closing))]
    head = head.rsplit("\n", 1)[0] if "\n" in head else head  # whole lines only
    if head.count("<details>") > head.count("</details>"):
        head += closing
    return head.rstrip() + cut


def append_step_summary(markdown: str, environ: Mapping[str, str]) -> bool:
    """Append ``markdown`` to the file named by ``$GITHUB_STEP_SUMMARY``; False when it is not set."""
    target = environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return False
    text = markdown if markdown.endswith("\n") else markdown + "\n"
    try:
        with Path(target).open("a", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as exc:
        raise ContextError(
            f"cannot append to GITHUB_STEP_SUMMARY file {target}: {exc.strerror or exc}"
        ) from exc
    return True


def _reasons(verdicts: Sequence[Verdict], status: Status, title: str) -> list[str]:
    """A section of the reasons given for the verdicts of ``status``, one item per distinct reason."""
    items = [
        f"- {escape_markdown(who[0])}: {escape_markdown(reason)}"
        if len(who) == 1
        else f"- {escape_markdown(reason)}: {escape_markdown(', '.join(who))}"
        for who, reason in inconclusive_reasons(verdicts, status)
    ]
    return ["", title, "", *items] if items else []
