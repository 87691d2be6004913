"""Command-line options of the pytest plugin, parsed once into a frozen :class:`PluginOptions`.

perfgate's own options are ``--perfgate*``. The pytest-benchmark-compatible ``--benchmark-*`` options
are registered only when pytest-benchmark itself is not going to be loaded (it owns them otherwise), so
both plugins can be installed side by side without argparse's "option names already added" crash.
"""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest

from perfgate.argtypes import positive_int, shard
from perfgate.measure import TimerSettings
from perfgate.measure.spread import DEFAULT_GROUP
from perfgate.pytest_plugin.saved import CompareFail, parse_compare_fail, save_name, storage_path

__all__ = [
    "CI_MIN_SHARE",
    "DEFAULT_PASSES",
    "DEFAULT_PRECISION",
    "IGNORED_MARKER_KEYS",
    "MARKER_KEYS",
    "PluginOptions",
    "add_options",
    "benchmark_plugin_present",
    "marker_settings",
    "parse_options",
]

# Marker keyword arguments perfgate understands (pytest-benchmark's and pytest-codspeed's usual ones).
MARKER_KEYS = frozenset(
    {"group", "min_time", "max_time", "min_rounds", "max_rounds", "warmup", "warmup_rounds", "disable_gc",
     "memory", "bytes", "items", "uvloop"}
)  # fmt: skip
# pytest-benchmark marker arguments that are accepted and have no effect here (perfgate chooses them).
IGNORED_MARKER_KEYS = frozenset({"timer", "warmup_iterations", "calibration_precision"})

_BENCHMARK_PLUGIN = "benchmark"  # pytest-benchmark's entry-point name

DEFAULT_PRECISION = 0.005
DEFAULT_PASSES = 10
"""Default ``--perfgate-passes``: see docs/measurement.md for the measurements behind it."""
"""Default ``--perfgate-precision``: relative half-width of the median's 95% CI that ends measuring."""
DEFAULT_WARMUP_SETTLE = 0.01
"""Warm-up ends once two consecutive windows of rounds agree within this fraction."""
CI_MIN_SHARE = 0.5
"""Adaptive stopping looks at the CI only after this share of max-time (see docs/measurement.md)."""


def benchmark_plugin_present(pluginmanager: pytest.PytestPluginManager) -> bool:
    """True when pytest-benchmark is, or is about to be, registered in this pytest process."""
    if pluginmanager.has_plugin(_BENCHMARK_PLUGIN) or pluginmanager.has_plugin("pytest_benchmark.plugin"):
        return True
    if pluginmanager.is_blocked(_BENCHMARK_PLUGIN):
        return False
    if os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
        return False  # only plugins named with -p load, and those are registered already
    return any(
        ep.name == _BENCHMARK_PLUGIN or ep.value.startswith("pytest_benchmark")
        for ep in entry_points(group="pytest11")
    )


_IGNORED_SWITCHES = (
    "--benchmark-verbose",
    "--benchmark-quiet",
    "--benchmark-save-data",  # perfgate always saves the per-round data
)
_IGNORED_VALUES = (
    "--benchmark-timer",
    "--benchmark-calibration-precision",
    "--benchmark-warmup-iterations",
    "--benchmark-columns",
    "--benchmark-sort",
    "--benchmark-group-by",
    "--benchmark-name",
    "--benchmark-cprofile",
    "--benchmark-cprofile-loops",
)


def _ignored_dest(flag: str) -> str:
    return "perfgate_ignored_" + flag.removeprefix("--benchmark-").replace("-", "_")


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise pytest.UsageError(f"perfgate: expected a number of seconds, got {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise pytest.UsageError(f"perfgate: expected a finite number of seconds >= 0, got {text!r}")
    return value


def _fraction(text: str) -> float | None:
    try:
        value = float(text.rstrip("%")) / (100.0 if text.endswith("%") else 1.0)
    except ValueError:
        raise pytest.UsageError(
            f"perfgate: expected a fraction such as 0.005 or 0.5%, got {text!r}"
        ) from None
    if not math.isfinite(value) or value < 0:
        raise pytest.UsageError(f"perfgate: expected a fraction >= 0, got {text!r}")
    return value or None  # 0 switches adaptive stopping off


def _yes_no(text: str) -> bool:
    lowered = text.lower()
    if lowered in ("yes", "true", "on", "1", "auto"):
        return True
    if lowered in ("no", "false", "off", "0"):
        return False
    raise pytest.UsageError(f"perfgate: --benchmark-warmup expects yes or no, got {text!r}")


def add_options(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    """Register perfgate's options, and the ``--benchmark-*`` ones unless pytest-benchmark owns them."""
    group = parser.getgroup("perfgate", "perfgate benchmarking")
    group.addoption(
        "--perfgate",
        action="store_true",
        default=False,
        help="measure benchmarks (without it, benchmark bodies run once, unmeasured)",
    )
    group.addoption(
        "--perfgate-json",
        metavar="PATH",
        default=None,
        help="measure benchmarks and write a perfgate results document to PATH at the end",
    )
    group.addoption(
        "--perfgate-timeout",
        metavar="SECONDS",
        type=_seconds,
        default=None,
        help="per benchmark: stop measuring after SECONDS; a single call running past it fails",
    )
    group.addoption(
        "--perfgate-budget",
        metavar="SECONDS",
        type=_seconds,
        default=None,
        help="whole session: once SECONDS have passed, remaining benchmarks are skipped (run is partial)",
    )
    group.addoption(
        "--perfgate-precision",
        metavar="FRACTION",
        type=_fraction,
        default=DEFAULT_PRECISION,
        help="stop measuring a benchmark once the 95%% CI of its median is within ±FRACTION "
        f"(default {DEFAULT_PRECISION:g}; 0: always spend max-time)",
    )
    group.addoption(
        "--perfgate-processes",
        metavar="N",
        type=positive_int,
        default=1,
        help="measure each benchmark in N processes (hash seeds, memory layouts) and pool the samples; "
        "each spends max-time/N (default 1)",
    )
    group.addoption("--perfgate-process-of", type=positive_int, default=None, help=argparse.SUPPRESS)
    group.addoption(
        "--perfgate-passes",
        metavar="N",
        type=positive_int,
        default=DEFAULT_PASSES,
        help="spread each benchmark's measuring over N passes through the suite, each spending "
        f"max-time/N, so a slow stretch of the machine cannot cover all of it (default {DEFAULT_PASSES}; "
        "1: measure each benchmark at once)",
    )
    group.addoption(
        "--perfgate-rounds-per-sample",
        metavar="N",
        type=positive_int,
        default=DEFAULT_GROUP,
        help="each sample is the fastest of about N rounds spread over the whole measurement "
        f"(default {DEFAULT_GROUP}; 1: every round is a sample)",
    )
    group.addoption(
        "--perfgate-memory",
        action="store_true",
        default=False,
        help="after timing, trace one call per benchmark with tracemalloc: peak_memory and allocations",
    )
    group.addoption(
        "--perfgate-uvloop",
        action="store_true",
        default=False,
        help="run async benchmarks on uvloop's event loop instead of asyncio's (uvloop must be installed)",
    )
    group.addoption(
        "--perfgate-keep-gc",
        action="store_true",
        default=False,
        help="keep the garbage collector enabled while measuring (default: disabled during rounds)",
    )
    group.addoption(
        "--perfgate-shard",
        metavar="K/N",
        type=shard,
        default=None,
        help="keep shard K of N of the selected benchmarks (deterministic; the others are deselected)",
    )
    group.addoption(
        "--perfgate-shard-durations",
        metavar="PATH",
        default=None,
        help="with --perfgate-shard: JSON object of node id -> seconds, to balance the shards by duration",
    )
    if benchmark_plugin_present(pluginmanager):
        return
    group.addoption(
        "--benchmark-only", action="store_true", dest="perfgate_only", default=False,
        help="run only benchmarks (and measure them)",
    )  # fmt: skip
    group.addoption(
        "--benchmark-skip", action="store_true", dest="perfgate_skip", default=False,
        help="skip benchmarks",
    )  # fmt: skip
    group.addoption(
        "--benchmark-disable", action="store_true", dest="perfgate_disable", default=False,
        help="run benchmark functions once, unmeasured, even with --perfgate",
    )  # fmt: skip
    group.addoption(
        "--benchmark-min-time", metavar="SECONDS", type=_seconds, dest="perfgate_min_time",
        default=None, help="minimum round duration (default 10 µs; rounds also last >= 1000 clock steps)",
    )  # fmt: skip
    group.addoption(
        "--benchmark-max-time", metavar="SECONDS", type=_seconds, dest="perfgate_max_time",
        default=None, help="time to spend measuring each benchmark, after calibration (default 1.0)",
    )  # fmt: skip
    group.addoption(
        "--benchmark-min-rounds", metavar="N", type=positive_int, dest="perfgate_min_rounds",
        default=None, help="minimum number of measured rounds (default 5)",
    )  # fmt: skip
    group.addoption(
        "--benchmark-warmup", metavar="yes|no", nargs="?", const="yes", type=_yes_no,
        dest="perfgate_warmup", default=None,
        help="warm up for a tenth of max-time before measuring (default yes)",
    )  # fmt: skip
    group.addoption(
        "--benchmark-disable-gc", action="store_true", dest="perfgate_disable_gc", default=False,
        help="disable the garbage collector while measuring (perfgate's default already)",
    )  # fmt: skip
    group.addoption(
        "--benchmark-json", metavar="PATH", dest="perfgate_benchmark_json", default=None,
        help="measure benchmarks and write pytest-benchmark's JSON format to PATH",
    )  # fmt: skip
    group.addoption(
        "--benchmark-save", metavar="NAME", type=save_name, dest="perfgate_save", default=None,
        help="measure, and save the run as pytest-benchmark does: STORAGE/<machine>/NNNN_NAME.json",
    )  # fmt: skip
    group.addoption(
        "--benchmark-autosave", action="store_true", dest="perfgate_autosave", default=False,
        help="measure, and save the run as STORAGE/<machine>/NNNN_<commit>_<time>.json",
    )  # fmt: skip
    group.addoption(
        "--benchmark-storage", metavar="URL", dest="perfgate_storage", default="file://./.benchmarks",
        help="where --benchmark-save/-autosave/-compare keep runs: file://PATH or PATH "
        "(default file://./.benchmarks)",
    )  # fmt: skip
    group.addoption(
        "--benchmark-compare", metavar="NUM|NAME", nargs="?", const=True, dest="perfgate_compare",
        default=None,
        help="measure, and compare with a saved run: the latest, or run NUM, or the first name matching",
    )  # fmt: skip
    group.addoption(
        "--benchmark-compare-fail", metavar="EXPR", nargs="+", action="extend", type=parse_compare_fail,
        dest="perfgate_compare_fail", default=None,
        help="with --benchmark-compare: fail the session (exit 1) when a benchmark's FIELD grew more "
        "than EXPR, e.g. median:5%% or mean:0.001 (seconds); FIELD: min max mean median stddev iqr",
    )  # fmt: skip
    # pytest-benchmark options a suite may carry in its addopts: accepted, with no effect here
    ignored = "accepted for pytest-benchmark compatibility; no effect"
    for flag in _IGNORED_SWITCHES:
        group.addoption(flag, action="store_true", dest=_ignored_dest(flag), default=False, help=ignored)
    for flag in _IGNORED_VALUES:
        group.addoption(flag, metavar="VALUE", dest=_ignored_dest(flag), default=None, help=ignored)
    group.addoption("--benchmark-histogram", metavar="PREFIX", nargs="?", const="", default=None,
                    dest=_ignored_dest("--benchmark-histogram"), help=ignored)  # fmt: skip


@dataclass(frozen=True, slots=True)
class PluginOptions:
    """What the command line asked for. ``measure`` is the one switch that turns measurement on."""

    measure: bool = False
    only: bool = False
    skip: bool = False
    disable: bool = False
    json_path: Path | None = None
    timeout: float | None = None
    budget: float | None = None
    timer: TimerSettings = field(default_factory=TimerSettings)
    memory: bool = False
    uvloop: bool = False
    benchmark_json: Path | None = None
    processes: int = 1  # the session spawns processes - 1 more when > 1
    process_of: int | None = None  # this process is one of that many (spawned by another)
    passes: int = 1  # passes through the benchmarks (see --perfgate-passes)
    rounds_per_sample: int = DEFAULT_GROUP
    save: str | None = None  # --benchmark-save NAME
    autosave: bool = False
    storage: Path | None = None  # --benchmark-storage, resolved (set when saving or comparing)
    compare: str | bool | None = None  # --benchmark-compare: True = the latest saved run
    compare_fail: tuple[CompareFail, ...] = ()


def parse_options(config: pytest.Config, compat: bool = True) -> PluginOptions:
    """Read the options from ``config``; ``compat`` says whether the ``--benchmark-*`` ones are ours."""

    def opt(name: str, default: Any = None) -> Any:
        return config.getoption(name, default) if compat else default

    only = bool(opt("perfgate_only", False))
    skip = bool(opt("perfgate_skip", False))
    disable = bool(opt("perfgate_disable", False))
    if only and skip:
        raise pytest.UsageError("perfgate: --benchmark-only and --benchmark-skip exclude each other")

    def where(raw: str | None) -> Path | None:
        if not raw:
            return None
        path = Path(raw)
        return path if path.is_absolute() else config.invocation_params.dir / path

    json_path = where(config.getoption("perfgate_json"))
    benchmark_json = where(opt("perfgate_benchmark_json"))
    max_time = opt("perfgate_max_time")
    max_time = 1.0 if max_time is None else float(max_time)
    process_of = config.getoption("perfgate_process_of", None)
    processes = int(config.getoption("perfgate_processes", 1))
    share = process_of or processes
    max_time /= share  # N processes spend together what one would
    passes = int(config.getoption("perfgate_passes", 1))
    rounds_per_sample = int(config.getoption("perfgate_rounds_per_sample", DEFAULT_GROUP))
    min_time = opt("perfgate_min_time")
    warmup = opt("perfgate_warmup")
    keep_gc = bool(config.getoption("perfgate_keep_gc"))
    if keep_gc and opt("perfgate_disable_gc", False):
        raise pytest.UsageError("perfgate: --perfgate-keep-gc and --benchmark-disable-gc exclude each other")
    timer = TimerSettings(
        min_time=10e-6 if min_time is None else float(min_time),
        max_time=max_time,
        min_rounds=opt("perfgate_min_rounds") or 5,
        warmup_time=max_time / 10 if warmup is None or warmup else 0.0,
        disable_gc=not keep_gc,
        ci_target=config.getoption("perfgate_precision", DEFAULT_PRECISION),
        warmup_settle=DEFAULT_WARMUP_SETTLE,
        ci_min_time=max_time * CI_MIN_SHARE,
        passes=passes,
        rounds_per_sample=rounds_per_sample,
    )
    save = opt("perfgate_save")
    autosave = bool(opt("perfgate_autosave", False))
    compare = opt("perfgate_compare")
    compare_fail = tuple(opt("perfgate_compare_fail") or ())
    if compare_fail and compare is None:
        raise pytest.UsageError("perfgate: --benchmark-compare-fail needs --benchmark-compare")
    if save is not None and autosave:
        raise pytest.UsageError("perfgate: --benchmark-save and --benchmark-autosave exclude each other")
    keeps = save is not None or autosave or compare is not None
    storage = storage_path(opt("perfgate_storage") or "", config.invocation_params.dir) if keeps else None
    asked = (
        bool(config.getoption("perfgate"))
        or json_path is not None
        or benchmark_json is not None
        or only
        or keeps
    )
    return PluginOptions(
        measure=asked and not disable,
        only=only,
        skip=skip,
        disable=disable,
        json_path=json_path,
        timeout=config.getoption("perfgate_timeout"),
        budget=config.getoption("perfgate_budget"),
        timer=timer,
        memory=bool(config.getoption("perfgate_memory", False)),
        uvloop=bool(config.getoption("perfgate_uvloop", False)),
        benchmark_json=benchmark_json,
        processes=1 if process_of else processes,
        process_of=process_of,
        passes=passes,
        rounds_per_sample=rounds_per_sample,
        save=save,
        autosave=autosave,
        storage=storage,
        compare=compare,
        compare_fail=compare_fail,
    )


def marker_settings(
    base: TimerSettings, kwargs: Mapping[str, Any], where: str
) -> tuple[TimerSettings, str | None, tuple[str, ...]]:
    """Apply ``@pytest.mark.benchmark(...)`` keywords: ``(settings, group, unknown keyword names)``."""
    unknown = tuple(sorted(k for k in kwargs if k not in MARKER_KEYS and k not in IGNORED_MARKER_KEYS))
    group = kwargs.get("group")
    if group is not None and not isinstance(group, str):
        raise pytest.UsageError(f"perfgate: {where}: benchmark marker group must be a string, got {group!r}")
    changes: dict[str, Any] = {}
    for key in ("min_time", "max_time", "min_rounds", "max_rounds", "warmup_rounds"):
        if key in kwargs:
            changes[key] = kwargs[key]
    if "warmup" in kwargs:
        w = kwargs["warmup"]
        changes["warmup_time"] = (changes.get("max_time", base.max_time) / 10) if w else 0.0
    elif "max_time" in changes and base.warmup_time > 0:
        new_max = changes["max_time"]
        changes["warmup_time"] = new_max / 10 if isinstance(new_max, int | float) else 0.0
    if "max_time" in changes and isinstance(changes["max_time"], int | float):
        changes["ci_min_time"] = changes["max_time"] * CI_MIN_SHARE
    if "disable_gc" in kwargs:
        changes["disable_gc"] = bool(kwargs["disable_gc"])
    try:
        settings = replace(base, **changes) if changes else base
    except (TypeError, ValueError) as exc:
        raise pytest.UsageError(f"perfgate: {where}: bad benchmark marker argument: {exc}") from None
    return settings, group, unknown
