"""A run is all or nothing even when its writer is killed; concurrent writers both succeed.

These tests start real processes (``sys.executable -c``) writing a real SQLite file. The child pauses
*inside* ``add_run``'s transaction with a SQLAlchemy ``after_cursor_execute`` hook (after a number of
result batches have been inserted) and says so on stdout; the parent then kills it. No wall-clock
assertion anywhere: the only waits are for the child's own messages and its exit.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from perfgate.errors import NotFoundError
from perfgate.model import Run, run_to_dict
from perfgate.store import open_store

from .conftest import RunFactory, make_result

CHILD = r"""
import json, signal, sys, time
# Ctrl-C raises KeyboardInterrupt, as in a terminal, even when this test runs in a background job
# (which starts its children with SIGINT ignored).
signal.signal(signal.SIGINT, signal.default_int_handler)
import sqlalchemy as sa
from perfgate.model import run_from_dict
from perfgate.store import open_store

db, runs_file, pause_after = sys.argv[1], sys.argv[2], int(sys.argv[3])
runs = [run_from_dict(d) for d in json.load(open(runs_file))]
store = open_store(db)
*first, last = runs
for run in first:
    store.add_run(run)
if pause_after:
    batches = 0

    @sa.event.listens_for(store.engine, "after_cursor_execute")
    def pause(conn, cursor, statement, parameters, context, executemany):
        global batches
        if statement.lstrip().upper().startswith("INSERT INTO RESULTS"):
            batches += 1
            if batches == pause_after:
                print("inside", flush=True)
                time.sleep(600)

print("adding", flush=True)
try:
    store.add_run(last)
except KeyboardInterrupt:
    print("interrupted", flush=True)
    store.close()
    sys.exit(130)
print("added", flush=True)
store.close()
"""

HUGE = 20_000


def write_runs(path: Path, runs: list[Run]) -> Path:
    path.write_text(json.dumps([run_to_dict(r) for r in runs]))
    return path


def start_child(db: Path, runs_file: Path, pause_after: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(db), str(runs_file), str(pause_after)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_line(proc: subprocess.Popen[str], wanted: str) -> None:
    assert proc.stdout is not None
    seen = []
    while True:
        line = proc.stdout.readline()
        if not line:  # the child died before saying it
            proc.wait()
            stderr = proc.stderr.read() if proc.stderr else ""
            pytest.fail(f"child exited {proc.returncode} before {wanted!r}; said {seen}; stderr:\n{stderr}")
        seen.append(line.strip())
        if line.strip() == wanted:
            return


def finish(proc: subprocess.Popen[str]) -> int:
    code = proc.wait()
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()
    return code


@pytest.fixture
def huge_case(tmp_path: Path, make_run: RunFactory) -> tuple[Path, Path, list[Run], Run]:
    earlier = [make_run(results=[make_result(f"b{i}") for i in range(50)]) for _ in range(3)]
    # 20k results with ten samples each: several MB, more than SQLite's page cache, so uncommitted
    # pages spill into the WAL file before the kill.
    samples = tuple(1e-3 + i * 1e-6 for i in range(10))
    huge = make_run(results=[make_result(f"huge_{i:05d}", samples=samples) for i in range(HUGE)])
    db = tmp_path / ".perfgate" / "perfgate.db"
    return db, write_runs(tmp_path / "runs.json", [*earlier, huge]), earlier, huge


def assert_only(db: Path, earlier: list[Run], huge: Run) -> None:
    """The store holds exactly ``earlier``, intact, and no trace of ``huge``."""
    with sqlite3.connect(db) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        n_results = raw.execute("SELECT count(*) FROM results").fetchone()[0]
        orphans = raw.execute(
            "SELECT count(*) FROM results WHERE run NOT IN (SELECT pk FROM runs)"
        ).fetchone()[0]
        huge_names = raw.execute("SELECT count(*) FROM benchmarks WHERE name LIKE 'huge%'").fetchone()[0]
    assert orphans == 0 and huge_names == 0
    assert n_results == sum(len(r.results) for r in earlier)
    with open_store(db, create=False) as store:
        assert [i.id for i in store.list_runs(newest_first=False)] == [r.id for r in earlier]
        for run in earlier:
            assert store.get_run(run.id) == run
        with pytest.raises(NotFoundError):
            store.get_run(huge.id)
        assert store.series(f"huge_{HUGE - 1:05d}").points == ()


def test_sigkill_inside_add_run_leaves_no_half_run(huge_case: tuple[Path, Path, list[Run], Run]) -> None:
    db, runs_file, earlier, huge = huge_case
    proc = start_child(db, runs_file, pause_after=(HUGE // 500) - 5)  # 35 of 40 batches written
    try:
        wait_for_line(proc, "inside")
        # While the writer is paused mid-transaction, a reader sees only the committed runs.
        with open_store(db, create=False) as store:
            assert [i.id for i in store.list_runs(newest_first=False)] == [r.id for r in earlier]
            with pytest.raises(NotFoundError):
                store.get_run(huge.id)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        if proc.poll() is None:
            proc.kill()
        code = finish(proc)
    assert code == -signal.SIGKILL
    wal = db.with_name(db.name + "-wal")
    assert wal.stat().st_size > 0  # the killed writer left (uncommitted) pages in the WAL
    assert_only(db, earlier, huge)
    # The store is fully usable afterwards: the same run can now be added whole.
    with open_store(db) as store:
        store.add_run(huge)
        [info] = store.list_runs(limit=1)
        assert (info.id, info.n_results) == (huge.id, HUGE)


def test_ctrl_c_inside_add_run_rolls_back(huge_case: tuple[Path, Path, list[Run], Run]) -> None:
    db, runs_file, earlier, huge = huge_case
    proc = start_child(db, runs_file, pause_after=3)
    try:
        wait_for_line(proc, "inside")
        proc.send_signal(signal.SIGINT)
        wait_for_line(proc, "interrupted")
        code = proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
        finish(proc)
    assert code == 130
    assert_only(db, earlier, huge)


@pytest.mark.parametrize("delay", [0.0, 0.2])
def test_sigkill_at_any_moment_is_all_or_nothing(
    huge_case: tuple[Path, Path, list[Run], Run], delay: float
) -> None:
    """Without a hook: killed at some arbitrary moment around add_run, the run is whole or absent."""
    db, runs_file, earlier, huge = huge_case
    proc = start_child(db, runs_file, pause_after=0)
    try:
        wait_for_line(proc, "adding")
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
    finally:
        if proc.poll() is None:
            proc.kill()
        finish(proc)
    with open_store(db, create=False) as store:
        for run in earlier:
            assert store.get_run(run.id) == run
        try:
            stored = store.get_run(huge.id)
        except NotFoundError:
            assert_only(db, earlier, huge)
        else:
            assert stored == huge


def test_two_processes_write_concurrently(tmp_path: Path, make_run: RunFactory) -> None:
    """Two writers on one fresh file (both creating the schema): WAL and the busy timeout let both
    finish; every run of both is stored whole."""
    db = tmp_path / "shared" / "perfgate.db"
    batches = [
        [make_run(testbed=bed, results=[make_result(f"b{i}") for i in range(300)]) for _ in range(15)]
        for bed in ("one", "two")
    ]
    procs = [
        start_child(db, write_runs(tmp_path / f"runs{i}.json", runs), pause_after=0)
        for i, runs in enumerate(batches)
    ]
    outputs = []
    for proc in procs:
        out, err = proc.communicate()
        outputs.append((proc.returncode, out.split(), err))
    assert [o[0] for o in outputs] == [0, 0], outputs
    assert all(o[1] == ["adding", "added"] for o in outputs)
    with open_store(db, create=False) as store:
        for runs in batches:
            for run in runs:
                assert store.get_run(run.id) == run
        assert len(store.list_runs()) == 30
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM schema_version").scalar_one() >= 1
