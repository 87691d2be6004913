"""``perfgate ab`` with load scenarios: the service under test started from each side's tree, every
scenario run against both in interleaved slices, head judged against base on paired slices.

For a tier with ``[[tool.perfgate.load]]`` scenarios (and no pytest benchmarks to measure), the
controller

1. makes the two trees (:func:`perfgate.ab.worktree.trees`);
2. starts the tier's services marked ``shared = true`` once, from the project root (a database, a
   NATS server: what both sides only use);
3. cuts each scenario's load into ``slices`` slices per side (:func:`~perfgate.ab.schedule.slice_models`:
   the duration or the requests shared out, a warm-up before each) and runs them in seeded ABBA/BAAB
   order (:func:`~perfgate.ab.schedule.slice_order`), each pair of slices (base's ``k`` and head's
   ``k``, next to each other) against the other services started afresh from each side's tree, each
   on its own port where its configuration says ``{port}`` (the scenario's URL: the port of its
   ``service`` on that side); each side's services get the shared ones' exports and ``PYTHONPATH``
   starting with their tree, as the pytest workers do;
4. keeps each slice's per-second samples with the slice's number in ``extra["blocks"]``: base's slice
   ``k`` and head's slice ``k`` ran next to each other on fresh processes, so the paired comparison
   ``perfgate ab`` uses for pytest benchmarks (one log ratio per pair) judges every metric; both runs
   are stored tagged ``ab``.

A service that dies meanwhile stops the A/B with an error quoting its log (nothing is stored): a side
measured against a dead server would be judged on refused connections.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from perfgate.ab.run import equalize_startup
from perfgate.ab.schedule import BASE, HEAD, slice_models, slice_order
from perfgate.ab.worktree import Side, import_path, trees
from perfgate.app import Workspace, build_run, load_specs
from perfgate.app.suites import aimed
from perfgate.config import Config, Tier
from perfgate.errors import ConfigError, MeasureError
from perfgate.gate import Outcome, evaluate
from perfgate.load import LoadSpec, load_results, run_load
from perfgate.measure.children import sigterm_interrupts
from perfgate.measure.services import Services, ServiceSpec, running_services
from perfgate.model import Result, ResultsDoc, Run, RunStatus, utcnow
from perfgate.model.values import JSONValue
from perfgate.report import Console
from perfgate.stats import CompareSettings
from perfgate.stats.summary import summarize

__all__ = ["AB_LOAD_METRICS", "DEFAULT_SLICES", "ab_load_specs", "run_ab_load"]

#: Slices per side and scenario unless the scenario (``slices``) or ``--slices`` says otherwise: enough
#: pairs for the signed-rank test to call a change after Holm's correction over a scenario's metrics.
DEFAULT_SLICES = 10
#: The metrics judged in a load A/B. A slice's ``latency_p99.9`` and ``latency_max`` rest on a handful of
#: requests each: paired slice by slice they are noise (they stay what ``perfgate run`` gates).
AB_LOAD_METRICS = (
    "rps", "latency_p50", "latency_p90", "latency_p95", "latency_p99", "error_rate", "throughput",
)  # fmt: skip


def ab_load_specs(cfg: Config, tier: Tier | None, pytest_args: Sequence[str] = ()) -> tuple[LoadSpec, ...]:
    """The load scenarios ``perfgate ab`` measures for ``tier``: the tier's ``[[tool.perfgate.load]]``
    scenarios when it has no pytest benchmarks to measure (``benchmarks`` unset, no pytest arguments),
    else none (pytest's benchmarks are measured, as before load A/B existed)."""
    if cfg.benchmarks or pytest_args:
        return ()
    return load_specs(cfg, tier)


def _side_env(side: Side, environ: Mapping[str, str], seed: int) -> dict[str, str]:
    """A side's services' environment: as the pytest workers', ``PYTHONPATH`` starting with the side's
    tree and the same ``PYTHONHASHSEED`` on both sides (dict and set layouts must not differ by chance)."""
    env = dict(environ)
    env["PYTHONPATH"] = import_path(side.tree if side.cwd == side.tree else side.cwd, environ)
    env["PERFGATE_AB_TREE"] = str(side.cwd)
    env["PERFGATE_AB_SIDE"] = side.name
    env.setdefault("PYTHONHASHSEED", str(seed % 4294967296))
    return env


@dataclass(frozen=True, slots=True)
class _Setup:
    """The services of a load A/B: the ``shared`` ones (running), the ``own`` specs each side starts
    afresh for every pair of slices, each side's environment for them and where their logs go."""

    shared: Services
    own: tuple[ServiceSpec, ...]
    envs: Mapping[str, Mapping[str, str]]
    logs: Path


@contextmanager
def _setup(
    cfg: Config, tier: str | None, sides: Mapping[str, Side], environ: Mapping[str, str], seed: int
) -> Iterator[_Setup]:
    """Start the tier's shared services once (in the project root); yield them with what each side
    needs to start its own copies; stop the shared ones after."""
    specs = [s for s in cfg.services if s.runs_in(tier)]
    logs = cfg.root / ".perfgate" / "logs" / "ab"
    shared = [s for s in specs if s.shared]
    own = tuple(s for s in specs if not s.shared)
    with running_services(shared, root=cfg.root, environ=environ, logs=logs / "shared") as common:
        env = {**environ, **common.exported}
        envs = {key: _side_env(side, env, seed) for key, side in sides.items()}
        # both sides' environments of one size: it shifts the new process's stack (see equalize_startup)
        equalize_startup(envs, {key: [a for s in own for a in s.argv()] for key in sides})
        yield _Setup(common, own, envs, logs)


@contextmanager
def _fresh(setup: _Setup, sides: Mapping[str, Side], keys: Sequence[str]) -> Iterator[dict[str, Services]]:
    """Each of ``keys``' sides' own services, started afresh (in that order) and stopped after."""
    with ExitStack() as stack:
        yield {
            key: stack.enter_context(
                running_services(
                    setup.own, root=sides[key].cwd, environ=setup.envs[key], logs=setup.logs / key
                )
            )
            for key in keys
        }


def _check_alive(groups: Sequence[tuple[str, Services]]) -> None:
    for label, services in groups:
        dead = services.dead()
        if dead:
            message = dead[0][1]
            where = "shared by both sides" if label == "shared" else f"on the {label} side"
            raise MeasureError(f"perfgate ab: {where}, {message}; nothing stored")


def _count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _side_results(per_slice: Sequence[tuple[int, Sequence[Result]]], slices: int) -> list[Result]:
    """One side's results of one scenario: per metric, every slice's per-second samples in one result,
    each sample's slice in ``extra["blocks"]``; a metric that failed in any slice is failed."""
    out: list[Result] = []
    metrics = [r.metric for r in per_slice[0][1] if r.metric in AB_LOAD_METRICS] if per_slice else []
    for metric in metrics:
        parts = [(k, r) for k, rs in per_slice for r in rs if r.metric == metric]
        first = parts[0][1]
        failed = next((r.error for _, r in parts if r.error is not None), None)
        extra: dict[str, JSONValue] = {
            k: v for k, v in first.extra.items() if k not in ("overall", "sent", "responses", "errors")
        }
        extra.update(mode="ab", interleaved=True, unit="slice", slices=slices)
        extra["responses"] = sum(_count(r.extra.get("responses")) for _, r in parts)
        extra["errors"] = sum(_count(r.extra.get("errors")) for _, r in parts)
        if failed is not None:
            bid = first.benchmark
            out.append(Result(bid, metric, first.unit, first.direction, error=failed, extra=extra))
            continue
        samples = [s for _, r in parts for s in r.samples]
        extra["blocks"] = [k for k, r in parts for _ in r.samples]
        extra["slice_overall"] = [r.extra.get("overall") for _, r in parts]
        out.append(
            Result(
                first.benchmark,
                metric,
                first.unit,
                first.direction,
                summary=summarize(samples),
                samples=tuple(samples),
                rounds=len(samples),
                extra=extra,
            )
        )
    return out


def run_ab_load(
    ws: Workspace,
    specs: Sequence[LoadSpec],
    *,
    base: str,
    head: str | None = None,
    tier: str | None = None,
    threshold: float | None = None,
    seed: int = 0,
    slices: int | None = None,
    store_runs: bool = True,
    console: Console | None = None,
    tags: Sequence[str] = ("ab",),
) -> tuple[Run, Run, Outcome]:
    """Measure ``specs`` against base's and head's services in interleaved slices (``slices`` per side:
    else each scenario's own, else :data:`DEFAULT_SLICES`), store both runs (unless not
    ``store_runs``) and judge head against base on paired slices: ``(base run, head run, outcome)``."""
    cfg = ws.config
    t = cfg.tier(tier)
    tname = t.name if t is not None else None
    plans = []
    for spec in specs:
        n = slices or spec.slices or DEFAULT_SLICES
        try:
            plans.append((spec, n, slice_models(spec.model, n)))
        except ValueError as exc:
            raise ConfigError(f"load scenario {spec.scenario.title!r}: {exc}") from None
    started = utcnow()
    results: dict[str, list[Result]] = {BASE: [], HEAD: []}
    with sigterm_interrupts(), trees(cfg.root, base, head, ws.environ) as (b, h):
        sides = {BASE: b, HEAD: h}
        with _setup(cfg, tname, sides, ws.environ, seed) as setup:
            total = sum(2 * n for _, n, _ in plans)
            progress = console.progress(total, "perfgate ab") if console is not None else None
            try:
                for index, (spec, n, models) in enumerate(plans):
                    measured: dict[str, list[tuple[int, Sequence[Result]]]] = {BASE: [], HEAD: []}
                    order = slice_order(seed * 1_000_003 + index, n)
                    # each pair of slices against freshly started services: an offset tied to a
                    # service's process (its memory layout, where its threads run) then differs from
                    # pair to pair, noise the paired test sees, instead of biasing every pair alike
                    for pair in (order[i : i + 2] for i in range(0, len(order), 2)):
                        with _fresh(setup, sides, [key for key, _ in pair]) as own:
                            for key, k in pair:
                                if progress is not None:
                                    label = f"{spec.scenario.title} ({key} {k + 1}/{n})"
                                    progress.advance(0, label=label)
                                ports = {**setup.shared.ports, **own[key].ports}  # the side's own first
                                at = aimed(spec, ports, tname)
                                report = run_load(at.scenario, models[k], workers=spec.workers)
                                measured[key].append((k, load_results(report)))
                                _check_alive([("shared", setup.shared), *own.items()])
                                if progress is not None:
                                    progress.advance(1)
                    for key in sides:
                        results[key] += _side_results(measured[key], n)
            finally:
                if progress is not None:
                    progress.close()
        finished = utcnow()
        runs = {}
        for key, side in sides.items():
            doc = ResultsDoc(
                started=started, finished=finished, status=RunStatus.COMPLETE, results=tuple(results[key])
            )
            runs[key] = build_run(ws, doc, tier=tname, git=side.git, tags=tuple(tags))
        labels = f"base {b.label} vs head {h.label}"
    if store_runs:
        with ws.store() as store:  # (both or neither: a head without its base judges nothing)
            store.add_runs([runs[BASE], runs[HEAD]])
    policy = cfg.policy(t)
    if threshold is not None:
        policy = policy.with_threshold(threshold)
    counts = ", ".join(sorted({f"{n} slices per side" for _, n, _ in plans}))
    notes = [
        f"perfgate ab: {labels}, load scenarios measured in interleaved slices ({counts}, seed {seed}); "
        f"base run {runs[BASE].id}"
    ]
    per_side = {s.name for s in cfg.services if s.runs_in(tname) and not s.shared}
    for spec in specs:
        if not (spec.needs_port and spec.service in per_side):
            notes.append(
                f"load scenario {spec.scenario.title!r} hits the same server on both sides (its URL has no "
                "{port} of a service started per side): its verdicts compare that server with itself"
            )
    settings = CompareSettings(machine_shift="ignore", paired_blocks=True, severity_rules=cfg.severity)
    outcome = evaluate(runs[HEAD], [runs[BASE]], policy, settings, notes)
    return runs[BASE], runs[HEAD], outcome
