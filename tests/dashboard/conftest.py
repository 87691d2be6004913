"""A real SQLite store of canned runs, the static site written from it, a real browser to look at it.

The store: three benchmarks measured on main over 20 commits (tier ``fast``, testbed ``ci-linux``),
one named like an HTML injection, one 30% slower at the newest commit (the active regression); a
nightly tier on another testbed; two runs of a feature branch whose name is markup too.
"""

from __future__ import annotations

import functools
import http.server
import os
import random
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from builders import T0, RunFactory, make_result, sha
from perfgate.model import Direction
from perfgate.store import open_store

XSS = "<img src=x onerror=alert(1)>"
XSS_BRANCH = "feature/<b>bold</b>"
READ = "bench/test_io.py::test_read"
SMALL = "bench/test_parse.py::test_small"  # 30% slower at the newest main commit
COMMITS = 20
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SCREENSHOTS = Path(__file__).parent / "screenshots"

PYPROJECT = """\
[project]
name = "demo"

[tool.perfgate]
project = "demo"
main_branch = "main"
"""


def samples(centre: float, rng: random.Random, n: int = 15) -> list[float]:
    return [centre * (1 + rng.gauss(0, 0.01)) for _ in range(n)]


@dataclass(frozen=True)
class Project:
    root: Path
    db: Path
    main_ids: tuple[str, ...]  # oldest first
    nightly_ids: tuple[str, ...]
    feature_ids: tuple[str, ...]


def build_project(root: Path) -> Project:
    root.mkdir(parents=True)
    (root / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    db = root / ".perfgate" / "perfgate.db"
    db.parent.mkdir()
    rng = random.Random(13)
    make = RunFactory()
    store = open_store(str(db))
    main, nightly, feature = [], [], []
    try:
        for i in range(2):  # a feature branch, before main's history
            run = make(
                project="demo",
                started=T0 - timedelta(days=3 - i),
                branch=XSS_BRANCH,
                commit=sha(f"feature{i}"),
                tier="fast",
                results=[
                    make_result(READ, samples=samples(1e-3, rng)),
                    make_result(XSS, samples=samples(2e-3, rng)),
                ],
            )
            store.add_run(run)
            feature.append(run.id)
        for i in range(COMMITS):
            small = 5e-4 * (1.3 if i == COMMITS - 1 else 1.0)
            run = make(
                project="demo",
                started=T0 + timedelta(hours=i),
                branch="main",
                commit=sha(i),
                tier="fast",
                results=[
                    make_result(READ, samples=samples(1e-3, rng)),
                    make_result(
                        READ, "peak_memory", samples=[1e6 + 1e4 * i] * 3, unit="B", direction=Direction.LOWER
                    ),
                    make_result(SMALL, samples=samples(small, rng)),
                    make_result(XSS, samples=samples(2e-3, rng)),
                ],
            )
            store.add_run(run)
            main.append(run.id)
        for i in range(4):
            run = make(
                project="demo",
                started=T0 + timedelta(hours=i * 6, minutes=30),
                branch="main",
                commit=sha(i * 6),
                tier="nightly",
                testbed="gpu-box",
                results=[make_result(READ, samples=samples(0.9e-3, rng))],
            )
            store.add_run(run)
            nightly.append(run.id)
    finally:
        store.close()
    return Project(root, db, tuple(main), tuple(nightly), tuple(feature))


@pytest.fixture(scope="package")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    return build_project(tmp_path_factory.mktemp("dash") / "demo")


@pytest.fixture(scope="package")
def site(project: Project) -> Path:
    """The static site, written by the CLI."""
    from perfgate.cli import main

    target = project.root / "site"
    code = main(["report", "--html", str(target)], cwd=project.root, environ={"HOME": str(project.root)})
    assert code == 0
    return target


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="package")
def static_url(site: Path) -> Iterator[str]:
    """The static site served as a plain directory (as GitHub Pages would), on 127.0.0.1."""
    handler = functools.partial(_Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def _chromium_missing() -> str | None:
    if not CHROMIUM.exists() or not CHROMEDRIVER.exists():
        return "Debian's chromium and chromium-driver are not installed (.ci/run installs them)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[dev]')"
    return None


@pytest.fixture(scope="package")
def browser() -> Iterator[object]:
    reason = _chromium_missing()
    if reason and os.environ.get("CI"):
        pytest.fail(f"CI must run the dashboard's browser tests: {reason}")
    if reason:
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1100"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=opts)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="package")
def screenshots() -> Path:
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir()
    return SCREENSHOTS
