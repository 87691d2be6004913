"""How figures read in every report format: centres with their spread, changes, ids, counts, methods.

One place, so the terminal, Markdown and listings say the same number the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from perfgate.gate.outcome import BudgetCheck, BudgetLevel, Outcome
from perfgate.model import GitInfo, Status, Summary, Verdict, format_value
from perfgate.model.units import format_in_units
from perfgate.report.labels import (
    SHORT_ID,
    format_change,
    format_changes,
    format_time,
    short_commit,
    short_id,
)

__all__ = [
    "BUDGET_LEVEL_ORDER",
    "STATUS_ORDER",
    "baseline_phrase",
    "budget_phrase",
    "count_parts",
    "distinct_short_ids",
    "format_centre",
    "format_centres",
    "format_change",
    "format_changes",
    "format_interval",
    "format_intervals",
    "format_p",
    "format_ps",
    "format_spread",
    "format_spreads",
    "format_time",
    "git_label",
    "method_name",
    "method_phrase",
    "short_commit",
    "short_id",
    "spread",
    "verdict_error",
]

# The order counts are read in: what needs attention first.
STATUS_ORDER = (
    Status.REGRESSION,
    Status.FAILED,
    Status.INCONCLUSIVE,
    Status.MISSING,
    Status.NEW,
    Status.IMPROVEMENT,
    Status.UNCHANGED,
)

_PLURAL = {
    Status.REGRESSION: ("regression", "regressions"),
    Status.IMPROVEMENT: ("improvement", "improvements"),
}

# How a Verdict.method reads. A method joins parts with "+" (a test and its estimator, or two tests
# that must both agree); a part missing here reads as itself, so a new method needs no change here.
_METHODS = {
    "ratio-of-medians": "ratio of medians",
    "mann-whitney+hodges-lehmann": "Mann-Whitney U test with Hodges-Lehmann shift",
    "run-level-t": "run-level t-test",
    "paired-blocks-signed-rank": "paired signed-rank test on A/B blocks",
    "bootstrap": "bootstrap interval of the change",
    "deterministic": "deterministic comparison",
    "history-t": "prediction test against the testbed's run-to-run history",
}


def distinct_short_ids(run_ids: Sequence[str]) -> list[str]:
    """Each id cut to :data:`SHORT_ID` characters, or longer where ids in the list share that much.

    Runs ingested from files with the same timestamp share the time part of their ids (the first 10
    characters), so a listing of them must show more of each id to tell them apart; every id shown is
    still a prefix ``perfgate show`` accepts.
    """

    def shared(a: str, b: str) -> int:
        return next((k for k, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))

    # in sorted order the longest prefix an id shares with any other is shared with a neighbour
    ordered = sorted(set(run_ids))
    length: dict[str, int] = {}
    for i, run_id in enumerate(ordered):
        near = [ordered[j] for j in (i - 1, i + 1) if 0 <= j < len(ordered)]
        length[run_id] = max([SHORT_ID] + [shared(run_id, other) + 1 for other in near])
    return [run_id[: length[run_id]] for run_id in run_ids]


def git_label(git: GitInfo | None) -> str | None:
    """``branch@commit7`` (``+dirty`` when the tree had changes), or None without git information."""
    if git is None:
        return None
    commit = short_commit(git.commit)
    label = f"{git.branch}@{commit}" if git.branch else commit
    return label + "+dirty" if git.dirty else label


def spread(summary: Summary) -> float | None:
    """Half-width of the centre's confidence interval, else half the interquartile range, else None."""
    if summary.ci_low is not None and summary.ci_high is not None:
        return (summary.ci_high - summary.ci_low) / 2
    if summary.q1 is not None and summary.q3 is not None and summary.n > 1:
        return (summary.q3 - summary.q1) / 2
    return None


def format_spread(summary: Summary, unit: str) -> str:
    """The spread as ``±3%`` of the median (``±1.2 µs`` when the median is zero), or ``""``."""
    half = spread(summary)
    if half is None:
        return ""
    if summary.median:
        pct = abs(half / summary.median) * 100
        return f"±{pct:.0f}%" if pct >= 1 or pct == 0 else f"±{pct:.1f}%"
    return f"±{format_value(half, unit, 2)}"


def format_centre(summary: Summary | None, unit: str) -> str:
    """``1.234 ms ±3%``: the median in a human unit and its spread; ``-`` when there is none."""
    if summary is None:
        return "-"
    text = format_value(summary.median, unit)
    s = format_spread(summary, unit)
    return f"{text} {s}" if s else text


def format_interval(low: float | None, high: float | None) -> str:
    """``[+8.1%, +16.0%]`` for a change's interval, ``""`` when it has none."""
    if low is None or high is None:
        return ""
    return f"[{format_change(low)}, {format_change(high)}]"


def format_p(p: float | None) -> str:
    """A p-value to three decimals, ``<0.001`` below that; ``""`` when the method gives none."""
    if p is None:
        return ""
    return "<0.001" if p < 0.001 else f"{p:.3f}"


# Column forms of the above, for tables of thousands of rows (a compare of 10,000 benchmarks, a
# history): each gives exactly ``[f(x) for x in xs]`` of its one-value form (the definition; property
# tests hold the two equal), in passes over the column in C (``map``) where the form allows.


def format_intervals(lows: Sequence[float | None], highs: Sequence[float | None]) -> list[str]:
    """``[format_interval(lo, hi) for lo, hi in zip(lows, highs)]``."""
    both = [lo is not None and hi is not None for lo, hi in zip(lows, highs, strict=True)]
    low = iter(format_changes([lo for lo, b in zip(lows, both, strict=True) if b]))
    high = iter(format_changes([hi for hi, b in zip(highs, both, strict=True) if b]))
    return [f"[{next(low)}, {next(high)}]" if b else "" for b in both]


def format_ps(ps: Sequence[float | None]) -> list[str]:
    """``[format_p(p) for p in ps]``."""
    return ["" if p is None else "<0.001" if p < 0.001 else f"{p:.3f}" for p in ps]


def format_spreads(summaries: Sequence[Summary], units: Sequence[str]) -> list[str]:
    """``[format_spread(s, u) for s, u in zip(summaries, units)]``."""
    out = []
    for s, unit in zip(summaries, units, strict=True):
        # (spread(), inline: a call per row is most of the cost of a column)
        if s.ci_low is not None and s.ci_high is not None:
            half = (s.ci_high - s.ci_low) / 2
        elif s.q1 is not None and s.q3 is not None and s.n > 1:
            half = (s.q3 - s.q1) / 2
        else:
            out.append("")
            continue
        if s.median:
            pct = abs(half / s.median) * 100
            out.append(f"±{pct:.0f}%" if pct >= 1 or pct == 0 else f"±{pct:.1f}%")
        else:
            out.append(f"±{format_value(half, unit, 2)}")
    return out


def format_centres(
    summaries: Sequence[Summary | None], units: Sequence[str], *, spread: bool = True
) -> list[str]:
    """``[format_centre(s, u) for s, u in zip(summaries, units)]``; with ``spread=False`` the median
    alone (``-`` where there is no summary)."""
    where = [i for i, s in enumerate(summaries) if s is not None]
    known: list[Summary] = [summaries[i] for i in where]  # type: ignore[misc]  # (not None: where)
    kinds = [units[i] for i in where]
    texts = format_in_units([s.median for s in known], kinds)
    if spread:
        texts = [f"{t} {s}" if s else t for t, s in zip(texts, format_spreads(known, kinds), strict=True)]
    out = ["-"] * len(summaries)
    for i, text in zip(where, texts, strict=True):
        out[i] = text
    return out


def method_name(method: str) -> str:
    """A ``Verdict.method`` for people: ``mann-whitney+hodges-lehmann+run-level-t`` reads
    ``Mann-Whitney U test with Hodges-Lehmann shift and run-level t-test``; unknown parts read as
    themselves with spaces for hyphens."""
    if method in _METHODS:
        return _METHODS[method]
    parts = method.split("+")
    words = []
    i = 0
    while i < len(parts):
        # the longest known run of parts from here, e.g. "mann-whitney" + "hodges-lehmann"
        for j in range(len(parts), i, -1):
            known = _METHODS.get("+".join(parts[i:j]))
            if known is not None:
                words.append(known)
                i = j
                break
        else:
            words.append(parts[i].replace("-", " ").strip() or "?")
            i += 1
    return " and ".join(words)


def method_phrase(outcome: Outcome) -> str:
    """How the verdicts were reached, for people: ``ratio of medians vs a 5% threshold``.

    Each verdict names its own method (the suite's setting is only what it asked for: a benchmark
    without samples falls back to the ratio of medians, an A/B pair uses the paired test); with several
    methods each says how many results it decided: ``ratio of medians (2), Mann-Whitney ... (5)``.
    """
    counts: dict[str, int] = {}
    for v in outcome.verdicts:
        if v.method:
            counts[v.method] = counts.get(v.method, 0) + 1
    if not counts:
        return method_name(outcome.method) if outcome.method else "no comparison"
    if len(counts) == 1:
        words = method_name(next(iter(counts)))
    else:
        ordered = sorted(counts.items(), key=lambda mc: (-mc[1], mc[0]))
        words = ", ".join(f"{method_name(m)} ({n})" for m, n in ordered)
    thresholds = sorted({v.threshold for v in outcome.verdicts if v.threshold is not None})
    if len(thresholds) == 1:
        return f"{words} vs a {thresholds[0] * 100:g}% threshold"
    if thresholds:
        return f"{words} vs per-benchmark thresholds ({thresholds[0] * 100:g}% to {thresholds[-1] * 100:g}%)"
    return words


def baseline_phrase(
    baseline_ids: Sequence[str],
    baseline_git: Mapping[str, GitInfo] | None = None,
    current_id: str | None = None,
) -> str:
    """``baseline: run 01J0000000, main@abc1234``, ``baseline: 3 runs ...`` or ``no baseline``.

    With ``current_id`` (the run judged), ids are shown long enough to be told from it and each other
    (:func:`distinct_short_ids`)."""
    if not baseline_ids:
        return "no baseline"
    git = baseline_git or {}
    shown = distinct_short_ids([*([current_id] if current_id else []), *baseline_ids])[-len(baseline_ids) :]
    parts = []
    for run_id, sid in zip(baseline_ids, shown, strict=True):
        label = git_label(git.get(run_id))
        parts.append(f"{sid}, {label}" if label else sid)
    if len(parts) == 1:
        return f"baseline: run {parts[0]}"
    return f"baseline: {len(parts)} runs {'; '.join(parts)}"


def count_parts(outcome: Outcome) -> list[tuple[str, str]]:
    """The summary counts as ``(text, role)`` pairs, in :data:`STATUS_ORDER`, zeros left out.

    Broken budgets count after failures: they fail the gate too; missed targets follow them.
    """
    counts: dict[Status, int] = {}
    for v in outcome.verdicts:
        counts[v.status] = counts.get(v.status, 0) + 1
    parts: list[tuple[str, str]] = []
    for status in STATUS_ORDER:
        n = counts.get(status, 0)
        if n:
            one, many = _PLURAL.get(status, (status.value, status.value))
            parts.append((f"{n} {one if n == 1 else many}", status.value))
        if status is Status.FAILED:
            broken = len(outcome.broken_budgets)
            if broken:
                parts.append((f"{broken} budget{'s' if broken != 1 else ''} exceeded", "failed"))
            missed = len(outcome.missed_targets)
            if missed:
                parts.append((f"{missed} target{'s' if missed != 1 else ''} missed", "warn"))
    return parts


def verdict_error(outcome: Outcome, v: Verdict) -> str:
    """The error of a failed verdict: its reason, else the current run's result error."""
    if v.reason:
        return v.reason
    r = outcome.run.result(v.benchmark.name, v.metric)
    return r.error if r is not None and r.error else "failed"


_OPS = {"<=": ("≤", ">"), ">=": ("≥", "<")}


def budget_phrase(b: BudgetCheck) -> str:
    """``test_cache_hit time 1.3 ms > budget 1 ms`` (or ``≤`` when kept), without a mark.

    A budget with a target names both levels as a targets table does: ``health latency_p95 230 ms >
    target 100 ms, ≤ critical 500 ms: target missed``, ``... 600 ms > critical 500 ms (target 100 ms)``.
    """
    kept, broken = _OPS.get(b.op, (b.op, f"not {b.op}"))
    limit = format_value(b.limit, b.unit)
    if b.warn is not None:
        return _two_level_phrase(b, kept, broken, limit, format_value(b.warn, b.unit))
    if b.value is None:
        return f"{b.benchmark} {b.metric}: no value (missing or failed), budget {kept} {limit}"
    op = kept if b.passed else broken
    return f"{b.benchmark} {b.metric} {format_value(b.value, b.unit)} {op} budget {limit}"


def _two_level_phrase(b: BudgetCheck, kept: str, broken: str, limit: str, target: str) -> str:
    head = f"{b.benchmark} {b.metric}"
    if b.value is None:
        return f"{head}: no value (missing or failed), critical {kept} {limit} (target {target})"
    value = format_value(b.value, b.unit)
    if b.level is BudgetLevel.CRITICAL:
        return f"{head} {value} {broken} critical {limit} (target {target})"
    if b.level is BudgetLevel.TARGET_MISSED:
        return f"{head} {value} {broken} target {target}, {kept} critical {limit}: target missed"
    return f"{head} {value} {kept} target {target} (critical {limit})"


#: budget levels, worst first, for sorting report rows
BUDGET_LEVEL_ORDER = {BudgetLevel.CRITICAL: 0, BudgetLevel.TARGET_MISSED: 1, BudgetLevel.OK: 2}


def inconclusive_reasons(
    verdicts: Sequence[Verdict], status: Status = Status.INCONCLUSIVE
) -> list[tuple[tuple[str, ...], str]]:
    """Why results are inconclusive (or have another ``status``), each reason once: ``(names, reason)``.

    A verdict's reason may join several parts with ``"; "``. A part several results share (a machine
    shift, a noisy runner) comes once with all their names; the parts only one result has stay together
    under that one name. Names read ``benchmark [metric]``. Own reasons come first, in verdict order.
    """
    inconclusive = [v for v in verdicts if v.status is status and v.reason]
    parts = {v.key: (v.reason or "").split("; ") for v in inconclusive}
    names = {v.key: f"{v.benchmark.name} [{v.metric}]" for v in inconclusive}
    sharing: dict[str, list[str]] = {}
    for key, reasons in parts.items():
        for part in reasons:
            sharing.setdefault(part, []).append(names[key])
    out: list[tuple[tuple[str, ...], str]] = []
    for key, reasons in parts.items():
        own = [r for r in reasons if len(sharing[r]) == 1]
        if own:
            out.append(((names[key],), "; ".join(own)))
    out += [(tuple(who), part) for part, who in sharing.items() if len(who) > 1]
    return out


def geomean_phrase(outcome: Outcome) -> str | None:
    """``geomean of 10 changes: +1.2% [-0.4%, +2.9%] (positive = worse)``, or None."""
    g = outcome.geomean
    if g is None:
        return None
    interval = ""
    if g.low is not None and g.high is not None:
        interval = " " + format_interval(g.low - 1.0, g.high - 1.0)
    n = f"{g.count} change{'s' if g.count != 1 else ''}"
    return f"geomean of {n}: {format_change(g.change)}{interval} (positive = worse)"
