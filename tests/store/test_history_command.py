"""``perfgate history`` as people call it: part of a name, the series of the current branch and the
default tier (said in the header), and the time each run ran (a real store, a real git repository)."""

from __future__ import annotations

import io
import json
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from gitproject import GitProject
from perfgate.cli.main import main
from perfgate.store import open_store

from .conftest import T0, RunFactory, make_result

CONFIG = '[project]\nname = "hist"\n\n[tool.perfgate]\ndefault_tier = "fast"\n[tool.perfgate.tiers.fast]\n[tool.perfgate.tiers.nightly]\n'
PARSE = "bench/test_parse.py::test_parse_small"


@pytest.fixture
def project(tmp_path: Path, make_run: RunFactory) -> GitProject:
    p = GitProject(tmp_path / "proj", testbed="hist")
    p.init()
    p.write("pyproject.toml", CONFIG)
    p.commit("A")
    results = [
        make_result(PARSE),
        make_result("bench/test_parse.py::test_parse_large"),
        make_result("test_io"),
    ]
    commit, commit_time = "a" * 40, T0 - timedelta(hours=2)
    runs = [
        # two runs of one commit on main, an hour apart
        make_run(
            project="hist", tier="fast", commit=commit, commit_time=commit_time, started=T0, results=results
        ),
        make_run(
            project="hist",
            tier="fast",
            commit=commit,
            commit_time=commit_time,
            started=T0 + timedelta(hours=1),
            results=results,
        ),
        make_run(project="hist", tier="nightly", results=results),
        make_run(project="hist", tier="fast", branch="feature", results=results),
    ]
    with open_store(p.root / ".perfgate" / "perfgate.db") as store:
        for run in runs:
            store.add_run(run)
    return p


def _history(project: GitProject, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    out = io.StringIO()
    code = main(["history", *args], cwd=project.root, environ={"NO_COLOR": "1"}, stdout=out)
    return code, out.getvalue(), capsys.readouterr().err


def test_a_unique_substring_or_glob_names_the_benchmark_and_says_which(project, capsys) -> None:
    code, out, err = _history(project, capsys, "parse_small", "--format", "json")
    assert code == 0, err
    assert len(json.loads(out)) == 2
    assert f"history of {PARSE!r} (the one benchmark matching 'parse_small')" in err

    code, out, err = _history(project, capsys, "*io", "--format", "json")
    assert code == 0, err
    assert "history of 'test_io'" in err

    code, out, err = _history(project, capsys, "test_parse")
    assert code == 2 and out == ""
    assert err.startswith("perfgate: error: 2 benchmarks with time results match 'test_parse': ")
    assert "test_parse_large" in err and "test_parse_small" in err and len(err.splitlines()) == 1


def test_defaults_to_the_current_branch_and_default_tier_and_says_so(project, capsys) -> None:
    code, out, err = _history(project, capsys, PARSE)
    assert code == 0, err
    assert (
        out.splitlines()[0] == f"{PARSE} [time] · branch main (default) · tier fast (default) · all testbeds"
    )

    def count(*args: str) -> int:
        code, out, err = _history(project, capsys, PARSE, "--format", "json", *args)
        assert code == 0, err
        return len(json.loads(out))

    assert count() == 2
    assert count("--all-tiers") == 3
    assert count("--all-branches") == 3
    assert count("--all-branches", "--all-tiers") == 4
    assert count("--tier", "nightly") == 1

    project.git("checkout", "-q", "-b", "feature")
    code, out, err = _history(project, capsys, PARSE)
    assert code == 0, err
    assert "· branch feature (default) ·" in out.splitlines()[0]


def test_re_runs_of_one_commit_show_when_each_ran(project, capsys) -> None:
    code, out, err = _history(project, capsys, PARSE)
    assert code == 0, err
    header = out.splitlines()[1]
    assert "when (UTC)" in header and "ran (UTC)" in header
    rows = [line for line in out.splitlines() if line.startswith("2024-05-01 10:00")]  # the commit time
    assert len(rows) == 2
    assert "2024-05-01 12:00" in rows[0] and "2024-05-01 13:00" in rows[1]

    code, out, err = _history(project, capsys, PARSE, "--format", "json")
    assert [p["started"][:16] for p in json.loads(out)] == ["2024-05-01T12:00", "2024-05-01T13:00"]


def test_a_token_quoted_by_a_failed_benchmark_is_redacted(project, make_run: RunFactory, capsys) -> None:
    token = "ghp_historytoken0123456789"
    with open_store(project.root / ".perfgate" / "perfgate.db") as store:
        store.add_run(
            make_run(project="hist", tier="fast", results=[make_result(PARSE, error=f"401 for {token}")])
        )
    for fmt in ("text", "json"):
        out = io.StringIO()
        code = main(
            ["history", PARSE, "--format", fmt],
            cwd=project.root,
            environ={"NO_COLOR": "1", "GITHUB_TOKEN": token},
            stdout=out,
        )
        assert code == 0, capsys.readouterr().err
        assert token not in out.getvalue()
        assert "401 for [redacted $GITHUB_TOKEN]" in out.getvalue()


NUMPY_PROBE = """
import io, sys
from pathlib import Path
from perfgate.cli.main import main

out = io.StringIO()
code = main(["history", "parse_small"], cwd=Path(sys.argv[1]), environ={"NO_COLOR": "1"}, stdout=out)
# a submodule is there only once the package really ran (perfgate may hold numpy as a lazy module)
loaded = sorted({m.split(".")[0] for m in ("numpy._core", "numpy.core", "scipy._lib") if m in sys.modules})
print(code, len(out.getvalue().splitlines()), ",".join(loaded) or "none")
"""


def test_history_does_not_load_numpy_or_scipy(project: GitProject) -> None:
    """Reading a series needs no statistics: the statistics' numpy is loaded on first use, not when the
    configuration imports the gate's policy (it was a third of a history's start-up)."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", NUMPY_PROBE, str(project.root)], capture_output=True, text=True, check=True
    )
    code, lines, loaded = done.stdout.split()
    assert (code, loaded) == ("0", "none") and int(lines) > 2


SQLALCHEMY_PROBE = """
import io, sys
from pathlib import Path
from perfgate.cli.main import main

out = io.StringIO()
code = main(["history", "parse_small", "--format", "json"], cwd=Path(sys.argv[1]), environ={"NO_COLOR": "1"}, stdout=out)
print(code, len(out.getvalue()), "sqlalchemy" in sys.modules)
"""


def test_history_reads_a_sqlite_store_without_sqlalchemy(project: GitProject) -> None:
    """A history is one query: the standard library's sqlite3 reads it (SQLAlchemy's import alone took
    longer than the whole read of 10,000 points)."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", SQLALCHEMY_PROBE, str(project.root)],
        capture_output=True,
        text=True,
        check=True,
    )
    code, length, loaded = done.stdout.split()
    assert (code, loaded) == ("0", "False") and int(length) > 100, done.stderr


def test_history_of_an_older_store_upgrades_it_and_reads_it(tmp_path: Path, capsys) -> None:
    """A store of an older schema is not the fast reader's: it is opened the normal way, upgraded, read."""
    from perfgate.store import LATEST_VERSION

    root = tmp_path / "proj"
    (root / ".perfgate").mkdir(parents=True)
    (root / "perfgate.toml").write_text('project = "demo"\n', encoding="utf-8")
    db = root / ".perfgate" / "perfgate.db"
    db.write_bytes((Path(__file__).resolve().parents[1] / "data" / "store" / "schema5.db").read_bytes())
    out = io.StringIO()
    code = main(
        ["history", "bench_a", "--all-branches", "--format", "json"], cwd=root, environ={}, stdout=out
    )
    assert code == 0, capsys.readouterr().err
    assert [p["run_id"][-1] for p in json.loads(out.getvalue())] == ["5", "1", "2", "3", "4"]
    with sqlite3.connect(db) as raw:
        assert raw.execute("SELECT version FROM schema_version").fetchall() == [(LATEST_VERSION,)]
