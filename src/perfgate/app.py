"""What perfgate's commands do, as plain functions (the CLI parses arguments and calls these).

Every operation here is callable from Python and testable without a subprocess: it takes a
:class:`Workspace` (configuration, store location, environment variables) and returns values.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from perfgate import context
from perfgate.config import Config, Tier, is_url, load_config
from perfgate.errors import (
    AmbiguousError,
    ContextError,
    InputError,
    MeasureError,
    NotFoundError,
    UsageError,
)
from perfgate.gate import SUBSET_TAG, Outcome, Policy, evaluate
from perfgate.model import (
    CIInfo,
    Environment,
    GitInfo,
    Result,
    ResultsDoc,
    Run,
    RunInfo,
    RunStatus,
    Series,
    new_run_id,
    run_from_dict,
    utcnow,
)
from perfgate.stats import CompareSettings
from perfgate.store import Store, open_store

if TYPE_CHECKING:
    from perfgate.load import LoadSpec
    from perfgate.measure.command import CommandBenchmark, CommandMeasurement, CommandSpec
    from perfgate.measure.harness import HarnessSpec

OnCommandRun = Callable[["CommandBenchmark", int, "int | None"], None]

__all__ = [
    "Baseline",
    "History",
    "Workspace",
    "build_run",
    "command_specs",
    "command_suite",
    "compare_specs",
    "earlier_runs",
    "gate_run",
    "harness_specs",
    "history",
    "ingest_gate",
    "ingest_paths",
    "list_runs",
    "load_spec",
    "load_specs",
    "measure_commands",
    "measure_load",
    "measure_suites",
    "run_suite",
    "select_baseline",
    "selects_tests",
    "with_history",
]


@dataclass(frozen=True, slots=True)
class Workspace:
    """Where a command works: the configuration, the store location and the environment."""

    config: Config
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    store_url: str | None = None  # overrides the configuration (``--store``)
    testbed: str | None = None  # overrides configuration and $PERFGATE_TESTBED (``--testbed``)

    @classmethod
    def discover(
        cls,
        cwd: Path,
        *,
        config_path: Path | None = None,
        environ: Mapping[str, str] | None = None,
        store_url: str | None = None,
        testbed: str | None = None,
    ) -> Workspace:
        env = dict(os.environ) if environ is None else dict(environ)
        url = store_url or env.get("PERFGATE_DATABASE_URL") or None
        return cls(load_config(cwd, config_path), env, url, testbed)

    @property
    def url(self) -> str:
        return self.store_url or self.config.storage_url()

    @contextmanager
    def store(self, *, create: bool = True, readonly: bool = False) -> Iterator[Store]:
        """The store, open until the block ends; ``readonly`` for commands that only read it."""
        s = open_store(self.url, create=create, readonly=readonly)
        try:
            yield s
        finally:
            s.close()

    def has_store(self) -> bool:
        return is_url(self.url) or Path(self.url).exists()

    def redactor(self) -> context.Redactor:
        """What keeps this environment's secrets (and the configured ``redact`` variables) out of
        stored and printed messages."""
        return context.redactor(self.environ, self.config.redact)

    def context(self) -> tuple[GitInfo | None, CIInfo | None, Environment]:
        root = self.config.root
        git = context.git_info(root, environ=self.environ)
        ci = context.ci_info(self.environ)
        env = context.environment(self.testbed or self.config.testbed, self.environ)
        return git, ci, env


def build_run(
    ws: Workspace,
    doc: ResultsDoc,
    *,
    tier: str | None,
    source: str = "perfgate",
    git: GitInfo | None = None,
    ci: CIInfo | None = None,
    environment: Environment | None = None,
    tags: Sequence[str] = (),
) -> Run:
    """A Run from a measuring process's results plus the live context (read only if not all given).

    Error messages are redacted (:meth:`Workspace.redactor`): this is the Run that gets stored.
    """
    if git is None or ci is None or environment is None:
        live_git, live_ci, live_env = ws.context()
        git, ci, environment = git or live_git, ci or live_ci, environment or live_env
    run = Run(
        # the clock, not doc.started: files ingested with one timestamp must not share a short id
        id=new_run_id(),
        project=ws.config.project,
        started=doc.started,
        finished=doc.finished,
        source=source,
        status=doc.status,
        tier=tier,
        tags=tuple(tags),
        git=git,
        ci=ci,
        environment=environment,
        results=doc.results,
    )
    return context.redact_run(run, ws.redactor())


@dataclass(frozen=True, slots=True)
class Baseline:
    runs: tuple[Run, ...]
    description: str  # for people: "3 latest runs on main", "merge-base abc1234", ...
    # Earlier runs of the testbed on the main branch (newest first): its run-to-run noise model.
    history: tuple[Run, ...] = ()


HISTORY_RUNS = 30


def with_history(
    store: Store, ws: Workspace, run: Run, baseline: Baseline, *, limit: int = HISTORY_RUNS
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
    kept = [r for r in runs if commit is None or r.git is None or r.git.commit != commit]
    return replace(baseline, history=tuple(kept[:limit]))


def select_baseline(store: Store, ws: Workspace, run: Run, *, explicit: str | None = None) -> Baseline:
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
        runs = [r for r in resolve_runs(store, ws, spec) if r.id != run.id]
        if not runs:
            raise NotFoundError(f"baseline {spec!r}: no stored run other than the current one")
        return Baseline(tuple(runs[:limit]), f"{spec}")
    main = cfg.baseline.branch or cfg.main_branch
    bed, tier, project = run.environment.testbed, run.tier, run.project
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
            runs = [r for r in store.runs_for_commit(mb, testbed=bed, tier=tier) if r.project == project]
            runs = earlier_runs(ws, run, runs, limit=limit)
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
            return Baseline(tuple(runs), f"latest {len(runs)} run(s) {where}")
    if run.git is not None and _has_other_runs_of_commit(store, run):
        return Baseline((), _OWN_COMMIT_ONLY)
    return Baseline((), "none")


_OWN_COMMIT_ONLY = (
    "no baseline: only runs of this same commit are stored, and a commit's runs are never its baseline "
    "(a re-run must not pass what the first run failed); `--baseline RUN` compares with one of them"
)


def _has_other_runs_of_commit(store: Store, run: Run) -> bool:
    assert run.git is not None
    try:
        same = store.runs_for_commit(run.git.commit, testbed=run.environment.testbed, tier=run.tier)
    except NotFoundError:
        return False
    return any(r.id != run.id and r.project == run.project for r in same)


def _same_commit(a: str, b: str) -> bool:
    """Two shas name the same commit (either may be an abbreviation of at least 7 characters)."""
    n = min(len(a), len(b))
    return n >= 7 and a[:n].lower() == b[:n].lower()


def earlier_runs(
    ws: Workspace, run: Run, candidates: Sequence[Run], *, limit: int | None = None
) -> list[Run]:
    """The ``candidates`` that may be ``run``'s baseline, in their order (at most ``limit``).

    Never ``run`` itself; never a run the harness reported failed (what it lacks is no baseline);
    never a run of ``run``'s own commit (a retried CI job would otherwise be judged against the run it
    retries, and pass); never a run of a commit that git knows is not an ancestor of ``run``'s (a
    later commit, another branch). The one exception: a run of a dirty work tree may be compared with
    clean runs of its commit, since its code is not that commit's. A commit git does not know (a
    shallow clone, results ingested for another repository) cannot be judged and is kept.
    """
    out: list[Run] = []
    ancestor: dict[str, bool] = {}
    head = run.git
    for r in candidates:
        if limit is not None and len(out) >= limit:
            break
        if r.id == run.id or r.status is RunStatus.FAILED:
            continue
        if head is None or r.git is None:
            out.append(r)
            continue
        sha = r.git.commit
        if _same_commit(sha, head.commit):
            if head.dirty and not r.git.dirty:
                out.append(r)
            continue
        if sha not in ancestor:
            try:
                ancestor[sha] = context.is_ancestor(ws.config.root, sha, head.commit)
            except ContextError:
                ancestor[sha] = True  # unknown here: cannot tell, keep (as before ancestry was checked)
        if ancestor[sha]:
            out.append(r)
    return out


def _latest_earlier(store: Store, ws: Workspace, run: Run, branch: str | None, limit: int) -> list[Run]:
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


def _policy(ws: Workspace, tier: Tier | None, threshold: float | None) -> Policy:
    policy = ws.config.policy(tier)
    return policy.with_threshold(threshold) if threshold is not None else policy


def gate_run(
    ws: Workspace,
    run: Run,
    baseline: Baseline,
    *,
    threshold: float | None = None,
    settings: CompareSettings | None = None,
    stored: bool = True,
) -> Outcome:
    tier = ws.config.tier(run.tier) if run.tier in ws.config.tiers else None
    notes = []
    if not baseline.runs and baseline.description == _OWN_COMMIT_ONLY:
        notes.append(_OWN_COMMIT_ONLY)
    elif not baseline.runs and stored:
        notes.append("no baseline yet: this run becomes the baseline for the next ones")
    elif not baseline.runs:
        notes.append("no baseline: this run was not stored, and none was given (--baseline)")
    else:
        notes.append(f"baseline: {baseline.description}")
    if run.status is RunStatus.FAILED:
        notes.append("run status failed: the harness reported the run failed or was cut short")
    elif run.status is not RunStatus.COMPLETE:
        notes.append(f"run status {run.status.value}: not every benchmark was measured")
    if settings is None:
        settings = CompareSettings(severity_rules=ws.config.severity, machine_shift=ws.config.machine_shift)
    # what is reported is redacted too: the run may come from a file or an older store
    redact = ws.redactor()
    outcome = evaluate(
        context.redact_run(run, redact),
        tuple(context.redact_run(b, redact) for b in baseline.runs),  # names match the redacted run's
        _policy(ws, tier, threshold),
        settings,
        notes,
        baseline.history,
    )
    return replace(outcome, notes=tuple(redact(n) for n in outcome.notes))


def run_suite(
    ws: Workspace,
    *,
    tier: str | None = None,
    pytest_args: Sequence[str] = (),
    store_run: bool = True,
    baseline: str | None = None,
    threshold: float | None = None,
    on_command_run: OnCommandRun | None = None,
    subset: bool = False,
) -> Outcome:
    """``perfgate run``: measure, store, select the baseline, compare.

    ``subset`` (or pytest arguments that select tests, see :func:`selects_tests`) tags the run as a
    deliberate subset (:data:`perfgate.gate.SUBSET_TAG`): benchmarks it lacks do not fail the gate.

    pytest runs when ``benchmarks`` is configured, when ``pytest_args`` are given, or when no
    ``[[tool.perfgate.commands]]`` nor ``[[tool.perfgate.suites]]`` are configured; the tier's harness
    suites (:func:`measure_suites`) and command benchmarks run after it, and all results go into one
    Run. With commands or suites for this tier, a pytest that collects nothing is zero results.
    ``pytest_args`` select pytest tests only: suites and commands of the tier always run.
    """
    from perfgate.runner import run_pytest  # the runner spawns processes; keep imports light

    cfg = ws.config
    t = cfg.tier(tier)
    specs = command_specs(cfg, t)
    suites = harness_specs(cfg, t)
    loads = load_specs(cfg, t)
    if cfg.benchmarks or pytest_args or not (cfg.commands or cfg.suites or cfg.load):
        allow_empty = bool(specs or suites or loads)
        doc = run_pytest(cfg, t, pytest_args, environ=ws.environ, allow_empty=allow_empty).doc
    elif specs or suites or loads:
        doc = ResultsDoc(started=utcnow(), finished=None, status=RunStatus.COMPLETE, results=())
    else:
        raise MeasureError(
            f"nothing to run for tier {t.name if t else None!r}: no command benchmark, suite or load "
            "scenario lists it "
            "and no pytest benchmarks are configured ([tool.perfgate] benchmarks = [...])"
        )
    if suites:
        doc = replace(doc, finished=utcnow(), results=doc.results + measure_suites(ws, suites, t))
    if specs:
        from perfgate.measure.command import measurement_results

        measured = measure_commands(ws, specs, on_run=on_command_run)
        results = doc.results + tuple(r for m in measured for r in measurement_results(m))
        doc = replace(doc, finished=utcnow(), results=results)
    if loads:
        doc = replace(doc, finished=utcnow(), results=doc.results + measure_load(loads))
    tags = (SUBSET_TAG,) if subset or selects_tests(cfg.root, pytest_args) else ()
    run = build_run(ws, doc, tier=t.name if t else None, tags=tags)
    with ws.store() as store:
        if store_run:
            store.add_run(run)
        base = select_baseline(store, ws, run, explicit=baseline)
        base = with_history(store, ws, run, base)
    return gate_run(ws, run, base, threshold=threshold, stored=store_run)


#: pytest options that deselect tests (with or without their value attached)
_SELECTING = (
    "-k",
    "-m",
    "--deselect",
    "--ignore",
    "--ignore-glob",
    "--lf",
    "--last-failed",
    "--sw",
    "--stepwise",
)


def selects_tests(root: Path, pytest_args: Sequence[str]) -> bool:
    """Whether pytest arguments pick a subset of the configured benchmarks: ``-k``, ``-m``,
    ``--deselect``, ``--ignore``, ``--lf``, ``--sw``, or a test path or node id (``bench/x.py::t``)."""
    for arg in pytest_args:
        if arg.startswith("-"):
            opt = arg.partition("=")[0]
            if opt in _SELECTING or (arg[:2] in ("-k", "-m") and not arg.startswith("--")):
                return True
        elif "::" in arg or arg.endswith(".py") or (root / arg).exists():
            return True
    return False


# --- ingested results ------------------------------------------------------------------------


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
) -> Outcome:
    """``perfgate ingest --gate``: store the results as a run, then judge it as ``perfgate run`` judges
    its own: the same baseline policy (:func:`select_baseline`), thresholds and exit code.

    Nothing is stored when the files are bad, or when ``baseline`` names no stored run.
    """
    run = ingest_paths(
        ws, paths, fmt=fmt, commit=commit, branch=branch, tier=tier, project=project, names=names
    )
    if subset and SUBSET_TAG not in run.tags:
        run = replace(run, tags=(*run.tags, SUBSET_TAG))
    if baseline is not None:
        _existing_store(ws, f"baseline {baseline!r}")
    with ws.store() as store:
        if baseline is not None:
            resolve_runs(store, ws, baseline)  # a bad --baseline is refused before anything is stored
        store.add_run(run)
        base = with_history(store, ws, run, select_baseline(store, ws, run, explicit=baseline))
    return gate_run(ws, run, base, threshold=threshold)


# --- harness suites ----------------------------------------------------------------------------


def harness_specs(cfg: Config, tier: Tier | None) -> tuple[HarnessSpec, ...]:
    """The configured harness suites that run in ``tier`` (all of them without a tier)."""
    return tuple(s for s in cfg.suites if s.runs_in(tier.name if tier else None))


def measure_suites(ws: Workspace, suites: Sequence[HarnessSpec], tier: Tier | None) -> tuple[Result, ...]:
    """Run harness suites one after the other; a failing suite is failed results, the next still runs."""
    from perfgate.measure.harness import run_harness

    name, redact = (tier.name if tier else None), ws.redactor()
    return tuple(r for s in suites for r in run_harness(s, name, ws.config.root, ws.environ, redact))


# --- command benchmarks ------------------------------------------------------------------------


def command_specs(cfg: Config, tier: Tier | None) -> tuple[CommandSpec, ...]:
    """The configured command benchmarks that run in ``tier`` (all of them without a tier)."""
    specs = [c for c in cfg.commands if c.runs_in(tier.name if tier else None)]
    if tier is None or tier.timeout is None:
        return tuple(specs)
    # a run that outlives the tier's per-benchmark timeout is stopped like a benchmark would be
    return tuple(c if c.timeout is not None else replace(c, timeout=tier.timeout) for c in specs)


def measure_commands(
    ws: Workspace, specs: Sequence[CommandSpec], *, on_run: OnCommandRun | None = None
) -> tuple[CommandMeasurement, ...]:
    """Run command benchmarks in the project root with the workspace's environment."""
    from perfgate.measure.command import run_commands

    return run_commands(specs, cwd=ws.config.root, environ=ws.environ, on_run=on_run)


def load_specs(cfg: Config, tier: Tier | None) -> tuple[LoadSpec, ...]:
    """The ``[[tool.perfgate.load]]`` scenarios that run in ``tier`` (all of them without a tier)."""
    return tuple(s for s in cfg.load if tier is None or s.tiers is None or tier.name in s.tiers)


def measure_load(specs: Sequence[LoadSpec]) -> tuple[Result, ...]:
    """Run the load scenarios one after the other; their results (see :mod:`perfgate.load`)."""
    from perfgate.load import load_results, run_load

    results: list[Result] = []
    for spec in specs:
        results.extend(load_results(run_load(spec.scenario, spec.model, workers=spec.workers)))
    return tuple(results)


def command_suite(
    ws: Workspace,
    specs: Sequence[CommandSpec],
    *,
    cwd: Path | None = None,
    store_run: bool = False,
    baseline: str | None = None,
    threshold: float | None = None,
    tier: str | None = None,
    on_run: OnCommandRun | None = None,
) -> tuple[Outcome, tuple[CommandMeasurement, ...]]:
    """``perfgate cmd``: measure ad hoc commands, then gate them like ``run`` does.

    Nothing is written unless ``store_run``. The baseline is ``baseline`` (a run id, git ref or result
    file, e.g. an earlier ``--export-json``) when given; else, when storing, the one ``run`` would pick;
    else none (every verdict is ``new`` and only failures fail the gate).
    """
    from perfgate.measure.command import measurement_results, run_commands

    started = utcnow()
    measured = run_commands(specs, cwd=cwd or ws.config.root, environ=ws.environ, on_run=on_run)
    results = tuple(r for m in measured for r in measurement_results(m))
    doc = ResultsDoc(started=started, finished=utcnow(), status=RunStatus.COMPLETE, results=results)
    run = build_run(ws, doc, tier=tier)
    if store_run:
        with ws.store() as store:
            store.add_run(run)
            base = (
                Baseline((load_spec(ws, baseline),), baseline)
                if baseline is not None and Path(baseline).exists()
                else select_baseline(store, ws, run, explicit=baseline)
            )
            base = with_history(store, ws, run, base)
    elif baseline is not None:
        base = Baseline((load_spec(ws, baseline),), baseline)
    else:
        base = Baseline((), "none")
    return gate_run(ws, run, base, threshold=threshold, stored=store_run), measured


def gate_measured(
    ws: Workspace,
    results: Sequence[Result],
    *,
    started: datetime,
    finished: datetime,
    store_run: bool = False,
    baseline: str | None = None,
    threshold: float | None = None,
    tier: str | None = None,
) -> Outcome:
    """Results measured ad hoc by a front end (``perfgate load``), gated as :func:`command_suite`
    gates commands: stored only if ``store_run``; the baseline is ``baseline`` (a run id, git ref or
    result file) when given, else, when storing, the one ``run`` would pick, else none."""
    doc = ResultsDoc(started=started, finished=finished, status=RunStatus.COMPLETE, results=tuple(results))
    run = build_run(ws, doc, tier=tier)
    if store_run:
        with ws.store() as store:
            store.add_run(run)
            base = (
                Baseline((load_spec(ws, baseline),), baseline)
                if baseline is not None and Path(baseline).exists()
                else select_baseline(store, ws, run, explicit=baseline)
            )
            base = with_history(store, ws, run, base)
    elif baseline is not None:
        base = Baseline((load_spec(ws, baseline),), baseline)
    else:
        base = Baseline((), "none")
    return gate_run(ws, run, base, threshold=threshold, stored=store_run)


# --- run specifications: run ids, git refs, files ---------------------------------------------


def _perfgate_kind(path: Path) -> str | None:
    """``"run"`` or ``"results"`` for a perfgate document (``perfgate export``, ``--perfgate-json``)."""
    try:
        with path.open("rb") as f:
            head = f.read(4096)
    except OSError:
        return None
    if b'"perfgate_schema"' not in head:
        return None
    if b'"kind": "results"' in head or b'"kind":"results"' in head:
        return "results"
    return "run" if b'"run"' in head else None


def is_run_document(path: Path) -> bool:
    return _perfgate_kind(path) == "run"


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}:{exc.lineno}: invalid JSON: {exc.msg}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read: {exc}") from None


def _load_run_file(path: Path) -> Run:
    return run_from_dict(_read_json(path), str(path))


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
    if len(paths) == 1 and fmt in ("auto", "perfgate") and is_run_document(paths[0]):
        if commit or branch or tier or project or names:
            raise UsageError(
                "--commit/--branch/--tier/--project/--name do not apply to a perfgate run document"
            )
        return context.redact_run(_load_run_file(paths[0]), ws.redactor())
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


def resolve_runs(store: Store, ws: Workspace, spec: str) -> list[Run]:
    """Runs named by ``spec``: a run id (or unique prefix), else a git ref's stored runs (newest first)."""
    try:
        return [store.get_run(spec)]
    except AmbiguousError:
        raise
    except NotFoundError as not_a_run:
        try:
            sha = context.resolve_ref(ws.config.root, spec)
        except ContextError:
            raise NotFoundError(f"no run or git ref matches {spec!r}") from not_a_run
        runs = store.runs_for_commit(sha)
        if not runs:
            raise NotFoundError(f"no run stored for {spec!r} (commit {sha[:12]})") from not_a_run
        return runs


def resolve_run(store: Store, ws: Workspace, spec: str, *, tier: str | None = None) -> Run:
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


def load_spec(ws: Workspace, spec: str, *, fmt: str = "auto", tier: str | None = None) -> Run:
    """One Run from a file (any supported format) or a run id / git ref in the store (of ``tier``).

    A spec that looks like a path (it has a suffix or a separator, as ``missing.json`` or
    ``out/bench``) and names neither a file, a run nor a git ref is reported as a missing file.
    """
    p = Path(spec)
    if p.exists():
        return ingest_paths(ws, [p], fmt=fmt)
    try:
        _existing_store(ws, f"{spec!r} is neither a file nor a run")
        with ws.store(create=False, readonly=True) as store:
            return resolve_run(store, ws, spec, tier=tier)
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
) -> Outcome:
    """``perfgate compare A B``: B judged against A (files, run ids or git refs).

    ``subset``: B is a deliberate subset of A's benchmarks (what it lacks does not fail the gate).

    A git ref stands for its newest stored run of one tier: ``tier``, else the head run's tier (when
    B is a run id or a file), else the configuration's ``default_tier`` when the ref has runs of it,
    else its newest run's. Both sides are of one tier: a fast-tier run is never judged against a
    slow-tier one.
    """
    if tier is not None:
        ws.config.tier(tier)  # an unknown tier is a configuration error, said as one
    b = _load_in_tier(ws, head, fmt, tier)
    a = _load_in_tier(ws, base, fmt, tier or b.tier)
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


def _load_in_tier(ws: Workspace, spec: str, fmt: str, tier: str | None) -> Run:
    """:func:`load_spec` in ``tier``; without one, in the default tier when the ref has runs of it
    (else its newest run, of whatever tier)."""
    if tier is not None:
        return load_spec(ws, spec, fmt=fmt, tier=tier)
    if ws.config.default_tier is not None:
        try:
            return load_spec(ws, spec, fmt=fmt, tier=ws.config.default_tier)
        except NotFoundError:
            pass
    return load_spec(ws, spec, fmt=fmt)


def _existing_store(ws: Workspace, what: str | None = None) -> None:
    """Refuse to read a store that does not exist (opening it would create an empty one)."""
    if not ws.has_store():
        hint = f"{what}: " if what else ""
        raise NotFoundError(f"{hint}no store at {ws.url}: `perfgate run` or `perfgate ingest` creates it")


def list_runs(
    ws: Workspace,
    *,
    branch: str | None = None,
    commit: str | None = None,
    testbed: str | None = None,
    tier: str | None = None,
    limit: int | None = 20,
) -> list[RunInfo]:
    """``perfgate runs``: stored runs of this project, newest first."""
    _existing_store(ws)
    with ws.store(create=False, readonly=True) as store:
        return store.list_runs(
            project=ws.config.project, branch=branch, commit=commit, testbed=testbed, tier=tier, limit=limit
        )


@dataclass(frozen=True, slots=True)
class History:
    """``perfgate history``'s answer: the series, and how it was chosen (for the header).

    ``series.benchmark`` is the full id the query matched (``asked`` is what the user typed); the
    series' ``branch`` and ``tier`` are the filters applied (None: every one), ``defaults`` names those
    that were defaults.
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


def _match_benchmark(store: Store, ws: Workspace, asked: str, metric: str) -> str:
    """The one stored benchmark id (with ``metric`` results) that ``asked`` names: the id itself, else
    the only id matching it as a glob (``*``, ``?``, ``[``) or containing it."""
    import fnmatch

    known = sorted({b for b, m in store.benchmarks(project=ws.config.project) if m == metric})
    if asked in known:
        return asked
    if any(c in asked for c in "*?["):
        hits = [b for b in known if fnmatch.fnmatchcase(b, asked)]
    else:
        hits = [b for b in known if asked in b]
    if len(hits) == 1:
        return hits[0]
    if hits:
        shown = ", ".join(repr(h) for h in hits[:_SHOWN]) + (", ..." if len(hits) > _SHOWN else "")
        raise UsageError(
            f"{len(hits)} benchmarks with {metric} results match {asked!r}: {shown}; give more of the id"
        )
    hint = f"; known: {', '.join(known[:_SHOWN])}{' ...' if len(known) > _SHOWN else ''}" if known else ""
    raise NotFoundError(f"no {metric} results stored for {asked!r}{hint}")


_SHOWN = 5


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
) -> History:
    """``perfgate history``: one benchmark's series, oldest first (the most recent ``limit`` points).

    ``benchmark`` is the full id, or a unique substring or glob of it. Without ``branch`` the series
    is the current branch's (else the main branch's) unless ``all_branches``; without ``tier`` it is
    the configured default tier's (when one is configured) unless ``all_tiers``: re-runs on other
    branches or tiers are other series, and mixing them would look like changes.
    """
    _existing_store(ws)
    defaults = []
    if branch is None and not all_branches:
        branch = _current_branch(ws)
        defaults.append("branch")
    if tier is None and not all_tiers and ws.config.default_tier is not None:
        tier = ws.config.default_tier
        defaults.append("tier")
    filters = {"testbed": testbed, "branch": branch, "project": ws.config.project, "tier": tier}
    with ws.store(create=False, readonly=True) as store:
        # the exact id first (an index lookup); only an id with no points is matched against them all
        name = benchmark
        series = store.series(name, metric, **filters, limit=limit or None)
        if not series:
            name = _match_benchmark(store, ws, benchmark, metric)
            if name != benchmark:
                series = store.series(name, metric, **filters, limit=limit or None)
    if not series:
        where = [f"{k} {v!r}" for k, v in (("branch", branch), ("tier", tier), ("testbed", testbed)) if v]
        hint = " (--all-branches, --all-tiers widen it)" if defaults else ""
        scope = f" for {', '.join(where)}" if where else ""
        raise NotFoundError(f"no {metric} results of {name!r}{scope}{hint}")
    return History(series, benchmark, tuple(defaults))
