"""``perfgate ab``: base and head measured interleaved on one machine (see ``docs/ab.md``)."""

from perfgate.ab.run import DEFAULT_EPISODES, AbResult, run_ab
from perfgate.ab.schedule import (
    AbPlan,
    block_order,
    chunk_rounds,
    common_order,
    episode_shifts,
    plan_benchmark,
    side_seconds,
)

__all__ = [
    "DEFAULT_EPISODES",
    "AbPlan",
    "AbResult",
    "block_order",
    "chunk_rounds",
    "common_order",
    "episode_shifts",
    "plan_benchmark",
    "run_ab",
    "side_seconds",
]
