"""The gate: policy (thresholds, budgets) applied to a run and its baseline. Pure."""

from perfgate.gate.outcome import BudgetCheck, Outcome

__all__ = ["BudgetCheck", "Outcome"]
