"""The gate: policy (thresholds, budgets) applied to a run and its baseline. Pure."""

import typing

if typing.TYPE_CHECKING:
    from perfgate.gate.evaluate import ONE_BASELINE_NOTE, check_budgets, evaluate, pair_results
    from perfgate.gate.outcome import SUBSET_TAG, BudgetCheck, BudgetLevel, Outcome
    from perfgate.gate.policy import DEFAULT_THRESHOLD, Budget, Policy, ThresholdOverride, matches
    from perfgate.gate.shards import SHARD_PREFIX, Merged, merge_shards, only_what_it_ran, shard_of, shard_tag
else:  # each module imported when one of its names is first read (perfgate.lazy)
    from perfgate.lazy import lazy_package as _lazy_package

    _lazy_package(
        __name__,
        {
            "evaluate": ("ONE_BASELINE_NOTE", "check_budgets", "evaluate", "pair_results"),
            "outcome": ("SUBSET_TAG", "BudgetCheck", "BudgetLevel", "Outcome"),
            "policy": ("DEFAULT_THRESHOLD", "Budget", "Policy", "ThresholdOverride", "matches"),
            "shards": ("SHARD_PREFIX", "Merged", "merge_shards", "only_what_it_ran", "shard_of", "shard_tag"),
        },
    )

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
