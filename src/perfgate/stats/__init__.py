"""Pure statistics: summaries, two-sample comparisons, multiplicity control, run-to-run variance,
machine-wide shifts, severity rules and the suite's geometric mean. No I/O, no clock, no globals.

See ``docs/statistics.md`` for the method and its published evaluation.
"""

import typing

if typing.TYPE_CHECKING:
    from perfgate.stats.compare import (
        DETERMINISTIC,
        HISTORY_T,
        HL_MANN_WHITNEY,
        MACHINE_SHIFT_MODES,
        METHODS,
        PAIRED_BLOCKS,
        RATIO_OF_MEDIANS,
        RUN_LEVEL,
        CompareSettings,
        MetricPair,
        SuiteComparison,
        compare_pair,
        compare_suite,
        verdict_sort_key,
    )
    from perfgate.stats.geomean import GeomeanChange, geomean_change
    from perfgate.stats.history import RunSpread, history_spreads
    from perfgate.stats.machine import MachineShift, detect_machine_shift
    from perfgate.stats.multiplicity import holm
    from perfgate.stats.noise import noise_note, robust_cv
    from perfgate.stats.paired import PairedChange, block_log_ratios, paired_change, signed_rank
    from perfgate.stats.ranktest import Shift, hodges_lehmann, mann_whitney
    from perfgate.stats.runlevel import RunLevel, prediction_test, run_level_test
    from perfgate.stats.severity import Condition, SeverityRule, parse_severity_rules, severity_of
    from perfgate.stats.slope import Slope, linear_fit
    from perfgate.stats.summary import median_ci, quantile, summarize
else:  # each module imported when one of its names is first read (perfgate.lazy)
    from perfgate.lazy import lazy_package as _lazy_package

    _lazy_package(
        __name__,
        {
            "compare": (
                "DETERMINISTIC",
                "HISTORY_T",
                "HL_MANN_WHITNEY",
                "MACHINE_SHIFT_MODES",
                "METHODS",
                "PAIRED_BLOCKS",
                "RATIO_OF_MEDIANS",
                "RUN_LEVEL",
                "CompareSettings",
                "MetricPair",
                "SuiteComparison",
                "compare_pair",
                "compare_suite",
                "verdict_sort_key",
            ),
            "geomean": ("GeomeanChange", "geomean_change"),
            "history": ("RunSpread", "history_spreads"),
            "machine": ("MachineShift", "detect_machine_shift"),
            "multiplicity": ("holm",),
            "noise": ("noise_note", "robust_cv"),
            "paired": ("PairedChange", "block_log_ratios", "paired_change", "signed_rank"),
            "ranktest": ("Shift", "hodges_lehmann", "mann_whitney"),
            "runlevel": ("RunLevel", "prediction_test", "run_level_test"),
            "severity": ("Condition", "SeverityRule", "parse_severity_rules", "severity_of"),
            "slope": ("Slope", "linear_fit"),
            "summary": ("median_ci", "quantile", "summarize"),
        },
    )

__all__ = [
    "DETERMINISTIC",
    "HISTORY_T",
    "HL_MANN_WHITNEY",
    "MACHINE_SHIFT_MODES",
    "METHODS",
    "PAIRED_BLOCKS",
    "RATIO_OF_MEDIANS",
    "RUN_LEVEL",
    "CompareSettings",
    "Condition",
    "GeomeanChange",
    "MachineShift",
    "MetricPair",
    "PairedChange",
    "RunLevel",
    "RunSpread",
    "SeverityRule",
    "Shift",
    "Slope",
    "SuiteComparison",
    "block_log_ratios",
    "compare_pair",
    "compare_suite",
    "detect_machine_shift",
    "geomean_change",
    "history_spreads",
    "hodges_lehmann",
    "holm",
    "linear_fit",
    "mann_whitney",
    "median_ci",
    "noise_note",
    "paired_change",
    "parse_severity_rules",
    "prediction_test",
    "quantile",
    "robust_cv",
    "run_level_test",
    "severity_of",
    "signed_rank",
    "summarize",
    "verdict_sort_key",
]
