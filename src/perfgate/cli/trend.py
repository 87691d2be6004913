"""``perfgate trend``: each stored series over a recent window: a sparkline, the change from its start
to its end, the slope of a line through it, and its change points."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from perfgate import app
from perfgate.argtypes import age as since
from perfgate.cli.common import EXIT_OK, Invocation, output_flags
from perfgate.detect import ChangePoint, Trend, cell_of, sparkline, trend
from perfgate.escape import inert_lines, json_inert, visible
from perfgate.model import format_value, utcnow
from perfgate.report import Console
from perfgate.report.formatting import format_change, format_interval, short_commit

__all__ = ["SeriesTrend", "configure", "run"]

WIDTH = 40  # sparkline cells


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "pattern",
        nargs="?",
        metavar="PATTERN",
        help="benchmarks whose id matches this glob, or contains it (default: every benchmark)",
    )
    p.add_argument(
        "--window",
        type=since,
        default=timedelta(days=14),
        metavar="AGE",
        help="the recent window (default: 14d)",
    )
    p.add_argument("--metric", help="only this metric (default: every metric)")
    p.add_argument("--testbed")
    p.add_argument("--tier")
    p.add_argument("--branch")
    output_flags(p, ("text", "json"))


@dataclass(frozen=True, slots=True)
class SeriesTrend:
    """One series' trend over the window."""

    series: app.StoredSeries
    trend: Trend
    change_points: tuple[ChangePoint, ...]
    values: tuple[float, ...]


def run(inv: Invocation) -> int:
    args = inv.args
    ws = inv.workspace()
    now = utcnow()
    found = []
    series = app.stored_series(
        ws,
        args.pattern,
        metric=args.metric,
        since=now - args.window,
        testbed=args.testbed,
        tier=args.tier,
        branch=args.branch,
    )
    # the change points perfgate detect reports: each series on its testbed's run-to-run spread
    for s, d in zip(series, app.detect_changes(ws, series), strict=True):
        points = app.series_points(s)
        t0 = s.points[0].time
        days = [(p.time - t0).total_seconds() / 86400 for p in s.points]
        found.append(SeriesTrend(s, trend(points, days), d.change_points, tuple(p.value for p in points)))
    window = _age(args.window)
    if args.format == "json":
        inv.out().write(render_json(found, window))
    else:
        inv.out().write(render_text(found, inv.console, window))
    return EXIT_OK


def _age(delta: timedelta) -> str:
    days = delta.total_seconds() / 86400
    return f"{days:g}d" if days >= 1 else f"{delta.total_seconds() / 3600:g}h"


def _title(s: app.StoredSeries) -> str:
    scope = [
        f"{k} {visible(v)}" for k, v in (("testbed", s.testbed), ("tier", s.tier), ("branch", s.branch)) if v
    ]
    return f"{visible(s.benchmark)} [{visible(s.metric)}]" + (" · " + " · ".join(scope) if scope else "")


def _when(t: datetime) -> str:
    return t.strftime("%Y-%m-%d")


def render_text(found: Sequence[SeriesTrend], console: Console, window: str) -> str:
    if not found:
        return f"no stored series has points in the last {window}\n"
    lines: list[str] = []
    for f in found:
        s, tr = f.series, f.trend
        lines.append(console.style(_title(s), "bold"))
        spark = sparkline(f.values, WIDTH)
        n = len(f.values)
        lines.append(f"  {spark}  {n} {'point' if n == 1 else 'points'} over the last {window}")
        if f.change_points:
            marks = [" "] * len(spark)
            for cp in f.change_points:
                marks[cell_of(cp.index, len(f.values), WIDTH)] = "▲"
            where = ", ".join(
                f"{_when(s.points[cp.index].time)} {visible(short_commit(cp.commit or '?'))} "
                f"{format_change(cp.change)}"
                for cp in f.change_points
            )
            lines.append(f"  {''.join(marks)}  change points: {where}")
        change = format_change(tr.change) or "-"
        parts = [
            f"first->last {change} {format_interval(tr.change_low, tr.change_high)}".rstrip()
            + f" ({format_value(tr.first, s.unit)} -> {format_value(tr.last, s.unit)})"
        ]
        if tr.slope is not None:
            parts.append(
                f"slope {format_change(tr.slope)}/day {format_interval(tr.slope_low, tr.slope_high)}".rstrip()
            )
        lines.append("  " + " · ".join(parts))
    return inert_lines("\n".join(lines)) + "\n"


def render_json(found: Sequence[SeriesTrend], window: str) -> str:
    doc: dict[str, Any] = {
        "window": window,
        "series": [
            {
                "benchmark": f.series.benchmark,
                "metric": f.series.metric,
                "testbed": f.series.testbed,
                "tier": f.series.tier,
                "branch": f.series.branch,
                "unit": f.series.unit,
                "points": len(f.values),
                "first": f.trend.first,
                "last": f.trend.last,
                "change": f.trend.change,
                "change_low": f.trend.change_low,
                "change_high": f.trend.change_high,
                "slope_per_day": f.trend.slope,
                "slope_low": f.trend.slope_low,
                "slope_high": f.trend.slope_high,
                "change_points": [
                    {
                        "index": cp.index,
                        "commit": cp.commit,
                        "time": f.series.points[cp.index].time.isoformat(),
                        "change": cp.change,
                        "pvalue": cp.pvalue,
                    }
                    for cp in f.change_points
                ],
            }
            for f in found
        ],
    }
    return json_inert(json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False)) + "\n"
