"""What the gate decided about one run: verdicts, budget checks, notes, and the exit code."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

from perfgate.model import GitInfo, Run, RunStatus, Status, Verdict
from perfgate.stats import GeomeanChange

__all__ = ["SUBSET_TAG", "BudgetCheck", "BudgetLevel", "Outcome"]

#: The tag of a run that measured a deliberate subset of the suite (``perfgate run -- -k ...``,
#: ``--subset``): benchmarks of its baseline that it lacks are reported missing, and do not fail the gate.
SUBSET_TAG = "subset"


class BudgetLevel(enum.Enum):
    """Where a value stands against a budget with two levels (a targets table's target and critical)."""

    OK = "ok"  # within the target (or within the limit of a budget without a target)
    TARGET_MISSED = "target_missed"  # past the target, within the limit: reported, the gate passes
    CRITICAL = "critical"  # past the limit, or no value: the gate fails


@dataclass(frozen=True, slots=True)
class BudgetCheck:
    """An absolute budget applied to one result: ``value <op> limit`` (both in ``unit``).

    ``warn`` is the budget's target level, if it has one; ``target_met`` is False when the value is
    past it (while ``passed`` says whether the failing level was kept).
    """

    benchmark: str
    metric: str
    op: str  # "<=" or ">="
    limit: float
    unit: str
    value: float | None  # None when the benchmark is missing or failed
    passed: bool
    rule: str  # the rule as the user wrote it, for messages
    warn: float | None = None
    target_met: bool = True

    def __post_init__(self) -> None:
        if self.warn is None and not self.target_met and self.passed:
            raise ValueError("a budget check without a warning level cannot miss its target")

    @property
    def level(self) -> BudgetLevel:
        if not self.passed:
            return BudgetLevel.CRITICAL
        return BudgetLevel.OK if self.target_met else BudgetLevel.TARGET_MISSED


@dataclass(frozen=True, slots=True)
class Outcome:
    """The gate's decision on ``run`` against ``baseline_ids``.

    ``verdicts`` are ordered worst first (failed, regression, inconclusive, ... unchanged).
    ``notes`` are run-level remarks for people (e.g. "no baseline yet: this run becomes it").
    ``lost`` are the missing verdicts that fail the gate: benchmarks the newest baseline run measured
    and this run, not a deliberate subset (:data:`SUBSET_TAG`), lacks.
    """

    run: Run
    baseline_ids: tuple[str, ...]
    verdicts: tuple[Verdict, ...]
    budgets: tuple[BudgetCheck, ...] = ()
    notes: tuple[str, ...] = ()
    method: str = ""
    #: the baseline runs' git information by run id, so reports can say "main@abc1234"
    baseline_git: Mapping[str, GitInfo] = field(default_factory=dict)
    #: the suite's summary row: geometric mean of the adverse change ratios (None: nothing compared)
    geomean: GeomeanChange | None = None
    lost: tuple[Verdict, ...] = ()

    def with_status(self, status: Status) -> tuple[Verdict, ...]:
        return tuple(v for v in self.verdicts if v.status is status)

    @property
    def regressions(self) -> tuple[Verdict, ...]:
        return self.with_status(Status.REGRESSION)

    @property
    def failures(self) -> tuple[Verdict, ...]:
        return self.with_status(Status.FAILED)

    @property
    def broken_budgets(self) -> tuple[BudgetCheck, ...]:
        return tuple(b for b in self.budgets if not b.passed)

    @property
    def missed_targets(self) -> tuple[BudgetCheck, ...]:
        """Budgets whose target was missed while their limit was kept: reported, not failing."""
        return tuple(b for b in self.budgets if b.level is BudgetLevel.TARGET_MISSED)

    @property
    def passed(self) -> bool:
        """True when nothing fell short: no regression, no failed benchmark, no broken budget, no
        benchmark lost from the baseline, and a run the harness did not report as failed."""
        failed_run = self.run.status is RunStatus.FAILED
        return not (self.regressions or self.failures or self.broken_budgets or self.lost or failed_run)

    def exit_code(self, warn_only: bool = False) -> int:
        return 0 if warn_only or self.passed else 1
