"""The dashboard in headless Chromium: the static site and ``perfgate serve``.

Each page must load with no console error, draw the stored points, show the injection-shaped names as
text with no dialog, and filter. Screenshots go to tests/dashboard/screenshots/ (ignored by git).
"""

from __future__ import annotations

import random
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from builders import T0, RunFactory, make_result, sha
from perfgate.dashboard.site import bench_key
from perfgate.store import open_store

from .conftest import (
    COMMITS,
    PYPROJECT,
    READ,
    SMALL,
    XSS,
    XSS_BRANCH,
    Project,
    build_project,
    samples,
)

# the points of READ's time series stored per (tier, testbed, branch): main 20, nightly 4, feature 2


def load(browser: Any, url: str) -> None:
    browser.get_log("browser")  # what earlier pages said
    browser.get(url)
    deadline = time.monotonic() + 30
    while browser.execute_script("return document.body && document.body.dataset.drawn") != "true":
        assert time.monotonic() < deadline, f"{url}: the page never said it was drawn"
        time.sleep(0.05)


def console_errors(browser: Any) -> list[str]:
    return [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]


def no_dialog(browser: Any) -> None:
    from selenium.common.exceptions import NoAlertPresentException

    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert  # noqa: B018 (the property raises when no dialog is open)


def visible_rows(browser: Any, table: str) -> list[str]:
    return browser.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0] + ' tbody tr'))"
        ".filter(r => r.offsetParent !== null).map(r => r.dataset.name);",
        table,
    )


def choose(browser: Any, key: str, value: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    Select(browser.find_element(By.CSS_SELECTOR, f"select[data-filter='{key}']")).select_by_value(value)


def test_overview_shows_latest_runs_regressions_trend_and_filters(
    browser: Any, static_url: str, project: Project, screenshots: Path
) -> None:
    from selenium.webdriver.common.by import By

    load(browser, static_url + "index.html")
    assert console_errors(browser) == []
    no_dialog(browser)
    assert browser.execute_script("return document.querySelectorAll('img').length") == 0
    link_texts = [a.text for a in browser.find_elements(By.CSS_SELECTOR, "#benchmarks a")]
    assert XSS in link_texts
    regressions = browser.find_element(By.ID, "regressions").text
    assert SMALL in regressions and "regression" in regressions
    gates = [r.text for r in browser.find_elements(By.CSS_SELECTOR, "#latest tbody tr")]
    assert len(gates) == 2  # fast on ci-linux, nightly on gpu-box
    assert any(g.startswith("fast ci-linux") and " fail " in f" {g} " for g in gates)
    # the trend is an SVG drawn by the server: a line per tier, testbed and branch, a marker per run
    # whose hover text says its commit, branch, date and value, and which links to the run
    trend = browser.execute_script(
        "return Array.from(document.querySelectorAll('#trend-chart g.trace')).map(g => [g.dataset.name,"
        " g.querySelectorAll('circle').length, g.querySelector('polyline').points.length]);"
    )
    assert ["fast · ci-linux · main", COMMITS, COMMITS] in trend
    assert ["fast · ci-linux · feature/<b>bold</b>", 2, 2] in trend
    newest = browser.execute_script(
        "const g = document.querySelector('#trend-chart g.trace[data-name=\"fast · ci-linux · main\"]');"
        "const a = Array.from(g.querySelectorAll('a')).pop();"
        "return [a.querySelector('title').textContent, a.getAttribute('href')];"
    )
    assert newest[0].startswith(f"commit {sha(COMMITS - 1)[:7]} · branch main · 2024-")
    assert " · geometric mean 1.0" in newest[0]
    assert newest[1] == f"run/{project.main_ids[-1]}.html"
    assert browser.execute_script("return typeof Plotly") == "undefined"  # no chart library to load
    browser.save_screenshot(str(screenshots / "overview.png"))

    all_rows = visible_rows(browser, "#benchmarks")
    assert sorted(all_rows) == sorted([READ, READ, SMALL, XSS])  # READ: time and peak_memory
    choose(browser, "testbed", "gpu-box")
    assert visible_rows(browser, "#benchmarks") == [READ]
    assert browser.execute_script(
        "return Array.from(document.querySelectorAll('#trend-chart g.trace'))"
        ".filter(g => getComputedStyle(g).display !== 'none').map(g => g.dataset.name);"
    ) == ["nightly · gpu-box · main"]
    choose(browser, "testbed", "")
    choose(browser, "metric", "peak_memory")
    assert visible_rows(browser, "#benchmarks") == [READ]
    choose(browser, "metric", "")
    search = browser.find_element(By.ID, "search")
    search.send_keys("onerror")
    assert visible_rows(browser, "#benchmarks") == [XSS]
    assert browser.find_element(By.ID, "shown").text == "1 of 4 shown"
    browser.save_screenshot(str(screenshots / "overview-search.png"))
    assert console_errors(browser) == []


def chart_points(browser: Any) -> list[list[Any]]:
    """Per chart: (series name, its drawn point count, visible) of each median trace."""
    return browser.execute_script(
        "return Array.from(document.querySelectorAll('.chart')).map(el => el.data"
        ".filter(t => t.meta && t.meta.median).map(t => [t.name, t.x.length, t.visible !== false]));"
    )


def test_benchmark_page_draws_every_stored_point_and_filters(
    browser: Any, static_url: str, screenshots: Path
) -> None:
    load(browser, static_url + f"bench/{bench_key(READ)}.html")
    assert console_errors(browser) == []
    charts = chart_points(browser)
    assert charts[0] == [  # time
        ["fast · ci-linux · feature/&lt;b&gt;bold&lt;/b&gt;", 2, True],
        ["fast · ci-linux · main", COMMITS, True],
        ["nightly · gpu-box · main", 4, True],
    ]
    assert charts[1] == [["fast · ci-linux · main", COMMITS, True]]  # peak_memory
    # the band: the interval's bounds, a point each
    bands = browser.execute_script(
        "return document.querySelector('.chart').data.filter(t => t.fill === 'tonexty').map(t => t.y.length);"
    )
    assert bands == [2, COMMITS, 4]
    # the legend shows the branch as text, not as bold markup
    legend = browser.execute_script(
        "return Array.from(document.querySelectorAll('.legendtext')).map(e => e.textContent);"
    )
    assert "fast · ci-linux · feature/<b>bold</b>" in legend
    browser.save_screenshot(str(screenshots / "benchmark.png"))

    choose(browser, "branch", "main")
    assert [v for _, _, v in chart_points(browser)[0]] == [False, True, True]
    choose(browser, "metric", "peak_memory")
    assert browser.execute_script(
        "return Array.from(document.querySelectorAll('section.metric')).map(s => s.offsetParent !== null);"
    ) == [False, True]
    no_dialog(browser)
    assert console_errors(browser) == []


def test_a_click_on_a_point_opens_its_run(browser: Any, static_url: str, project: Project) -> None:
    load(browser, static_url + f"bench/{bench_key(SMALL)}.html")
    # the newest main point: what plotly hands the click handler for it
    browser.execute_script(
        "const el = document.querySelector('.chart');"
        "const t = el.data.find(t => t.meta && t.meta.median);"
        "el.emit('plotly_click', {points: [{customdata: t.customdata[t.customdata.length - 1]}]});"
    )
    deadline = time.monotonic() + 10
    while not browser.current_url.endswith(f"run/{project.main_ids[-1]}.html"):
        assert time.monotonic() < deadline, browser.current_url
        time.sleep(0.05)


def test_injection_shaped_name_is_text_on_its_page_and_its_runs(
    browser: Any, static_url: str, project: Project, screenshots: Path
) -> None:
    from selenium.webdriver.common.by import By

    load(browser, static_url + f"bench/{bench_key(XSS)}.html")
    assert browser.find_element(By.CSS_SELECTOR, "h1.bench-name").text == XSS
    assert browser.execute_script("return document.querySelectorAll('img').length") == 0
    no_dialog(browser)
    assert console_errors(browser) == []
    browser.save_screenshot(str(screenshots / "xss-benchmark.png"))

    load(browser, static_url + f"run/{project.main_ids[-1]}.html")
    verdicts = browser.find_element(By.ID, "verdicts").text
    assert XSS in verdicts
    assert any(SMALL in line and "regression" in line for line in verdicts.splitlines()), verdicts
    assert browser.execute_script("return document.querySelectorAll('img').length") == 0
    no_dialog(browser)
    assert console_errors(browser) == []
    browser.save_screenshot(str(screenshots / "run.png"))

    load(browser, static_url + "runs.html")
    choose(browser, "branch", "feature/<b>bold</b>")
    assert len(visible_rows(browser, "#runs")) == 2
    choose(browser, "branch", "")
    choose(browser, "tier", "nightly")
    assert len(visible_rows(browser, "#runs")) == 4
    browser.save_screenshot(str(screenshots / "runs.png"))
    no_dialog(browser)
    assert console_errors(browser) == []


@contextmanager
def serving(root: Path) -> Iterator[str]:
    """``perfgate serve --port 0`` in ``root``, as a user starts it; its URL."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "perfgate", "serve", "--port", "0"],
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        assert line.startswith("perfgate: serving http://127.0.0.1:"), line
        yield line.split()[2]
    finally:
        proc.terminate()
        proc.communicate(timeout=30)


@pytest.fixture(scope="module")
def served(project: Project) -> Iterator[str]:
    with serving(project.root) as url:
        yield url


def test_serve_shows_what_was_stored_after_it_started(tmp_path: Path) -> None:
    other = build_project(tmp_path / "other")
    with serving(other.root) as url:
        assert b"test_new" not in request(url)[2]
        store = open_store(str(other.db))
        try:
            store.add_run(
                RunFactory()(
                    project="demo", tier="fast", results=[make_result("bench/test_new.py::test_new")]
                )
            )
        finally:
            store.close()
        assert b"bench/test_new.py::test_new" in request(url)[2]


def test_a_change_point_is_marked_with_its_hover_text_escaped(
    browser: Any, tmp_path: Path, screenshots: Path
) -> None:
    """A stored series with a real step (+20% at its 15th of 30 points, +-1% noise), on a branch and
    under a name that are markup: the page marks the change point where the new level starts, and
    its hover text shows the size, the commit range and the branch as text."""
    root = tmp_path / "step"
    root.mkdir()
    (root / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    rng = random.Random(7)
    make = RunFactory()
    store = open_store(str(root / ".perfgate" / "perfgate.db"))
    try:
        for i in range(30):
            centre = 1e-3 * (1.2 if i >= 15 else 1.0)
            store.add_run(
                make(
                    project="demo",
                    started=T0 + timedelta(hours=i),
                    branch=XSS_BRANCH,
                    commit=sha(f"step{i}"),
                    tier="fast",
                    results=[make_result(XSS, samples=samples(centre, rng))],
                )
            )
    finally:
        store.close()
    with serving(root) as url:
        load(browser, url + f"bench/{bench_key(XSS)}.html")
        marked = browser.execute_script(
            "const el = document.querySelector('.chart');"
            "const line = el.data.find(t => t.meta && t.meta.median);"
            "const i = el.data.findIndex(t => t.meta && t.meta.changePoint);"
            "return [el.layout.shapes.map(s => s.x0), line.x[15], i < 0 ? [] : el.data[i].x];"
        )
        shapes, first_of_new_level, markers = marked
        assert shapes == [first_of_new_level] and markers == [first_of_new_level]
        text = browser.execute_script(
            "const el = document.querySelector('.chart');"
            "const i = el.data.findIndex(t => t.meta && t.meta.changePoint);"
            "Plotly.Fx.hover(el, [{curveNumber: i, pointNumber: 0}]);"
            "const layer = document.querySelector('.hoverlayer');"
            "return [layer.textContent, layer.querySelectorAll('b').length];"
        )
        assert text[1] == 0, text  # the branch's <b> is text, not bold
        assert re.search(
            r"^change point \+(19\.[5-9]|20\.[0-4])% \[\+1\d\.\d%, \+2\d\.\d%\], p<1e-6, ", text[0]
        )
        assert f", in {sha('step14')[:7]}..{sha('step15')[:7]}, 1.00" in text[0], text  # 1.00x ms -> 1.20x ms
        assert " ms -> 1.2" in text[0], text
        assert f"branch {XSS_BRANCH}" in text[0], text
        browser.save_screenshot(str(screenshots / "change-point.png"))
        no_dialog(browser)
        assert console_errors(browser) == []


def request(url: str, method: str = "GET", host: str | None = None) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(url, method=method)
    if host:
        req.add_header("Host", host)
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def test_serve_is_read_only_with_a_csp_and_answers_loopback_names_only(served: str, project: Project) -> None:
    status, headers, body = request(served)
    assert status == 200
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert b"&lt;img src=x onerror=alert(1)&gt;" in body
    assert request(served + "static/plotly.min.js", "HEAD")[0] == 200
    for method in ("POST", "PUT", "DELETE"):
        assert request(served + "index.html", method)[0] == 405
    assert request(served, host="attacker.example")[0] == 400
    assert request(served + "bench/0000000000000000.html")[0] == 404
    assert request(served + "static/../../pyproject.toml")[0] == 404
    mtime = project.db.stat().st_mtime_ns
    assert request(served + f"run/{project.main_ids[-1]}.html")[0] == 200
    assert project.db.stat().st_mtime_ns == mtime


def test_served_compare_page_judges_b_against_a(
    browser: Any, served: str, project: Project, screenshots: Path
) -> None:
    from selenium.webdriver.common.by import By

    a, b = project.main_ids[-2], project.main_ids[-1]
    load(browser, served + f"compare.html?a={a}&b={b}")
    assert console_errors(browser) == []
    verdicts = browser.find_element(By.ID, "verdicts").text
    assert any(SMALL in line and "regression" in line for line in verdicts.splitlines()), verdicts
    assert XSS in verdicts
    no_dialog(browser)
    browser.save_screenshot(str(screenshots / "compare.png"))

    load(browser, served + f"compare.html?a={project.nightly_ids[0]}&b={b}")
    assert "not comparable" in browser.find_element(By.ID, "compare-error").text
    load(browser, served + f"bench/{bench_key(READ)}.html")
    assert chart_points(browser)[0][1] == ["fast · ci-linux · main", COMMITS, True]
    assert console_errors(browser) == []


def test_hover_shows_commit_branch_date_value_and_run(
    browser: Any, static_url: str, project: Project
) -> None:
    load(browser, static_url + f"bench/{bench_key(SMALL)}.html")
    text = browser.execute_script(
        "const el = document.querySelector('.chart');"
        "const i = el.data.findIndex(t => t.meta && t.meta.median && t.meta.branch === 'main');"
        "Plotly.Fx.hover(el, [{curveNumber: i, pointNumber: el.data[i].x.length - 1}]);"
        "return document.querySelector('.hoverlayer').textContent;"
    )
    newest = COMMITS - 1
    assert f"commit {sha(newest)[:7]}" in text
    assert "branch main" in text
    assert "2024-05-02 06:00" in text  # the commit's time: an hour before the run started
    assert "median 6" in text and "s" in text  # 30% over 500 µs: 6xx µs
    assert f"run {project.main_ids[-1][:10]}" in text
    assert console_errors(browser) == []


@pytest.mark.parametrize("zone", ["Asia/Kolkata", "America/Los_Angeles"])
def test_hover_shows_the_utc_time_in_a_browser_of_any_time_zone(
    browser: Any, static_url: str, zone: str
) -> None:
    """The pages' tables show UTC; a chart's hover shows the same time wherever the browser is."""
    browser.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": zone})
    try:
        load(browser, static_url + f"bench/{bench_key(SMALL)}.html")
        text = browser.execute_script(
            "const el = document.querySelector('.chart');"
            "const i = el.data.findIndex(t => t.meta && t.meta.median && t.meta.branch === 'main');"
            "Plotly.Fx.hover(el, [{curveNumber: i, pointNumber: el.data[i].x.length - 1}]);"
            "return [document.querySelector('.hoverlayer').textContent, new Date(0).getTimezoneOffset()];"
        )
    finally:
        browser.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": ""})
    assert text[1] != 0, text  # the browser is not on UTC
    assert "2024-05-02 06:00" in text[0], text
    assert console_errors(browser) == []
