"""The machine-readable summary hidden in the Markdown report, for ``perfgate ci comment`` and
``perfgate ci status``.

One HTML comment line, invisible where the Markdown is rendered::

    <!-- perfgate-summary v1 {"project": "demo", "tier": "pr", ..., "regressions": 2, ...} -->

In its strings every character but letters, digits, ``_`` and space is written ``\\uXXXX``, so no
project or branch name can close the comment (``-->``) or mention anyone. A report comes from a file,
so :func:`parse_summary` reads it as input: exactly one summary line, every key present with its type,
or an :class:`InputError` naming the file, line and key.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, fields
from typing import Any

from perfgate.errors import InputError
from perfgate.gate.outcome import Outcome
from perfgate.model import Status

__all__ = ["SUMMARY_VERSION", "ReportSummary", "parse_summary", "render_summary", "summary_of"]

SUMMARY_VERSION = 1
_PREFIX = "<!-- perfgate-summary v"
_LINE = re.compile(r"<!-- perfgate-summary v(\d+) (\{.*\}) -->")
_COUNTS = (
    "regressions",
    "improvements",
    "failed",
    "missing",
    "lost",
    "inconclusive",
    "new",
    "unchanged",
    "budgets_broken",
    "targets_missed",
)
#: keys a summary written by an earlier perfgate lacks: read as their default
_ADDED_LATER = frozenset({"targets_missed"})


@dataclass(frozen=True, slots=True)
class ReportSummary:
    """What a report decided, in figures: which run (commit, tier, testbed) against which baseline."""

    project: str
    run_id: str
    tier: str | None
    testbed: str
    commit: str | None  # the judged commit (full sha), None when the run had no git information
    branch: str | None
    baseline_run: str | None  # the newest baseline run, None without a baseline
    baseline_commit: str | None
    passed: bool
    regressions: int = 0
    improvements: int = 0
    failed: int = 0
    missing: int = 0
    lost: int = 0  # missing benchmarks that fail the gate
    inconclusive: int = 0
    new: int = 0
    unchanged: int = 0
    budgets_broken: int = 0
    targets_missed: int = 0  # budgets whose target (warn level) was missed within their limit
    seconds: float | None = None  # how long the run took

    def __post_init__(self) -> None:
        if not self.project:
            raise ValueError("summary project must be non-empty")
        if not self.run_id:
            raise ValueError("summary run_id must be non-empty")
        if not self.testbed:
            raise ValueError("summary testbed must be non-empty")
        for name in _COUNTS:
            n = getattr(self, name)
            if isinstance(n, bool) or not isinstance(n, int) or n < 0:
                raise ValueError(f"summary {name} must be a count, got {n!r}")
        if self.seconds is not None and not self.seconds >= 0:
            raise ValueError(f"summary seconds must be >= 0, got {self.seconds!r}")

    @property
    def changed(self) -> bool:
        """Whether anything moved or broke: a regression, improvement, failure, new or missing
        benchmark, a broken budget, or a failed gate."""
        moved = self.regressions + self.improvements + self.failed + self.missing + self.new
        return bool(moved + self.budgets_broken + self.targets_missed) or not self.passed

    @property
    def counts(self) -> tuple[tuple[str, int], ...]:
        """``(name, n)`` for the non-zero counts, attention first (``lost`` is part of ``missing``)."""
        return tuple(
            (name, getattr(self, name)) for name in _COUNTS if name != "lost" and getattr(self, name)
        )


def summary_of(outcome: Outcome) -> ReportSummary:
    """The summary of a gate's outcome."""
    run = outcome.run
    counts = {s: len(outcome.with_status(s)) for s in Status}
    newest = outcome.baseline_ids[0] if outcome.baseline_ids else None
    base_git = outcome.baseline_git.get(newest) if newest is not None else None
    return ReportSummary(
        project=run.project,
        run_id=run.id,
        tier=run.tier,
        testbed=run.environment.testbed,
        commit=run.git.commit if run.git else None,
        branch=run.git.branch if run.git else None,
        baseline_run=newest,
        baseline_commit=base_git.commit if base_git else None,
        passed=outcome.passed,
        regressions=counts[Status.REGRESSION],
        improvements=counts[Status.IMPROVEMENT],
        failed=counts[Status.FAILED],
        missing=counts[Status.MISSING],
        lost=len(outcome.lost),
        inconclusive=counts[Status.INCONCLUSIVE],
        new=counts[Status.NEW],
        unchanged=counts[Status.UNCHANGED],
        budgets_broken=len(outcome.broken_budgets),
        targets_missed=len(outcome.missed_targets),
        seconds=round(run.duration, 3) if run.duration is not None else None,
    )


def render_summary(summary: ReportSummary) -> str:
    """The summary as one hidden HTML comment line (no newline)."""
    items = []
    for f in fields(summary):
        value = getattr(summary, f.name)
        text = _json_string(value) if isinstance(value, str) else json.dumps(value, allow_nan=False)
        items.append(f'"{f.name}": {text}')
    return f"{_PREFIX}{SUMMARY_VERSION} {{{', '.join(items)}}} -->"


_PLAIN = re.compile(r"[A-Za-z0-9_ ]")


def _json_string(value: str) -> str:
    """A JSON string with every character but letters, digits, ``_`` and space as ``\\uXXXX``: nothing
    in it can close the HTML comment, mention someone or become a link where the Markdown is shown."""
    out = []
    for c in value:
        if _PLAIN.fullmatch(c):
            out.append(c)
        else:
            out += [f"\\u{u:04x}" for u in _utf16(c)]
    return '"' + "".join(out) + '"'


def _utf16(c: str) -> tuple[int, ...]:
    code = ord(c)
    if code < 0x10000:
        return (code,)
    code -= 0x10000
    return (0xD800 + (code >> 10), 0xDC00 + (code & 0x3FF))


_STR_OR_NONE = {"tier", "commit", "branch", "baseline_run", "baseline_commit"}


def parse_summary(text: str, source: str) -> ReportSummary:
    """The summary in a Markdown report read from ``source`` (a file name, for messages)."""
    found = [(i, line) for i, line in enumerate(text.splitlines(), 1) if line.startswith(_PREFIX)]
    if not found:
        raise InputError(
            f"{source}: no perfgate summary in it (write the report with "
            "'perfgate run --format markdown -o FILE')"
        )
    if len(found) > 1:
        raise InputError(f"{source}:{found[1][0]}: a second perfgate summary (one report per file)")
    lineno, line = found[0]
    where = f"{source}:{lineno}"
    m = _LINE.fullmatch(line.rstrip())
    if m is None:
        raise InputError(f"{where}: malformed perfgate summary line")
    if int(m.group(1)) > SUMMARY_VERSION:
        raise InputError(
            f"{where}: perfgate summary version {m.group(1)} is newer than this perfgate reads "
            f"({SUMMARY_VERSION}); upgrade perfgate"
        )
    try:
        data = json.loads(m.group(2))
    except ValueError as exc:
        raise InputError(f"{where}: perfgate summary is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise InputError(f"{where}: perfgate summary is not a JSON object")
    return _from_dict(data, where)


def _from_dict(data: dict[str, Any], where: str) -> ReportSummary:
    kwargs: dict[str, Any] = {}
    for f in fields(ReportSummary):
        name = f.name
        if name not in data and name in _ADDED_LATER:
            continue
        if name not in data:
            raise InputError(f"{where}: perfgate summary lacks key {name!r}")
        value = data[name]
        if name in _COUNTS:
            ok = isinstance(value, int) and not isinstance(value, bool)
        elif name == "passed":
            ok = isinstance(value, bool)
        elif name == "seconds":
            ok = value is None or (isinstance(value, int | float) and not isinstance(value, bool))
        elif name in _STR_OR_NONE:
            ok = value is None or isinstance(value, str)
        else:
            ok = isinstance(value, str)
        if not ok:
            raise InputError(f"{where}: perfgate summary key {name!r} has the wrong type ({value!r:.40})")
        kwargs[name] = value
    unknown = sorted(set(data) - {f.name for f in fields(ReportSummary)})
    if unknown:
        raise InputError(f"{where}: perfgate summary has unknown key {unknown[0]!r:.60}")
    try:
        return ReportSummary(**kwargs)
    except ValueError as exc:
        raise InputError(f"{where}: {exc}") from None
