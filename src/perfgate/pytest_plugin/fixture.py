"""The ``benchmark`` fixture: a drop-in for pytest-benchmark's.

``benchmark(fn, *args, **kwargs)`` measures ``fn`` and returns what it returns;
``benchmark.pedantic(target, args, kwargs, setup, rounds, warmup_rounds, iterations)`` runs a fixed
number of rounds. When measurement is off (no ``--perfgate``/``--perfgate-json``/``--benchmark-only``,
or ``--benchmark-disable``) both call the function exactly once, unmeasured, and return its result.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pytest

from perfgate.errors import UsageError
from perfgate.measure import (
    BenchmarkTimeout,
    Measurement,
    MemoryUse,
    RoundWatch,
    Timer,
    TimerSettings,
    calls_per_batch,
    measure_memory,
    measure_memory_samples,
)
from perfgate.measure.aio import is_async, new_event_loop
from perfgate.measure.memory import MEMORY_SAMPLES
from perfgate.measure.timer import runqueue_wait_ns
from perfgate.model import Result, Summary
from perfgate.pytest_plugin import worker as _worker
from perfgate.pytest_plugin.markers import ItemExtras, item_extras, item_settings, per_call_amounts
from perfgate.pytest_plugin.session import PerfgateSession, benchmark_id, error_line, seed_random

__all__ = ["SESSION_KEY", "BenchmarkFixture", "BenchmarkStats", "benchmark"]

SESSION_KEY = pytest.StashKey[PerfgateSession]()


@dataclass(frozen=True, slots=True)
class BenchmarkStats:
    """Statistics of a finished benchmark, shaped like pytest-benchmark's.

    ``benchmark.stats["median"]``, ``benchmark.stats.stats.median`` and ``benchmark.stats.median`` all
    work; values are seconds per call. ``summary`` is perfgate's own :class:`~perfgate.model.Summary`.
    """

    summary: Summary
    data: tuple[float, ...]
    iterations: int

    @property
    def stats(self) -> BenchmarkStats:
        return self

    @property
    def min(self) -> float:
        return self.summary.min

    @property
    def max(self) -> float:
        return self.summary.max

    @property
    def mean(self) -> float:
        return self.summary.mean

    @property
    def median(self) -> float:
        return self.summary.median

    @property
    def stddev(self) -> float:
        return self.summary.stddev

    @property
    def q1(self) -> float | None:
        return self.summary.q1

    @property
    def q3(self) -> float | None:
        return self.summary.q3

    @property
    def iqr(self) -> float | None:
        s = self.summary
        return None if s.q1 is None or s.q3 is None else s.q3 - s.q1

    @property
    def rounds(self) -> int:
        return len(self.data)

    @property
    def outliers(self) -> int:
        return self.summary.outliers

    @property
    def ops(self) -> float | None:
        return 1.0 / self.summary.mean if self.summary.mean > 0 else None

    @property
    def total(self) -> float:
        return sum(self.data) * self.iterations

    def __getitem__(self, key: str) -> Any:
        if key.startswith("_") or key not in _STAT_NAMES:
            raise KeyError(key)
        return getattr(self, key)


_STAT_NAMES = frozenset(
    {"min", "max", "mean", "median", "stddev", "q1", "q3", "iqr", "rounds", "outliers", "ops", "total",
     "data", "iterations"}
)  # fmt: skip


class BenchmarkFixture:
    """What a test gets as ``benchmark``. Use it once per test: call it, or call ``pedantic``."""

    def __init__(self, item: pytest.Item, session: PerfgateSession, settings: TimerSettings,
                 group: str | None, extras: ItemExtras | None = None) -> None:  # fmt: skip
        self._item = item
        self._session = session
        self._settings = settings
        self._extras = extras if extras is not None else ItemExtras()
        self.memory: tuple[MemoryUse, ...] = ()
        self.name: str = item.nodeid
        self.fullname: str = item.nodeid
        self.group: str | None = group
        self.extra_info: dict[str, Any] = {}
        self.disabled: bool = not session.options.measure
        self.stats: BenchmarkStats | None = None
        self.measurement: Measurement | None = None
        self.error: str | None = None
        self.used = False
        self._mode = "fixture"
        self._stopped_by = ""

    # the two ways in ------------------------------------------------------------------------------------
    def __call__(self, function_to_benchmark: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Measure ``function_to_benchmark(*args, **kwargs)``; returns its result.

        A coroutine function is awaited on a fresh event loop (uvloop's with ``--perfgate-uvloop`` or
        marker ``uvloop=True``); what is measured is its awaited time per call.
        """
        self._claim("benchmark(...)")
        fn = function_to_benchmark
        if args or kwargs:
            fn = functools.partial(function_to_benchmark, *args, **kwargs)
        if is_async(function_to_benchmark):
            return self._measure_async(fn)
        if self.disabled:
            return fn()
        if (worker := _worker.active(self._item.config)) is not None:  # perfgate ab: measure on request
            return self._measure(lambda _deadline, _watch: worker.serve(self.name, fn, self._settings))
        timer = Timer(self._settings, clock=self._session.clock, wait_clock=runqueue_wait_ns)

        def run(deadline: int | None, watch: RoundWatch) -> Measurement:
            return timer.run(fn, deadline_ns=deadline, watch=watch)

        value = self._measure(run)
        self._memory_pass(fn)
        return value

    def _measure_async(self, fn: Callable[[], Any]) -> Any:
        loop = new_event_loop(self._extras.uvloop)
        try:
            if self.disabled:
                return loop.run_until_complete(fn())
            timer = Timer(self._settings, clock=self._session.clock, loop=loop, wait_clock=runqueue_wait_ns)

            def run(deadline: int | None, watch: RoundWatch) -> Measurement:
                return timer.run(fn, deadline_ns=deadline, watch=watch)

            value = self._measure(run)
            self._memory_pass(fn, loop)
            return value
        finally:
            loop.close()

    def _memory_pass(self, fn: Callable[[], Any], loop: Any = None) -> None:
        """Traced batches of calls (untimed), when memory was asked for and timing succeeded: two
        samples, each per call over a batch as long as the timing allows (:func:`calls_per_batch`)."""
        m = self.measurement
        if self._extras.memory and m is not None and self._session.pass_index == 1:
            calls = calls_per_batch(self.stats.median if self.stats is not None else None)
            self.memory = measure_memory_samples(fn, loop=loop, disable_gc=self._settings.disable_gc,
                                                 calls=calls)  # fmt: skip

    def pedantic(
        self,
        target: Callable[..., Any],
        args: Sequence[Any] = (),
        kwargs: Mapping[str, Any] | None = None,
        setup: Callable[[], Any] | None = None,
        rounds: int = 1,
        warmup_rounds: int = 0,
        iterations: int = 1,
    ) -> Any:
        """Exactly ``rounds`` rounds of ``iterations`` calls of ``target``; returns the last result.

        ``setup`` runs before each round, untimed; if it returns ``(args, kwargs)`` those are passed to
        ``target`` instead of ``args``/``kwargs``. A setup function allows only one iteration per round.
        """
        self._claim("benchmark.pedantic(...)")
        self._mode = "pedantic"
        if setup is not None and iterations > 1:
            raise UsageError(
                f"{self.name}: benchmark.pedantic cannot use more than 1 iteration per round with a "
                "setup function (the setup's result would be reused)"
            )
        if rounds < 1 or iterations < 1 or warmup_rounds < 0:
            raise UsageError(
                f"{self.name}: benchmark.pedantic needs rounds >= 1, iterations >= 1, warmup_rounds >= 0 "
                f"(got rounds={rounds}, iterations={iterations}, warmup_rounds={warmup_rounds})"
            )
        base_kwargs = dict(kwargs or {})

        def prepare() -> Callable[[], Any]:
            assert setup is not None
            made = setup()
            if made is None:
                return functools.partial(target, *args, **base_kwargs)
            try:
                new_args, new_kwargs = made
            except (TypeError, ValueError):
                raise UsageError(
                    f"{self.name}: benchmark.pedantic setup must return None or (args, kwargs), got {made!r}"
                ) from None
            if (new_args and args) or (new_kwargs and base_kwargs):
                raise UsageError(
                    f"{self.name}: benchmark.pedantic: pass arguments either through args/kwargs or "
                    "returned from setup, not both"
                )
            return functools.partial(target, *(new_args or ()), **(new_kwargs or {}))

        loop = new_event_loop(self._extras.uvloop) if is_async(target) else None
        try:
            return self._pedantic(target, args, base_kwargs, setup, prepare, rounds, warmup_rounds,
                                  iterations, loop)  # fmt: skip
        finally:
            if loop is not None:
                loop.close()

    def _pedantic(
        self,
        target: Callable[..., Any],
        args: Sequence[Any],
        base_kwargs: dict[str, Any],
        setup: Callable[[], Any] | None,
        prepare: Callable[[], Callable[[], Any]],
        rounds: int,
        warmup_rounds: int,
        iterations: int,
        loop: Any,
    ) -> Any:
        if self.disabled:
            call = prepare() if setup is not None else functools.partial(target, *args, **base_kwargs)
            return loop.run_until_complete(call()) if loop is not None else call()
        plain = functools.partial(target, *args, **base_kwargs)
        if setup is None and loop is None and (worker := _worker.active(self._item.config)) is not None:
            return self._measure(lambda _deadline, _watch: worker.serve(self.name, plain, self._settings))
        timer = Timer(self._settings, clock=self._session.clock, loop=loop)

        def run(deadline: int | None, watch: RoundWatch) -> Measurement:
            return timer.run_pedantic(
                plain,
                rounds=rounds,
                iterations=iterations,
                warmup_rounds=warmup_rounds,
                prepare=prepare if setup is not None else None,
                deadline_ns=deadline,
                watch=watch,
            )

        value = self._measure(run)
        if self._extras.memory and self._session.pass_index == 1:
            self._pedantic_memory(plain, prepare if setup is not None else None, loop)
        return value

    def _pedantic_memory(
        self, plain: Callable[[], Any], prepare: Callable[[], Callable[[], Any]] | None, loop: Any
    ) -> None:
        """The memory pass of a pedantic benchmark: with a setup function, each traced call gets its
        arguments from a setup run before tracing, so one call per batch."""
        if prepare is None:
            self._memory_pass(plain, loop)
            return
        if self.measurement is None:
            return
        memory = []
        for _ in range(MEMORY_SAMPLES):
            call = prepare()  # untraced, like the timed rounds' setup
            memory.append(measure_memory(call, loop=loop, disable_gc=self._settings.disable_gc))
        self.memory = tuple(memory)

    # internals ----------------------------------------------------------------------------------------
    def _claim(self, how: str) -> None:
        if self.used:
            raise UsageError(
                f"{self.name}: the benchmark fixture was already used in this test; call {how} once per "
                "test (use one test per benchmark, or parametrize)"
            )
        self.used = True

    def _measure(self, run: Callable[[int | None, RoundWatch], Measurement]) -> Any:
        try:
            m, stopped_by = self._session.measure(self.name, run)
        except BenchmarkTimeout as exc:
            self.error = error_line(exc)
            pytest.fail(f"perfgate: {self.name} {exc}", pytrace=False)
        except Exception as exc:
            self.error = error_line(exc)
            raise
        self.measurement = m
        self._stopped_by = stopped_by
        self.stats = BenchmarkStats(m.summary(), m.samples, m.iterations)
        return m.value

    def record(self, failure: BaseException | None = None) -> Result | None:
        """Store this benchmark's Result in the session (after the test body has run).

        A failure of the test, before the fixture was used or after it measured, yields a failed Result.
        """
        bid = benchmark_id(self._item, self.group)
        if self.error is None and failure is not None:
            self.error = error_line(failure)  # the test failed after measuring: not a measurement
        if self.error is not None:
            return self._session.record_error(bid, self.error, mode=self._mode, extra_info=self.extra_info)
        if self.measurement is not None:
            per_call = dict(self._extras.per_call)
            per_call.update(per_call_amounts(self.extra_info, self.name))
            return self._session.record_measurement(
                bid,
                self.measurement,
                self._stopped_by,
                mode=self._mode,
                extra_info=self.extra_info,
                disable_gc=self._settings.disable_gc,
                per_call=per_call,
                memory=self.memory,
            )
        return None


@pytest.fixture
def benchmark(request: pytest.FixtureRequest) -> BenchmarkFixture:
    """Measure a function: ``result = benchmark(fn, *args, **kwargs)`` (see :class:`BenchmarkFixture`)."""
    session = request.config.stash[SESSION_KEY]
    item = request.node
    assert isinstance(item, pytest.Item)
    settings, group = item_settings(item, session)
    seed_random(item.nodeid)  # inputs drawn in the test before measuring are the same in every run too
    return BenchmarkFixture(item, session, settings, group, item_extras(item, session))
