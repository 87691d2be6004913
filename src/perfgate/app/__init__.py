"""What perfgate's commands do, as plain functions (the CLI parses arguments and calls these).

Every use case is callable from Python and testable without a subprocess: it takes a
:class:`Workspace` (configuration, store location, environment variables) and returns values; where it
reads or writes the store it takes one already open (``store=``, the :class:`~perfgate.store.RunStore`
protocol), so a caller running many use cases (a server) opens the store once; given none, it opens
the workspace's for its own call. One module per concern:

- :mod:`perfgate.app.workspace`: :class:`Workspace` (project, configuration, store, redactor);
- :mod:`perfgate.app.baseline`: the baseline policy, and the runs a run id or git ref names;
- :mod:`perfgate.app.suites`: the :class:`~perfgate.app.suites.Suite` protocol and its kinds;
- :mod:`perfgate.app.suite`: ``perfgate run`` (run the suites, store, gate);
- :mod:`perfgate.app.judge`: :func:`build_run` and :func:`gate_run`, what every gating command shares;
- :mod:`perfgate.app.ingest`: ``perfgate ingest``; :mod:`perfgate.app.compare`: ``compare``,
  ``show``, ``export``; :mod:`perfgate.app.history`: ``history`` and ``runs``;
  :mod:`perfgate.app.commands`: ``perfgate cmd``; :mod:`perfgate.app.shards`: ``perfgate merge``;
  :mod:`perfgate.app.series`: every stored series as they read it; :mod:`perfgate.app.changes`:
  change points on their testbeds (``detect``, ``trend``, dashboard).
"""

from __future__ import annotations

import typing

if typing.TYPE_CHECKING:
    from perfgate.app.alerts import (
        AlertState,
        DetectedChange,
        Notified,
        Silence,
        ack_alert,
        alerts_file,
        list_alerts,
        notify,
        notify_change_points,
        parse_period,
        silence_alerts,
    )
    from perfgate.app.baseline import (
        HISTORY_RUNS,
        Baseline,
        earlier_runs,
        resolve_run,
        resolve_runs,
        select_baseline,
        testbed_spreads,
        with_history,
    )
    from perfgate.app.changes import ChangeDetector, detect_changes, series_points
    from perfgate.app.commands import command_suite, gate_measured, measure_commands
    from perfgate.app.compare import compare_specs, load_spec
    from perfgate.app.history import History, benchmark_matches, history, list_runs
    from perfgate.app.ingest import ingest_gate, ingest_paths, run_document
    from perfgate.app.judge import build_run, gate_run
    from perfgate.app.load import LoadMeasured, configured_scenarios, measure_load
    from perfgate.app.managed import (
        approve_proposal,
        baseline_key,
        is_better,
        propose_baseline,
        reject_proposal,
        review_baseline,
        set_baseline,
    )
    from perfgate.app.series import StoredSeries, stored_series
    from perfgate.app.shards import merge_files
    from perfgate.app.stored import benchmark_series, compare_stored, judge_stored, stored_run
    from perfgate.app.suite import (
        ServicesRun,
        run_suite,
        run_suites,
        select_services,
        services_results,
        shard_durations,
        tier_services,
    )
    from perfgate.app.suites import (
        KINDS,
        CommandSuite,
        HarnessSuite,
        LoadSuite,
        OnCommandRun,
        PytestSuite,
        Suite,
        SuiteContext,
        SuiteKind,
        command_specs,
        harness_specs,
        load_specs,
        plan_suites,
        selects_tests,
    )
    from perfgate.app.workspace import Workspace
else:  # each module imported when one of its names is first read (perfgate.lazy)
    from perfgate.lazy import lazy_package as _lazy_package

    _lazy_package(
        __name__,
        {
            "alerts": (
                "AlertState",
                "DetectedChange",
                "Notified",
                "Silence",
                "ack_alert",
                "alerts_file",
                "list_alerts",
                "notify",
                "notify_change_points",
                "parse_period",
                "silence_alerts",
            ),
            "baseline": (
                "HISTORY_RUNS",
                "Baseline",
                "earlier_runs",
                "resolve_run",
                "resolve_runs",
                "select_baseline",
                "testbed_spreads",
                "with_history",
            ),
            "changes": ("ChangeDetector", "detect_changes", "series_points"),
            "commands": ("command_suite", "gate_measured", "measure_commands"),
            "compare": ("compare_specs", "load_spec"),
            "history": ("History", "benchmark_matches", "history", "list_runs"),
            "ingest": ("ingest_gate", "ingest_paths", "run_document"),
            "series": ("StoredSeries", "stored_series"),
            "load": ("LoadMeasured", "configured_scenarios", "measure_load"),
            "managed": (
                "approve_proposal",
                "baseline_key",
                "is_better",
                "propose_baseline",
                "reject_proposal",
                "review_baseline",
                "set_baseline",
            ),
            "shards": ("merge_files",),
            "stored": ("benchmark_series", "compare_stored", "judge_stored", "stored_run"),
            "judge": ("build_run", "gate_run"),
            "suite": (
                "ServicesRun",
                "run_suite",
                "run_suites",
                "select_services",
                "services_results",
                "shard_durations",
                "tier_services",
            ),
            "suites": (
                "KINDS",
                "CommandSuite",
                "HarnessSuite",
                "LoadSuite",
                "OnCommandRun",
                "PytestSuite",
                "Suite",
                "SuiteContext",
                "SuiteKind",
                "command_specs",
                "harness_specs",
                "load_specs",
                "plan_suites",
                "selects_tests",
            ),
            "workspace": ("Workspace",),
        },
    )

__all__ = [
    "HISTORY_RUNS",
    "KINDS",
    "AlertState",
    "Baseline",
    "ChangeDetector",
    "CommandSuite",
    "DetectedChange",
    "HarnessSuite",
    "History",
    "LoadMeasured",
    "LoadSuite",
    "Notified",
    "OnCommandRun",
    "PytestSuite",
    "ServicesRun",
    "Silence",
    "StoredSeries",
    "Suite",
    "SuiteContext",
    "SuiteKind",
    "Workspace",
    "ack_alert",
    "alerts_file",
    "approve_proposal",
    "baseline_key",
    "benchmark_matches",
    "benchmark_series",
    "build_run",
    "command_specs",
    "command_suite",
    "compare_specs",
    "compare_stored",
    "configured_scenarios",
    "detect_changes",
    "earlier_runs",
    "gate_measured",
    "gate_run",
    "harness_specs",
    "history",
    "ingest_gate",
    "ingest_paths",
    "is_better",
    "judge_stored",
    "list_alerts",
    "list_runs",
    "load_spec",
    "load_specs",
    "measure_commands",
    "measure_load",
    "merge_files",
    "notify",
    "notify_change_points",
    "parse_period",
    "plan_suites",
    "propose_baseline",
    "reject_proposal",
    "resolve_run",
    "resolve_runs",
    "review_baseline",
    "run_document",
    "run_suite",
    "run_suites",
    "select_baseline",
    "select_services",
    "selects_tests",
    "series_points",
    "services_results",
    "set_baseline",
    "shard_durations",
    "silence_alerts",
    "stored_run",
    "stored_series",
    "testbed_spreads",
    "tier_services",
    "with_history",
]
