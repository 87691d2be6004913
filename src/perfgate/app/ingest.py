"""``perfgate ingest``: other harnesses' output (and perfgate's own documents) as runs, gated or not."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from perfgate import context
from perfgate.app.baseline import resolve_runs, select_baseline, with_history
from perfgate.app.judge import build_run, gate_run
from perfgate.app.workspace import Workspace
from perfgate.errors import ContextError, ParseError, UsageError
from perfgate.gate import SUBSET_TAG, Outcome
from perfgate.model import Environment, GitInfo, ResultsDoc, Run, utcnow

if TYPE_CHECKING:
    from perfgate.store import RunStore

__all__ = ["ingest_gate", "ingest_paths", "run_document"]


def run_document(path: Path, fmt: str = "auto") -> Run | None:
    """The Run a perfgate run document (``perfgate export``) holds, as it is; None for any other input.

    The adapter registry decides what ``path`` is (by content, as for every input; gzip and a BOM are
    no obstacle), and perfgate's own adapter reads it (``fmt`` ``"perfgate"`` skips the detection).
    An input no adapter, or several, claim is None here: :func:`ingest_paths` reports it.
    """
    from perfgate.adapters.perfgate_json import PerfgateAdapter
    from perfgate.adapters.registry import detect, get

    if fmt not in ("auto", "perfgate") or not path.is_file():
        return None
    try:
        adapter = detect(path) if fmt == "auto" else get("perfgate")
    except ParseError:
        return None
    if not isinstance(adapter, PerfgateAdapter):
        return None
    found = adapter.load(path)
    return found if isinstance(found, Run) else None


def _ingest_git(
    ws: Workspace, live: GitInfo | None, commit: str | None, branch: str | None
) -> GitInfo | None:
    """The git context of ingested results: the checkout's, unless the files or flags name another."""
    if commit is None:
        if branch is None:
            return live
        if live is None:
            raise UsageError("--branch needs a commit: run inside a git repository or pass --commit")
        return replace(live, branch=branch)
    if live is not None and live.commit.startswith(commit):
        return replace(live, branch=branch or live.branch)
    try:
        full = context.resolve_ref(ws.config.root, commit)
    except ContextError:
        return GitInfo(commit=commit, branch=branch)
    times = context.commit_times(ws.config.root, [full])
    return GitInfo(commit=full, branch=branch, commit_time=times.get(full))


def ingest_paths(
    ws: Workspace,
    paths: Sequence[Path],
    *,
    fmt: str = "auto",
    commit: str | None = None,
    branch: str | None = None,
    tier: str | None = None,
    project: str | None = None,
    names: Sequence[str] = (),
) -> Run:
    """A Run from result files: a perfgate run document alone as it is, else one new run of what every
    file holds (any adapter's format, perfgate's own documents included: the shards of one suite).

    ``names[i]`` names the one benchmark of ``paths[i]`` (``--name``: a load test's scenario)."""
    as_is = run_document(Path(paths[0]), fmt) if len(paths) == 1 else None
    if as_is is not None:
        if commit or branch or tier or project or names:
            raise UsageError(
                "--commit/--branch/--tier/--project/--name do not apply to a perfgate run document"
            )
        return context.redact_run(as_is, ws.redactor())
    from perfgate.adapters.registry import parse_inputs

    parsed = parse_inputs(list(paths), fmt, names)
    live_git, ci, env = ws.context()
    if parsed.environment:
        hints = dict(parsed.environment)
        fields = set(Environment.__dataclass_fields__) - {"extra", "testbed", "fingerprint"}
        known = {k: hints.pop(k) for k in list(hints) if k in fields}
        env = replace(env, **known, extra={**env.extra, **hints})
    git = _ingest_git(ws, live_git, commit or parsed.commit, branch or parsed.branch)
    doc = ResultsDoc(
        started=parsed.started or utcnow(), finished=None, status=parsed.status, results=parsed.results
    )
    run = build_run(ws, doc, tier=tier, source=parsed.source, git=git, ci=ci, environment=env)
    return replace(run, project=project) if project else run


def ingest_gate(
    ws: Workspace,
    paths: Sequence[Path],
    *,
    fmt: str = "auto",
    commit: str | None = None,
    branch: str | None = None,
    tier: str | None = None,
    project: str | None = None,
    baseline: str | None = None,
    threshold: float | None = None,
    subset: bool = False,
    names: Sequence[str] = (),
    store: RunStore | None = None,
) -> Outcome:
    """``perfgate ingest --gate``: store the results as a run, then judge it as ``perfgate run`` judges
    its own: the same baseline policy (:func:`~perfgate.app.baseline.select_baseline`), thresholds and
    exit code. ``store`` is an open store to use (else the workspace's is opened once).

    Nothing is stored when the files are bad, or when ``baseline`` names no stored run.
    """
    run = ingest_paths(
        ws, paths, fmt=fmt, commit=commit, branch=branch, tier=tier, project=project, names=names
    )
    if subset and SUBSET_TAG not in run.tags:
        run = replace(run, tags=(*run.tags, SUBSET_TAG))
    if baseline is not None and store is None:
        ws.require_store(f"baseline {baseline!r}")
    with ws.use(store, write=True) as s:
        if baseline is not None:
            resolve_runs(s, ws, baseline, limit=1)  # a bad --baseline is refused before anything is stored
        s.add_run(run)
        base = with_history(s, ws, run, select_baseline(s, ws, run, explicit=baseline))
    return gate_run(ws, run, base, threshold=threshold)
