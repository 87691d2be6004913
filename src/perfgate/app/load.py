"""``perfgate load``: load scenarios measured with the services they hit started around them.

The front end builds the scenarios (one from its command line, or the configured
``[[tool.perfgate.load]]`` ones); :func:`measure_load` starts the services (as ``perfgate run`` does:
:func:`~perfgate.app.suite.tier_services`), runs the scenarios one after another, samples what the
services used, stops them, and returns the results; :func:`~perfgate.app.commands.gate_measured`
gates them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from perfgate.app.suite import services_results, tier_services
from perfgate.app.suites import SuiteContext, aimed, load_specs
from perfgate.app.workspace import Workspace
from perfgate.config import Tier
from perfgate.errors import ConfigError
from perfgate.load import LoadReport, LoadSpec, Window, load_results, run_load
from perfgate.model import Result, utcnow

__all__ = ["LoadMeasured", "configured_scenarios", "measure_load"]

#: progress of one scenario: called with it, returns what to call with each of its windows (or None)
OnScenario = Callable[[LoadSpec], "Callable[[int, Window], None] | None"]


@dataclass(frozen=True, slots=True)
class LoadMeasured:
    """What :func:`measure_load` measured: each scenario's report (for the summary a person reads) and
    every result (the scenarios', then what the services used or how they died)."""

    reports: tuple[LoadReport, ...]
    results: tuple[Result, ...]
    started: datetime
    finished: datetime


def configured_scenarios(ws: Workspace, tier: Tier | None, names: Sequence[str] = ()) -> tuple[LoadSpec, ...]:
    """The ``[[tool.perfgate.load]]`` scenarios of ``tier`` (all of them without one), or only those
    named (by ``name``, else their ``METHOD URL`` title). None, or an unknown name, is a
    :class:`~perfgate.errors.ConfigError` saying what there is."""
    specs = load_specs(ws.config, tier)
    where = f"tier {tier.name!r}" if tier is not None else "the configuration"
    titles = ", ".join(repr(s.scenario.title) for s in specs) or "none"
    if not specs:
        raise ConfigError(f"no [[tool.perfgate.load]] scenario runs in {where}: give a URL, or configure one")
    if not names:
        return specs
    unknown = [n for n in dict.fromkeys(names) if not any(s.scenario.title == n for s in specs)]
    if unknown:
        raise ConfigError(f"no load scenario {unknown[0]!r} in {where} (scenarios: {titles})")
    return tuple(s for s in specs if s.scenario.title in names)


def measure_load(
    ws: Workspace,
    specs: Sequence[LoadSpec],
    *,
    tier: Tier | None = None,
    services: Sequence[str] | None = (),
    on_scenario: OnScenario | None = None,
) -> LoadMeasured:
    """Run ``specs`` one after another with ``services`` running: those named (``()``: none), or, given
    None, those of ``tier`` (all of them without a tier), as ``perfgate run`` starts them. The services'
    process trees are sampled while the scenarios run (``service:<name>`` results: ``cpu_percent``,
    ``rss_peak`` ...); one that dies meanwhile is a failed ``service:<name>`` result quoting its log;
    one that never becomes ready is a :class:`~perfgate.errors.MeasureError` (nothing measured) after
    the services started are stopped. They are stopped in any case, Ctrl-C included."""
    ctx = SuiteContext(ws.config, tier, ws.environ, None, ws.redactor())
    started = utcnow()
    reports: list[LoadReport] = []
    with tier_services(ws, ctx, services) as running:
        for spec in specs:
            on_window = on_scenario(spec) if on_scenario is not None else None
            at = aimed(spec, running.ctx.ports, tier.name if tier else None)  # {port}: its service's
            reports.append(run_load(at.scenario, at.model, workers=at.workers, on_window=on_window))
        died = running.died()
        used = running.resources()
    results = tuple(r for report in reports for r in load_results(report))
    results += services_results(died, used, ctx.redact)
    return LoadMeasured(tuple(reports), results, started, utcnow())
