"""How fast the dashboard draws large histories in Chromium (issue 13: a 10,000-point series in < 1 s,
the overview of 500 benchmarks in < 2 s).

Builds two throw-away stores of canned runs: one benchmark over 10,000 commits, and 500 benchmarks over
20 commits. Renders the benchmark's page and the overview with the dashboard's own code, serves them
from 127.0.0.1 and loads each in headless Chromium (Debian's ``chromium`` and ``chromium-driver``)
several times. The figure is the page's ``perfgate:drawn`` performance mark: milliseconds from the start
of navigation until every chart of the page is drawn (HTML, the 4.8 MB chart library, the data, the
drawing), read through the browser's Performance API. Also prints how long the server side took.

    python bench/dashboard_speed.py [--loads 5] [--points 10000] [--benchmarks 500]

It stops by itself: the stores and pages live in a temporary directory, the server is on a free
loopback port and shut down at the end.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from perfgate import app
from perfgate.dashboard.site import Site, bench_key, static_file
from perfgate.model import BenchmarkId, Direction, Environment, GitInfo, Result, Run, new_run_id
from perfgate.stats import summarize
from perfgate.store import open_store

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def build(root: Path, commits: int, benchmarks: int, seed: int) -> app.Workspace:
    root.mkdir(parents=True)
    (root / "pyproject.toml").write_text('[tool.perfgate]\nproject = "speed"\n', encoding="utf-8")
    db = root / ".perfgate" / "perfgate.db"
    db.parent.mkdir()
    rng = random.Random(seed)
    store = open_store(str(db))
    try:
        for i in range(commits):
            started = T0 + timedelta(minutes=10 * i)
            results = []
            for b in range(benchmarks):
                xs = tuple(1e-3 * (1 + 0.1 * (b % 7)) * (1 + rng.gauss(0, 0.02)) for _ in range(5))
                results.append(
                    Result(
                        BenchmarkId(f"bench/test_mod{b // 50}.py::test_case_{b}"),
                        "time",
                        "s",
                        Direction.LOWER,
                        summarize(xs),
                        samples=xs,
                    )
                )
            store.add_run(
                Run(
                    new_run_id(now=started, rand=i.to_bytes(10, "big")),
                    "speed",
                    started,
                    None,
                    "perfgate",
                    Environment("bench-box"),
                    tuple(results),
                    tier="fast",
                    git=GitInfo(commit=f"{i:040x}", branch="main", commit_time=started),
                )
            )
    finally:
        store.close()
    return app.Workspace.discover(root, environ={})


def render(ws: app.Workspace, out: Path, paths: list[str]) -> float:
    """Write ``paths`` and the static files; the seconds it took on the server side."""
    t = time.perf_counter()
    site = Site(ws)
    (out / "static").mkdir(parents=True)
    for name in ("dashboard.js", "dashboard.css", "plotly.min.js"):
        shutil.copyfile(static_file(name), out / "static" / name)
    for path in paths:
        (out / path).parent.mkdir(parents=True, exist_ok=True)
        (out / path).write_bytes(site.page(path).body)
    return time.perf_counter() - t


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def browser():  # type: ignore[no-untyped-def]
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1100"):
        opts.add_argument(arg)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)


def drawn_ms(driver, url: str) -> float:  # type: ignore[no-untyped-def]
    driver.get(url)
    deadline = time.monotonic() + 60
    while driver.execute_script("return document.body && document.body.dataset.drawn") != "true":
        if time.monotonic() > deadline:
            raise SystemExit(f"{url}: never drawn")
        time.sleep(0.01)
    phases = driver.execute_script(
        "const n = performance.getEntriesByType('navigation')[0];"
        "const fcp = performance.getEntriesByName('first-contentful-paint')[0];"
        "const mark = k => performance.getEntriesByName(k)[0].startTime;"
        "return [n.responseEnd, n.domInteractive, mark('perfgate:start'), fcp ? fcp.startTime : -1,"
        " mark('perfgate:drawn')];"
    )
    PHASES.setdefault(url, []).append([float(x) for x in phases])
    return float(phases[-1])


# Per URL, per load: Chromium's navigation timing, ms from the start of navigation.
PHASE_NAMES = (
    "HTML received",
    "HTML parsed",
    "page script started (scripts loaded)",
    "first contentful paint",
    "drawn",
)
PHASES: dict[str, list[list[float]]] = {}


def phase_medians(url: str, skip: int = 0) -> str:
    loads = PHASES[url][skip:]
    drawing = statistics.median(load[-1] - load[2] for load in loads)
    return (
        ", ".join(
            f"{name} {statistics.median(load[i] for load in loads):.0f}" for i, name in enumerate(PHASE_NAMES)
        )
        + f" (the drawing, from the page script's start: {drawing:.0f})"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--loads", type=int, default=5)
    ap.add_argument("--points", type=int, default=10_000)
    ap.add_argument("--benchmarks", type=int, default=500)
    ap.add_argument("--keep", type=Path, help="build the stores in this directory, or reuse them from it")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = args.keep or Path(tmp)
        out = Path(tmp) / "site"
        t = time.perf_counter()
        if (base / "wide").exists():
            long_ws = app.Workspace.discover(base / "long", environ={})
            wide_ws = app.Workspace.discover(base / "wide", environ={})
        else:
            long_ws = build(base / "long", args.points, 1, 1)
            wide_ws = build(base / "wide", 20, args.benchmarks, 2)
        print(f"stores ready in {time.perf_counter() - t:.1f} s", file=sys.stderr)
        name = "bench/test_mod0.py::test_case_0"
        bench_path = f"bench/{bench_key(name)}.html"
        server_bench = render(long_ws, out / "long", [bench_path])
        server_overview = render(wide_ws, out / "wide", ["index.html"])
        sizes = {p: (out / d / p).stat().st_size for d, p in (("long", bench_path), ("wide", "index.html"))}
        handler = functools.partial(_Quiet, directory=str(out))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        driver = browser()
        try:
            drawn_ms(driver, url + "long/" + bench_path)  # a first load fills the cache
            bench = [drawn_ms(driver, url + "long/" + bench_path) for _ in range(args.loads)]
            overview = [drawn_ms(driver, url + "wide/index.html") for _ in range(args.loads)]
            count = driver.execute_script("return document.querySelectorAll('#benchmarks tbody tr').length")
            driver.get(url + "long/" + bench_path)
            while driver.execute_script("return document.body.dataset.drawn") != "true":
                time.sleep(0.01)
            points = driver.execute_script(
                "return document.querySelector('.chart').data.filter(t => t.meta && t.meta.median)"
                ".reduce((n, t) => n + t.x.length, 0)"
            )
        finally:
            driver.quit()
            server.shutdown()
            server.server_close()
    load = os.getloadavg()[0]
    print(f"benchmark page phases (median ms): {phase_medians(url + 'long/' + bench_path, skip=1)}")
    print(f"overview phases (median ms): {phase_medians(url + 'wide/index.html')}")
    print(
        f"benchmark page, {points} points: "
        f"drawn in median {statistics.median(bench):.0f} ms "
        f"(min {min(bench):.0f}, max {max(bench):.0f}; {args.loads} loads); "
        f"page rendered in {server_bench:.2f} s"
    )
    print(
        f"overview, {count} benchmarks: drawn in median {statistics.median(overview):.0f} ms "
        f"(min {min(overview):.0f}, max {max(overview):.0f}; {args.loads} loads); page rendered in "
        f"{server_overview:.2f} s; {sizes['index.html'] / 1e6:.2f} MB of HTML"
    )
    print(f"load average (1 min): {load:.2f} on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
