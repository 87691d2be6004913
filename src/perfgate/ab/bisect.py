"""``perfgate bisect``: the commit between a good and a bad one that made a benchmark slower.

The commits after ``good`` up to ``bad`` (bad's first-parent line, oldest first) are searched as
``git bisect`` does: ``bad`` is judged first (no regression there, nothing to search), then the middle of
the range still in doubt, about log2(n) steps in all. Each step judges one commit against ``good``
itself, never against the last commit found good: every step then answers the same question ("is this
commit slower than good by more than the threshold?"), and a slowdown made of several small steps is
still found where it first crosses the threshold.

A step is judged from the store when it can be (a run of the commit and one of ``good`` on this testbed
and tier, both holding the benchmark), else measured with :func:`perfgate.ab.run_ab`: ``good`` and the
commit interleaved in two git worktrees, judged on paired episodes. An inconclusive step is measured
again once with twice the time and episodes; still inconclusive, or failed, or missing at that commit,
it is **skipped** as ``git bisect skip`` does: the search goes on around it, and when only skipped
commits are left between the last good and the first bad commit, the answer is that range.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Generic, TypeVar

from perfgate import context
from perfgate.ab.run import DEFAULT_EPISODES, DEFAULT_MAX_TIME, run_ab
from perfgate.app import Baseline, Workspace, benchmark_matches, gate_run
from perfgate.errors import NotFoundError, UsageError
from perfgate.gate import evaluate
from perfgate.model import Run, Status, Verdict
from perfgate.stats import CompareSettings
from perfgate.store import Store

__all__ = [
    "BISECT_TAG",
    "BisectResult",
    "Commit",
    "Mark",
    "Search",
    "Step",
    "bisect_commits",
    "run_bisect",
]

#: The tag of the runs a bisect step stores (besides ``ab``).
BISECT_TAG = "bisect"
_SHOWN = 5

T = TypeVar("T")


class Mark(enum.StrEnum):
    """A step's answer, as ``git bisect`` takes it."""

    GOOD = "good"  # not slower than good (unchanged or faster)
    BAD = "bad"  # slower than good beyond the threshold
    SKIP = "skip"  # cannot be judged: inconclusive twice, failed or missing there


@dataclass(frozen=True, slots=True)
class Search(Generic[T]):
    """What :func:`bisect_commits` found.

    ``suspects``: the commits the regression came in with, oldest first: one (the culprit) when the
    search closed in on it, several when skipped commits stand between the last good and the first bad
    one, none when ``bad`` was not judged bad. ``judged``: every step in the order taken.
    """

    suspects: tuple[T, ...]
    judged: tuple[tuple[T, Mark], ...]

    @property
    def culprit(self) -> T | None:
        return self.suspects[0] if len(self.suspects) == 1 else None


def _nearest(lo: int, hi: int, skipped: set[int]) -> int | None:
    """The index strictly between ``lo`` and ``hi`` closest to their middle that is not skipped."""
    mid = (lo + hi) // 2
    for d in range(hi - lo):
        for i in (mid - d, mid + d):
            if lo < i < hi and i not in skipped:
                return i
    return None


def bisect_commits(commits: Sequence[T], judge: Callable[[T], Mark]) -> Search[T]:
    """Binary search of ``commits`` (oldest first, the last one is ``bad``; ``good`` is before the
    first) for the first one ``judge`` marks bad. ``judge`` is called on ``bad`` first; when that is not
    bad, nothing else is judged. A skipped commit is stepped around, the nearest to the middle instead.
    """
    if not commits:
        return Search((), ())
    judged: list[tuple[T, Mark]] = []

    def ask(i: int) -> Mark:
        mark = judge(commits[i])
        judged.append((commits[i], mark))
        return mark

    if ask(len(commits) - 1) is not Mark.BAD:
        return Search((), tuple(judged))
    lo, hi = -1, len(commits) - 1  # lo: the last known good (-1: good itself); hi: the first known bad
    skipped: set[int] = set()
    while (i := _nearest(lo, hi, skipped)) is not None:
        mark = ask(i)
        if mark is Mark.BAD:
            hi = i
        elif mark is Mark.GOOD:
            lo = i
        else:
            skipped.add(i)
    return Search(tuple(commits[lo + 1 : hi + 1]), tuple(judged))


@dataclass(frozen=True, slots=True)
class Commit:
    sha: str
    subject: str

    @property
    def short(self) -> str:
        return self.sha[:8]


@dataclass(frozen=True, slots=True)
class Step:
    """One commit judged: its mark, the comparison with good behind it, and where that came from
    (``measured``, ``measured again`` after an inconclusive first look, or ``store``)."""

    commit: Commit
    mark: Mark
    verdict: Verdict | None
    source: str
    run_id: str | None = None
    note: str | None = None  # why a step was skipped


@dataclass(frozen=True, slots=True)
class BisectResult:
    """``perfgate bisect``'s answer (see :class:`Search` for ``suspects``)."""

    benchmark: str
    metric: str
    good: Commit
    bad: Commit
    commits: int  # how many commits after good, up to bad, were in doubt
    suspects: tuple[Commit, ...]
    steps: tuple[Step, ...]

    @property
    def culprit(self) -> Commit | None:
        return self.suspects[0] if len(self.suspects) == 1 else None

    def step_of(self, commit: Commit) -> Step | None:
        """The last step that judged ``commit`` (the culprit's measured change)."""
        return next((s for s in reversed(self.steps) if s.commit == commit), None)

    @property
    def regressed(self) -> bool:
        """Whether ``bad`` was judged slower than ``good`` (else nothing was searched)."""
        return bool(self.suspects)


def _mark(v: Verdict | None) -> Mark:
    if v is None:
        return Mark.SKIP
    if v.status is Status.REGRESSION:
        return Mark.BAD
    if v.status in (Status.UNCHANGED, Status.IMPROVEMENT):
        return Mark.GOOD
    return Mark.SKIP


def _one(run: Run, name: str, metric: str) -> Run | None:
    """``run`` cut down to its result for (``name``, ``metric``), or None when it has none measured."""
    keep = [r for r in run.results if r.benchmark.name == name and r.metric == metric]
    if not keep or all(r.summary is None for r in keep):
        return None
    return replace(run, results=tuple(keep[:1]))


def _stored_runs(store: Store, ws: Workspace, sha: str, testbed: str, tier: str | None) -> list[Run]:
    return [
        r
        for r in store.runs_for_commit(sha, testbed=testbed, tier=tier)
        if r.project == ws.config.project and r.git is not None and r.git.commit == sha
    ]


def _same_session(a: Run, b: Run) -> bool:
    """Both runs come from one ``perfgate ab`` (interleaved, so their episodes pair up)."""
    return "ab" in a.tags and "ab" in b.tags and a.started == b.started and a.finished == b.finished


def judge_stored(
    ws: Workspace,
    store: Store,
    good: str,
    sha: str,
    name: str,
    metric: str,
    *,
    testbed: str,
    tier: str | None,
    threshold: float | None,
) -> tuple[Verdict, str] | None:
    """The verdict on commit ``sha`` against ``good`` from stored runs (and the current run's id), or
    None when either commit has no run with the benchmark on this testbed and tier.

    The commit's newest run is judged against its partner when both come from one ``perfgate ab``
    (paired episodes), else against every stored run of ``good`` (as ``perfgate compare`` would)."""
    cur = next((c for r in _stored_runs(store, ws, sha, testbed, tier) if (c := _one(r, name, metric))), None)
    if cur is None:
        return None
    base = [b for r in _stored_runs(store, ws, good, testbed, tier) if (b := _one(r, name, metric))]
    if not base:
        return None
    partner = next((b for b in base if _same_session(b, cur)), None)
    if partner is not None:
        policy = ws.config.policy(ws.config.tier(tier) if tier in ws.config.tiers else None)
        if threshold is not None:
            policy = policy.with_threshold(threshold)
        settings = CompareSettings(
            machine_shift="ignore", paired_blocks=True, severity_rules=ws.config.severity
        )
        outcome = evaluate(cur, [partner], policy, settings, [])
    else:
        outcome = gate_run(ws, cur, Baseline(tuple(base), f"{len(base)} run(s) of good"), threshold=threshold)
    v = next((v for v in outcome.verdicts if v.key == (name, metric)), None)
    return (v, cur.id) if v is not None else None


def _pick(asked: str, ids: Sequence[str]) -> str:
    hits = benchmark_matches(asked, ids)
    if len(hits) == 1:
        return hits[0]
    if hits:
        shown = ", ".join(repr(h) for h in hits[:_SHOWN]) + (", ..." if len(hits) > _SHOWN else "")
        raise UsageError(f"{len(hits)} benchmarks match {asked!r}: {shown}; give more of the id")
    listed = ", ".join(ids[:_SHOWN]) + (" ..." if len(ids) > _SHOWN else "")
    raise NotFoundError(f"no benchmark matches {asked!r} at good or bad (collected: {listed or 'none'})")


def _stored_name(ws: Workspace, asked: str, metric: str) -> str | None:
    """The one stored benchmark id ``asked`` names, if the store knows exactly one."""
    if not ws.has_store():
        return None
    with ws.store(create=False, readonly=True) as store:
        known = sorted({b for b, m in store.benchmarks(project=ws.config.project) if m == metric})
    hits = benchmark_matches(asked, known)
    return hits[0] if len(hits) == 1 else None


def run_bisect(
    ws: Workspace,
    *,
    good: str,
    bad: str,
    benchmark: str,
    metric: str = "time",
    tier: str | None = None,
    threshold: float | None = None,
    seed: int = 0,
    episodes: int = DEFAULT_EPISODES,
    use_store: bool = True,
    on_step: Callable[[int, int, Commit], object] | None = None,
    warn: Callable[[str], object] | None = None,
) -> BisectResult:
    """``perfgate bisect``: the commit after ``good``, up to ``bad``, that made ``benchmark`` slower in
    ``metric`` (see the module's docstring). ``on_step(k, expected, commit)`` is called before each step
    (for progress); measured steps are stored (tagged ``ab`` and ``bisect``), so a later bisect over the
    same commits reads them back."""
    root = ws.config.root
    if context.repo_root(root) is None:
        raise UsageError(f"perfgate bisect needs a git repository: {root} is not inside one")
    t = ws.config.tier(tier)
    tier_name = t.name if t is not None else None
    good_sha, bad_sha = context.resolve_ref(root, good), context.resolve_ref(root, bad)
    if good_sha == bad_sha:
        raise UsageError(f"good {good!r} and bad {bad!r} are the same commit {good_sha[:8]}")
    if not context.is_ancestor(root, good_sha, bad_sha):
        raise UsageError(f"good {good!r} ({good_sha[:8]}) is not an ancestor of bad {bad!r} ({bad_sha[:8]})")
    path = [Commit(sha, subject) for sha, subject in context.commit_path(root, good_sha, bad_sha)]
    good_c = Commit(good_sha, context.commit_subject(root, good_sha))
    testbed = ws.context()[2].testbed
    base_time = t.max_time if t is not None and t.max_time is not None else DEFAULT_MAX_TIME
    steps: list[Step] = []
    name: str | None = _stored_name(ws, benchmark, metric) if use_store else None
    expected = 1 + (len(path) - 1).bit_length()  # bad, then ceil(log2(n)) halvings

    def measure(c: Commit, scale: int) -> tuple[Verdict | None, str]:
        nonlocal name
        if metric != "time":
            raise UsageError(
                f"perfgate bisect measures time only; commit {c.short} has no stored {metric} results "
                f"of {name or benchmark!r} on testbed {testbed!r} to judge it by"
            )
        asked = name or benchmark
        found: list[str] = []

        def only(ids: Sequence[str]) -> Sequence[str]:
            found.append(_pick(asked, ids))
            return found[-1:]

        ab = run_ab(
            ws,
            base=good_sha,
            head=c.sha,
            tier=tier_name,
            threshold=threshold,
            seed=seed,
            episodes=episodes * scale,
            max_time=base_time * scale,
            only=only,
            tags=("ab", BISECT_TAG),
            warn=warn,
        )
        name = found[-1]
        v = next((v for v in ab.outcome.verdicts if v.key == (name, metric)), None)
        if v is not None and v.status is Status.NEW and c.sha == bad_sha:
            raise NotFoundError(
                f"{name!r} has no result at good {good!r} ({good_sha[:8]}): nothing to compare"
            )
        return v, ab.head.id

    def judge(c: Commit) -> Mark:
        if on_step is not None:
            on_step(len(steps) + 1, max(expected, len(steps) + 1), c)
        stored = None
        if use_store and name is not None and ws.has_store():
            with ws.store(create=False, readonly=True) as store:
                stored = judge_stored(
                    ws,
                    store,
                    good_sha,
                    c.sha,
                    name,
                    metric,
                    testbed=testbed,
                    tier=tier_name,
                    threshold=threshold,
                )
        if stored is not None and _mark(stored[0]) is not Mark.SKIP:
            steps.append(Step(c, _mark(stored[0]), stored[0], "store", stored[1]))
            return steps[-1].mark
        if stored is not None:  # inconclusive from the store: measure it, with more time
            v, run_id = measure(c, 2)
            source = "measured again"
        else:
            v, run_id = measure(c, 1)
            source = "measured"
            if v is not None and v.status is Status.INCONCLUSIVE:
                v, run_id = measure(c, 2)
                source = "measured again"
        mark = _mark(v)
        note = None
        if mark is Mark.SKIP:
            status = v.status.value if v is not None else "no result"
            note = f"{status}: {v.reason}" if v is not None and v.reason else status
        steps.append(Step(c, mark, v, source, run_id, note))
        return mark

    found = bisect_commits(path, judge)
    return BisectResult(
        benchmark=name or benchmark,
        metric=metric,
        good=good_c,
        bad=path[-1],
        commits=len(path),
        suspects=found.suspects,
        steps=tuple(steps),
    )
