"""A store nobody may write (a read-only mount, a read-only directory) can still be read.

WAL needs its ``-shm`` file beside the database; opened normally, a store in a directory where that
file cannot be created fails with "unable to open database file". The reading commands open it
read-only instead. The directory is made really read-only: a read-only bind mount in a private mount
namespace when running as root (root ignores permission bits), permission bits otherwise; the driver
first proves it cannot create a file there.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from perfgate.errors import StoreError
from perfgate.store import open_store

from .conftest import RunFactory, make_result

DRIVER = """
import io, json, sys
from pathlib import Path
from perfgate.cli.main import main

root, a, b = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
try:
    (root / ".perfgate" / "probe").write_text("x")
    print(json.dumps({"writable": True}))
    raise SystemExit(0)
except OSError:
    pass
out = {"writable": False}
for name, argv in {
    "runs": ["runs", "--format", "json"],
    "show": ["show", b, "--format", "json"],
    "history": ["history", "bench_a", "--format", "json"],
    "compare": ["compare", a, b, "--format", "json"],
}.items():
    buf = io.StringIO()
    code = main(argv, cwd=root, environ={"NO_COLOR": "1"}, stdout=buf)
    out[name] = {"code": code, "json": json.loads(buf.getvalue()) if code in (0, 1) else None}
print(json.dumps(out))
"""

_MOUNT_RO = 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" "$0" && exec "$@"'


def _can_mount_read_only(tmp: Path) -> bool:
    probe = tmp / "mount-probe"
    probe.mkdir()
    if shutil.which("unshare") is None:
        return False
    done = subprocess.run(["unshare", "-m", "sh", "-c", _MOUNT_RO, str(probe), "true"], capture_output=True)
    return done.returncode == 0


@pytest.fixture
def read_only_dir(tmp_path: Path) -> Iterator[list[str]]:
    """A command prefix that runs its command with ``.perfgate`` under ``tmp_path/proj`` read-only."""
    target = tmp_path / "proj" / ".perfgate"
    if os.geteuid() != 0:
        paths = [target, *target.iterdir()]
        modes = {p: p.stat().st_mode for p in paths}
        for p in paths:
            p.chmod(stat.S_IMODE(modes[p]) & ~0o222)
        yield []
        for p in paths:
            p.chmod(modes[p])
    elif _can_mount_read_only(tmp_path):
        yield ["unshare", "-m", "sh", "-c", _MOUNT_RO, str(target)]
    else:
        pytest.skip("running as root without mount namespaces: no way to make a directory read-only for root")


@pytest.fixture
def stored(tmp_path: Path, make_run: RunFactory) -> tuple[str, str]:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "perfgate.toml").write_text('project = "demo"\n', encoding="utf-8")
    a = make_run(results=[make_result("bench_a"), make_result("bench_b")])
    b = make_run(results=[make_result("bench_a"), make_result("bench_b")])
    with open_store(root / ".perfgate" / "perfgate.db") as store:
        store.add_run(a)
        store.add_run(b)
    # closed cleanly: the last connection checkpointed the WAL and removed -wal and -shm
    assert sorted(p.name for p in (root / ".perfgate").iterdir()) == ["perfgate.db"]
    return a.id, b.id


def test_reading_commands_work_on_a_read_only_store(
    tmp_path: Path, stored: tuple[str, str], read_only_dir: list[str]
) -> None:
    a, b = stored
    root = tmp_path / "proj"
    done = subprocess.run(
        [*read_only_dir, sys.executable, "-c", DRIVER, str(root), a, b], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["writable"] is False, "the test could write the directory: it proves nothing"
    assert out["runs"]["code"] == 0, done.stderr
    assert sorted(r["id"] for r in out["runs"]["json"]) == sorted([a, b])
    assert out["show"]["code"] == 0 and out["show"]["json"]["run"]["id"] == b
    assert out["history"]["code"] == 0 and [p["run_id"] for p in out["history"]["json"]] == [a, b]
    assert out["compare"]["code"] == 0, done.stderr  # the same samples: unchanged
    assert out["compare"]["json"]["run"]["id"] == b
    assert out["compare"]["json"]["baseline"]["run_ids"] == [a]
    assert sorted(p.name for p in (root / ".perfgate").iterdir()) == ["perfgate.db"]


def test_a_read_only_store_refuses_writes_and_missing_files(tmp_path: Path, make_run: RunFactory) -> None:
    db = tmp_path / "s.db"
    with pytest.raises(StoreError, match="no perfgate store here"):
        open_store(db, readonly=True)
    assert not db.exists()
    with open_store(db) as store:
        store.add_run(make_run())
    with open_store(db, readonly=True) as store, pytest.raises(StoreError, match="readonly"):
        store.add_run(make_run())
    with open_store(db, readonly=True) as store:
        assert len(store.list_runs()) == 1


def test_reading_an_older_writable_store_upgrades_it_first(tmp_path: Path) -> None:
    import sqlalchemy as sa

    from perfgate.store import LATEST_VERSION, MIGRATIONS
    from perfgate.store.engine import make_engine
    from perfgate.store.migrations import migrate

    db = tmp_path / "old.db"
    engine = make_engine(sa.URL.create("sqlite+pysqlite", database=str(db)))
    assert migrate(engine, str(db), MIGRATIONS[:1]) == 1
    engine.dispose()
    with open_store(db, readonly=True) as store:
        assert store.list_runs() == []
    with open_store(db, readonly=True) as store, store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT version FROM schema_version").scalar() == LATEST_VERSION
