"""Pure planning for interleaved A/B measurement: who runs when, in chunks of how many rounds.

No I/O, no clock: the controller feeds in what it measured and gets numbers back, so these rules are
unit-tested on literal inputs.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, replace

from perfgate.load.scenario import ClosedModel, OpenModel

__all__ = [
    "AbPlan",
    "block_order",
    "chunk_rounds",
    "common_order",
    "episode_shifts",
    "plan_benchmark",
    "side_seconds",
    "slice_models",
    "slice_order",
]

BASE, HEAD = "base", "head"


def block_order(seed: int, blocks: int) -> tuple[str, ...]:
    """``2 * blocks`` turns, each block ``(A, B, B, A)``-style: ABBA or BAAB, chosen by a seeded coin.

    Within a block each side goes first once and last once, so a linear drift over the block hits both
    sides alike; the random choice per block keeps a periodic disturbance from lining up with one side.
    Each block is two turns per side: ``("base", "head", "head", "base")`` or the reverse.
    """
    if blocks < 0:
        raise ValueError(f"blocks must be >= 0, got {blocks}")
    rng = random.Random(seed)
    out: list[str] = []
    for _ in range(blocks):
        out += [BASE, HEAD, HEAD, BASE] if rng.random() < 0.5 else [HEAD, BASE, BASE, HEAD]
    return tuple(out)


def episode_shifts(seed: int, episodes: int, most: int = 4096) -> tuple[int, ...]:
    """The heap ballast (in objects, ``0..most``) of each episode: 0 for the first, then seeded draws.

    Each episode after the first starts with a ballast of another size on both sides, so the memory the
    benchmark allocates lands somewhere else; an offset tied to where it landed then varies between
    episodes (and is part of the between-episode noise) instead of biasing the whole measurement.
    """
    if episodes < 0:
        raise ValueError(f"episodes must be >= 0, got {episodes}")
    rng = random.Random(seed)
    return tuple(0 if e == 0 else rng.randint(1, most) for e in range(episodes))


def chunk_rounds(round_seconds: float, chunk_seconds: float = 0.002, most: int = 50) -> int:
    """Rounds per turn: as many as fill ``chunk_seconds`` (at least 1, at most ``most``).

    Short turns interleave finely (drift cannot build up between A and B); the cap keeps a turn short
    even for very fast rounds, and a round longer than a chunk is a turn of its own.
    """
    if not round_seconds > 0:
        return 1
    return max(1, min(most, math.floor(chunk_seconds / round_seconds)))


def side_seconds(max_time: float, budget_left: float | None, benchmarks_left: int, sides: int) -> float:
    """Measuring time per side for the next benchmark: ``max_time``, or its share of what is left."""
    if budget_left is None or benchmarks_left < 1:
        return max_time
    share = max(0.0, budget_left) / (benchmarks_left * max(1, sides))
    return min(max_time, share)


@dataclass(frozen=True, slots=True)
class AbPlan:
    """How one benchmark is measured on both sides: the same ``iterations`` per round everywhere,
    ``rounds_per_turn`` rounds per turn, ``min_rounds``..``max_rounds`` measured rounds per side,
    ``seconds`` of measuring per side and ``warmup_seconds`` of discarded interleaved warm-up first."""

    iterations: int
    rounds_per_turn: int
    min_rounds: int
    max_rounds: int
    seconds: float
    warmup_seconds: float


def plan_benchmark(
    calibrations: list[tuple[int, float]],
    seconds: float,
    *,
    target_rounds: int = 100,
    min_rounds: int = 10,
    max_rounds: int = 200,
    chunk_seconds: float = 0.002,
    warmup_fraction: float = 0.1,
) -> AbPlan:
    """The plan from each side's calibration ``(iterations, seconds per call)``.

    Iterations are the largest any side calibrated to (so no side's rounds are below its clock floor),
    raised further so that ``seconds`` of measuring yields about ``target_rounds`` rounds. Rounds of a
    few milliseconds are then one turn each (round by round): rounds measured back to back in one turn
    share their disturbances, so they are not independent samples, and a rank test on them would be
    overconfident.
    """
    if not calibrations:
        raise ValueError("plan_benchmark needs at least one calibration")
    n = max(it for it, _ in calibrations)
    per_call = max(pc for _, pc in calibrations)
    if per_call > 0 and seconds > 0:
        wanted = seconds / target_rounds / per_call
        n = max(n, math.ceil(round(wanted, 6))) if math.isfinite(wanted) else n  # round: float dust
    round_seconds = n * per_call
    return AbPlan(
        iterations=max(1, n),
        rounds_per_turn=chunk_rounds(round_seconds, chunk_seconds),
        min_rounds=min_rounds,
        max_rounds=max(min_rounds, max_rounds),
        seconds=seconds,
        warmup_seconds=seconds * warmup_fraction,
    )


def common_order(base: list[str], head: list[str]) -> tuple[list[str], list[str], list[str]]:
    """``(both, head_only, base_only)``: the benchmarks both sides have (in head's order), then the rest."""
    in_base, in_head = set(base), set(head)
    both = [b for b in head if b in in_base]
    return both, [h for h in head if h not in in_base], [b for b in base if b not in in_head]


def slice_order(seed: int, slices: int) -> tuple[tuple[str, int], ...]:
    """The turns of a load A/B: ``(side, slice)`` for ``slices`` slices per side, in seeded ABBA/BAAB
    blocks (:func:`block_order`; an odd last block is cut to AB or BA). Base's slice ``k`` and head's
    slice ``k`` are always next to each other, so each pair ran under nearly the same conditions."""
    if slices < 1:
        raise ValueError(f"slices must be >= 1, got {slices}")
    done = {BASE: 0, HEAD: 0}
    out: list[tuple[str, int]] = []
    for side in block_order(seed, (slices + 1) // 2):
        if done[side] < slices:
            out.append((side, done[side]))
            done[side] += 1
    return tuple(out)


def slice_models(model: OpenModel | ClosedModel, slices: int) -> tuple[OpenModel | ClosedModel, ...]:
    """A scenario's load cut into ``slices`` slices that together are the whole measured load: the
    duration (or each user's requests) shared out, the warm-up before each slice (each runs against
    freshly started services, which warm up again). ValueError for what cannot be cut:
    ramp stages (a slice of a ramp is another load), fewer requests per user than slices."""
    if slices < 1:
        raise ValueError(f"slices must be >= 1, got {slices}")
    if isinstance(model, OpenModel):
        if model.stages:
            raise ValueError("ramp stages cannot be cut into slices: give a constant rate and a duration")
        return tuple(replace(model, duration=model.duration / slices) for _ in range(slices))
    if model.requests is not None:
        if model.requests < slices:
            raise ValueError(
                f"{model.requests} request(s) per user cannot be cut into {slices} slices: "
                "give more requests, fewer slices or a duration"
            )
        shares = [model.requests // slices + (1 if i < model.requests % slices else 0) for i in range(slices)]
        return tuple(replace(model, requests=n) for n in shares)
    assert model.duration is not None
    return tuple(replace(model, duration=model.duration / slices) for _ in range(slices))
