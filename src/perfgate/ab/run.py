"""``perfgate ab``: base and head measured interleaved on one machine, then compared and gated.

The controller drives two persistent pytest worker processes (one per side, each importing its own
tree) through the same ordered list of benchmarks. For each benchmark both workers calibrate; the
controller then uses the larger iteration count on both sides and alternates turns of a few rounds
between them in seeded ABBA/BAAB blocks: discarded warm-up first, then measured rounds until each side
has had its share of the tier's time. Only one worker runs at any moment, and drift on the machine
(a busy neighbour, thermal throttling, a frequency change) lands on both sides alike.

Each benchmark is measured so in several independent episodes, each in a fresh fork of the worker: a
benchmark's measurement can sit a few percent apart on the two sides for its whole length (an offset
tied to the process, not to the code), and only independent episodes turn that offset into noise the
paired test can see; the test's unit is the episode.
"""

from __future__ import annotations

import itertools
import os
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from perfgate.ab.process import WorkerProcess, pick_cpu
from perfgate.ab.schedule import (
    BASE,
    HEAD,
    AbPlan,
    block_order,
    common_order,
    episode_shifts,
    plan_benchmark,
    side_seconds,
)
from perfgate.ab.worktree import Side, import_path, trees
from perfgate.app import Workspace, build_run
from perfgate.config import Config, Tier
from perfgate.errors import MeasureError
from perfgate.gate import Outcome, evaluate
from perfgate.invocation import QUIET, pytest_args
from perfgate.measure.children import sigterm_interrupts
from perfgate.model import BenchmarkId, Direction, Result, ResultsDoc, Run, RunStatus, utcnow
from perfgate.report import Console
from perfgate.stats import CompareSettings
from perfgate.stats.summary import summarize

__all__ = ["AbResult", "run_ab"]

DEFAULT_MAX_TIME = 1.0  # seconds of measuring per benchmark and side, as `perfgate run`'s default
# Independent episodes per benchmark: the unit of the paired test (see docs/ab.md). 1: paired ABBA blocks.
DEFAULT_EPISODES = 24
# Each episode in a forked child of the worker (fresh physical memory for what it writes; POSIX only).
DEFAULT_FORK = True
COLLECT_TIMEOUT = 300.0  # importing a big suite can take a while
ANSWER_TIMEOUT = 60.0  # a worker silent for longer than this (beyond its expected work) is stuck


@dataclass(frozen=True, slots=True)
class AbResult:
    """What ``perfgate ab`` produced: both runs and the gate's outcome (head judged against base)."""

    base: Run
    head: Run
    outcome: Outcome
    warnings: tuple[str, ...] = ()


@dataclass(slots=True)
class _Bench:
    """One side's state for the benchmark being measured (mutable, controller-internal)."""

    ready: bool = False
    iterations: int = 0
    per_call: float = 0.0
    error: str | None = None
    ended: bool = False
    outcome: str | None = None
    samples: list[float] = field(default_factory=list)
    blocks: list[int] = field(default_factory=list)  # the measured ABBA block of each sample
    episodes: list[int] = field(default_factory=list)  # the episode of each sample
    warmup: int = 0


def _pytest_args(cfg: Config, tier: Tier | None, cwd: Path, extra: Sequence[str]) -> list[str]:
    return pytest_args(cfg, tier, extra, mode=("--perfgate", *QUIET), cwd=cwd)


def _env(side: Side, environ: Mapping[str, str], seed: int) -> dict[str, str]:
    env = dict(environ)
    env["PYTHONPATH"] = import_path(side.tree if side.cwd == side.tree else side.cwd, environ)
    env["PERFGATE_AB_TREE"] = str(side.cwd)
    env.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    # The same hash seed on both sides: dict and set layouts (and so their speed) must not differ by chance.
    env.setdefault("PYTHONHASHSEED", str(seed % 4294967296))
    return env


PAD_VAR = "PERFGATE_AB_PAD"


def equalize_startup(envs: Mapping[str, dict[str, str]], args: Mapping[str, Sequence[str]]) -> None:
    """Pad the environments in place (``$PERFGATE_AB_PAD``) so that every side's environment plus
    arguments has the same size in bytes.

    They are copied onto the new process's stack, so their size shifts the alignment of everything the
    interpreter keeps there: a few bytes more on one side can make identical code measure several
    percent apart for the whole life of the two processes, a bias interleaving cannot remove.
    """

    def size(env: Mapping[str, str], argv: Sequence[str]) -> int:
        envb = sum(len(os.fsencode(k)) + len(os.fsencode(v)) + 2 for k, v in env.items())
        return envb + sum(len(os.fsencode(a)) + 1 for a in argv)

    for env in envs.values():
        env[PAD_VAR] = ""
    sizes = {k: size(env, args[k]) for k, env in envs.items()}
    top = max(sizes.values(), default=0)
    for k, env in envs.items():
        env[PAD_VAR] = "x" * (top - sizes[k])


class _Controller:
    """Drives the workers through one benchmark at a time (controller-internal)."""

    def __init__(self, workers: Mapping[str, WorkerProcess], seed: int) -> None:
        self.workers = workers
        self.seed = seed

    def _until(
        self, side: str, name: str, state: _Bench, kinds: tuple[str, ...], timeout: float
    ) -> dict[str, Any]:
        """Read ``side``'s messages about ``name`` until one of ``kinds`` (or ``end``/``bye``) arrives."""
        while True:
            msg = self.workers[side].receive(timeout)
            kind = msg.get("type")
            if kind == "bye":
                state.ended = True
                state.outcome = state.outcome or "stopped"
                return msg
            if kind == "samples" and "samples" in kinds:
                return msg
            if msg.get("id") != name:
                raise MeasureError(
                    f"the {side} worker is out of step: got {kind!r} for {msg.get('id')!r}, expected {name!r}"
                )
            if kind == "error":
                state.error = str(msg.get("error") or "failed")
            elif kind == "end":
                state.ended = True
                state.outcome = str(msg.get("outcome"))
            elif kind == "ready":
                state.ready = True
                state.iterations = int(msg["iterations"])
                state.per_call = float(msg["per_call"])
            if kind in kinds or kind == "end":
                return msg

    def _turn(
        self, side: str, name: str, state: _Bench, plan: AbPlan, block: int | None, episode: int = 0
    ) -> None:
        """One turn of ``side`` in ``episode``; its samples belong to measured ``block`` (None: warm-up,
        discarded)."""
        self.workers[side].send({"cmd": "run", "rounds": plan.rounds_per_turn, "iterations": plan.iterations})
        expected = plan.rounds_per_turn * plan.iterations * max(state.per_call, 0.0)
        msg = self._until(side, name, state, ("samples", "error"), ANSWER_TIMEOUT + 10 * expected)
        if msg.get("type") != "samples":
            return
        values = msg.get("values")
        if not isinstance(values, list) or not all(isinstance(v, int | float) for v in values):
            raise MeasureError(f"the {side} worker sent malformed samples for {name}: {str(values)[:80]}")
        if block is not None:
            state.samples.extend(float(v) for v in values)
            state.blocks.extend([block] * len(values))
            state.episodes.extend([episode] * len(values))
        else:
            state.warmup += len(values)

    def _active(self, sides: Sequence[str], states: dict[str, _Bench]) -> list[str]:
        return [s for s in sides if states[s].ready and states[s].error is None and not states[s].ended]

    def measure(
        self, index: int, name: str, sides: Sequence[str], seconds: float, episodes: int = 1
    ) -> dict[str, _Bench]:
        """Measure ``name`` on ``sides`` (interleaved when both) in ``episodes`` episodes (only when both
        sides measure; one otherwise): each side's state afterwards.

        Every episode after the first re-enters the benchmark on both sides (in a new fork of the worker,
        or in the worker itself on a heap ballast of seeded size; a new calibration, a new warm-up), and
        every episode gets an equal share of ``seconds``.
        """
        states = {s: _Bench() for s in sides}
        for s in sides:
            self._until(s, name, states[s], ("ready", "error"), ANSWER_TIMEOUT)
        live = self._active(sides, states)
        count = max(1, episodes) if len(live) == 2 else 1
        shifts = episode_shifts(self.seed * 1_000_003 + index, count)
        for e in range(count):
            active = self._active(live, states)
            if e > 0:
                for s in active:
                    states[s].ready = False
                    self.workers[s].send({"cmd": "again", "shift": shifts[e]})
                for s in active:
                    self._until(s, name, states[s], ("ready", "error"), ANSWER_TIMEOUT)
                active = self._active(active, states)
            if not active:
                break
            plan = plan_benchmark(
                [(states[s].iterations, states[s].per_call) for s in active],
                seconds / count,
                target_rounds=max(6, 100 // count),
            )
            for s in active:
                states[s].iterations = plan.iterations
            self._interleave(index * 1_009 + e, name, active, states, plan, e)
        for s in live:
            if states[s].error is None and not states[s].ended:
                self.workers[s].send({"cmd": "done"})
        for s in sides:
            if not states[s].ended:
                self._until(s, name, states[s], ("end",), ANSWER_TIMEOUT)
        return states

    def _interleave(
        self,
        index: int,
        name: str,
        live: list[str],
        states: dict[str, _Bench],
        plan: AbPlan,
        episode: int = 0,
    ) -> None:
        start = time.perf_counter()
        measuring_since: float | None = None
        # Measured blocks so far (both sides number their samples' blocks alike, across episodes).
        measured = max((max(states[s].blocks, default=-1) for s in live), default=-1) + 1
        before = {s: len(states[s].samples) for s in live}
        for block in itertools.count():
            order = block_order(self.seed * 1_000_003 + index * 7_919 + block, 1)
            keep = measured if measuring_since is not None else None
            for s in order:
                if s in live and states[s].error is None and not states[s].ended:
                    self._turn(s, name, states[s], plan, keep, episode)
            if keep is not None:
                measured += 1
            active = [s for s in live if states[s].error is None and not states[s].ended]
            if not active:
                return
            now = time.perf_counter()
            if measuring_since is None:
                if now - start >= plan.warmup_seconds:
                    measuring_since = now
                continue
            counts = [len(states[s].samples) - before[s] for s in active]
            if min(counts) >= plan.min_rounds and (
                now - measuring_since >= plan.seconds * len(active) or max(counts) >= plan.max_rounds
            ):
                return


def _result(bid: BenchmarkId, state: _Bench, interleaved: bool) -> Result | None:
    """The side's Result: samples, or the error; None for a benchmark the side skipped."""
    if state.error is None and state.samples:
        return Result(
            benchmark=bid,
            metric="time",
            unit="s",
            direction=Direction.LOWER,
            summary=summarize(state.samples),
            samples=tuple(state.samples),
            rounds=len(state.samples),
            iterations=state.iterations,
            warmup=state.warmup,
            extra=_extra(state, interleaved),
        )
    if state.error is None and state.outcome == "skipped":
        return None
    error = state.error
    if error is None:
        error = {
            "failed": "the test failed before measuring",
            "passed": "the test finished without measuring (perfgate ab measures benchmark(...), "
            "benchmark.pedantic without setup and marked test bodies)",
        }.get(state.outcome or "", "the worker stopped before measuring")
    return Result(
        benchmark=bid, metric="time", unit="s", direction=Direction.LOWER, error=error,
        extra={"mode": "ab"},
    )  # fmt: skip


def _extra(state: _Bench, interleaved: bool) -> dict[str, Any]:
    """The result's ``extra``: with several episodes, ``blocks`` holds each sample's **episode** (the
    unit the paired comparison judges on) and ``turn_blocks`` its ABBA block; with one, ``blocks`` is
    the ABBA block."""
    if not interleaved:
        return {"mode": "ab", "interleaved": False}
    count = len(set(state.episodes))
    if count > 1:
        return {"mode": "ab", "interleaved": True, "unit": "episode", "episodes": count,
                "blocks": list(state.episodes), "turn_blocks": list(state.blocks)}  # fmt: skip
    return {"mode": "ab", "interleaved": True, "unit": "block", "blocks": list(state.blocks)}


def _shadow_warning(side: Side, shadowed: object) -> list[str]:
    out = []
    if isinstance(shadowed, list):
        for entry in shadowed:
            if isinstance(entry, list) and len(entry) == 2:
                mod, where = entry
                out.append(
                    f"{side.name} imported {mod} from {where}, not from its own tree {side.cwd}: an "
                    f"installed copy shadows it, so both sides may measure the same code; uninstall it "
                    f"(pip uninstall) or install the project editable (pip install -e .)"
                )
    return out


def run_ab(
    ws: Workspace,
    *,
    base: str,
    head: str | None = None,
    tier: str | None = None,
    pytest_args: Sequence[str] = (),
    threshold: float | None = None,
    seed: int = 0,
    episodes: int = DEFAULT_EPISODES,
    fork: bool = DEFAULT_FORK,
    store_runs: bool = True,
    console: Console | None = None,
    warn: Callable[[str], object] | None = None,
    only: Callable[[Sequence[str]], Sequence[str]] | None = None,
    max_time: float | None = None,
    tags: Sequence[str] = ("ab",),
) -> AbResult:
    """``perfgate ab``: measure ``base`` and ``head`` (default: the working tree) interleaved, store both
    runs (tagged ``ab``), and judge head against base with machine-shift discounting off.

    Each benchmark both sides have is measured in ``episodes`` independent episodes (each in a fresh
    fork of the worker with ``fork``, else re-entered in the worker on a shifted heap; re-calibrated and
    warmed up again), and the paired test takes one log ratio per episode; ``episodes=1`` measures once
    and pairs ABBA blocks instead.

    ``only`` picks the benchmarks to measure from the ids either side collected (in order; it may
    raise a PerfgateError when none fits); ``max_time`` overrides the tier's seconds per benchmark and
    side; ``tags`` are the stored runs' tags (``perfgate bisect`` adds its own)."""
    cfg = ws.config
    t = cfg.tier(tier)
    if max_time is None:
        max_time = t.max_time if t is not None and t.max_time is not None else DEFAULT_MAX_TIME
    budget = t.budget if t is not None else None
    warnings: list[str] = []

    def note(message: str) -> None:
        warnings.append(message)
        if warn is not None:
            warn(message)

    began = time.perf_counter()
    started = utcnow()
    with (
        sigterm_interrupts(),
        trees(cfg.root, base, head, ws.environ) as (b, h),
        tempfile.TemporaryDirectory(prefix="perfgate-ab-logs-") as logs,
    ):
        sides = {BASE: b, HEAD: h}
        workers: dict[str, WorkerProcess] = {}
        cpu = pick_cpu()
        try:
            args = {key: _pytest_args(cfg, t, side.cwd, pytest_args) for key, side in sides.items()}
            envs = {key: _env(side, ws.environ, seed) for key, side in sides.items()}
            equalize_startup(envs, args)
            for key, side in sides.items():
                workers[key] = WorkerProcess(
                    key,
                    args[key],
                    cwd=side.cwd,
                    env=envs[key],
                    log=Path(logs) / f"{key}.log",
                    timeout=ANSWER_TIMEOUT,
                    cpu=cpu,
                )
            collected: dict[str, list[str]] = {}
            for key, w in workers.items():
                msg = w.receive(COLLECT_TIMEOUT)
                if msg.get("type") != "collected":
                    raise MeasureError(
                        f"the {key} worker did not report its benchmarks (got {msg.get('type')!r})"
                    )
                collected[key] = [str(x) for x in msg.get("ids", [])]
                for text in _shadow_warning(sides[key], msg.get("shadowed")):
                    note(text)
            both, head_only, base_only = common_order(collected[BASE], collected[HEAD])
            if only is not None:
                chosen = set(only(both + head_only + base_only))
                both = [n for n in both if n in chosen]
                head_only = [n for n in head_only if n in chosen]
                base_only = [n for n in base_only if n in chosen]
            order = both + head_only + base_only
            if not order:
                raise MeasureError(
                    f"pytest collected no benchmarks on either side in {cfg.root}; set [tool.perfgate] "
                    "benchmarks = [...] or pass paths after --"
                )
            for key, w in workers.items():
                have = set(collected[key])
                w.send(
                    {"cmd": "select", "ids": [n for n in order if n in have], "fork": fork and episodes > 1}
                )
            ctl = _Controller(workers, seed)
            results: dict[str, list[Result]] = {BASE: [], HEAD: []}
            progress = console.progress(len(order), "perfgate ab") if console is not None else None
            try:
                for i, name in enumerate(order):
                    if progress is not None:
                        progress.advance(0, label=name)
                    present = [k for k in (BASE, HEAD) if name in collected[k]]
                    left = budget - (time.perf_counter() - began) if budget is not None else None
                    seconds = side_seconds(max_time, left, len(order) - i, len(present))
                    states = ctl.measure(i, name, present, seconds, episodes)
                    bid = BenchmarkId(name)
                    for k in present:
                        r = _result(bid, states[k], interleaved=len(present) == 2)
                        if r is not None:
                            results[k].append(r)
                    if progress is not None:
                        progress.advance(1)
            finally:
                if progress is not None:
                    progress.close()
            for w in workers.values():
                w.finish()
        finally:
            for w in workers.values():
                w.kill()
        finished = utcnow()
        runs = {}
        for k, side in sides.items():
            doc = ResultsDoc(started=started, finished=finished, status=RunStatus.COMPLETE,
                             results=tuple(results[k]))  # fmt: skip
            runs[k] = build_run(ws, doc, tier=t.name if t else None, git=side.git, tags=tuple(tags))
        labels = f"base {b.label} vs head {h.label}"
    if store_runs:
        with ws.store() as store:  # (both or neither: a head without its base judges nothing)
            store.add_runs([runs[BASE], runs[HEAD]])
    policy = cfg.policy(t)
    if threshold is not None:
        policy = policy.with_threshold(threshold)
    notes = [
        f"perfgate ab: {labels}, measured interleaved (seed {seed}); base run {runs[BASE].id}",
        *warnings,
    ]
    if head_only:
        notes.append(f"{len(head_only)} benchmark(s) only on head: measured alone, reported as new")
    if base_only:
        notes.append(f"{len(base_only)} benchmark(s) only on base: reported as missing")
    # Paired blocks: each ABBA/BAAB block's log ratio is one observation (rounds share disturbances).
    settings = CompareSettings(machine_shift="ignore", paired_blocks=True, severity_rules=ws.config.severity)
    outcome = evaluate(runs[HEAD], [runs[BASE]], policy, settings, notes)
    return AbResult(runs[BASE], runs[HEAD], outcome, tuple(warnings))
