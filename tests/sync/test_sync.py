"""`perfgate sync`: the run history on a git data branch, between real repositories and a bare remote."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

from builders import T0
from perfgate.store import open_store
from perfgate.sync import PRUNED_FILE, Prune, run_document, run_path, sync_store


def test_first_sync_creates_the_branch_without_touching_the_checkout(clone, remote, runs):
    a = clone("a")
    r1, r2 = runs(), runs()
    a.add(r1, r2)
    refs_before = a.git("for-each-ref")
    res = a.perfgate_here("sync")
    assert res.code == 0, res.stderr
    assert "pulled 0 run(s), pushed 2, created the branch" in res.stderr
    assert remote.files() == [run_path(r1), run_path(r2)]
    assert run_path(r1) == f"runs/2024/05/{r1.id}.json"
    # the file is the run document `perfgate export` writes
    stored = remote.git("cat-file", "blob", f"perfgate-data:{run_path(r1)}")
    assert stored.encode() + b"\n" == run_document(r1)
    # the user's checkout: same refs, clean work tree and index, not made shallow
    assert a.git("for-each-ref") == refs_before
    assert a.git("status", "--porcelain") == ""
    assert a.git("rev-parse", "--is-shallow-repository") == "false"
    again = a.perfgate_here("sync")
    assert again.code == 0, again.stderr
    assert "pulled 0 run(s), pushed 0" in again.stderr  # nothing new: no commit
    assert remote.git("rev-list", "--count", "perfgate-data") == "1"


def test_sync_pulls_what_another_clone_pushed(clone, remote, runs):
    a, b = clone("a"), clone("b")
    ra = runs()
    a.add(ra)
    assert a.perfgate_here("sync").code == 0
    res = b.perfgate_here("sync", "--no-push")
    assert res.code == 0, res.stderr
    assert "pulled 1 run(s)" in res.stderr
    assert b.get(ra.id) == ra  # the same run, whole
    rb = runs()
    b.add(rb)
    assert b.perfgate_here("sync").code == 0
    assert a.perfgate_here("sync").code == 0
    assert a.run_ids() == b.run_ids() == {ra.id, rb.id}
    assert remote.git("rev-list", "--count", "perfgate-data") == "2"


def test_a_rejected_push_is_rebuilt_on_the_new_tip(clone, remote, runs):
    """Job A fetched the branch; job B pushes before A does: A's push is refused, A rebuilds and retries."""
    a, b = clone("a"), clone("b")
    ra, rb = runs(), runs()
    a.add(ra)
    b.add(rb)
    pushed_first = []

    def b_pushes_meanwhile(attempt: int) -> None:
        if attempt == 1:
            res = b.perfgate_here("sync")
            assert res.code == 0, res.stderr
            pushed_first.append(True)

    with open_store(str(a.db)) as store:
        report = sync_store(
            store, a.root, environ=a.env, pause=lambda s: None, before_push=b_pushes_meanwhile
        )
    assert pushed_first
    assert report.attempts == 2
    assert report.pushed == (ra.id,)
    assert report.pulled == (rb.id,)  # B's run came with the new tip
    assert remote.files() == sorted([run_path(ra), run_path(rb)])


def test_jobs_pushing_at_the_same_time_lose_no_run(clone, remote, runs):
    """Three CI jobs sync at once (processes started together); a fourth job gets every run."""
    jobs = [clone(f"job{i}") for i in range(3)]
    made = []
    for job in jobs:
        r = runs()
        job.add(r)
        made.append(r.id)
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "perfgate", "sync"],
            cwd=job.root,
            env=job.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for job in jobs
    ]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    assert remote.files() == sorted(f"runs/2024/05/{rid}.json" for rid in made)
    fourth = clone("job3")
    res = fourth.perfgate_here("sync", "--no-push")
    assert res.code == 0, res.stderr
    assert fourth.run_ids() == set(made)


def test_a_corrupt_file_is_a_warning_and_the_others_are_stored(clone, remote, runs, tmp_path):
    good, renamed = runs(), runs()
    seed = clone("seed")
    seed.git("checkout", "-q", "--orphan", "perfgate-data")
    seed.git("rm", "-rq", "--cached", ".")
    broken = "runs/2024/05/01HXBROKEN0000000000000000.json"
    seed.write(broken, '{"perfgate_schema": 1, "kind": "run", "run": {')
    seed.write(run_path(good), run_document(good).decode())
    seed.write(f"runs/2024/05/{runs().id}.json", run_document(renamed).decode())  # holds another run
    newer = runs()
    seed.write(
        run_path(newer), run_document(newer).decode().replace('"perfgate_schema": 1', '"perfgate_schema": 99')
    )
    seed.git("add", "-f", "runs")
    seed.git("commit", "-q", "-m", "data")
    seed.git("push", "-q", "origin", "perfgate-data")

    a = clone("a")
    res = a.perfgate_here("sync", "--no-push")
    assert res.code == 0, res.stderr
    assert a.run_ids() == {good.id}
    warnings = [ln for ln in res.stderr.splitlines() if "warning" in ln]
    assert len(warnings) == 3, res.stderr
    assert any(run_path(newer) in w and "upgrade perfgate" in w for w in warnings)
    assert any(broken in w and "invalid JSON" in w for w in warnings)
    assert any(f"holds run {renamed.id}" in w for w in warnings)
    # pushing still works, and never overwrites what it could not read
    mine = runs()
    a.add(mine)
    assert a.perfgate_here("sync").code == 0
    assert broken in remote.files() and run_path(mine) in remote.files()


def test_pruning_removes_files_from_the_branch_only(clone, remote, runs):
    a = clone("a")
    made = [runs() for _ in range(5)]
    a.add(*made)
    res = a.perfgate_here("sync", "--keep", "2")
    assert res.code == 0, res.stderr
    assert "pruned" not in res.stderr  # nothing was on the branch: the old runs are never pushed
    assert remote.files() == [PRUNED_FILE, *sorted(run_path(r) for r in made[3:])]
    assert a.run_ids() == {r.id for r in made}  # the store keeps every run
    # a later sync without pruning does not push the pruned runs back
    assert a.perfgate_here("sync").code == 0
    assert len([f for f in remote.files() if f.startswith("runs/")]) == 2
    newer = runs()
    a.add(newer)
    res = a.perfgate_here("sync", "--keep", "2")
    assert res.code == 0, res.stderr
    assert "pruned 1 from the branch" in res.stderr
    assert [f for f in remote.files() if f.startswith("runs/")] == sorted(
        [run_path(made[4]), run_path(newer)]
    )
    listed = remote.git("cat-file", "blob", f"perfgate-data:{PRUNED_FILE}").split()
    assert set(listed) == {r.id for r in made[:4]}
    # another job's old store cannot resurrect them either
    b = clone("b")
    b.add(*made)
    assert b.perfgate_here("sync").code == 0
    assert len([f for f in remote.files() if f.startswith("runs/")]) == 2


def test_max_age_prunes_by_the_runs_time(clone, remote, runs):
    a = clone("a")
    old, recent = runs(started=T0), runs(started=T0 + timedelta(days=10))
    a.add(old, recent)
    with open_store(str(a.db)) as store:
        now = T0 + timedelta(days=12)
        report = sync_store(store, a.root, environ=a.env, prune=Prune(max_age_days=5), now=now)
    assert report.pushed == (recent.id,)
    assert remote.files() == [PRUNED_FILE, run_path(recent)]


def test_the_remote_is_reached_as_the_checkout_reaches_it(clone, remote, runs, tmp_path):
    """Settings the checkout gets from a conditional include (actions/checkout keeps its credentials
    in a file included with ``includeIf "gitdir:..."``) count, though sync works in another repository."""
    a = clone("a")
    extra = tmp_path / "extra.config"
    extra.write_text(f'[remote "data"]\n\turl = {remote.path}\n')
    a.git("config", f"includeIf.gitdir:{a.root}/.git.path", str(extra))
    r = runs()
    a.add(r)
    res = a.perfgate_here("sync", "--remote", "data")
    assert res.code == 0, res.stderr
    assert remote.files() == [run_path(r)]


def test_only_the_projects_runs_are_pushed_and_the_others_are_counted(clone, remote, runs):
    a = clone("a")
    mine, other = runs(project="demo"), runs(project="elsewhere")
    a.add(mine, other)
    res = a.perfgate_here("sync")
    assert res.code == 0, res.stderr
    assert "pushed 1" in res.stderr and "1 run(s) of other projects than 'demo' left out" in res.stderr
    assert remote.files() == [run_path(mine)]


def test_no_push_with_pruning_is_refused(clone):
    res = clone("a").perfgate_here("sync", "--no-push", "--keep", "3")
    assert res.code == 2
    assert "drop --no-push" in res.stderr


def test_credentials_in_a_remote_url_are_never_printed(clone, runs):
    a = clone("a")
    a.add(runs())
    res = a.perfgate_here("sync", "--remote", "http://ci-user:s3cr3t-t0ken@127.0.0.1:9/data.git")
    assert res.code == 2
    assert "s3cr3t" not in res.stderr and "ci-user" not in res.stderr
    assert res.stderr.startswith("perfgate sync: error: ")
    assert len(res.stderr.splitlines()) == 1


def test_a_remote_the_checkout_does_not_know_is_an_error_naming_it(clone):
    res = clone("a").perfgate_here("sync", "--remote", "nowhere")
    assert res.code == 2
    assert "nowhere" in res.stderr and len(res.stderr.splitlines()) == 1
