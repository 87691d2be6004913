"""The gate: policy (thresholds, budgets) applied to a run and its baseline. Pure."""

from perfgate.gate.evaluate import ONE_BASELINE_NOTE, check_budgets, evaluate, pair_results
from perfgate.gate.outcome import SUBSET_TAG, BudgetCheck, Outcome
from perfgate.gate.policy import DEFAULT_THRESHOLD, Budget, Policy, ThresholdOverride, matches

__all__ = [
    "DEFAULT_THRESHOLD",
    "ONE_BASELINE_NOTE",
    "SUBSET_TAG",
    "Budget",
    "BudgetCheck",
    "Outcome",
    "Policy",
    "ThresholdOverride",
    "check_budgets",
    "evaluate",
    "matches",
    "pair_results",
]
