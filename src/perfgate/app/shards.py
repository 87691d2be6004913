"""``perfgate merge``: the shards' run documents (``perfgate run --shard K/N --export FILE``) as one run,
stored and judged once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from perfgate import context
from perfgate.app.baseline import select_baseline, with_history
from perfgate.app.ingest import run_document
from perfgate.app.judge import gate_run
from perfgate.app.workspace import Workspace
from perfgate.errors import InputError
from perfgate.gate import Outcome, merge_shards
from perfgate.model import Run, new_run_id

if TYPE_CHECKING:
    from perfgate.store import RunStore

__all__ = ["merge_files"]


def _shard_document(path: Path) -> Run:
    run = run_document(path, "perfgate")
    if run is None:
        raise InputError(
            f"{path}: not a perfgate run document (`perfgate run --shard K/N --export FILE` writes one)"
        )
    return run


def merge_files(
    ws: Workspace,
    paths: Sequence[Path],
    *,
    tier: str | None = None,
    store_run: bool = True,
    threshold: float | None = None,
    store: RunStore | None = None,
) -> Outcome:
    """``perfgate merge``: the shards' run documents (``perfgate run --shard K/N --export FILE``) as one
    run, stored (``store_run``) and judged once, as ``perfgate run`` judges an unsharded run.

    Nothing is stored when a file is bad or the shards do not belong together
    (:func:`perfgate.gate.merge_shards`).
    """
    if tier is not None:
        ws.config.tier(tier)  # an unknown tier is a configuration error, said as one
    shards = [(str(p), _shard_document(p)) for p in paths]
    merged = merge_shards(shards, run_id=new_run_id(), tier=tier)
    run = context.redact_run(merged.run, ws.redactor())
    with ws.use(store, write=True) as s:
        if store_run:
            s.add_run(run)
        base = with_history(s, ws, run, select_baseline(s, ws, run))
    outcome = gate_run(ws, run, base, threshold=threshold, stored=store_run)
    return replace(outcome, notes=(*outcome.notes, *merged.notes))
