"""The static site as files: every link resolves, every stored string is escaped, no inline script."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import pytest

from perfgate import app
from perfgate.cli import main
from perfgate.dashboard import change_points, json_for_html
from perfgate.dashboard.site import Site, bench_key, sparkline, trend_chart
from spreadstore import X, spread_store

from .conftest import READ, SMALL, XSS, XSS_BRANCH, Project


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.scripts: list[dict[str, str | None]] = []
        self.metas: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        for key in ("href", "src", "action"):
            if a.get(key):
                self.links.append(a[key] or "")
        if tag == "script":
            self.scripts.append(a)
        if tag == "meta":
            self.metas.append(a)


def parse(path: Path) -> _Tags:
    p = _Tags()
    p.feed(path.read_text(encoding="utf-8"))
    return p


def pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def test_the_site_has_a_page_for_every_run_and_benchmark(site: Path, project: Project) -> None:
    runs = {p.stem for p in (site / "run").glob("*.html")}
    assert runs == set(project.main_ids + project.nightly_ids + project.feature_ids)
    assert {p.stem for p in (site / "bench").glob("*.html")} == {bench_key(n) for n in (READ, SMALL, XSS)}
    for name in (
        "index.html",
        "runs.html",
        "static/plotly.min.js",
        "static/dashboard.js",
        "static/dashboard.css",
    ):
        assert (site / name).is_file(), name


def test_every_link_of_every_page_resolves_to_a_file_of_the_site(site: Path) -> None:
    checked = 0
    for page in pages(site):
        for link in parse(page).links:
            if link.startswith("data:"):
                continue
            assert not urlsplit(link).scheme, f"{page.name}: an absolute link {link!r}"
            target = (page.parent / urldefrag(link)[0]).resolve()
            assert target.is_file(), f"{page.relative_to(site)} links to {link!r}: no such file"
            assert site.resolve() in target.parents
            checked += 1
    assert checked > 100


def test_stored_strings_are_escaped_in_html_and_in_the_embedded_json(site: Path) -> None:
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "&lt;img src=x onerror=alert(1)&gt;" in index
    bench = (site / "bench" / f"{bench_key(XSS)}.html").read_text(encoding="utf-8")
    assert '"name":"\\u003cimg src=x onerror=alert(1)\\u003e"' in bench
    for page in pages(site):
        text = page.read_text(encoding="utf-8")
        assert XSS not in text, page.name
        assert "<b>bold</b>" not in text, page.name
    runs = (site / "runs.html").read_text(encoding="utf-8")
    assert "feature/&lt;b&gt;bold&lt;/b&gt;" in runs
    assert XSS_BRANCH not in runs


def test_every_page_has_a_csp_and_no_inline_script(site: Path) -> None:
    for page in pages(site):
        tags = parse(page)
        csp = [m for m in tags.metas if m.get("http-equiv") == "Content-Security-Policy"]
        assert len(csp) == 1, page.name
        assert "script-src 'self'" in (csp[0]["content"] or "")
        assert "unsafe-inline" not in (csp[0]["content"] or "").split("script-src")[1].split(";")[0]
        for s in tags.scripts:
            assert s.get("src") or s.get("type") == "application/json", f"{page.name}: inline script {s}"


def test_json_for_html_leaves_nothing_that_ends_a_script_element() -> None:
    text = json_for_html({"n": "</script><!--&\u2028\u2029"})
    assert text == '{"n":"\\u003c/script\\u003e\\u003c!--\\u0026\\u2028\\u2029"}'


def test_change_points_are_perfgate_detects() -> None:
    level = [1.0, 1.01, 0.99, 1.0, 1.02, 0.98, 1.0, 1.01, 0.99, 1.0] * 2
    assert change_points(level + [2 * v for v in level]) == [20]
    assert change_points(level) == []


def test_trend_chart_spans_the_plot_area_with_round_ticks() -> None:
    trace = {
        "tier": "fast",
        "testbed": "ci",
        "branch": "main",
        "x": ["2024-01-01T00:00:00+00:00", "2024-01-02T00:00:00+00:00", "2024-01-05T00:00:00+00:00"],
        "y": [0.98, 1.02, 1.1],
        "commit": ["aaaaaaa", "bbbbbbb", "ccccccc"],
        "href": ["run/a.html", "run/b.html", "run/c.html"],
    }
    chart = trend_chart([trace])
    (t,) = chart["traces"]
    plot = chart["plot"]
    assert [m["x"] for m in t["markers"]][::2] == [plot["left"], plot["right"]]
    ys = [m["y"] for m in t["markers"]]
    assert plot["top"] < ys[2] < chart["one"] < ys[0] < plot["bottom"]  # 1.1 above 1.0 above 0.98
    assert (
        t["markers"][2]["title"] == "commit ccccccc · branch main · 2024-01-05 00:00 · geometric mean 1.100"
    )
    assert [y["label"] for y in chart["yticks"]] == ["0.975", "1.000", "1.025", "1.050", "1.075", "1.100"]
    assert [x["label"] for x in chart["xticks"]][::4] == ["2024-01-01", "2024-01-05"]
    assert trend_chart([])["traces"] == []


def test_sparkline_spans_the_box() -> None:
    assert sparkline([1.0, 3.0, 2.0], width=10, height=10) == "0.0,8.0 5.0,2.0 10.0,5.0"
    assert sparkline([1.0]) == ""


def test_report_refuses_a_directory_that_is_not_a_dashboard(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    mine = project.root / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me", encoding="utf-8")
    code = main(["report", "--html", "mine"], cwd=project.root, environ={}, stdout=io.StringIO())
    err = capsys.readouterr().err
    assert code == 2
    assert (
        err.strip()
        == f"perfgate: error: {mine} exists and is not a perfgate dashboard: give an empty or new directory"
    )
    assert (mine / "notes.txt").read_text(encoding="utf-8") == "keep me"
    assert [p.name for p in project.root.iterdir() if p.name.startswith("mine")] == ["mine"]


def test_report_rewrites_its_own_site_whole(project: Project, site: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    assert (
        main(["report", "--html", str(again), "--store", str(project.db)], cwd=project.root, environ={}) == 0
    )
    (again / "stale.html").write_text("old", encoding="utf-8")
    assert (
        main(["report", "--html", str(again), "--store", str(project.db)], cwd=project.root, environ={}) == 0
    )
    assert not (again / "stale.html").exists()
    assert sorted(p.relative_to(again) for p in again.rglob("*")) == sorted(
        p.relative_to(site) for p in site.rglob("*")
    )


def test_report_without_a_store_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")
    code = main(["report", "--html", "site"], cwd=tmp_path, environ={})
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("perfgate: error: no store at ") and err.count("\n") == 1
    assert not (tmp_path / "site").exists()


def test_a_benchmark_page_marks_the_change_points_perfgate_detect_reports(tmp_path: Path) -> None:
    """Each line on its testbed's run-to-run spread: the 2% step of branch topic is marked on the quiet
    testbed, not on the noisy one, as `perfgate detect` reports it."""
    ws = spread_store(tmp_path)
    html = Site(ws).bench_page(X)
    data = json.loads(html.split('<script type="application/json" id="page-data">')[1].split("</script>")[0])
    (time,) = data["metrics"]
    marked = {
        (line["testbed"], line["branch"]): [cp["index"] for cp in line["change_points"]]
        for line in time["series"]
    }
    out = io.StringIO()
    argv = ["detect", X, "--format", "json", "--store", str(tmp_path / "p.db")]
    assert main(argv, cwd=tmp_path, environ={}, stdout=out) == 0
    reported = {
        (s["testbed"], s["branch"]): [cp["index"] for cp in s["change_points"]]
        for s in json.loads(out.getvalue())["series"]
    }
    assert marked == reported
    assert marked[("quiet", "topic")] == [20] and marked[("noisy", "topic")] == []


def test_a_benchmark_page_gives_each_points_time_as_its_utc_wall_clock(tmp_path: Path) -> None:
    """The charts' x: the UTC time as plotly shows it (no offset, no "T"), which a browser in any time
    zone shows as it is (tests/dashboard/test_browser.py), 6 characters a point shorter than ISO 8601
    with its "+00:00"."""
    ws = spread_store(tmp_path)
    html = Site(ws).bench_page(X)
    data = json.loads(html.split('<script type="application/json" id="page-data">')[1].split("</script>")[0])
    stored = app.benchmark_series(ws)[(X, "time")].points
    for line in data["metrics"][0]["series"]:
        mine = [p.time for p in stored if (p.testbed, p.branch) == (line["testbed"], line["branch"])]
        assert len(line["x"]) == len(mine) > 0
        for x, t in zip(line["x"], mine, strict=True):
            assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{3})?", x), x
            shown = datetime.fromisoformat(x).replace(tzinfo=UTC)
            assert timedelta(0) <= t - shown < timedelta(milliseconds=1)
