"""``perfgate history`` and ``perfgate runs``: what the store holds, read without measuring."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, NamedTuple

from perfgate import context
from perfgate.app.workspace import Workspace
from perfgate.errors import ContextError, NotFoundError, UsageError
from perfgate.model import Series
from perfgate.store.fastread import open_reader

if TYPE_CHECKING:
    from perfgate.model import RunInfo
    from perfgate.store import RunStore
    from perfgate.store.base import SeriesSource

__all__ = ["History", "benchmark_matches", "history", "list_runs"]


def list_runs(
    ws: Workspace,
    *,
    branch: str | None = None,
    commit: str | None = None,
    testbed: str | None = None,
    tier: str | None = None,
    limit: int | None = 20,
    store: RunStore | None = None,
) -> list[RunInfo]:
    """``perfgate runs``: stored runs of this project, newest first (from ``store`` when given, else
    from the workspace's, which must exist)."""
    with ws.use(store) as s:
        return s.list_runs(
            project=ws.config.project, branch=branch, commit=commit, testbed=testbed, tier=tier, limit=limit
        )


class History(NamedTuple):
    """``perfgate history``'s answer: the series, and how it was chosen (for the header).

    ``series.benchmark`` is the full id the query matched (``asked`` is what the user typed); the
    series' ``branch`` and ``tier`` are the filters applied (None: every one), ``defaults`` names those
    that were defaults. (A named tuple: a frozen dataclass costs ten times as much to define, and the
    history's start-up is its user's wait.)
    """

    series: Series
    asked: str
    defaults: tuple[str, ...]


def _current_branch(ws: Workspace) -> str:
    """The checked-out branch (on CI, the branch being built); the main branch without one."""
    try:
        git = context.git_info(ws.config.root, environ=ws.environ)
    except ContextError:
        git = None
    return git.branch if git is not None and git.branch else ws.config.main_branch


_SHOWN = 5


def _match_benchmark(store: SeriesSource, ws: Workspace, asked: str, metric: str) -> str:
    """The one stored benchmark id (with ``metric`` results) that ``asked`` names: the id itself, else
    the only id matching it as a glob (``*``, ``?``, ``[``) or containing it."""
    known = sorted({b for b, m in store.benchmarks(project=ws.config.project) if m == metric})
    hits = benchmark_matches(asked, known)
    if len(hits) == 1:
        return hits[0]
    if hits:
        shown = ", ".join(repr(h) for h in hits[:_SHOWN]) + (", ..." if len(hits) > _SHOWN else "")
        raise UsageError(
            f"{len(hits)} benchmarks with {metric} results match {asked!r}: {shown}; give more of the id"
        )
    hint = f"; known: {', '.join(known[:_SHOWN])}{' ...' if len(known) > _SHOWN else ''}" if known else ""
    raise NotFoundError(f"no {metric} results stored for {asked!r}{hint}")


def benchmark_matches(asked: str, known: Sequence[str]) -> list[str]:
    """The ids of ``known`` that ``asked`` names: itself when it is one of them, else those matching it
    as a glob (``*``, ``?``, ``[``), else those containing it (``perfgate history``, ``bisect``)."""
    if asked in known:
        return [asked]
    if any(c in asked for c in "*?["):
        return [b for b in known if fnmatch.fnmatchcase(b, asked)]
    return [b for b in known if asked in b]


@contextmanager
def _series_source(ws: Workspace, store: RunStore | None) -> Iterator[SeriesSource]:
    """What ``perfgate history`` reads: ``store`` when given; else the workspace's store, a SQLite file
    of the current schema read with the standard library's ``sqlite3`` alone (no SQLAlchemy to import),
    or any other store opened the normal way (which upgrades an older schema, or says what is wrong)."""
    if store is None:
        reader = open_reader(ws.url)
        if reader is not None:
            with reader:
                yield reader
            return
    with ws.use(store) as s:
        yield s


def history(
    ws: Workspace,
    benchmark: str,
    *,
    metric: str = "time",
    branch: str | None = None,
    testbed: str | None = None,
    tier: str | None = None,
    all_branches: bool = False,
    all_tiers: bool = False,
    limit: int | None = 50,
    store: RunStore | None = None,
) -> History:
    """``perfgate history``: one benchmark's series, oldest first (the most recent ``limit`` points).

    ``benchmark`` is the full id, or a unique substring or glob of it. Without ``branch`` the series
    is the current branch's (else the main branch's) unless ``all_branches``; without ``tier`` it is
    the configured default tier's (when one is configured) unless ``all_tiers``: re-runs on other
    branches or tiers are other series, and mixing them would look like changes. ``store`` is an open
    store to read (else the workspace's, which must exist).
    """
    if store is None:
        ws.require_store()
    defaults = []
    if branch is None and not all_branches:
        branch = _current_branch(ws)
        defaults.append("branch")
    if tier is None and not all_tiers and ws.config.default_tier is not None:
        tier = ws.config.default_tier
        defaults.append("tier")
    filters = {"testbed": testbed, "branch": branch, "project": ws.config.project, "tier": tier}
    with _series_source(ws, store) as s:
        # the exact id first (an index lookup); only an id with no points is matched against them all
        name = benchmark
        series = s.series(name, metric, **filters, limit=limit or None)
        if not series:
            name = _match_benchmark(s, ws, benchmark, metric)
            if name != benchmark:
                series = s.series(name, metric, **filters, limit=limit or None)
    if not series:
        where = [f"{k} {v!r}" for k, v in (("branch", branch), ("tier", tier), ("testbed", testbed)) if v]
        hint = " (--all-branches, --all-tiers widen it)" if defaults else ""
        scope = f" for {', '.join(where)}" if where else ""
        raise NotFoundError(f"no {metric} results of {name!r}{scope}{hint}")
    return History(series, benchmark, tuple(defaults))
