"""The dashboard's pages: data from the store (through :mod:`perfgate.app`), HTML from templates.

Every page is addressed by a relative path (``index.html``, ``runs.html``, ``run/<id>.html``,
``bench/<key>.html``, ``compare.html``, ``static/<file>``) and links to the others relatively, so the
same HTML works as a static site (any directory, GitHub Pages, a CI artifact) and served live.

Safety: stored strings (benchmark names, branches, error messages) reach a page only through the
templates' autoescaping or inside ``<script type="application/json">`` with ``<``, ``>``, ``&`` and
U+2028/U+2029 escaped (:func:`json_for_html`); the page scripts read data with ``JSON.parse`` and write
it with ``textContent``. No page has inline script, so the Content-Security-Policy :data:`CSP` forbids
every script that is not a file of the site.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import math
import re
import shutil
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from perfgate import app
from perfgate.detect import ChangePoint, DetectSettings, Point, detect
from perfgate.errors import NotFoundError, PerfgateError, UsageError
from perfgate.gate import Outcome
from perfgate.model import Direction, Status, format_value
from perfgate.report.formatting import (
    format_centre,
    format_change,
    format_interval,
    format_time,
    short_commit,
)
from perfgate.stats import RunSpread

__all__ = [
    "CSP",
    "Page",
    "Site",
    "change_point_marks",
    "change_points",
    "json_for_html",
    "missing_extra",
    "write_site",
]

#: What a page may load: its own files only, no inline script; plotly sets inline styles.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'"
)
_STATIC = ("dashboard.js", "dashboard.css")
_PLOTLY = "plotly.min.js"
_SPARK_POINTS = 60  # the newest points a sparkline on the overview draws
_BAND_POINTS = 1000  # above this many points the interval band is drawn per run of points
_MARKER = ".perfgate-dashboard"  # what says a directory is ours to replace
_RUN_FILE = re.compile(r"[0-9A-Za-z_-]{1,80}")


def missing_extra() -> str | None:
    """What is missing for the dashboard (a one-line remedy), or None when it can render."""
    for module in ("jinja2", "plotly"):
        if importlib.util.find_spec(module) is None:
            return f"the dashboard needs {module}: pip install 'perfgate[dashboard]'"
    return None


def json_for_html(data: Any) -> str:
    """``data`` as JSON that can sit inside ``<script type="application/json">``: no ``<``, ``>`` or
    ``&`` (so no ``</script>`` or ``<!--``), no raw U+2028/U+2029."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    for raw, escaped in (
        ("&", "\\u0026"),
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(raw, escaped)
    return text


def change_points(points: Sequence[Point | float], spread: RunSpread | None = None) -> list[int]:
    """Indices of the points that start a new level (:func:`perfgate.detect.detect` with the testbed's
    run-to-run ``spread`` as a floor: the same change points ``perfgate detect`` reports); the page
    scripts mark them. A point is a stored result's :class:`~perfgate.detect.Point` (its median with
    the standard error its interval implies) or a bare value."""
    pts = [p if isinstance(p, Point) else Point(float(p)) for p in points]
    return [c.index for c in detect(pts, DetectSettings.on_testbed(spread)).change_points]


def change_point_marks(found: Sequence[ChangePoint], unit: str = "") -> list[dict[str, Any]]:
    """What a benchmark page marks for each change point of one line (found by
    :class:`perfgate.app.ChangeDetector`: those ``perfgate detect`` reports): its index and its hover
    text (size with interval, p-value, commit range, means before and after)."""
    return [
        {
            "index": c.index,
            "text": f"change point {format_change(c.change) or '?'} "
            f"{format_interval(c.change_low, c.change_high)}, "
            f"{f'p={c.pvalue:.2g}' if c.pvalue >= 1e-6 else 'p<1e-6'}, "
            f"in {short_commit(c.previous_commit or '?')}..{short_commit(c.commit or '?')}, "
            f"{_level(c.mean_before, unit)} -> {_level(c.mean_after, unit)}",
        }
        for c in found
    ]


def _level(v: float, unit: str) -> str:
    return format_value(v, unit) if unit else f"{v:.6g}"


def bench_key(name: str) -> str:
    """A benchmark's file name: a hash, since names hold any character (``/``, ``::``, ``<``)."""
    return hashlib.sha1(name.encode("utf-8")).hexdigest()[:16]


def run_file(run_id: str) -> str:
    """A run's file name: its id when the id is a plain token (a ULID), else a hash of it."""
    if _RUN_FILE.fullmatch(run_id):
        return run_id
    return hashlib.sha1(run_id.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Page:
    """One response: a path's body and its media type."""

    body: bytes
    media_type: str


def _iso(when: datetime) -> str:
    return when.isoformat()


def _chart_time(when: datetime) -> str:
    """A time as a chart's x: its UTC wall clock, ``2024-01-01 12:00:00`` (milliseconds when it has a
    fraction of a second). Plotly's date axis shows such a string as it is, as the pages' tables show
    times; it would show a number of milliseconds since the epoch in the browser's time zone. No
    offset: 6 characters a point fewer than ISO 8601's ``+00:00`` (a 10,000-point page: issue 13)."""
    utc = (when if when.tzinfo is None else when.astimezone(UTC)).replace(tzinfo=None)
    return utc.isoformat(sep=" ", timespec="milliseconds" if utc.microsecond else "seconds")


def sparkline(values: Sequence[float], width: int = 120, height: int = 24) -> str:
    """An SVG polyline's points for ``values`` (newest right), scaled to the box; "" for fewer than 2."""
    if len(values) < 2:
        return ""
    lo, hi = min(values), max(values)
    span = hi - lo or 1.0
    step = width / (len(values) - 1)
    return " ".join(
        f"{i * step:.1f},{height - 2 - (v - lo) / span * (height - 4):.1f}" for i, v in enumerate(values)
    )


class Site:
    """The dashboard of one workspace, read from its store when built (read-only).

    ``live``: served by ``perfgate serve`` (pages such as ``compare.html?a=..&b=..`` answer queries);
    else a static site, where each run's page compares it with its baseline.
    """

    def __init__(self, ws: app.Workspace, *, live: bool = False) -> None:
        from jinja2 import Environment, PackageLoader, select_autoescape

        self.ws = ws
        self.live = live
        self.env = Environment(
            loader=PackageLoader("perfgate.dashboard", "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["tojson_html"] = json_for_html
        self.project = ws.config.project
        self.runs = app.list_runs(ws, limit=None)
        self.run_by_id = {r.id: r for r in self.runs}
        self.series = app.benchmark_series(ws)
        self._judged: dict[str, Outcome | str] = {}
        # change points on each line's testbed, its spreads read once per (testbed, tier)
        self.changes = app.ChangeDetector(ws)

    # -- paths ---------------------------------------------------------------------------------------
    def paths(self) -> list[str]:
        """Every page of the static site."""
        out = ["index.html", "runs.html"]
        out += [f"run/{run_file(r.id)}.html" for r in self.runs]
        out += [f"bench/{bench_key(b)}.html" for b in self.benchmark_names()]
        return out

    def benchmark_names(self) -> list[str]:
        return sorted({name for name, _ in self.series})

    def page(self, path: str, query: Mapping[str, str] | None = None) -> Page:
        """The page at ``path`` (relative, no leading slash); NotFoundError when there is none."""
        path = path.lstrip("/") or "index.html"
        if path.startswith("static/"):
            return self._static(path.removeprefix("static/"))
        if path == "index.html":
            return self._html(self.overview())
        if path == "runs.html":
            return self._html(self.runs_page())
        if path == "compare.html" and self.live:
            q = query or {}
            return self._html(self.compare_page(q.get("a", ""), q.get("b", "")))
        m = re.fullmatch(r"run/([^/]+)\.html", path)
        if m:
            for r in self.runs:
                if run_file(r.id) == m.group(1):
                    return self._html(self.run_page(r.id))
        m = re.fullmatch(r"bench/([0-9a-f]{16})\.html", path)
        if m:
            for name in self.benchmark_names():
                if bench_key(name) == m.group(1):
                    return self._html(self.bench_page(name))
        raise NotFoundError(f"no dashboard page {path!r}")

    def _html(self, text: str) -> Page:
        return Page(text.encode("utf-8"), "text/html; charset=utf-8")

    def _static(self, name: str) -> Page:
        return self.static_page(name)

    @staticmethod
    def static_page(name: str) -> Page:
        """A file under ``static/``: the site's script and style, the chart library."""
        path = static_file(name)
        media = "text/css" if name.endswith(".css") else "text/javascript"
        return Page(path.read_bytes(), f"{media}; charset=utf-8")

    def _render(self, template: str, root: str, *, charts: bool = False, **ctx: Any) -> str:
        """A page; ``charts``: it draws with plotly (only benchmark pages load the 4.8 MB bundle)."""
        return self.env.get_template(template).render(
            root=root, project=self.project, csp=CSP, live=self.live, charts=charts, **ctx
        )

    # -- judging ----------------------------------------------------------------------------------------
    def judged(self, run_id: str) -> Outcome | str:
        """The run against its baseline (recomputed from the store), or why it could not be judged."""
        if run_id not in self._judged:
            try:
                self._judged[run_id] = app.judge_stored(self.ws, run_id)
            except PerfgateError as exc:
                self._judged[run_id] = str(exc)
        return self._judged[run_id]

    # -- pages -----------------------------------------------------------------------------------------
    def _tier_of(self, run_id: str) -> str:
        info = self.run_by_id.get(run_id)
        return (info.tier or "") if info is not None else ""

    def overview(self) -> str:
        latest: dict[tuple[str, str], Any] = {}
        for r in self.runs:  # newest first
            latest.setdefault((r.tier or "", r.testbed), r)
        groups = []
        regressions = []
        for (tier, testbed), info in sorted(latest.items()):
            judged = self.judged(info.id)
            gate = _gate_row(judged)
            groups.append({"tier": tier, "testbed": testbed, "run": self._run_row(info, ""), **gate})
            if isinstance(judged, Outcome):
                for v in (*judged.regressions, *judged.failures, *judged.lost):
                    regressions.append(
                        {
                            "benchmark": v.benchmark.name,
                            "href": f"bench/{bench_key(v.benchmark.name)}.html",
                            "metric": v.metric,
                            "status": v.status.value,
                            "change": format_change(v.change),
                            "interval": format_interval(v.change_low, v.change_high),
                            "tier": tier,
                            "testbed": testbed,
                            "run_href": f"run/{run_file(info.id)}.html",
                            "run": info.id[:10],
                        }
                    )
        rows: list[dict[str, Any]] = []
        for (name, metric), points in sorted(self.series.items()):
            vals = [p for p in points if p.summary is not None]
            spark = [p.summary.median for p in vals[-_SPARK_POINTS:] if p.summary is not None]
            last = vals[-1] if vals else None
            rows.append(
                {
                    "name": name,
                    "metric": metric,
                    "href": f"bench/{bench_key(name)}.html",
                    "latest": format_centre(last.summary, last.unit) if last is not None else "-",
                    "n": len(points),
                    "spark": sparkline(spark),
                    "tiers": sorted({self._tier_of(p.run_id) for p in points}),
                    "testbeds": sorted({p.testbed for p in points}),
                    "branches": sorted({p.branch or "" for p in points}),
                }
            )
        trend = trend_chart(self.geomean_trend())
        filters = _filters(
            tiers={t for r in rows for t in r["tiers"]},
            testbeds={t for r in rows for t in r["testbeds"]},
            branches={b for r in rows for b in r["branches"]},
            metrics={r["metric"] for r in rows},
        )
        return self._render(
            "overview.html",
            "",
            title="overview",
            groups=groups,
            regressions=regressions,
            rows=rows,
            filters=filters,
            trend=trend,
            data={"kind": "overview"},
        )

    def geomean_trend(self) -> list[dict[str, Any]]:
        """Per tier and testbed, on each series' branch: the geometric mean, over every benchmark and
        metric a run measured, of its value over that series' median value (adverse direction up, so
        1.05 reads "5% worse than usual"), one point per run, oldest first."""
        per_run: dict[str, list[float]] = {}
        for points in self.series.values():
            by_group: dict[tuple[str, str, str], list[Any]] = {}
            for p in points:
                if p.summary is not None and p.summary.median > 0:
                    by_group.setdefault((self._tier_of(p.run_id), p.testbed, p.branch or ""), []).append(p)
            for vals in by_group.values():
                self._add_ratios(vals, per_run)
        return self._trend_traces(per_run)

    @staticmethod
    def _add_ratios(vals: list[Any], per_run: dict[str, list[float]]) -> None:
        """Each point's log ratio to its series' median (one series: a tier, testbed and branch)."""
        ordered = sorted(p.summary.median for p in vals)
        ref = ordered[len(ordered) // 2]
        for p in vals:
            ratio = p.summary.median / ref
            if p.direction is Direction.HIGHER:
                ratio = 1 / ratio
            per_run.setdefault(p.run_id, []).append(math.log(ratio))

    def _trend_traces(self, per_run: dict[str, list[float]]) -> list[dict[str, Any]]:
        traces: dict[tuple[str, str, str], dict[str, list[Any]]] = {}
        for info in reversed(self.runs):  # oldest first
            logs = per_run.get(info.id)
            if not logs:
                continue
            t = traces.setdefault(
                (info.tier or "", info.testbed, info.branch or ""),
                {"x": [], "y": [], "commit": [], "href": []},
            )
            t["x"].append(_iso(info.commit_time or info.started))
            t["y"].append(math.exp(sum(logs) / len(logs)))
            t["commit"].append(short_commit(info.commit) if info.commit else "")
            t["href"].append(f"run/{run_file(info.id)}.html")
        return [{"tier": k[0], "testbed": k[1], "branch": k[2], **v} for k, v in sorted(traces.items())]

    def _run_row(self, info: Any, root: str) -> dict[str, Any]:
        return {
            "id": info.id,
            "short": info.id[:10],
            "href": f"{root}run/{run_file(info.id)}.html",
            "started": format_time(info.started),
            "branch": info.branch or "",
            "commit": short_commit(info.commit) if info.commit else "",
            "tier": info.tier or "",
            "testbed": info.testbed,
            "source": info.source,
            "status": info.status.value,
            "n_results": info.n_results,
            "n_failed": info.n_failed,
        }

    def runs_page(self) -> str:
        rows = [self._run_row(r, "") for r in self.runs]
        filters = _filters(
            tiers={r["tier"] for r in rows},
            testbeds={r["testbed"] for r in rows},
            branches={r["branch"] for r in rows},
            metrics=set(),
        )
        return self._render("runs.html", "", title="runs", rows=rows, filters=filters, data={"kind": "runs"})

    def run_page(self, run_id: str) -> str:
        run = app.stored_run(self.ws, run_id)
        info = self.run_by_id[run.id]
        results = [
            {
                "benchmark": r.benchmark.name,
                "href": f"../bench/{bench_key(r.benchmark.name)}.html",
                "metric": r.metric,
                "value": format_centre(r.summary, r.unit),
                "n": r.summary.n if r.summary is not None else 0,
                "error": r.error or "",
            }
            for r in sorted(run.results, key=lambda r: (r.benchmark.name, r.metric))
        ]
        judged = self.judged(run.id)
        return self._render(
            "run.html",
            "../",
            title=f"run {run.id[:10]}",
            run=self._run_row(info, "../"),
            git=run.git,
            ci=run.ci,
            results=results,
            comparison=_comparison(judged, "../"),
            others=[self._run_row(r, "../") for r in self.runs if r.id != run.id][:200],
            data={"kind": "run"},
        )

    def compare_page(self, a: str, b: str) -> str:
        comparison: dict[str, Any] | None = None
        error = ""
        if a and b:
            try:
                comparison = _comparison(app.compare_stored(self.ws, a, b), "")
            except PerfgateError as exc:
                error = str(exc)
        return self._render(
            "compare.html",
            "",
            title="compare",
            a=a,
            b=b,
            comparison=comparison,
            error=error,
            runs=[self._run_row(r, "") for r in self.runs][:500],
            data={"kind": "compare"},
        )

    def bench_page(self, name: str) -> str:
        metrics: list[dict[str, Any]] = []
        mine = sorted((m for b, m in self.series if b == name), key=lambda m: (m != "time", m))
        for metric in mine:  # time first, then the others by name
            points = self.series[(name, metric)].points
            groups: dict[tuple[str, str, str], dict[str, Any]] = {}
            unit = points[0].unit if points else ""
            for p in points:
                if p.summary is None:
                    continue
                key = (self._tier_of(p.run_id), p.testbed, p.branch or "")
                g = groups.setdefault(
                    key,
                    {"x": [], "y": [], "lo": [], "hi": [], "commit": [], "run": [], "_points": []},
                )
                s = p.summary
                g["_points"].append(Point.from_summary(s, p.commit))
                g["x"].append(_chart_time(p.time))
                g["y"].append(_short(s.median))
                g["lo"].append(_short(s.ci_low if s.ci_low is not None else s.median))
                g["hi"].append(_short(s.ci_high if s.ci_high is not None else s.median))
                g["commit"].append(short_commit(p.commit) if p.commit else "")
                g["run"].append(run_file(p.run_id))  # the page links ../run/<this>.html
            series = [
                {
                    "tier": k[0],
                    "testbed": k[1],
                    "branch": k[2],
                    **{k: v for k, v in g.items() if k != "_points"},
                    **_band(g["x"], g["lo"], g["hi"]),
                    "change_points": change_point_marks(
                        self.changes.detect(
                            g["_points"], benchmark=name, metric=metric, testbed=k[1], tier=k[0]
                        ).change_points,
                        unit,
                    ),
                }
                for k, g in sorted(groups.items())
            ]
            failed = [
                {"run": p.run_id[:10], "href": f"../run/{run_file(p.run_id)}.html", "error": p.error or ""}
                for p in points
                if p.summary is None
            ]
            metrics.append({"metric": metric, "unit": unit, "series": series, "failed": failed})
        if not metrics:
            raise NotFoundError(f"no stored results of benchmark {name!r}")
        filters = _filters(
            tiers={s["tier"] for m in metrics for s in m["series"]},
            testbeds={s["testbed"] for m in metrics for s in m["series"]},
            branches={s["branch"] for m in metrics for s in m["series"]},
            metrics={m["metric"] for m in metrics},
        )
        return self._render(
            "bench.html",
            "../",
            title=name,
            name=name,
            metrics=metrics,
            filters=filters,
            charts=True,
            data={"kind": "bench", "name": name, "metrics": metrics},
        )


# The overview's trend chart: an SVG drawn here, so the overview loads no chart library (issue 13:
# with 500 benchmarks, parsing the 4.8 MB bundle made most of its load time on a busy machine).
_PALETTE = ("#2f5fd0", "#d0602f", "#2f9d5a", "#8a4fc7", "#c7a02f", "#2fa3c7", "#c72f7a", "#555555")
_W, _H = 1000, 300  # the chart's box, in its own units (it scales to the page's width)
_LEFT, _RIGHT, _TOP, _BOTTOM = 56, 990, 12, 270  # the plot area within it
_MARKERS = 1500  # above this many points a line has no markers (each marker is an element)


def _ticks(lo: float, hi: float, target: int = 6) -> list[str]:
    """Round values (1, 2, 2.5 or 5 times a power of ten apart) within ``[lo, hi]``, at most about
    ``target`` of them, written with the decimals their step needs."""
    raw = (hi - lo) / target
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    digits = 0
    while digits < 12 and abs(step * 10**digits - round(step * 10**digits)) > 1e-6:
        digits += 1
    first = math.ceil(lo / step - 1e-9)
    return [f"{k * step:.{digits}f}" for k in range(first, math.floor(hi / step + 1e-9) + 1)]


def trend_chart(traces: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """:meth:`Site.geomean_trend`'s traces laid out as an SVG line chart: per trace its polyline and
    markers (each with its hover text and run link), axis ticks, the line at 1.0; ``None`` traces
    when there is nothing to draw. Coordinates are in the ``_W`` x ``_H`` box, 1 decimal."""
    times = [datetime.fromisoformat(x).timestamp() for t in traces for x in t["x"]]
    values: list[float] = [float(y) for t in traces for y in t["y"]]
    if not values:
        return {"width": _W, "height": _H, "traces": []}
    t0, t1 = min(times), max(times)
    if t1 == t0:
        t0, t1 = t0 - 3600, t1 + 3600
    lo, hi = min(*values, 1.0), max(*values, 1.0)
    pad = (hi - lo) * 0.08 or 0.01
    lo, hi = lo - pad, hi + pad

    def px(t: float) -> float:
        return round(_LEFT + (t - t0) / (t1 - t0) * (_RIGHT - _LEFT), 1)

    def py(v: float) -> float:
        return round(_BOTTOM - (v - lo) / (hi - lo) * (_BOTTOM - _TOP), 1)

    fmt = "%Y-%m-%d" if t1 - t0 > 3 * 86400 else "%m-%d %H:%M"
    xticks = [  # the first label starts at the axis' start, the last ends at its end
        {"x": px(t), "label": datetime.fromtimestamp(t, UTC).strftime(fmt), "anchor": anchor}
        for t, anchor in zip(
            (t0 + (t1 - t0) * k / 4 for k in range(5)),
            ("start", "middle", "middle", "middle", "end"),
            strict=True,
        )
    ]
    yticks = [{"y": py(float(v)), "label": v} for v in _ticks(lo, hi)]
    out = []
    for i, t in enumerate(traces):
        xs = [px(datetime.fromisoformat(x).timestamp()) for x in t["x"]]
        ys = [py(y) for y in t["y"]]
        name = " · ".join((t["tier"] or "(no tier)", t["testbed"], t["branch"] or "(no branch)"))
        markers = []
        if len(xs) <= _MARKERS:
            markers = [
                {
                    "x": x,
                    "y": y,
                    "href": t["href"][k],
                    "title": f"commit {t['commit'][k] or '-'} · branch {t['branch'] or '-'} · "
                    f"{t['x'][k][:16].replace('T', ' ')} · geometric mean {t['y'][k]:.3f}",
                }
                for k, (x, y) in enumerate(zip(xs, ys, strict=True))
            ]
        out.append(
            {
                "name": name,
                "tier": t["tier"],
                "testbed": t["testbed"],
                "branch": t["branch"],
                "color": _PALETTE[i % len(_PALETTE)],
                "line": " ".join(f"{x},{y}" for x, y in zip(xs, ys, strict=True)),
                "markers": markers,
            }
        )
    return {
        "width": _W,
        "height": _H,
        "plot": {"left": _LEFT, "right": _RIGHT, "top": _TOP, "bottom": _BOTTOM},
        "one": py(1.0),
        "xticks": xticks,
        "yticks": yticks,
        "traces": out,
    }


def _short(x: float) -> float:
    """``x`` to 6 significant digits: what a chart can show, in a third of the characters."""
    return float(f"{x:.6g}")


def _band(x: list[str], lo: list[float], hi: list[float]) -> dict[str, list[Any]]:
    """The interval band of a series: every point's bounds, or for a long series the widest bounds of
    each run of consecutive points (at most :data:`_BAND_POINTS`), so the band stays cheap to draw
    while the median line keeps every point."""
    n = len(x)
    if n <= _BAND_POINTS:
        return {"bx": x, "lo": lo, "hi": hi}
    k = -(-n // _BAND_POINTS)
    starts = range(0, n, k)
    return {
        "bx": [x[i] for i in starts],
        "lo": [min(lo[i : i + k]) for i in starts],
        "hi": [max(hi[i : i + k]) for i in starts],
    }


def _filters(
    *, tiers: Iterable[str], testbeds: Iterable[str], branches: Iterable[str], metrics: Iterable[str]
) -> list[dict[str, Any]]:
    return [
        {"key": key, "label": label, "values": sorted(set(values))}
        for key, label, values in (
            ("tier", "tier", tiers),
            ("testbed", "testbed", testbeds),
            ("branch", "branch", branches),
            ("metric", "metric", metrics),
        )
        if set(values)
    ]


def _gate_row(judged: Outcome | str) -> dict[str, Any]:
    if isinstance(judged, str):
        return {"gate": "not judged", "gate_class": "inconclusive", "gate_note": judged}
    counts = {s: len(judged.with_status(s)) for s in (Status.REGRESSION, Status.FAILED)}
    lost = len(judged.lost)
    parts = [f"{n} {s.value}" for s, n in counts.items() if n]
    if lost:
        parts.append(f"{lost} missing")
    return {
        "gate": "pass" if judged.passed else "fail",
        "gate_class": "pass" if judged.passed else "fail",
        "gate_note": ", ".join(parts) or "; ".join(judged.notes[:1]),
    }


def _comparison(judged: Outcome | str, root: str) -> dict[str, Any]:
    if isinstance(judged, str):
        return {
            "error": judged,
            "verdicts": [],
            "notes": [],
            "gate": "not judged",
            "gate_class": "inconclusive",
        }
    verdicts = [
        {
            "benchmark": v.benchmark.name,
            "href": f"{root}bench/{bench_key(v.benchmark.name)}.html",
            "metric": v.metric,
            "status": v.status.value,
            "baseline": format_centre(v.baseline, v.unit),
            "current": format_centre(v.current, v.unit),
            "change": format_change(v.change),
            "interval": format_interval(v.change_low, v.change_high),
            "reason": v.reason or "",
        }
        for v in (*judged.verdicts, *judged.lost)
    ]
    return {
        "error": "",
        "verdicts": verdicts,
        "notes": list(judged.notes),
        "baselines": [
            {"short": b[:10], "href": f"{root}run/{run_file(b)}.html"} for b in judged.baseline_ids
        ],
        **_gate_row(judged),
    }


def static_file(name: str) -> Path:
    """A file the pages load: the site's own script and style, or the chart library's bundle."""
    if name == _PLOTLY:
        spec = importlib.util.find_spec("plotly")
        if spec is None or not spec.submodule_search_locations:
            raise UsageError("the dashboard needs plotly: pip install 'perfgate[dashboard]'")
        path = Path(next(iter(spec.submodule_search_locations))) / "package_data" / _PLOTLY
        if not path.is_file():
            raise UsageError(f"plotly is installed without its {_PLOTLY} ({path}): reinstall plotly")
        return path
    if name not in _STATIC:
        raise NotFoundError(f"no dashboard file static/{name!r}")
    return Path(__file__).parent / "static" / name


def write_site(
    ws: app.Workspace, directory: Path, *, progress: Callable[[int, int], None] | None = None
) -> int:
    """Write the static dashboard of ``ws`` into ``directory``; the number of pages written.

    Everything is written into a new directory beside it first and swapped in at the end, so an
    interrupted run never leaves half a site (nor a site mixing two stores).
    """
    if directory.exists() and any(directory.iterdir()) and not (directory / _MARKER).is_file():
        raise UsageError(
            f"{directory} exists and is not a perfgate dashboard: give an empty or new directory"
        )
    site = Site(ws)
    paths = site.paths()
    tmp = directory.with_name(directory.name + ".tmp-perfgate")
    try:
        if tmp.exists():
            shutil.rmtree(tmp)
        (tmp / "static").mkdir(parents=True)
        (tmp / _MARKER).write_text("written by perfgate report --html; replaced on the next one\n")
        for name in (*_STATIC, _PLOTLY):
            shutil.copyfile(static_file(name), tmp / "static" / name)
        for i, path in enumerate(paths):
            target = tmp / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(site.page(path).body)
            if progress is not None:
                progress(i + 1, len(paths))
        if directory.exists():
            old = directory.with_name(directory.name + ".old-perfgate")
            if old.exists():
                shutil.rmtree(old)
            directory.replace(old)
            tmp.replace(directory)
            shutil.rmtree(old)
        else:
            directory.parent.mkdir(parents=True, exist_ok=True)
            tmp.replace(directory)
    except OSError as exc:
        raise UsageError(f"cannot write the dashboard to {directory}: {exc.strerror or exc}") from None
    return len(paths)
