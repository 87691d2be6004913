"""perfgate's pytest plugin: a ``benchmark`` fixture (drop-in for pytest-benchmark's) and a
``@pytest.mark.benchmark`` marker that also measures whole test bodies (as pytest-codspeed does).

When is anything measured?
    Only when asked: ``--perfgate``, ``--perfgate-json PATH``, ``--benchmark-json PATH``,
    ``--benchmark-only``, ``--benchmark-save``/``-autosave`` or ``--benchmark-compare`` turn measurement
    on. Otherwise (and always with ``--benchmark-disable``) a benchmark runs its function exactly once,
    unmeasured, so an ordinary ``pytest`` run stays fast and still checks that benchmarks work.

What is recorded?
    Per benchmark a :class:`~perfgate.model.Result` with metric ``time`` (seconds per call, one sample per
    round) and one with ``cpu_time``; ``throughput``/``item_throughput`` when bytes or items per call are
    declared; ``peak_memory`` and ``allocations`` with ``--perfgate-memory`` or marker ``memory=True``.
    The name is the pytest node id (relative to the rootdir); every parametrize value becomes one of
    ``BenchmarkId.params``: the text of str, numbers, bools, None and enums, else a ``repr`` of at most
    120 characters without memory addresses (pytest's own id is in the name's ``[...]``). A benchmark
    that raises is a Result with ``error`` (``ExceptionType: message``) and the test fails as usual; a
    test that requested the fixture and failed before using it is recorded as failed too.

How is it measured?
    See :mod:`perfgate.measure.timer` and docs/measurement.md: rounds calibrated to >=
    max(``--benchmark-min-time``, 1000 clock steps), warm-up until the figure settles (at most a tenth of
    ``--benchmark-max-time``; ``--benchmark-warmup=no`` to skip), the loop's own cost subtracted, rounds
    until the median's CI is within ``--perfgate-precision`` (looked at after half of max-time) or
    max-time is spent, at least ``--benchmark-min-rounds``; GC collected before and off during rounds
    (``--perfgate-keep-gc`` keeps it on); ``random`` seeded per benchmark. A marked test without the
    fixture has its body called repeatedly with the same fixture values (fixtures are set up once);
    coroutines are awaited on an event loop. Each benchmark is measured in ``--perfgate-passes`` passes
    through the suite (a share of max-time each; later passes re-run the benchmark tests unreported) and
    its pooled rounds become samples, each the best of ~``--perfgate-rounds-per-sample`` rounds spread
    over the measurement (:mod:`perfgate.measure.spread`). ``--perfgate-processes N`` pools N processes.

Limits:
    ``--perfgate-timeout S`` stops measuring a benchmark after S seconds (the rounds so far count); a
    single call running past it is interrupted with SIGALRM (main thread, POSIX) and recorded as failed,
    "timed out after Ss". ``--perfgate-budget S`` counts wall time from the start of the session: once
    spent, remaining benchmarks are skipped with a message, a running one stops after its current
    round, and the run's status is ``partial``. Until then each benchmark may spend an equal share of
    what is left among the benchmarks still to run. An interrupted session (Ctrl-C, ``-x``) is ``partial``.

Living next to pytest-benchmark:
    Both plugins want ``--benchmark-*`` and the ``benchmark`` fixture. When pytest-benchmark is loaded,
    it owns them and perfgate stays inactive, saying so once in the session header; ``--perfgate*`` then
    stops with a usage error asking for ``-p no:benchmark``. With ``-p no:benchmark`` (or pytest-benchmark
    not installed) perfgate registers the ``--benchmark-*`` options and owns the fixture: a suite's own
    workflow keeps working. ``--benchmark-save``/``--benchmark-autosave`` measure and save in
    pytest-benchmark's storage, ``--benchmark-compare``/``--benchmark-compare-fail`` compare with a saved
    run (see :mod:`perfgate.pytest_plugin.saved`); coverage (``--cov``) on while measuring is warned about.

pytest-xdist:
    When measuring, xdist's ``-n``/``--dist`` (often in a suite's ``addopts``) is set aside and the
    tests run serially in one process, which the session header says (the summary, under ``-q``):
    benchmarks running in parallel measure each other. Unmeasured runs under xdist are distributed as usual.
"""

from __future__ import annotations

import functools
import inspect
import os
import sys
from collections.abc import Callable, Generator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from perfgate.measure import (
    BenchmarkTimeout,
    Measurement,
    MemoryUse,
    RoundWatch,
    Timer,
    calls_per_batch,
    measure_memory_samples,
)
from perfgate.measure.aio import new_event_loop
from perfgate.measure.timer import runqueue_wait_ns
from perfgate.model import format_value
from perfgate.pytest_plugin import fixture as _fixture_module
from perfgate.pytest_plugin import saved
from perfgate.pytest_plugin import shard as _shard
from perfgate.pytest_plugin import worker as _worker
from perfgate.pytest_plugin.fixture import SESSION_KEY, BenchmarkFixture
from perfgate.pytest_plugin.markers import MARKER_HELP, is_benchmark, item_extras, item_settings, uses_fixture
from perfgate.pytest_plugin.options import add_options, benchmark_plugin_present, parse_options
from perfgate.pytest_plugin.pb_json import write_pytest_benchmark_json
from perfgate.pytest_plugin.processes import pool, run_children
from perfgate.pytest_plugin.report import summary_lines
from perfgate.pytest_plugin.session import PerfgateSession, benchmark_id, error_line

__all__ = ["BenchmarkFixture", "PerfgateSession"]

_DORMANT = pytest.StashKey[bool]()
_WROTE = pytest.StashKey[str]()

CODSPEED_DORMANT = (
    "perfgate: pytest-codspeed is measuring (--codspeed or CODSPEED_ENV) and owns the `benchmark` fixture "
    "and marker; perfgate is inactive"
)
CODSPEED_IDLE = (
    "perfgate: pytest-codspeed is installed but not measuring (no --codspeed); perfgate owns the `benchmark` "
    "fixture and marker"
)
_CODSPEED_IDLE = pytest.StashKey[bool]()
_CODSPEED_OWNS = pytest.StashKey[bool]()
_SERIAL = pytest.StashKey[str]()  # why pytest-xdist was set aside
_TRACED = pytest.StashKey[str]()  # a tracer (coverage) was on while measuring: the warning
_COMPARED = pytest.StashKey["saved.Compared"]()  # the saved run --benchmark-compare reads
_KEPT = pytest.StashKey[list[str]]()  # what saving and comparing have to say at the end
_NOT_COMPARED = pytest.StashKey[str]()  # --benchmark-compare found no saved run (a warning)

DORMANT_MESSAGE = (
    "perfgate: pytest-benchmark is loaded too and owns the `benchmark` fixture and --benchmark-* options; "
    "perfgate is inactive (run with `-p no:benchmark` to measure with perfgate)"
)


def _session(config: pytest.Config) -> PerfgateSession | None:
    return config.stash.get(SESSION_KEY, None)


def _measuring(config: pytest.Config) -> PerfgateSession | None:
    s = _session(config)
    return s if s is not None and s.options.measure else None


def _is_failure(exc: BaseException) -> bool:
    """Whether an exception out of a benchmark is a failure to record (not a skip or an interrupt)."""
    return not isinstance(exc, KeyboardInterrupt | SystemExit | GeneratorExit | pytest.skip.Exception)


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    add_options(parser, pluginmanager)
    _worker.add_option(parser)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", MARKER_HELP)
    _configure_shard(config)
    if benchmark_plugin_present(config.pluginmanager):
        if config.getoption("perfgate") or config.getoption("perfgate_json"):
            raise pytest.UsageError(
                "perfgate: --perfgate needs the `benchmark` fixture, but pytest-benchmark is loaded too and "
                "owns it: add `-p no:benchmark` to the pytest command line"
            )
        config.stash[_DORMANT] = True
        return
    options = parse_options(config)
    if _codspeed_measuring(config):
        if options.measure:
            raise pytest.UsageError(
                "perfgate: pytest-codspeed is measuring too (--codspeed or CODSPEED_ENV): measure with one "
                "of them per pytest run (drop --codspeed, or add `-p no:codspeed` to measure with perfgate)"
            )
        # Unmeasured, perfgate's fixture stays registered: pytest-codspeed replaces it at session start
        # (and, on pytest < 9.1, expects one to be there to set aside).
        config.stash[_CODSPEED_OWNS] = True
    else:
        config.stash[_CODSPEED_IDLE] = config.pluginmanager.has_plugin("codspeed")
    if options.measure:
        if hasattr(config, "workerinput"):  # an xdist worker: its controller did not load perfgate
            raise pytest.UsageError(
                "perfgate: benchmarks must not run in parallel: drop -n/--dist (pytest-xdist) when "
                "measuring with --perfgate, --perfgate-json or --benchmark-only"
            )
        _run_serially(config)
    worker_timeout = None
    if config.getoption("perfgate_worker", None):
        # perfgate ab: its controller spreads the tier's budget over both sides (and interleaves instead
        # of passes and processes); the worker applies the timeout to each call it runs for it.
        worker_timeout, options = options.timeout, replace(options, timeout=None, budget=None)
    config.stash[SESSION_KEY] = PerfgateSession(options, redact=_Redact(config.rootpath))
    # the saved run to compare with is chosen before this run saves: autosave compares with the last
    if options.measure and options.compare is not None and options.storage and not options.process_of:
        try:
            config.stash[_COMPARED] = saved.load_compared(options.storage, options.compare)
        except saved.NothingToCompare as exc:
            if options.compare_fail:  # a check with nothing to check against must not pass
                raise pytest.UsageError(str(exc)) from None
            config.stash[_NOT_COMPARED] = f"{exc}: nothing compared"
    config.pluginmanager.register(_fixture_module, "perfgate-fixture")
    _worker.configure(config, timeout=worker_timeout)


def _configure_shard(config: pytest.Config) -> None:
    """``--perfgate-shard K/N``: keep one shard of the selected benchmarks (see :mod:`.shard`)."""
    spec = config.getoption("perfgate_shard", None)
    if spec is None:
        if config.getoption("perfgate_shard_durations", None):
            raise pytest.UsageError("perfgate: --perfgate-shard-durations needs --perfgate-shard K/N")
        return
    path = config.getoption("perfgate_shard_durations", None)
    durations = _shard.read_durations(path) if path else None
    config.pluginmanager.register(_shard.ShardPlugin(spec[0], spec[1], durations), "perfgate-shard")


def _run_serially(config: pytest.Config) -> None:
    """Set pytest-xdist's distribution aside (``-n auto`` in a suite's addopts, ``--dist``): measured in
    parallel, benchmarks would disturb each other. xdist starts its workers in its own (trylast)
    ``pytest_configure``, after this one, and does not when ``dist`` is "no"."""
    opt = config.option
    workers = getattr(opt, "numprocesses", None)
    dist = getattr(opt, "dist", "no")
    if not workers and (not dist or dist == "no" or not getattr(opt, "tx", None)):
        return  # xdist would not distribute: --dist alone, without -n or --tx, starts no worker
    opt.dist, opt.numprocesses, opt.tx = "no", 0, []
    asked = f"-n {workers}" if workers else f"--dist {dist}"
    config.stash[_SERIAL] = (
        f"perfgate: measuring, so tests run serially in this process: pytest-xdist's {asked} is set aside "
        "(parallel benchmarks would slow each other down)"
    )


def _codspeed_measuring(config: pytest.Config) -> bool:
    """Whether pytest-codspeed is loaded and will measure in this run (its own rule: --codspeed or
    CODSPEED_ENV). Then it replaces the `benchmark` fixture when the session starts."""
    if not config.pluginmanager.has_plugin("codspeed"):
        return False
    return bool(config.getoption("codspeed", False)) or os.environ.get("CODSPEED_ENV") is not None


def pytest_report_header(config: pytest.Config) -> list[str]:
    if config.stash.get(_DORMANT, False):
        return [DORMANT_MESSAGE]
    if config.stash.get(_CODSPEED_OWNS, False):
        return [CODSPEED_DORMANT]
    s = _measuring(config)
    if s is None:
        return []
    o = s.options
    t = o.timer
    parts = [
        f"max-time {t.max_time:g}s",
        f"min-rounds {t.min_rounds}",
        f"min round {format_value(t.min_time, 's')}",
        "gc off while measuring" if t.disable_gc else "gc on",
        f"precision ±{t.ci_target:.2%}" if t.ci_target is not None else "no adaptive stop",
    ]
    if o.passes > 1:
        parts.append(f"{o.passes} passes")
    if o.rounds_per_sample > 1:
        parts.append(f"sample = best of ~{o.rounds_per_sample} spread rounds")
    if o.memory:
        parts.append("memory traced")
    if o.processes > 1:
        parts.append(f"{o.processes} processes, pooled")
    if o.timeout is not None:
        parts.append(f"timeout {o.timeout:g}s")
    if o.budget is not None:
        parts.append(f"budget {o.budget:g}s")
    lines = ["perfgate: measuring benchmarks (" + ", ".join(parts) + ")"]
    if _SERIAL in config.stash:
        lines.append(config.stash[_SERIAL])
    if config.stash.get(_CODSPEED_IDLE, False):
        lines.append(CODSPEED_IDLE)
    return lines


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    s = _session(config)
    if s is None:
        return
    if s.options.only:
        mark = pytest.mark.skip(reason="perfgate: not a benchmark (--benchmark-only)")
        for item in items:
            if not is_benchmark(item):
                item.add_marker(mark)
    elif s.options.skip:
        mark = pytest.mark.skip(reason="perfgate: benchmark skipped (--benchmark-skip)")
        for item in items:
            if is_benchmark(item):
                item.add_marker(mark)


def pytest_collection_finish(session: pytest.Session) -> None:
    s = _session(session.config)
    if s is not None:  # after -k/-m deselection: what will run shares the budget
        s.planned = sum(1 for item in session.items if is_benchmark(item))
    if s is not None and s.options.measure and s.planned:
        tracer = _tracer()  # pytest-cov started coverage before the session; measuring comes next
        if tracer is not None:
            session.config.stash[_TRACED] = _traced_warning(tracer, session.config)


def _tracer() -> str | None:
    """What traces or monitors every Python call in this process (coverage, a debugger, a profiler)."""
    for hook in (sys.gettrace(), sys.getprofile()):
        if hook is not None:
            return getattr(type(hook), "__module__", "") + "." + type(hook).__qualname__
    monitoring = getattr(sys, "monitoring", None)  # Python 3.12+: coverage's "sysmon" core
    if monitoring is not None:
        for tool in range(6):
            name = monitoring.get_tool(tool)
            if name:
                return str(name)
    return None


def _traced_warning(tracer: str, config: pytest.Config) -> str:
    """One line: the measured times include a tracer's cost, and how to measure without it."""
    if tracer.startswith("coverage") or tracer == "coverage.py":
        remedy = "measure in a run without coverage"
        if config.pluginmanager.has_plugin("_cov"):  # pytest-cov
            remedy += " (add --no-cov, or drop --cov)"
        return (
            "perfgate: coverage was tracing calls while measuring: traced rounds include its cost and "
            f"do not compare with untraced runs; {remedy}"
        )
    return (
        f"perfgate: a tracer ({tracer}) was active while measuring: the times include its cost; measure "
        "without it (debugger, profiler or coverage off)"
    )


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    s = _measuring(item.config)
    if s is None or not is_benchmark(item) or not s.budget_spent():
        return
    if s.pass_index > 1:  # measured in the first pass already: the run is not partial for this
        pytest.skip("perfgate: time budget spent; no further passes")
    s.skipped_by_budget.append(item.nodeid)
    pytest.skip(f"perfgate: time budget of {s.options.budget:g}s spent; benchmark not run")


@pytest.hookimpl(wrapper=True, tryfirst=True)  # outermost: after the terminal's own end of the loop
def pytest_runtestloop(session: pytest.Session) -> Generator[None, object, object]:
    """After pytest's own pass through the tests, the further passes of ``--perfgate-passes``."""
    outcome = yield
    s = _measuring(session.config)
    if s is None or s.options.passes <= 1 or _worker.active(session.config) is not None:
        return outcome
    if session.shouldfail or session.shouldstop or s.budget_spent():
        return outcome
    items = [item for item in session.items if item.nodeid in s.spread]
    if items:
        _more_passes(session, s, items)
    return outcome


class _Redact:
    """Keeps the environment's secrets (and the project's ``redact`` variables) out of a failed
    benchmark's error. Built at the first error: reading the configuration imports numpy, which a run
    that records no error need not pay for; a configuration that does not read is reported by
    ``perfgate run``, not here."""

    def __init__(self, root: Path) -> None:
        self._root = root
        self._redact: Callable[[str], str] | None = None

    def __call__(self, text: str) -> str:
        if self._redact is None:
            from perfgate.config import load_config
            from perfgate.context import redactor
            from perfgate.errors import PerfgateError

            try:
                names = load_config(self._root).redact
            except PerfgateError:
                names = ()
            self._redact = redactor(os.environ, names)
        return self._redact(text)


def _more_passes(session: pytest.Session, s: PerfgateSession, items: list[pytest.Item]) -> None:
    """Passes 2..N over the benchmarks measured spread out: each spends its share again; the rounds of
    every pass are pooled per benchmark. Reports are not logged (each test already reported once); a
    benchmark failing in a later pass is recorded as failed."""
    from _pytest.runner import runtestprotocol

    passes = s.options.passes
    reporter: Any = session.config.pluginmanager.get_plugin("terminalreporter")
    show = reporter is not None and reporter.verbosity >= 0
    if show:
        reporter.ensure_newline()
        reporter.write(
            f"perfgate: {passes - 1} more passes over {len(items)} benchmark(s), to spread their rounds:"
        )
    first = s.results
    batches: list[list[Any]] = []
    try:
        for p in range(2, passes + 1):
            if session.shouldstop or session.shouldfail or s.budget_spent():
                break
            s.pass_index = p
            s.results = {}
            try:
                for i, item in enumerate(items):
                    if s.budget_spent():
                        break  # what is left of the session tears the fixtures down
                    last = p == passes and i == len(items) - 1
                    nextitem: Any = None if last else items[(i + 1) % len(items)]
                    if nextitem is item:  # one benchmark: keep what encloses it, set the test up afresh
                        nextitem = item.parent
                    for report in runtestprotocol(item, log=False, nextitem=nextitem):
                        if report.failed and report.when != "call":
                            s.pass_problems.append(f"pass {p}: {item.nodeid} failed in {report.when}")
            finally:
                batches.append(list(s.results.values()))
            if show:
                reporter.write(f" {p}", flush=True)
    finally:
        if show:
            reporter.ensure_newline()
        s.results = first
        s.pass_index = 1
        if batches:
            s.results = pool(s.results, batches, count_key="passes", elsewhere="a later pass")


def _measure_body(item: pytest.Function, s: PerfgateSession) -> None:
    """Measure a marked test without the fixture: its body, called repeatedly with the same fixtures."""
    settings, group = item_settings(item, s)
    extras = item_extras(item, s)
    testargs = {arg: item.funcargs[arg] for arg in item._fixtureinfo.argnames}
    fn = functools.partial(item.obj, **testargs)
    is_coroutine = inspect.iscoroutinefunction(item.obj)
    loop = new_event_loop(extras.uvloop) if is_coroutine else None
    timer = Timer(settings, clock=s.clock, loop=loop, wait_clock=runqueue_wait_ns)
    bid = benchmark_id(item, group)

    def run(deadline: int | None, watch: RoundWatch) -> Measurement:
        if loop is None and (worker := _worker.active(item.config)) is not None:  # perfgate ab
            return worker.serve(item.nodeid, fn, settings)
        return timer.run(fn, deadline_ns=deadline, watch=watch)

    memory: tuple[MemoryUse, ...] = ()
    try:
        m, stopped_by = s.measure(item.nodeid, run)
        if extras.memory and s.pass_index == 1:  # traced batches once per session, not per pass
            calls = calls_per_batch(m.summary().median if m.samples else None)
            memory = measure_memory_samples(fn, loop=loop, disable_gc=settings.disable_gc, calls=calls)
    except BenchmarkTimeout as exc:
        s.record_error(bid, error_line(exc), mode="marker", extra_info={})
        pytest.fail(f"perfgate: {item.nodeid} {exc}", pytrace=False)
    except BaseException as exc:
        if _is_failure(exc):
            s.record_error(bid, error_line(exc), mode="marker", extra_info={})
        raise
    finally:
        if loop is not None:
            loop.close()
    s.record_measurement(
        bid,
        m,
        stopped_by,
        mode="marker",
        extra_info={},
        disable_gc=settings.disable_gc,
        per_call=extras.per_call,
        memory=memory,
    )


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    s = _measuring(pyfuncitem.config)
    if s is None or uses_fixture(pyfuncitem) or pyfuncitem.get_closest_marker("benchmark") is None:
        return None
    _measure_body(pyfuncitem, s)  # an async body is awaited on an event loop of its own
    return True


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    report = yield
    s = _measuring(item.config)
    if s is None or not is_benchmark(item):
        return report
    failure = call.excinfo.value if call.excinfo is not None and report.failed else None
    fixture = uses_fixture(item)
    if call.when == "call" and fixture:
        fx = getattr(item, "funcargs", {}).get("benchmark")
        if isinstance(fx, BenchmarkFixture):
            fx.record(failure)
    if failure is not None and _is_failure(failure):
        # A benchmark whose test fails, in any phase and before or after measuring, is a failed Result.
        marker = item.get_closest_marker("benchmark")
        group = marker.kwargs.get("group") if marker is not None else None
        bid = benchmark_id(item, group if isinstance(group, str) else None)
        phase = "" if call.when == "call" else f"{call.when}: "
        s.fail(bid, phase + error_line(failure), mode="fixture" if fixture else "marker")
    return report


def pytest_sessionfinish(session: pytest.Session, exitstatus: int | pytest.ExitCode) -> None:
    s = _session(session.config)
    if s is None:
        return
    stopped_early = bool(session.shouldstop or session.shouldfail)
    status = s.status(exitstatus, stopped_early)
    if s.options.processes > 1 and s.options.measure and s.results and _worker.active(session.config) is None:
        compat = not benchmark_plugin_present(session.config.pluginmanager)
        batches, problems = run_children(session.config, s.options.processes, compat)
        s.results = pool(s.results, batches)
        for line in problems:
            sys.stderr.write(f"perfgate: {line}\n")
    for line in s.pass_problems:
        sys.stderr.write(f"perfgate: {line}\n")
    s.finalize()
    if s.options.benchmark_json is not None:  # pytest-benchmark's format, of the same samples as ours
        try:
            write_pytest_benchmark_json(s.options.benchmark_json, list(s.results.values()), s.options)
        except OSError as exc:
            sys.stderr.write(f"perfgate: cannot write {s.options.benchmark_json}: {exc.strerror or exc}\n")
            session.exitstatus = pytest.ExitCode.INTERNAL_ERROR
    if s.options.process_of is None:
        _save_and_compare(session, s)
    if s.options.json_path is None:
        return
    path = s.options.json_path
    try:
        s.write_json(path, status)
    except OSError as exc:
        sys.stderr.write(f"perfgate: cannot write {path}: {exc.strerror or exc}\n")
        session.exitstatus = pytest.ExitCode.INTERNAL_ERROR
        return
    session.config.stash[_WROTE] = f"perfgate: wrote {len(s.results)} result(s), status {status}, to {path}"


def _save_and_compare(session: pytest.Session, s: PerfgateSession) -> None:
    """``--benchmark-save``/``-autosave``: write the run in pytest-benchmark's storage;
    ``--benchmark-compare``: compare with the saved run chosen at start, and with
    ``--benchmark-compare-fail`` turn a regression into exit status 1."""
    o = s.options
    if o.storage is None:
        return
    config = session.config
    lines: list[str] = []
    if not o.measure:
        lines.append(
            "perfgate: nothing saved or compared, benchmarks were not measured (--benchmark-disable)"
        )
    measured = [r for r in s.results.values() if r.metric == "time" and r.summary is not None]
    if _NOT_COMPARED in config.stash:
        lines.append(config.stash[_NOT_COMPARED])
    compared = config.stash.get(_COMPARED, None)
    if compared is not None:
        shown, failures = saved.comparison_lines(compared, list(s.results.values()), o.compare_fail)
        lines.extend(shown)
        if failures:
            checks = " ".join(c.text for c in o.compare_fail)
            lines.append(f"perfgate: performance has regressed (--benchmark-compare-fail {checks}):")
            lines.extend(f"  {line}" for line in failures)
            if session.exitstatus == pytest.ExitCode.OK:
                session.exitstatus = pytest.ExitCode.TESTS_FAILED
    if o.measure and (o.save is not None or o.autosave):
        name = o.save if o.save is not None else _autosave_name(config, s)
        path = saved.save_path(o.storage, name)
        if not measured:
            lines.append("perfgate: nothing saved: no benchmark was measured")
        else:
            try:
                write_pytest_benchmark_json(path, list(s.results.values()), o)
                lines.append(f"perfgate: saved {len(measured)} benchmark(s) to {saved.shown_path(path)}")
            except OSError as exc:
                sys.stderr.write(f"perfgate: cannot write {path}: {exc.strerror or exc}\n")
                session.exitstatus = pytest.ExitCode.INTERNAL_ERROR
    config.stash[_KEPT] = lines


def _autosave_name(config: pytest.Config, s: PerfgateSession) -> str:
    from perfgate.context.git import git_info
    from perfgate.errors import PerfgateError

    try:
        git = git_info(config.invocation_params.dir)
    except PerfgateError:
        git = None
    return saved.autosave_name(git.commit if git else None, bool(git and git.dirty), s.started)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    s = _measuring(config)
    if s is not None and s.results:
        terminalreporter.write_sep("-", "perfgate benchmarks (time per call)")
        times = [r for r in s.results.values() if r.metric == "time"]
        for line in summary_lines(times, width=config.get_terminal_writer().fullwidth):
            terminalreporter.write_line(line)
    if s is not None and s.skipped_by_budget:
        terminalreporter.write_line(
            f"perfgate: time budget of {s.options.budget:g}s spent: {len(s.skipped_by_budget)} benchmark(s) "
            "skipped, the run is partial (raise --perfgate-budget or lower --benchmark-max-time)"
        )
    wrote = config.stash.get(_WROTE, None)
    if wrote is not None:
        terminalreporter.write_line(wrote)
    if _SERIAL in config.stash and config.get_verbosity() < 0:  # -q: no header said it
        terminalreporter.write_line(config.stash[_SERIAL])
    for line in config.stash.get(_KEPT, []):
        terminalreporter.write_line(line)
    traced = config.stash.get(_TRACED, None)
    if traced is not None and s is not None and s.results:
        terminalreporter.write_line(traced, yellow=True)
