"""``perfgate detect``: change points in the stored series (or in a CSV series from elsewhere)."""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from perfgate import app
from perfgate.argtypes import age as since
from perfgate.cli.common import EXIT_OK, Invocation, output_flags, say_notified
from perfgate.detect import ChangePoint, Point, detect
from perfgate.errors import ConfigError, InputError, PerfgateError, UsageError
from perfgate.escape import inert_lines, json_inert, visible
from perfgate.model import Direction, format_value, utcnow
from perfgate.report import Console
from perfgate.report.formatting import format_change, format_interval, short_commit

__all__ = ["SeriesChanges", "configure", "detected_changes", "read_series_csv", "run"]


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "pattern",
        nargs="?",
        metavar="PATTERN",
        help="benchmarks whose id matches this glob, or contains it (default: every benchmark)",
    )
    p.add_argument("--metric", help="only this metric (default: every metric)")
    p.add_argument("--since", type=since, metavar="AGE", help="only points newer than this, e.g. 90d")
    p.add_argument("--testbed")
    p.add_argument("--tier")
    p.add_argument("--branch")
    p.add_argument(
        "--series",
        metavar="FILE",
        help="a series from elsewhere instead of the store: CSV with the header commit,time,value "
        "(further columns: that point's samples)",
    )
    p.add_argument(
        "--notify",
        action="store_true",
        help='send the configured alerts on change points not seen before (source = "detect")',
    )
    output_flags(p, ("text", "json"))


@dataclass(frozen=True, slots=True)
class SeriesChanges:
    """One series and its change points, as the command shows them."""

    benchmark: str
    metric: str
    testbed: str | None
    tier: str | None
    branch: str | None
    unit: str
    direction: Direction
    times: tuple[datetime, ...]
    change_points: tuple[ChangePoint, ...]


def run(inv: Invocation) -> int:
    args = inv.args
    if args.series is not None:
        store_filters = ("pattern", "metric", "since", "testbed", "tier", "branch")
        if any(getattr(args, k) is not None for k in store_filters):
            raise UsageError("perfgate detect: --series reads one CSV series; store filters do not apply")
        if args.notify:
            raise UsageError("perfgate detect: --notify alerts on stored series, not on --series")
        path = Path(args.series)
        if not path.is_absolute():
            path = inv.cwd / path
        times, points = read_series_csv(path)
        d = detect(points)
        found = [
            SeriesChanges(args.series, "value", None, None, None, "", Direction.LOWER, times, d.change_points)
        ]
    else:
        ws = inv.workspace()
        if args.notify and not ws.config.alerts:
            where = ws.config.source or ws.config.root / "pyproject.toml"
            raise ConfigError(f"{where}: --notify: no alert rules configured ([[tool.perfgate.alerts]])")
        cutoff = utcnow() - args.since if args.since is not None else None
        found = []
        series = app.stored_series(
            ws,
            args.pattern,
            metric=args.metric,
            since=cutoff,
            testbed=args.testbed,
            tier=args.tier,
            branch=args.branch,
        )
        # the testbed's run-to-run spread, as the gate measures it, is a floor under the series' own
        for s, d in zip(series, app.detect_changes(ws, series), strict=True):
            times = tuple(p.time for p in s.points)
            found.append(
                SeriesChanges(
                    s.benchmark,
                    s.metric,
                    s.testbed,
                    s.tier,
                    s.branch,
                    s.unit,
                    s.direction,
                    times,
                    d.change_points,
                )
            )
    if args.format == "json":
        inv.out().write(render_json(found))
    else:
        inv.out().write(render_text(found, inv.console))
    if args.notify:
        try:  # alerts never change detect's exit code
            say_notified(app.notify_change_points(ws, detected_changes(found)))
        except PerfgateError as exc:
            sys.stderr.write(f"perfgate: warning: alerts not sent: {ws.redactor()(str(exc))}\n")
    return EXIT_OK


def detected_changes(found: Sequence[SeriesChanges]) -> list[app.DetectedChange]:
    """The change points as the alert rules see them: the adverse change of the level in percent."""
    out = []
    for s in found:
        for cp in s.change_points:
            before, after = cp.mean_before, cp.mean_after
            num, den = (after, before) if s.direction is Direction.LOWER else (before, after)
            change = None if den == 0 else (num / den - 1.0) * 100.0
            out.append(
                app.DetectedChange(
                    benchmark=s.benchmark,
                    metric=s.metric,
                    testbed=s.testbed,
                    tier=s.tier,
                    branch=s.branch,
                    commit=cp.commit,
                    change_percent=change,
                    p_value=min(max(cp.pvalue, 0.0), 1.0),
                    before=_value(before, s.unit),
                    after=_value(after, s.unit),
                )
            )
    return out


def _kind(cp: ChangePoint, direction: Direction) -> str:
    if cp.change is None or cp.change == 0:
        return "change"
    worse = cp.change > 0 if direction is Direction.LOWER else cp.change < 0
    return "regression" if worse else "improvement"


def _p(p: float) -> str:
    return f"p={p:.2g}" if p >= 1e-6 else "p<1e-6"


def render_text(found: Sequence[SeriesChanges], console: Console) -> str:
    lines: list[str] = []
    changed = [s for s in found if s.change_points]
    for s in changed:
        scope = [
            f"{k} {visible(v)}"
            for k, v in (("testbed", s.testbed), ("tier", s.tier), ("branch", s.branch))
            if v
        ]
        head = f"{visible(s.benchmark)} [{visible(s.metric)}]"
        lines.append(console.style(head, "bold") + (" · " + " · ".join(scope) if scope else ""))
        lines.append(f"  {len(s.times)} points")
        for cp in s.change_points:
            kind = _kind(cp, s.direction)
            size = format_change(cp.change) or "?"
            when = s.times[cp.index].strftime("%Y-%m-%d %H:%M")
            before, after = short_commit(cp.previous_commit or "?"), short_commit(cp.commit or "?")
            commits = f"{visible(before)}..{visible(after)}"
            lines.append(
                f"  #{cp.index:<5} {when}  {commits}  "
                f"{console.style(f'{size} {kind}', kind if kind != 'change' else 'bold')} "
                f"{format_interval(cp.change_low, cp.change_high)}  {_p(cp.pvalue)}  "
                f"{_value(cp.mean_before, s.unit)} -> {_value(cp.mean_after, s.unit)}"
            )
    total = sum(len(s.change_points) for s in found)
    lines.append(f"{total} change point{'s' if total != 1 else ''} in {len(changed)} of {len(found)} series")
    return inert_lines("\n".join(lines)) + "\n"


def _value(v: float, unit: str) -> str:
    return format_value(v, unit) if unit else f"{v:.6g}"


def render_json(found: Sequence[SeriesChanges]) -> str:
    doc: dict[str, Any] = {
        "series": [
            {
                "benchmark": s.benchmark,
                "metric": s.metric,
                "testbed": s.testbed,
                "tier": s.tier,
                "branch": s.branch,
                "unit": s.unit or None,
                "points": len(s.times),
                "change_points": [
                    {
                        "index": cp.index,
                        "commit": cp.commit,
                        "previous_commit": cp.previous_commit,
                        "time": s.times[cp.index].isoformat(),
                        "kind": _kind(cp, s.direction),
                        "change": cp.change,
                        "change_low": cp.change_low,
                        "change_high": cp.change_high,
                        "pvalue": cp.pvalue,
                        "mean_before": cp.mean_before,
                        "mean_after": cp.mean_after,
                        "n_before": cp.n_before,
                        "n_after": cp.n_after,
                    }
                    for cp in s.change_points
                ],
            }
            for s in found
        ]
    }
    return json_inert(json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False)) + "\n"


_HEADER = ("commit", "time", "value")


def _time(cell: str) -> datetime:
    text = cell.strip()
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        if math.isfinite(seconds):
            return datetime.fromtimestamp(seconds, UTC)
        raise ValueError(text)
    when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _number(cell: str, what: str, where: str) -> float:
    try:
        x = float(cell)
    except ValueError:
        raise InputError(f"{where}: {what} {cell.strip()!r} is not a number") from None
    if not math.isfinite(x):
        raise InputError(f"{where}: {what} {cell.strip()!r} is not a finite number")
    return x


def read_series_csv(path: Path) -> tuple[tuple[datetime, ...], list[Point]]:
    """A series from a CSV file: header ``commit,time,value``, further columns that point's samples
    (cells may be left empty). Times are ISO 8601 (UTC when no offset is given) or Unix seconds; rows
    are ordered by time (stably). Every error names the file and line."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as exc:
        raise InputError(f"{path}: not valid CSV: {exc}") from None
    if not rows:
        raise InputError(f"{path}:1: empty file; expected the header commit,time,value")
    header = [h.strip() for h in rows[0]]
    if tuple(header[:3]) != _HEADER:
        raise InputError(
            f"{path}:1: the header must begin commit,time,value, got {visible(','.join(rows[0]))!r}"
        )
    width = len(header)
    parsed: list[tuple[datetime, int, Point]] = []
    for line, row in enumerate(rows[1:], start=2):
        where = f"{path}:{line}"
        if not row or all(not c.strip() for c in row):
            continue  # a blank line
        if len(row) != width:
            raise InputError(f"{where}: {len(row)} fields, the header has {width}")
        commit = row[0].strip()
        if not commit:
            raise InputError(f"{where}: empty commit")
        try:
            when = _time(row[1])
        except (ValueError, OverflowError, OSError):
            raise InputError(
                f"{where}: time {visible(row[1].strip())!r} is neither ISO 8601 nor Unix seconds"
            ) from None
        value = _number(row[2], "value", where)
        samples = [_number(c, f"sample {i}", where) for i, c in enumerate(row[3:], start=1) if c.strip()]
        if len(samples) >= 2:
            mean = sum(samples) / len(samples)
            sd = math.sqrt(sum((x - mean) ** 2 for x in samples) / (len(samples) - 1))
            point = Point(value, sd / math.sqrt(len(samples)), commit)
        else:
            point = Point(value, None, commit)
        parsed.append((when, line, point))
    if not parsed:
        raise InputError(f"{path}: no rows after the header")
    parsed.sort(key=lambda r: (r[0], r[1]))
    return tuple(r[0] for r in parsed), [r[2] for r in parsed]
