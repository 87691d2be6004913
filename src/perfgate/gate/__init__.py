"""The gate: policy (thresholds, budgets) applied to a run and its baseline. Pure."""

from perfgate.gate.evaluate import ONE_BASELINE_NOTE, check_budgets, evaluate, pair_results
from perfgate.gate.outcome import SUBSET_TAG, BudgetCheck, BudgetLevel, Outcome
from perfgate.gate.policy import DEFAULT_THRESHOLD, Budget, Policy, ThresholdOverride, matches
from perfgate.gate.shards import SHARD_PREFIX, Merged, merge_shards, only_what_it_ran, shard_of, shard_tag

__all__ = [
    "DEFAULT_THRESHOLD",
    "ONE_BASELINE_NOTE",
    "SHARD_PREFIX",
    "SUBSET_TAG",
    "Budget",
    "BudgetCheck",
    "BudgetLevel",
    "Merged",
    "Outcome",
    "Policy",
    "ThresholdOverride",
    "check_budgets",
    "evaluate",
    "matches",
    "merge_shards",
    "only_what_it_ran",
    "pair_results",
    "shard_of",
    "shard_tag",
]
