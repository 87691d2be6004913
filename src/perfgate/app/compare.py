"""``perfgate compare``, ``show`` and ``export``: runs named by a file, a run id or a git ref."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from perfgate import context
from perfgate.app.baseline import Baseline, resolve_run
from perfgate.app.ingest import ingest_paths
from perfgate.app.judge import gate_run
from perfgate.app.workspace import Workspace
from perfgate.errors import ContextError, InputError, NotFoundError, UsageError
from perfgate.gate import SUBSET_TAG, Outcome
from perfgate.gcpause import gc_paused
from perfgate.model import Run

if TYPE_CHECKING:
    from perfgate.store import RunStore

__all__ = ["compare_specs", "load_spec"]


def load_spec(
    ws: Workspace,
    spec: str,
    *,
    fmt: str = "auto",
    tier: str | None = None,
    store: RunStore | None = None,
) -> Run:
    """One Run from a file (any supported format) or a run id / git ref in the store (of ``tier``).

    A spec that looks like a path (it has a suffix or a separator, as ``missing.json`` or
    ``out/bench``) and names neither a file, a run nor a git ref is reported as a missing file.
    ``store`` is an open store to read (else the workspace's is opened, only when ``spec`` is no file).
    """
    p = Path(spec)
    if p.exists():
        return ingest_paths(ws, [p], fmt=fmt)
    try:
        with ws.use(store, what=f"{spec!r} is neither a file nor a run") as s:
            return resolve_run(s, ws, spec, tier=tier)
    except NotFoundError as exc:
        if _looks_like_path(spec) and not _is_git_ref(ws, spec):
            raise InputError(f"{spec}: no such file (nor a stored run id or a git ref)") from exc
        raise


def _looks_like_path(spec: str) -> bool:
    return "/" in spec or os.sep in spec or bool(Path(spec).suffix)


def _is_git_ref(ws: Workspace, spec: str) -> bool:
    try:
        context.resolve_ref(ws.config.root, spec)
    except ContextError:
        return False
    return True


def compare_specs(
    ws: Workspace,
    base: str,
    head: str,
    *,
    fmt: str = "auto",
    threshold: float | None = None,
    tier: str | None = None,
    subset: bool = False,
    store: RunStore | None = None,
) -> Outcome:
    """``perfgate compare A B``: B judged against A (files, run ids or git refs).

    ``subset``: B is a deliberate subset of A's benchmarks (what it lacks does not fail the gate).

    A git ref stands for its newest stored run of one tier: ``tier``, else the head run's tier (when
    B is a run id or a file), else the configuration's ``default_tier`` when the ref has runs of it,
    else its newest run's. Both sides are of one tier: a fast-tier run is never judged against a
    slow-tier one. ``store`` is an open store to read; else the workspace's is opened once, and only
    when a side is not a file.
    """
    with gc_paused():  # (10,000s of acyclic values: see gc_paused)
        return _compare_specs(ws, base, head, fmt, threshold, tier, subset, store)


def _compare_specs(
    ws: Workspace,
    base: str,
    head: str,
    fmt: str,
    threshold: float | None,
    tier: str | None,
    subset: bool,
    store: RunStore | None,
) -> Outcome:
    if tier is not None:
        ws.config.tier(tier)  # an unknown tier is a configuration error, said as one
    pair = _read_by_id(ws, base, head) if store is None else None
    if pair is not None:
        a, b = pair
    else:
        with _reader(ws, store, (base, head)) as s:
            b = _load_in_tier(ws, head, fmt, tier, s)
            a = _load_in_tier(ws, base, fmt, tier or b.tier, s)
    if subset and SUBSET_TAG not in b.tags:
        b = replace(b, tags=(*b.tags, SUBSET_TAG))
    if a.id == b.id:
        raise UsageError(f"both sides are the same run {a.id}")
    if a.tier != b.tier and a.tier is not None and b.tier is not None:
        raise UsageError(
            f"run {a.id[:10]} is of tier {a.tier!r} and run {b.id[:10]} of tier {b.tier!r}: "
            "runs of different tiers are not comparable (give --tier, or two runs of one tier)"
        )
    return gate_run(ws, b, Baseline((a,), f"run {a.id[:10]}"), threshold=threshold)


def _read_by_id(ws: Workspace, base: str, head: str) -> tuple[Run, Run] | None:
    """(A, B) when both name stored runs by id (or unique id prefix) in a SQLite store of the current
    schema, read with the standard library's ``sqlite3`` alone (no SQLAlchemy to import); else None,
    and the runs are read the normal way (files, git refs, other stores, and every error said as
    before). A run id names its run in every tier, as :func:`resolve_run` takes it."""
    if Path(base).exists() or Path(head).exists() or not ws.has_store():
        return None
    from perfgate.store.fastread import open_reader  # (comparing two files imports no store)

    reader = open_reader(ws.url)
    if reader is None:
        return None
    with reader:
        try:
            b = reader.get_run(head)
            a = reader.get_run(base)
        except NotFoundError:  # (a git ref, a missing or ambiguous id: the normal way says which)
            return None
    return a, b


@contextmanager
def _reader(ws: Workspace, store: RunStore | None, specs: tuple[str, ...]) -> Iterator[RunStore | None]:
    """``store``, else the workspace's opened once to read when a spec is not a file and a store
    exists (else None: :func:`load_spec` then says what is missing)."""
    if store is not None or all(Path(s).exists() for s in specs) or not ws.has_store():
        yield store
        return
    with ws.use(None) as s:
        yield s


def _load_in_tier(ws: Workspace, spec: str, fmt: str, tier: str | None, store: RunStore | None) -> Run:
    """:func:`load_spec` in ``tier``; without one, in the default tier when the ref has runs of it
    (else its newest run, of whatever tier)."""
    if tier is not None:
        return load_spec(ws, spec, fmt=fmt, tier=tier, store=store)
    if ws.config.default_tier is not None:
        try:
            return load_spec(ws, spec, fmt=fmt, tier=ws.config.default_tier, store=store)
        except NotFoundError:
            pass
    return load_spec(ws, spec, fmt=fmt, store=store)
