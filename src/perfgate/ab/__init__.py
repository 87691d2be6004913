"""``perfgate ab``: base and head measured interleaved on one machine (see ``docs/ab.md``)."""

from perfgate.ab.run import AbResult, run_ab
from perfgate.ab.schedule import AbPlan, block_order, chunk_rounds, common_order, plan_benchmark, side_seconds

__all__ = [
    "AbPlan",
    "AbResult",
    "block_order",
    "chunk_rounds",
    "common_order",
    "plan_benchmark",
    "run_ab",
    "side_seconds",
]
