"""What ``perfgate run`` executes for a tier: suites, one protocol for every kind.

A :class:`Suite` runs and returns a :class:`~perfgate.model.ResultsDoc` (its results, its status, when
it started and finished) and says whether it measures a deliberate subset of what is configured (the
gate then does not fail on benchmarks the run lacks). :func:`plan_suites` lists the suites of a tier:
pytest's benchmarks (the default kind), then one entry of :data:`KINDS` after another.

Adding a kind (harness suites, load scenarios) is one class implementing :class:`Suite` plus one
:class:`SuiteKind` line in :data:`KINDS`: whether the project configures any (then pytest no longer runs
by default) and the suites that run in a tier.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from perfgate.config import Config, Tier
from perfgate.errors import ConfigError, MeasureError
from perfgate.model import ResultsDoc, RunStatus, utcnow

if TYPE_CHECKING:
    from perfgate.load import LoadSpec
    from perfgate.measure.command import CommandBenchmark, CommandSpec
    from perfgate.measure.harness import HarnessSpec

__all__ = [
    "KINDS",
    "CommandSuite",
    "HarnessSuite",
    "LoadSuite",
    "OnCommandRun",
    "PytestSuite",
    "Suite",
    "SuiteContext",
    "SuiteKind",
    "command_specs",
    "harness_specs",
    "load_specs",
    "merge_docs",
    "plan_suites",
    "selects_tests",
]

OnCommandRun = Callable[["CommandBenchmark", int, "int | None"], None]


@dataclass(frozen=True, slots=True)
class SuiteContext:
    """What the suites of one run share: the project, the tier and the environment they run in."""

    config: Config
    tier: Tier | None
    environ: Mapping[str, str]
    on_command_run: OnCommandRun | None = None  # progress of command benchmarks, for the console
    redact: Callable[[str], str] = str  # what error messages pass through before they are kept
    # a soak's end (time.monotonic()): the load scenarios run together until then (LoadSuite)
    soak_until: float | None = None
    ports: Mapping[str, int] = field(default_factory=dict)  # the port each service got for {port}


class Suite(Protocol):
    """Something ``perfgate run`` executes for a tier, producing results."""

    @property
    def name(self) -> str:
        """For people: ``pytest``, ``commands``, a harness suite's configured name."""
        ...

    @property
    def subset(self) -> bool:
        """It measures a deliberate selection of its configured benchmarks (``pytest -k ...``): what the
        baseline has and this run lacks does not fail the gate."""
        ...

    def run(self, ctx: SuiteContext) -> ResultsDoc:
        """Measure (or run a harness and read its output); raise :class:`MeasureError` when that fails
        as a whole. A benchmark that failed is a result with an error, not an exception."""
        ...


@dataclass(frozen=True, slots=True)
class SuiteKind:
    """A kind of suite besides pytest's: whether a project ``configured`` any (for any tier), and the
    suites of it ``planned`` for a run's tier."""

    name: str
    configured: Callable[[Config], bool]
    planned: Callable[[SuiteContext], Sequence[Suite]]


# --- pytest benchmarks: the default kind ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PytestSuite:
    """The project's pytest benchmarks, measured in a child pytest (:func:`perfgate.runner.run_pytest`).

    ``allow_empty``: other suites run too, so collecting nothing is zero results, not an error.
    ``shard`` ``(K, N)``: only shard K of N of the selected benchmarks, balanced by ``shard_durations``
    (seconds by benchmark name; a stable hash of node ids without them).
    """

    args: tuple[str, ...] = ()
    allow_empty: bool = False
    subset: bool = False
    name: str = "pytest"
    shard: tuple[int, int] | None = None
    shard_durations: Mapping[str, float] | None = None

    def run(self, ctx: SuiteContext) -> ResultsDoc:
        from perfgate.runner import run_pytest  # the runner spawns processes; keep imports light

        return run_pytest(
            ctx.config,
            ctx.tier,
            self.args,
            environ=ctx.environ,
            allow_empty=self.allow_empty or self.shard is not None,
            shard=self.shard,
            shard_durations=self.shard_durations,
        ).doc


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


# --- command benchmarks ([[tool.perfgate.commands]]) ---------------------------------------------


def command_specs(cfg: Config, tier: Tier | None) -> tuple[CommandSpec, ...]:
    """The configured command benchmarks that run in ``tier`` (all of them without a tier)."""
    specs = [c for c in cfg.commands if c.runs_in(tier.name if tier else None)]
    if tier is None or tier.timeout is None:
        return tuple(specs)
    # a run that outlives the tier's per-benchmark timeout is stopped like a benchmark would be
    return tuple(c if c.timeout is not None else replace(c, timeout=tier.timeout) for c in specs)


@dataclass(frozen=True, slots=True)
class CommandSuite:
    """The tier's command benchmarks, measured one after another in the project root."""

    specs: tuple[CommandSpec, ...]
    name: str = "commands"
    subset: bool = False

    @staticmethod
    def planned(ctx: SuiteContext) -> Sequence[Suite]:
        specs = command_specs(ctx.config, ctx.tier)
        return (CommandSuite(specs),) if specs else ()

    def run(self, ctx: SuiteContext) -> ResultsDoc:
        from perfgate.measure.command import measurement_results, run_commands

        started = utcnow()
        measured = run_commands(
            self.specs, cwd=ctx.config.root, environ=ctx.environ, on_run=ctx.on_command_run
        )
        results = tuple(r for m in measured for r in measurement_results(m))
        return ResultsDoc(started=started, finished=utcnow(), status=RunStatus.COMPLETE, results=results)


# --- harness suites ([[tool.perfgate.suites]]: go test -bench, cargo bench, ...) -------------------


def harness_specs(cfg: Config, tier: Tier | None) -> tuple[HarnessSpec, ...]:
    """The configured harness suites that run in ``tier`` (all of them without a tier)."""
    return tuple(s for s in cfg.suites if s.runs_in(tier.name if tier else None))


@dataclass(frozen=True, slots=True)
class HarnessSuite:
    """One configured harness suite: its command run, its output read by an adapter
    (:func:`perfgate.measure.harness.run_harness`). A command that fails, times out or leaves nothing
    readable is failed results naming the suite, not an exception: the next suite still runs."""

    spec: HarnessSpec
    subset: bool = False

    @property
    def name(self) -> str:
        return self.spec.name

    @staticmethod
    def planned(ctx: SuiteContext) -> Sequence[Suite]:
        return tuple(HarnessSuite(s) for s in harness_specs(ctx.config, ctx.tier))

    def run(self, ctx: SuiteContext) -> ResultsDoc:
        from perfgate.measure.harness import run_harness

        started = utcnow()
        tier = ctx.tier.name if ctx.tier else None
        results = run_harness(self.spec, tier, ctx.config.root, ctx.environ, ctx.redact)
        done = utcnow()
        return ResultsDoc(started=started, finished=done, status=RunStatus.COMPLETE, results=tuple(results))


# --- load scenarios ([[tool.perfgate.load]]) -------------------------------------------------------


def load_specs(cfg: Config, tier: Tier | None) -> tuple[LoadSpec, ...]:
    """The ``[[tool.perfgate.load]]`` scenarios that run in ``tier`` (all of them without a tier)."""
    return tuple(s for s in cfg.load if tier is None or s.tiers is None or tier.name in s.tiers)


@dataclass(frozen=True, slots=True)
class LoadSuite:
    """The tier's load scenarios, run one after another against servers already listening
    (:func:`perfgate.load.run_load`); each scenario's results are metrics such as ``rps`` and
    ``latency_p99`` with one sample per second.

    During a soak (``ctx.soak_until``) they run together instead, each held until the soak ends
    (:func:`perfgate.load.soak.held_for`: an open model keeps its last rate, a closed model's users
    keep sending), so the services are sampled under load the whole time."""

    specs: tuple[LoadSpec, ...]
    name: str = "load"
    subset: bool = False

    @staticmethod
    def planned(ctx: SuiteContext) -> Sequence[Suite]:
        specs = load_specs(ctx.config, ctx.tier)
        return (LoadSuite(specs),) if specs else ()

    def run(self, ctx: SuiteContext) -> ResultsDoc:
        from perfgate.load import load_results, run_load

        started = utcnow()
        tier = ctx.tier.name if ctx.tier else None
        specs = tuple(aimed(spec, ctx.ports, tier) for spec in self.specs)
        if ctx.soak_until is not None:
            return self._soak(specs, ctx.soak_until, started)
        results = tuple(
            r
            for spec in specs
            for r in load_results(run_load(spec.scenario, spec.model, workers=spec.workers))
        )
        return ResultsDoc(started=started, finished=utcnow(), status=RunStatus.COMPLETE, results=results)

    @staticmethod
    def _soak(scenarios: Sequence[LoadSpec], until: float, started: datetime) -> ResultsDoc:
        import time

        from perfgate.load import load_results
        from perfgate.load.soak import held_for, run_together

        left = until - time.monotonic()
        specs = [replace(s, model=held_for(s.model, left - s.model.warmup)) for s in scenarios]
        results = tuple(r for report in run_together(specs) for r in load_results(report))
        return ResultsDoc(started=started, finished=utcnow(), status=RunStatus.COMPLETE, results=results)


def aimed(spec: LoadSpec, ports: Mapping[str, int], tier: str | None) -> LoadSpec:
    """``spec`` with ``{port}`` in its URL replaced by the port its service got (``ports``: service
    name -> port, as :class:`~perfgate.measure.services.Services` gives them); a scenario aimed at a
    service that is not running is a :class:`~perfgate.errors.ConfigError`."""
    if not spec.needs_port:
        return spec
    port = ports.get(spec.service or "")
    if port is None:
        raise ConfigError(
            f"load scenario {spec.scenario.title!r} targets service {spec.service!r}, which "
            f"{'tier ' + repr(tier) if tier else 'this run'} does not start (see its tiers)"
        )
    return spec.at_port(port)


#: The kinds of suite that run after pytest's, in order. A new kind is one line here.
KINDS: tuple[SuiteKind, ...] = (
    SuiteKind("suites", lambda cfg: bool(cfg.suites), HarnessSuite.planned),
    SuiteKind("commands", lambda cfg: bool(cfg.commands), CommandSuite.planned),
    SuiteKind("load", lambda cfg: bool(cfg.load), LoadSuite.planned),
)


def plan_suites(
    ctx: SuiteContext,
    pytest_args: Sequence[str] = (),
    *,
    kinds: Sequence[SuiteKind] = KINDS,
    shard: tuple[int, int] | None = None,
    shard_durations: Mapping[str, float] | None = None,
) -> tuple[Suite, ...]:
    """The suites a run of ``ctx.tier`` executes, in order.

    pytest's benchmarks run when ``benchmarks`` is configured, when ``pytest_args`` are given, or when
    no other kind of suite is configured at all; the tier's suites of the other ``kinds`` run after
    them. With other suites in this tier, a pytest that collects nothing is zero results. ``pytest_args``
    select pytest tests only: the other suites of the tier always run. In a ``shard`` ``(K, N)``, pytest
    measures shard K of its benchmarks and the other suites run in shard 1 only.
    """
    cfg = ctx.config
    others = [s for kind in kinds for s in kind.planned(ctx)]
    suites: list[Suite] = []
    if cfg.benchmarks or pytest_args or not any(kind.configured(cfg) for kind in kinds):
        subset = selects_tests(cfg.root, pytest_args)
        suites.append(
            PytestSuite(
                tuple(pytest_args),
                allow_empty=bool(others),
                subset=subset,
                shard=shard,
                shard_durations=shard_durations,
            )
        )
    elif not others:
        t = ctx.tier
        raise MeasureError(
            f"nothing to run for tier {t.name if t else None!r}: no command benchmark, suite or load "
            "scenario lists it and no pytest benchmarks are configured ([tool.perfgate] benchmarks = [...])"
        )
    if shard is None or shard[0] == 1:
        suites += others
    if not suites:  # a later shard of a project without pytest benchmarks: an empty run
        suites.append(_Nothing())
    return tuple(suites)


@dataclass(frozen=True, slots=True)
class _Nothing:
    """No suite: a shard after the first of a project whose only benchmarks run in shard 1."""

    name: str = "nothing"
    subset: bool = False

    def run(self, ctx: SuiteContext) -> ResultsDoc:
        now = utcnow()
        return ResultsDoc(started=now, finished=now, status=RunStatus.COMPLETE, results=())


#: a run's status is the worst of its suites'
_STATUS_RANK = (RunStatus.COMPLETE, RunStatus.PARTIAL, RunStatus.FAILED)


def merge_docs(docs: Sequence[ResultsDoc]) -> ResultsDoc:
    """The results of one run's suites as one document: every result in suite order, the earliest
    start, the last suite's finish, the worst status."""
    if not docs:
        raise ValueError("no results documents to merge")
    if len(docs) == 1:
        return docs[0]
    return ResultsDoc(
        started=min(d.started for d in docs),
        finished=docs[-1].finished,
        status=max((d.status for d in docs), key=_STATUS_RANK.index),
        results=tuple(r for d in docs for r in d.results),
    )
