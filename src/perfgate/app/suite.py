"""``perfgate run``: run a tier's suites, store the run, choose its baseline, judge it."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from perfgate.app.baseline import select_baseline, with_history
from perfgate.app.judge import build_run, gate_run
from perfgate.app.managed import review_baseline
from perfgate.app.suites import OnCommandRun, Suite, SuiteContext, merge_docs, plan_suites
from perfgate.app.workspace import Workspace
from perfgate.errors import ConfigError, MeasureError
from perfgate.gate import SUBSET_TAG, Outcome, shard_of, shard_tag
from perfgate.measure.prometheus import prometheus_results, scrape
from perfgate.measure.resources import ResourceSampler, resource_results
from perfgate.measure.services import ServiceSpec, running_services, service_failure
from perfgate.model import Result

if TYPE_CHECKING:
    from perfgate.store import RunStore

__all__ = [
    "ServicesRun",
    "run_suite",
    "run_suites",
    "select_services",
    "services_results",
    "shard_durations",
    "tier_services",
]


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
    store: RunStore | None = None,
    shard: tuple[int, int] | None = None,
    soak: float | None = None,
) -> Outcome:
    """``perfgate run``: measure, store, select the baseline, compare.

    ``soak`` (seconds; else the tier's ``soak``) keeps the tier's services running and their process
    trees sampled that long at least, counted from when they were ready: the suites run, then the
    run waits out the rest, so ``rss_growth_per_hour`` is fitted over the whole soak. The tier's load
    scenarios, when it has any, fill that rest: they run together until the soak ends (see
    :class:`~perfgate.app.suites.LoadSuite`), so the services are sampled under load.

    ``shard`` ``(K, N)`` measures shard K of N of the selected pytest benchmarks (balanced by the
    durations of the tier's last stored run; the other suites run in shard 1), tags the run
    ``shard:K/N`` and compares it only on what it ran. A shard's run is never stored: ``perfgate
    merge`` stores the shards' runs as one.

    ``subset`` (or pytest arguments that select tests, see :func:`~perfgate.app.suites.selects_tests`)
    tags the run as a deliberate subset (:data:`perfgate.gate.SUBSET_TAG`): benchmarks it lacks do
    not fail the gate.

    The suites are :func:`~perfgate.app.suites.plan_suites`'s: pytest's benchmarks when configured,
    asked for (``pytest_args``) or when nothing else is configured, then the tier's command
    benchmarks; all results go into one Run. ``store`` is an open store to use (else the workspace's
    is opened once, after measuring).
    """
    t = ws.config.tier(tier)
    ctx = SuiteContext(ws.config, t, ws.environ, on_command_run, ws.redactor())
    durations = None
    if shard is not None:
        durations = shard_durations(ws, t.name if t else None, store=store)
    suites = plan_suites(ctx, pytest_args, shard=shard, shard_durations=durations)
    soak = soak if soak is not None else (t.soak if t is not None else None)
    if soak is not None and not any(s.runs_in(t.name if t else None) for s in ws.config.services):
        where = f"tier {t.name!r}" if t is not None else "this run"
        raise ConfigError(f"soak: {where} starts no service to sample ([[tool.perfgate.services]])")
    return run_suites(
        ws,
        ctx,
        suites,
        store_run=store_run and shard is None,
        baseline=baseline,
        threshold=threshold,
        subset=subset,
        store=store,
        tags=(shard_tag(*shard),) if shard is not None else (),
        soak=soak,
    )


def run_suites(
    ws: Workspace,
    ctx: SuiteContext,
    suites: Sequence[Suite],
    *,
    store_run: bool = True,
    baseline: str | None = None,
    threshold: float | None = None,
    subset: bool = False,
    store: RunStore | None = None,
    tags: Sequence[str] = (),
    soak: float | None = None,
) -> Outcome:
    """Run ``suites`` one after another as one Run of ``ctx.tier``, store it (unless not
    ``store_run``), select its baseline and judge it: :func:`run_suite` with the suites given.

    The tier's services (:func:`tier_services`) run around the suites; one that dies before they
    are done adds a failed result ``service:<name>`` quoting its log, so the gate fails; the CPU and
    RSS each service's process tree used meanwhile are results of ``service:<name>`` too."""
    with tier_services(ws, ctx) as services:
        run_ctx = services.ctx
        if soak is not None and services.ready_at is not None:  # the load scenarios fill the soak
            run_ctx = replace(run_ctx, soak_until=services.ready_at + soak)
        docs = [s.run(run_ctx) for s in suites]
        if soak is not None:
            services.hold(soak)
        died = services.died()
        used = services.resources()
    doc = merge_docs(docs)
    doc = replace(doc, results=doc.results + services_results(died, used, ctx.redact))
    tags = ((SUBSET_TAG,) if subset or any(s.subset for s in suites) else ()) + tuple(tags)
    run = build_run(ws, doc, tier=ctx.tier.name if ctx.tier else None, tags=tags)
    with ws.use(store, write=True) as s:
        if store_run:
            s.add_run(run)
            review_baseline(s, ws, run)
        base = select_baseline(s, ws, run, explicit=baseline)
        base = with_history(s, ws, run, base)
    return gate_run(ws, run, base, threshold=threshold, stored=store_run)


def services_results(
    died: Sequence[tuple[str, str]], used: Sequence[Result], redact: Callable[[str], str] = str
) -> tuple[Result, ...]:
    """What a run's services add to its results: what each used (:meth:`ServicesRun.resources`), and a
    failed result ``service:<name>`` (the message redacted) for each that died (:meth:`ServicesRun.died`)
    instead of its figures, which its death cut short and would mislead."""
    dead = {f"service:{name}" for name, _ in died}
    kept = tuple(r for r in used if r.benchmark.name not in dead)
    return kept + tuple(service_failure(name, redact(message)) for name, message in died)


@dataclass(frozen=True, slots=True)
class ServicesRun:
    """What the suites of a run get from its services: ``ctx``, the context they run in (the
    services' exports in its environment), and ``died``, which lists ``(name, message)`` of each
    service that has exited on its own so far; ``resources`` stops sampling the services' process
    trees and returns what they used as results (:mod:`perfgate.measure.resources`); ``hold(s)``
    waits until the services have been sampled ``s`` seconds (a soak), counted from ``ready_at``
    (``time.monotonic()`` when the last became ready; None without services)."""

    ctx: SuiteContext
    died: Callable[[], list[tuple[str, str]]]
    resources: Callable[[], tuple[Result, ...]] = tuple
    hold: Callable[[float], None] = lambda seconds: None
    ready_at: float | None = None


def select_services(
    services: Sequence[ServiceSpec], tier: str | None, names: Sequence[str] | None = None
) -> list[ServiceSpec]:
    """The services a run starts, in the order configured: those of ``tier`` (all of them without a
    tier), or, given ``names``, exactly those (whatever their tiers; an unknown name is a
    :class:`~perfgate.errors.ConfigError` listing the known ones)."""
    if names is None:
        return [s for s in services if s.runs_in(tier)]
    known = {s.name for s in services}
    unknown = [n for n in dict.fromkeys(names) if n not in known]
    if unknown:
        have = ", ".join(sorted(known)) or "none configured"
        raise ConfigError(f"no service {unknown[0]!r} in [[tool.perfgate.services]] (services: {have})")
    return [s for s in services if s.name in names]


@contextmanager
def tier_services(
    ws: Workspace, ctx: SuiteContext, names: Sequence[str] | None = None
) -> Iterator[ServicesRun]:
    """Start the services of ``ctx.tier`` (``[[tool.perfgate.services]]``; all of them without a
    tier), or those ``names`` (:func:`select_services`), each ready before the next, logging to
    ``.perfgate/logs/<name>.log`` under the project root;
    yield the context the suites run in (the services' exports added to its environment); stop them
    all on the way out, also on an error or Ctrl-C. A service that never becomes ready is a
    :class:`~perfgate.errors.MeasureError` (nothing measured, nothing stored)."""
    tier = ctx.tier.name if ctx.tier else None
    specs = select_services(ws.config.services, tier, names)
    if not specs:
        yield ServicesRun(ctx, list)
        return
    logs = ws.config.root / ".perfgate" / "logs"
    with running_services(specs, root=ws.config.root, environ=ctx.environ, logs=logs) as services:
        exported = services.exported
        run_ctx = replace(ctx, environ={**ctx.environ, **exported}) if exported else ctx
        if services.ports:
            run_ctx = replace(run_ctx, ports=services.ports)
        scraped = [s for s in specs if s.metrics is not None]
        before = {s.name: scrape(s.metrics, s.name) for s in scraped if s.metrics is not None}
        sampler = ResourceSampler(dict(zip((s.name for s in specs), services.pids, strict=True))).start()

        def resources() -> tuple[Result, ...]:
            samples = sampler.stop()
            out = [r for spec in specs for r in resource_results(spec.name, samples[spec.name])]
            for spec in scraped:
                assert spec.metrics is not None
                try:
                    after: dict[str, float | None] | str = scrape(spec.metrics, spec.name)
                except MeasureError as exc:  # the suites' results are kept; these metrics fail
                    after = str(exc)
                out += prometheus_results(spec.name, spec.metrics, before[spec.name], after)
            return tuple(out)

        started = time.monotonic()

        def hold(seconds: float) -> None:
            # Ctrl-C or SIGTERM interrupts the sleep and unwinds: the services are stopped
            while (left := started + seconds - time.monotonic()) > 0:
                time.sleep(min(left, 1.0))

        try:
            yield ServicesRun(run_ctx, services.dead, resources, hold, started)
        finally:
            sampler.stop()  # before the services stop: their shutdown is not theirs to be judged on


def shard_durations(ws: Workspace, tier: str | None, *, store: RunStore | None = None) -> dict[str, float]:
    """How long each benchmark took (seconds, by name) in the newest stored run of the whole suite of
    ``tier``: what ``--shard`` balances by. Empty without a store or such a run."""
    if store is None and not ws.has_store():
        return {}
    with ws.use(store) as s:
        candidates = s.latest_runs(branch=None, tier=tier, project=ws.config.project, limit=20)
    run = next((r for r in candidates if shard_of(r) is None and r.results), None)
    if run is None:
        return {}
    out: dict[str, float] = {}
    for r in run.results:
        if r.metric == "time" and r.summary is not None:
            out[r.benchmark.name] = r.summary.mean * (r.rounds or 1) * (r.iterations or 1)
    return out
