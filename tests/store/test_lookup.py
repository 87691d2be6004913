"""Naming runs on the command line: short ids that stay distinct, ambiguous prefixes that say so, and
a git ref with many stored runs that reads only the run it shows (a real git repository, a real store)."""

from __future__ import annotations

import shutil
from pathlib import Path

import sqlalchemy as sa

from gitproject import GitProject
from perfgate.store import open_store
from perfgate.store.tables import runs

from .conftest import RunFactory, make_result

DATA = Path(__file__).resolve().parents[1] / "data"
PB = (
    DATA
    / "pytest-benchmark"
    / "pytest-benchmark-tests-0030_5b78858e_20150815_030419_uncommitted-changes.json"
)


def _project(tmp_path: Path) -> GitProject:
    p = GitProject(tmp_path / "proj", testbed="lookup")
    p.init()
    p.write("pyproject.toml", '[project]\nname = "lookup"\n\n[tool.perfgate]\nmain_branch = "main"\n')
    p.commit("A")
    return p


def test_files_with_one_timestamp_get_distinct_short_ids_and_a_shared_prefix_lists_them(
    tmp_path: Path,
) -> None:
    project = _project(tmp_path)
    ids = []
    for i in range(3):
        copy = tmp_path / f"copy{i}.json"
        shutil.copy(PB, copy)  # the same "datetime" in all three
        res = project.perfgate_here("ingest", str(copy))
        assert res.code == 0, res.stderr
        ids.append(res.stdout.strip())
    listed = project.perfgate_here("runs", "--format", "json")
    assert sorted(r["id"] for r in listed.json()) == sorted(ids)
    assert len({i[:10] for i in ids}) == 3  # the short form reports print

    shared = next(k for k in range(len(ids[0]) + 1) if len({i[: k + 1] for i in ids}) > 1)
    prefix = ids[0][:shared]
    assert prefix, ids  # ids made the same day share their first characters
    res = project.perfgate_here("show", prefix)
    assert res.code == 2
    assert f"3 runs match {prefix!r}" in res.stderr
    assert all(i in res.stderr for i in ids), res.stderr
    assert "no run or git ref" not in res.stderr


def test_show_and_compare_of_a_ref_read_only_the_run_they_use(tmp_path: Path, make_run: RunFactory) -> None:
    project = _project(tmp_path)
    head = project.git("rev-parse", "HEAD")
    results = [make_result(f"bench_{i}") for i in range(3)]
    stored = [make_run(project="lookup", commit=head, testbed="lookup", results=results) for _ in range(103)]
    other = make_run(project="lookup", commit="f" * 40, testbed="lookup", results=results)
    newest = max(stored, key=lambda r: (r.started, r.id))
    with open_store(project.root / ".perfgate" / "perfgate.db") as store:
        for run in [*stored, other]:
            store.add_run(run)
        # Damage every other run of HEAD: reading any of them in full would fail the command.
        with store.engine.begin() as conn:
            conn.execute(
                runs.update()
                .where(runs.c.commit_sha == head, runs.c.id != newest.id)
                .values(document=sa.literal("{damaged"))
            )

    shown = project.perfgate_here("show", "HEAD", "--format", "json")
    assert shown.code == 0, shown.stderr
    assert shown.json()["run"]["id"] == newest.id

    compared = project.perfgate_here("compare", other.id, "HEAD", "--format", "json")
    assert compared.code == 0, compared.stderr  # the same samples: unchanged
    assert compared.json()["run"]["id"] == newest.id
