"""Pure statistics: summaries and comparisons. No I/O, no clock, no globals."""

from perfgate.stats.summary import median_ci, quantile, summarize

__all__ = ["median_ci", "quantile", "summarize"]
