"""The baseline policy: which stored runs a run is compared with, and the runs a spec names."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from perfgate import context
from perfgate.app.workspace import Workspace
from perfgate.errors import AmbiguousError, ContextError, NotFoundError
from perfgate.gate import shard_of
from perfgate.model import Run, RunStatus
from perfgate.model.baselines import BaselineKey, current_baseline
from perfgate.stats import RunSpread, history_spreads

if TYPE_CHECKING:
    from perfgate.store import RunStore

__all__ = [
    "HISTORY_RUNS",
    "OWN_COMMIT_ONLY",
    "Baseline",
    "earlier_runs",
    "resolve_run",
    "resolve_runs",
    "select_baseline",
    "testbed_spreads",
    "with_history",
]


@dataclass(frozen=True, slots=True)
class Baseline:
    runs: tuple[Run, ...]
    description: str  # for people: "3 latest runs on main", "merge-base abc1234", ...
    # Earlier runs of the testbed on the main branch (newest first): its run-to-run noise model.
    history: tuple[Run, ...] = ()


HISTORY_RUNS = 30

OWN_COMMIT_ONLY = (
    "no baseline: only runs of this same commit are stored, and a commit's runs are never its baseline "
    "(a re-run must not pass what the first run failed); `--baseline RUN` compares with one of them"
)


def with_history(
    store: RunStore, ws: Workspace, run: Run, baseline: Baseline, *, limit: int = HISTORY_RUNS
) -> Baseline:
    """``baseline`` with the latest ``limit`` runs on the main branch of ``run``'s project, testbed and
    tier as its ``history`` (any branch's without git), never ``run`` itself nor a run of its commit.

    Their successive differences measure the run-to-run spread the machine really has, against which
    a baseline of one or two runs, or one value per run, is judged (``docs/statistics.md``).
    """
    main = ws.config.baseline.branch or ws.config.main_branch
    if run.ci is not None and run.ci.base_ref:
        main = run.ci.base_ref
    commit = run.git.commit if run.git is not None else None
    runs = store.latest_runs(
        branch=main if run.git is not None else None,
        testbed=run.environment.testbed,
        tier=run.tier,
        project=run.project,
        limit=limit + 10,  # room for re-runs of this commit, left out below
        exclude_id=run.id,
    )
    kept = [
        r for r in runs if (commit is None or r.git is None or r.git.commit != commit) and shard_of(r) is None
    ]
    return replace(baseline, history=tuple(kept[:limit]))


def testbed_spreads(
    ws: Workspace,
    testbed: str,
    tier: str | None,
    *,
    limit: int = HISTORY_RUNS,
    store: RunStore | None = None,
) -> dict[tuple[str, str], RunSpread]:
    """Per (benchmark, metric), the run-to-run spread of ``testbed`` and ``tier`` as the gate measures
    it (:func:`with_history`, :func:`perfgate.stats.history_spreads`): over the latest ``limit`` runs
    of the project's main branch there, shard runs left out. ``perfgate detect`` and the dashboard
    give it to the change-point detection as a floor under a series' own noise."""
    main = ws.config.baseline.branch or ws.config.main_branch
    with ws.use(store) as s:
        runs = s.latest_runs(branch=main, testbed=testbed, tier=tier, project=ws.config.project, limit=limit)
    series: dict[tuple[str, str], list[float]] = {}
    for run in runs:  # newest first
        if shard_of(run) is not None:
            continue
        for r in run.results:
            if r.error is None and r.summary is not None:
                series.setdefault(r.key, []).append(r.summary.median)
    return history_spreads(series)


def select_baseline(store: RunStore, ws: Workspace, run: Run, *, explicit: str | None = None) -> Baseline:
    """The runs ``run`` is compared with.

    1. ``explicit`` (``--baseline``) or the configuration's pinned run: a run id, or a git ref whose
       stored runs are used;
    2. on a pull request / a branch other than the main branch: the runs stored for the merge-base with
       the main branch, when there are any;
    3. the most recent runs on the main branch (same project, testbed and tier);
    4. failing that, the most recent runs on the current branch (or any, without git).
    Always excluding ``run`` itself; in 2-4 also runs of ``run``'s own commit and of commits git knows
    are not its ancestors (see :func:`earlier_runs`), so a re-run of a commit gets the baseline its
    first run got, never that first run.
    """
    cfg = ws.config
    limit = cfg.baseline.runs
    spec = explicit or cfg.baseline.pin
    if spec:
        runs = [r for r in resolve_runs(store, ws, spec, limit=limit, exclude_id=run.id) if r.id != run.id]
        if not runs:
            raise NotFoundError(f"baseline {spec!r}: no stored run other than the current one")
        return Baseline(tuple(runs[:limit]), f"{spec}")
    main = cfg.baseline.branch or cfg.main_branch
    note = ""
    if cfg.baseline.mode == "managed":
        key = BaselineKey(run.project, main, run.environment.testbed, run.tier)
        managed = current_baseline(store.baseline_events(key))
        if managed is not None:
            ids = [i for i in managed.new_runs if i != run.id]
            if ids:
                chosen = tuple(store.get_run(i) for i in ids)
                return Baseline(chosen, f"managed baseline (event {managed.id}, {managed.reason_code})")
        note = " (no managed baseline yet: `perfgate baseline set`)"
    branch = run.git.branch if run.git else None
    if run.ci is not None and run.ci.base_ref:
        main = run.ci.base_ref
    if run.git is not None and branch != main:
        mb = None
        for ref in (f"origin/{main}", main):
            try:
                mb = context.merge_base(cfg.root, run.git.commit, ref)
            except ContextError:
                mb = None
            if mb:
                break
        if mb:
            runs = _earlier_of_commit(store, ws, run, mb, limit)
            if runs:
                return Baseline(tuple(runs), f"merge-base {mb[:8]} with {main}")
    # Then the latest runs on the main branch; on another branch with none there, that branch's own;
    # without git, any branch's.
    candidates: list[tuple[str | None, str]] = [(main, f"on {main}")]
    if branch is not None and branch != main:
        candidates.append((branch, f"on {branch} (none on {main})"))
    if run.git is None:
        candidates.append((None, "without git"))
    for on_branch, where in candidates:
        runs = _latest_earlier(store, ws, run, on_branch, limit)
        if runs:
            return Baseline(tuple(runs), f"latest {len(runs)} run(s) {where}{note}")
    if run.git is not None and _has_other_runs_of_commit(store, run):
        return Baseline((), OWN_COMMIT_ONLY)
    return Baseline((), "none")


def _has_other_runs_of_commit(store: RunStore, run: Run) -> bool:
    assert run.git is not None
    try:
        same = store.list_runs(
            commit=run.git.commit,
            testbed=run.environment.testbed,
            tier=run.tier,
            project=run.project,
            limit=2,
        )
    except NotFoundError:
        return False
    return any(r.id != run.id for r in same)


def _same_commit(a: str, b: str) -> bool:
    """Two shas name the same commit (either may be an abbreviation of at least 7 characters)."""
    n = min(len(a), len(b))
    return n >= 7 and a[:n].lower() == b[:n].lower()


def earlier_runs(
    ws: Workspace, run: Run, candidates: Iterable[Run], *, limit: int | None = None
) -> list[Run]:
    """The ``candidates`` that may be ``run``'s baseline, in their order (at most ``limit``; an iterator
    of candidates is not consumed beyond the last one taken).

    Never ``run`` itself; never a run the harness reported failed (what it lacks is no baseline), nor
    one shard's run (``perfgate run --shard``: part of the suite; ``perfgate merge`` makes the whole);
    never a run of ``run``'s own commit (a retried CI job would otherwise be judged against the run it
    retries, and pass); never a run of a commit that git knows is not an ancestor of ``run``'s (a
    later commit, another branch). The one exception: a run of a dirty work tree may be compared with
    clean runs of its commit, since its code is not that commit's. A commit git does not know (a
    shallow clone, results ingested for another repository) cannot be judged and is kept.
    """
    out: list[Run] = []
    ancestor: dict[str, bool] = {}
    if limit is not None and limit <= 0:
        return out
    for r in candidates:
        if _may_be_baseline(ws, run, r, ancestor):
            out.append(r)
            if limit is not None and len(out) >= limit:
                break
    return out


def _may_be_baseline(ws: Workspace, run: Run, r: Run, ancestor: dict[str, bool]) -> bool:
    """:func:`earlier_runs`' rules for one candidate ``r`` (``ancestor`` caches git's answers)."""
    head = run.git
    if r.id == run.id or r.status is RunStatus.FAILED or shard_of(r) is not None:
        return False
    if head is None or r.git is None:
        return True
    sha = r.git.commit
    if _same_commit(sha, head.commit):
        return head.dirty and not r.git.dirty
    if sha not in ancestor:
        try:
            ancestor[sha] = context.is_ancestor(ws.config.root, sha, head.commit)
        except ContextError:
            ancestor[sha] = True  # unknown here: cannot tell, keep (as before ancestry was checked)
    return ancestor[sha]


def _latest_earlier(store: RunStore, ws: Workspace, run: Run, branch: str | None, limit: int) -> list[Run]:
    """The newest ``limit`` runs of ``branch`` (None: any) that may be ``run``'s baseline."""
    bed, tier, project = run.environment.testbed, run.tier, run.project
    n = max(4 * limit, 16)
    while True:
        fetched = store.latest_runs(
            branch=branch, testbed=bed, tier=tier, project=project, limit=n, exclude_id=run.id
        )
        runs = earlier_runs(ws, run, fetched, limit=limit)
        if len(runs) >= limit or len(fetched) < n or n >= 4096:
            return runs
        n *= 4


def _earlier_of_commit(store: RunStore, ws: Workspace, run: Run, sha: str, limit: int) -> list[Run]:
    """The newest ``limit`` runs of commit ``sha`` (``run``'s project, testbed and tier) that may be
    ``run``'s baseline: the commit's runs are listed, and each read only when it is needed."""
    bed, tier, project = run.environment.testbed, run.tier, run.project
    infos = store.list_runs(commit=sha, testbed=bed, tier=tier, project=project)
    return earlier_runs(ws, run, (store.get_run(i.id) for i in infos), limit=limit)


def resolve_runs(
    store: RunStore,
    ws: Workspace,
    spec: str,
    *,
    limit: int | None = None,
    exclude_id: str | None = None,
) -> list[Run]:
    """Runs named by ``spec``: a run id (or unique prefix), else a git ref's stored runs (newest first).

    For a git ref the store lists the commit's runs and only the newest ``limit`` of them (leaving out
    ``exclude_id``) are read: a commit with a hundred stored runs costs one listing and ``limit``
    runs, not a hundred runs in full. A ref whose only run is ``exclude_id`` gives no runs.
    """
    try:
        return [store.get_run(spec)]
    except AmbiguousError:
        raise
    except NotFoundError as not_a_run:
        try:
            sha = context.resolve_ref(ws.config.root, spec)
        except ContextError:
            raise NotFoundError(f"no run or git ref matches {spec!r}") from not_a_run
        wanted = None if limit is None else limit + (exclude_id is not None)
        infos = store.list_runs(commit=sha, limit=wanted)
        if not infos:
            raise NotFoundError(f"no run stored for {spec!r} (commit {sha[:12]})") from not_a_run
        ids = [i.id for i in infos if i.id != exclude_id][:limit]
        return [store.get_run(i) for i in ids]


def resolve_run(store: RunStore, ws: Workspace, spec: str, *, tier: str | None = None) -> Run:
    """The one run ``spec`` names: a run id (or unique prefix), else the newest stored run of a git ref
    (of ``tier`` when given; a run id is taken as it is).

    Only that run is read: a commit with a hundred stored runs costs one listing and one run, not a
    hundred runs in full.
    """
    try:
        return store.get_run(spec)
    except AmbiguousError:
        raise
    except NotFoundError as not_a_run:
        try:
            sha = context.resolve_ref(ws.config.root, spec)
        except ContextError:
            raise NotFoundError(f"no run or git ref matches {spec!r}") from not_a_run
        newest = store.list_runs(commit=sha, tier=tier, limit=1)
        if newest:
            return store.get_run(newest[0].id)
        stored = store.list_runs(commit=sha)
        if not stored:
            raise NotFoundError(f"no run stored for {spec!r} (commit {sha[:12]})") from not_a_run
        tiers = ", ".join(sorted({r.tier or "(none)" for r in stored}))
        raise NotFoundError(
            f"no run of tier {tier!r} stored for {spec!r} (commit {sha[:12]}; its tiers: {tiers})"
        ) from not_a_run
