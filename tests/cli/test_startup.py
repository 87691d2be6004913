"""What a command imports before it does anything (docs/scale.md, "Start-up"): its own module and what
it uses, never the libraries of the commands it is not (SQLAlchemy, httpx and rich, numpy and scipy,
plotly, starlette, uvloop). Each case runs in a new interpreter, as a user's ``perfgate`` does, and
reads ``sys.modules``; nothing here measures a time."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from builders import bare_run, make_result
from perfgate.cli.main import COMMANDS
from perfgate.model import dumps_run
from perfgate.store import open_store

HEAVY = ("sqlalchemy", "httpx", "rich", "numpy", "scipy", "plotly", "starlette", "uvloop")

# Runs the CLI in-process and prints its exit code and what it imported: the heavy libraries that ran
# (numpy may be held as a lazy module that never ran: it counts once it has) and perfgate's modules.
PROBE = """
import contextlib, io, json, sys
from contextlib import closing
from pathlib import Path
from perfgate.cli.main import main

out, err = io.StringIO(), io.StringIO()
with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
    try:
        code = main(sys.argv[2:], cwd=Path(sys.argv[1]), environ={"NO_COLOR": "1"}, stdout=out)
    except SystemExit as exc:  # --version and --help: argparse exits
        code = exc.code
ran = sorted(
    m for m, mod in sys.modules.items() if "." not in m and type(mod).__name__ != "_LazyModule"
)
perfgate = sorted(m for m in sys.modules if m.startswith("perfgate."))
print(json.dumps({"code": code, "ran": ran, "perfgate": perfgate, "stderr": err.getvalue()}))
"""


def probe(cwd: Path, *argv: str) -> tuple[int, set[str], set[str]]:
    """(exit code, the heavy libraries that ran, perfgate's modules) of ``perfgate ARGV`` in ``cwd``,
    in a new interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(cwd), *argv], cwd=cwd, capture_output=True, text=True, check=True
    )
    report = json.loads(done.stdout)
    if report["code"] not in (0, 1):
        sys.stderr.write(report["stderr"])  # shown when the test fails
    return report["code"], set(HEAVY) & set(report["ran"]), set(report["perfgate"])


def commands_imported(perfgate_modules: set[str]) -> set[str]:
    return {c.name for c in COMMANDS if c.module in perfgate_modules}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project with a store of two runs and the same two runs as result files."""
    (tmp_path / "perfgate.toml").write_text('project = "p"\n', encoding="utf-8")
    a = bare_run(make_result("bench_a"), make_result("bench_b"))
    doubled = (2.0e-3, 2.2e-3, 1.9e-3, 2.1e-3, 2.04e-3, 1.98e-3, 2.6e-3)
    b = bare_run(make_result("bench_a", samples=doubled), make_result("bench_b"))
    with open_store(tmp_path / ".perfgate" / "perfgate.db") as store:
        store.add_run(a)
        store.add_run(b)
    (tmp_path / "a.json").write_text(dumps_run(a), encoding="utf-8")
    (tmp_path / "b.json").write_text(dumps_run(b), encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("argv", [["--version"], ["--help"], ["runs", "--help"]], ids=" ".join)
def test_the_version_and_the_help_load_no_heavy_library(tmp_path: Path, argv: list[str]) -> None:
    code, heavy, modules = probe(tmp_path, *argv)
    assert code == 0
    assert heavy == set()
    # nor the store, the configuration or the application's use cases
    assert not {m for m in modules if m.startswith(("perfgate.store", "perfgate.app.", "perfgate.config"))}


@pytest.mark.parametrize("argv", [["--version"], ["--help"], []], ids=lambda a: " ".join(a) or "nothing")
def test_the_top_level_help_imports_no_command_module(tmp_path: Path, argv: list[str]) -> None:
    """``perfgate --help`` lists every command from the registry, without importing one."""
    code, _, modules = probe(tmp_path, *argv)
    assert code == (2 if not argv else 0)
    assert commands_imported(modules) == set()


@pytest.mark.parametrize("command", ["runs", "history", "compare", "load", "serve", "ci"])
def test_a_command_imports_its_own_module_and_no_other(tmp_path: Path, command: str) -> None:
    code, _, modules = probe(tmp_path, command, "--help")
    assert code == 0
    assert commands_imported(modules) == {command}


def test_history_loads_no_http_chart_load_or_statistics_library(project: Path) -> None:
    code, heavy, _ = probe(project, "history", "bench_a", "--all-branches", "--all-tiers")
    assert code == 0
    assert heavy <= {"sqlalchemy"}  # the store's (for now); not httpx, rich, plotly, uvloop, numpy


def ran(cwd: Path, *argv: str) -> set[str]:
    """The top-level modules ``perfgate ARGV`` imported (and ran), in a new interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(cwd), *argv], cwd=cwd, capture_output=True, text=True, check=True
    )
    return set(json.loads(done.stdout)["ran"])


@pytest.mark.parametrize(
    "argv", [["--version"], ["history", "bench_a", "--all-branches", "--all-tiers"]], ids=" ".join
)
def test_the_start_imports_no_dataclasses(project: Path, argv: list[str]) -> None:
    """The classes every command builds as it starts are named tuples or perfgate.frozen values:
    importing dataclasses (with inspect, ast, dis) and generating the methods of ten frozen
    dataclasses was a third of a short command's start."""
    assert not ran(project, *argv) & {"dataclasses", "inspect", "ast", "dis"}


def test_history_imports_only_the_read_models_of_the_model_and_no_gate(project: Path) -> None:
    """Each dataclass costs its definition at import: a history reads columns of its series, so it
    imports neither the run's value classes, its JSON, the baselines, the gate nor SQLAlchemy."""
    code, heavy, modules = probe(project, "history", "bench_a", "--all-branches", "--all-tiers")
    assert code == 0 and not heavy
    unwanted = {"perfgate.model.values", "perfgate.model.serialize", "perfgate.model.baselines"}
    unwanted |= {"perfgate.model.runinfo", "perfgate.app.series"}  # (the runs listing's, detect's)
    unwanted |= {
        "perfgate.gate",
        "perfgate.report.formatting",
        "perfgate.store.runread",
        "perfgate.store.sql",
    }
    assert modules & unwanted == set()
    assert {"perfgate.model.read", "perfgate.store.fastread", "perfgate.report.history"} <= modules


def test_runs_loads_no_http_chart_load_or_statistics_library(project: Path) -> None:
    code, heavy, _ = probe(project, "runs")
    assert code == 0
    assert heavy <= {"sqlalchemy"}


def test_compare_of_two_files_opens_no_store_and_no_http_library(project: Path) -> None:
    code, heavy, modules = probe(project, "compare", "a.json", "b.json")
    assert code == 1  # bench_a twice as slow: the gate said no, so the comparison really ran
    assert heavy <= {"numpy", "scipy"}  # the statistics; not SQLAlchemy, httpx, rich, plotly, uvloop
    assert not {m for m in modules if m.startswith("perfgate.store")}


def test_compare_of_two_stored_runs_reads_them_without_sqlalchemy(project: Path) -> None:
    with closing(sqlite3.connect(project / ".perfgate" / "perfgate.db")) as raw:
        a, b = (run_id for (run_id,) in raw.execute("SELECT id FROM runs ORDER BY pk"))
    code, heavy, _ = probe(project, "compare", a[:12], b)
    assert code == 1  # bench_a twice as slow: the runs were read and compared
    assert heavy <= {"numpy", "scipy"}  # the statistics; the store read through sqlite3 alone


@pytest.mark.parametrize("files", [False, True], ids=["run ids", "result files"])
def test_compare_imports_no_suite_runner_service_or_scraper(project: Path, files: bool) -> None:
    """Judging two runs needs the gate, not what measures a run (``perfgate.app.suite``, services,
    Prometheus scrapes, the harnesses): those cost a compare a tenth of a second before it began."""
    with closing(sqlite3.connect(project / ".perfgate" / "perfgate.db")) as raw:
        a, b = (run_id for (run_id,) in raw.execute("SELECT id FROM runs ORDER BY pk"))
    code, _, modules = probe(project, "compare", *(("a.json", "b.json") if files else (a, b)))
    assert code == 1  # bench_a twice as slow: the runs were read and judged
    assert "perfgate.app.judge" in modules
    assert not {m for m in modules if m.startswith("perfgate.measure") or m == "perfgate.app.suite"}


@pytest.mark.parametrize("source", ["stored runs", "files"])
def test_compare_loads_no_scipy(project: Path, source: str) -> None:
    """Student's t of the geomean's interval is computed in pure Python (perfgate.stats.student):
    importing scipy.special for it was a third of a `perfgate compare` of 10,000 benchmarks."""
    with closing(sqlite3.connect(project / ".perfgate" / "perfgate.db")) as raw:
        a, b = (run_id for (run_id,) in raw.execute("SELECT id FROM runs ORDER BY pk"))
    args = ("a.json", "b.json") if source == "files" else (a[:12], b)
    code, heavy, modules = probe(project, "compare", *args)
    assert code == 1  # bench_a twice as slow: the runs were read and compared
    assert "perfgate.stats.geomean" in modules  # the geomean row (two benchmarks: a t quantile)
    assert "scipy" not in heavy


def test_history_imports_no_shutil_for_its_help_formatter(project: Path) -> None:
    """argparse makes a help formatter for every argument added, and its own finds the terminal's width
    with shutil, which imports bz2, lzma and zlib: perfgate's formatter finds the same width without."""
    code = (
        "import sys; from pathlib import Path; from perfgate.cli.main import main; "
        "main(sys.argv[2:], cwd=Path(sys.argv[1]), environ={'NO_COLOR': '1'}); "
        "print(sorted({'shutil', 'bz2', 'lzma'} & set(sys.modules)))"
    )
    argv = ["history", "bench_a", "--all-branches", "--all-tiers"]
    done = subprocess.run([sys.executable, "-c", code, str(project), *argv], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "[]"


@pytest.mark.parametrize("columns", ["50", "120"])
def test_the_help_is_as_wide_as_argparse_makes_it(columns: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The formatter's width is the one argparse's own would find (``$COLUMNS`` here)."""
    import argparse

    from perfgate.cli.main import build_parser

    monkeypatch.setenv("COLUMNS", columns)
    ours = build_parser(["history"]).format_help()
    theirs = build_parser(["history"])
    theirs.formatter_class = argparse.HelpFormatter
    assert ours == theirs.format_help()
    assert max(len(line) for line in ours.splitlines()) <= int(columns)
