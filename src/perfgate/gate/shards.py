"""Shards: one suite measured by N CI jobs (``perfgate run --shard K/N``), gated alone and as a whole.

A shard's run carries the tag ``shard:K/N``. Judged alone it is compared only on what it ran: the
baseline's other benchmarks are "not run" in that shard, never missing. ``perfgate merge`` makes one run
of the shards' runs (:func:`merge_shards`); that run is judged like an unsharded one, so a benchmark of
the baseline that no shard ran is missing, and one that failed in its shard is failed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from perfgate.errors import InputError
from perfgate.model import Run, RunStatus

__all__ = ["SHARD_PREFIX", "Merged", "merge_shards", "only_what_it_ran", "shard_of", "shard_tag"]

SHARD_PREFIX = "shard:"


def shard_tag(index: int, count: int) -> str:
    """The tag of shard ``index`` (1-based) of ``count``: ``shard:2/4``."""
    if not 1 <= index <= count:
        raise ValueError(f"shard {index}/{count}: expected 1 <= K <= N")
    return f"{SHARD_PREFIX}{index}/{count}"


def shard_of(run: Run) -> tuple[int, int] | None:
    """(K, N) of a shard's run, None for a run of the whole suite."""
    for tag in run.tags:
        if tag.startswith(SHARD_PREFIX):
            k, _, n = tag.removeprefix(SHARD_PREFIX).partition("/")
            if k.isdigit() and n.isdigit() and 1 <= int(k) <= int(n):
                return int(k), int(n)
    return None


def only_what_it_ran(run: Run, baselines: Sequence[Run]) -> tuple[tuple[Run, ...], list[str]]:
    """For a shard's ``run``: the baseline runs cut to the benchmarks it ran, and a note saying so.
    Any other run: the baselines as they are."""
    shard = shard_of(run)
    if shard is None or not baselines:
        return tuple(baselines), []
    ran = {r.benchmark.name for r in run.results}
    others = {r.benchmark.name for b in baselines for r in b.results} - ran
    cut = tuple(replace(b, results=tuple(r for r in b.results if r.benchmark.name in ran)) for b in baselines)
    note = f"shard {shard[0]}/{shard[1]}: compared on the {len(ran)} benchmark(s) it ran"
    if others:
        note += f"; {len(others)} other benchmark(s) of the baseline not run in this shard"
    return cut, [note]


@dataclass(frozen=True, slots=True)
class Merged:
    """The shards' runs as one run, and remarks for people (a shard absent, testbeds that differ)."""

    run: Run
    notes: tuple[str, ...]


_WORST = {RunStatus.COMPLETE: 0, RunStatus.PARTIAL: 1, RunStatus.FAILED: 2}


def merge_shards(shards: Sequence[tuple[str, Run]], *, run_id: str, tier: str | None = None) -> Merged:
    """One run of ``shards`` ((source, run) pairs: the file each came from names it in errors).

    The shards must be of one project, one commit and one tier (``tier`` when given), and no benchmark
    may be in two of them; shard tags must agree on N and not repeat. The run takes the earliest start,
    the latest finish, the worst status, the shards' other tags, and the context (git, CI, machine) of
    the first shard; ``run_id`` is its id. A shard number absent from ``shards`` is a note: its
    benchmarks are then missing from the run, and the gate says so.
    """
    if not shards:
        raise InputError("perfgate merge: no shard documents given")
    ordered = sorted(shards, key=lambda sr: (shard_of(sr[1]) or (0, 0), sr[0]))
    first_src, first = ordered[0]

    def differ(what: str, get: Callable[[Run], object]) -> None:
        value = get(first)
        for src, r in ordered:
            if get(r) != value:
                raise InputError(
                    f"perfgate merge: {first_src} and {src} are of different {what} "
                    f"({value!r} and {get(r)!r}): the shards of one run share it"
                )

    differ("projects", lambda r: r.project)
    differ("commits", lambda r: r.git.commit if r.git else None)
    differ("tiers", lambda r: r.tier)
    if tier is not None and first.tier is not None and first.tier != tier:
        raise InputError(f"perfgate merge: {first_src} is of tier {first.tier!r}, not --tier {tier!r}")
    numbers: dict[int, str] = {}
    counts = set()
    for src, r in ordered:
        shard = shard_of(r)
        if shard is None:
            continue
        counts.add(shard[1])
        if shard[0] in numbers:
            raise InputError(
                f"perfgate merge: {numbers[shard[0]]} and {src} are both shard {shard[0]}/{shard[1]}"
            )
        numbers[shard[0]] = src
    if len(counts) > 1:
        raise InputError(
            f"perfgate merge: the shards split the suite in different ways: {sorted(counts)} shards"
        )
    seen: dict[tuple[str, str], str] = {}
    for src, r in ordered:
        for res in r.results:
            if res.key in seen:
                raise InputError(
                    f"perfgate merge: {res.key[0]} [{res.key[1]}] is in {seen[res.key]} and in {src}: "
                    "a benchmark belongs to one shard"
                )
            seen[res.key] = src
    notes = []
    if counts:
        (n,) = counts
        absent = [k for k in range(1, n + 1) if k not in numbers]
        if absent:
            notes.append(
                f"shard(s) {', '.join(f'{k}/{n}' for k in absent)} not merged: their benchmarks are missing"
            )
    beds = sorted({r.environment.testbed for _, r in ordered})
    if len(beds) > 1:
        notes.append(f"shards ran on testbeds {', '.join(beds)}: the run takes {first.environment.testbed}'s")
    finished: list[datetime] = [r.finished for _, r in ordered if r.finished is not None]
    tags = []
    for _, r in ordered:
        tags += [t for t in r.tags if not t.startswith(SHARD_PREFIX) and t not in tags]
    run = Run(
        id=run_id,
        project=first.project,
        started=min(r.started for _, r in ordered),
        finished=max(finished) if len(finished) == len(ordered) else None,
        source=first.source,
        environment=first.environment,
        results=tuple(res for _, r in ordered for res in r.results),
        status=max((r.status for _, r in ordered), key=_WORST.__getitem__),
        tier=first.tier if first.tier is not None else tier,
        tags=tuple(tags),
        git=first.git,
        ci=first.ci,
    )
    return Merged(run, tuple(notes))
