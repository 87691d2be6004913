"""Pure statistics: summaries and comparisons. No I/O, no clock, no globals."""

from perfgate.stats.compare import (
    CompareSettings,
    MetricPair,
    SuiteComparison,
    compare_pair,
    compare_suite,
    verdict_sort_key,
)
from perfgate.stats.summary import median_ci, quantile, summarize

__all__ = [
    "CompareSettings",
    "MetricPair",
    "SuiteComparison",
    "compare_pair",
    "compare_suite",
    "median_ci",
    "quantile",
    "summarize",
    "verdict_sort_key",
]
