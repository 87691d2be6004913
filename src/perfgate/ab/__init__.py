"""``perfgate ab``: base and head measured interleaved on one machine (see ``docs/ab.md``)."""

from perfgate.ab.load import DEFAULT_SLICES, ab_load_specs, run_ab_load
from perfgate.ab.run import DEFAULT_EPISODES, AbResult, run_ab
from perfgate.ab.schedule import (
    AbPlan,
    block_order,
    chunk_rounds,
    common_order,
    episode_shifts,
    plan_benchmark,
    side_seconds,
    slice_models,
    slice_order,
)

__all__ = [
    "DEFAULT_EPISODES",
    "DEFAULT_SLICES",
    "AbPlan",
    "AbResult",
    "ab_load_specs",
    "block_order",
    "chunk_rounds",
    "common_order",
    "episode_shifts",
    "plan_benchmark",
    "run_ab",
    "run_ab_load",
    "side_seconds",
    "slice_models",
    "slice_order",
]
