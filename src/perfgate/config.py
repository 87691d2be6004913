"""Configuration: ``[tool.perfgate]`` in ``pyproject.toml`` or a ``perfgate.toml``.

Parsed once, at the boundary, into typed objects; every error names the file and the key::

    [tool.perfgate]
    project = "myproject"            # default: [project].name, else the directory name
    storage = ".perfgate/perfgate.db"  # a path (relative to the project root) or a database URL
    testbed = "ci-runner-large"      # default: $PERFGATE_TESTBED, else derived from the machine
    main_branch = "main"
    benchmarks = ["bench"]           # what pytest collects (paths, pytest arguments)
    pytest_args = []                 # extra arguments for every pytest run
    default_tier = "fast"            # the tier `perfgate run` uses without --tier
    redact = ["MY_SERVICE_KEY"]      # environment variables whose values never reach a message

    [tool.perfgate.thresholds]       # relative thresholds per metric ...
    time = "5%"
    allocations = "50%"
    [tool.perfgate.thresholds."bench/test_io.py::*"]   # ... and per benchmark glob
    time = "15%"

    [tool.perfgate.tiers.fast]       # selection, thresholds and time limits per tier
    select = ["-m", "not slow"]      # pytest arguments (paths, -k, -m)
    threshold = "5%"                 # or a table like [tool.perfgate.thresholds]
    timeout = "10s"                  # per benchmark
    budget = "30s"                   # the whole tier
    max_time = "0.2s"                # measuring time per benchmark
    passes = 10                      # passes through the suite (pytest plugin; 1: all at once)
    processes = 1                    # processes pooled per benchmark (pytest plugin)

    [[tool.perfgate.budgets]]        # absolute budgets
    benchmark = "test_cache_hit"     # glob on the full name, or on the test name alone
    metric = "time"
    max = "1ms"                      # or min = "5000 req/s"; fails the gate (critical)
    warn = "0.5ms"                   # optional target on the safe side: "target missed", passes

    [tool.perfgate.baseline]
    branch = "main"                  # default: main_branch
    runs = 5                         # how many recent runs form the baseline
    pin = "01JD..."                  # a pinned baseline run id (optional)
    mode = "rolling"                 # or "managed": gate against `perfgate baseline`'s (docs/baselines.md)

    [tool.perfgate.baseline.update]  # when a managed baseline is proposed anew
    stable_runs = 7                  # consecutive passing runs on main, each better by...
    min_improvement = "3%"           # ...at least this (geometric mean, at `confidence`)
    confidence = 0.99
    review = "24h"                   # without approval, a proposal applies after this
    approval = true                  # wait for `perfgate baseline approve ID`

    [[tool.perfgate.commands]]       # command benchmarks (see perfgate.measure.command)
    name = "sort {size}"             # default: the command; results are named cmd:<name>
    command = "sort -n data-{size}.txt"   # a string (shlex-split) or a list of arguments
    shell = false                    # run with /bin/sh -c
    warmup = 1
    runs = 10                        # or min_runs / max_runs / max_time (default: >= 10 runs, 3 s)
    prepare = "make data-{size}.txt" # before every run; cleanup: once after the last run
    ignore_failure = false           # a non-zero exit code fails the benchmark unless true
    timeout = "30s"                  # per run (default: the tier's timeout)
    parameters = { size = [1, 10, 100] }
    tiers = ["nightly"]              # which tiers run it (default: all)

    [[tool.perfgate.suites]]         # harness suites (see perfgate.measure.harness)
    name = "go"                      # results are named go:<the harness's name>
    command = ["go", "test", "-run=^$", "-bench=.", "-benchmem", "./..."]  # a string only with shell
    format = "go"                    # an adapter name, or "auto"
    output = "stdout"                # or a file, a directory or a glob (relative to cwd)
    cwd = "."                        # relative to the project root
    env = { GOFLAGS = "-count=1" }
    timeout = "5m"
    tiers = ["fast", "nightly"]      # which tiers run it (default: all)
    args = { fast = ["-benchtime=1s"], nightly = ["-benchtime=10s"] }  # appended in that tier

    [[tool.perfgate.load]]           # HTTP load scenarios (see perfgate.load and docs/load.md)
    name = "health"                  # default: "METHOD URL"
    url = "http://127.0.0.1:8080/health"
    method = "POST"                  # default: GET, or POST with a body
    headers = { Authorization = "Bearer dev" }
    json = "body.json"               # or body = "text", body_file = "f" (relative to the project root)
    expect = [200, 201]              # default: any 2xx
    rate = "2000/s"                  # open model (with duration and/or stages = [{ duration, rate }])
    users = 10                       # or the closed model (with requests per user or duration; think)
    duration = "30s"
    warmup = "2s"
    timeout = "10s"
    connections = 256
    workers = 2                      # default: one per CPU
    tiers = ["load"]                 # which tiers run it (default: all)
    service = "bot"                  # the service it targets: "{port}" in url is that service's port
    slices = 10                      # perfgate ab: interleaved slices per side (default 10)

    [[tool.perfgate.services]]       # started before a tier's suites, stopped after (docs/services.md)
    name = "nats"                    # its log: .perfgate/logs/nats.log
    command = ["nats-server", "-p", "4222", "-m", "8222"]  # a string only with shell = true
    cwd = "."                        # relative to the project root
    env = { GOMAXPROCS = "1" }
    ready = { http = "http://127.0.0.1:8222/healthz" }  # or { tcp = "host:port" } or { command = [...] }
    ready_timeout = "30s"
    stop_signal = "SIGTERM"          # to its process group; SIGKILL after stop_timeout
    stop_timeout = "10s"
    tiers = ["load"]                 # which tiers start it (default: all)
    export = { NATS_URL = "nats://127.0.0.1:4222" }  # environment variables for the suites
    leak = "5MB/h"                   # fails the gate when RSS growth per hour is surely above it
    metrics = { url = "http://127.0.0.1:9090/metrics", names = ["process_resident_memory_bytes"] }
    shared = true                    # perfgate ab: one copy for both sides (default: one per side)
    # "{port}" in command, env, ready, export or metrics: a free port perfgate picks at start
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from perfgate.errors import ConfigError
from perfgate.frozen import Frozen
from perfgate.model import METRICS, Direction, normalize
from perfgate.strict import Reader
from perfgate.urls import is_url

if TYPE_CHECKING:  # (each imported where it is used: a command that only reads loads no measuring code)
    from perfgate.alerts.rules import AlertRule, ChannelSpec
    from perfgate.gate import Budget, Policy, ThresholdOverride
    from perfgate.load.scenario import LoadSpec
    from perfgate.measure.command import CommandSpec
    from perfgate.measure.harness import HarnessSpec
    from perfgate.measure.prometheus import PrometheusSpec
    from perfgate.measure.services import ServiceSpec
    from perfgate.stats import SeverityRule

__all__ = [
    "BaselineConfig",
    "BaselineUpdate",
    "Config",
    "Tier",
    "find_config",
    "is_url",
    "load_config",
    "parse_config",
    "parse_duration",
    "parse_percent",
    "parse_quantity",
]

DEFAULT_STORAGE = ".perfgate/perfgate.db"


# The configuration's classes are named tuples (BaselineUpdate, which checks its values, a Frozen one),
# not dataclasses: every command reads the configuration as it starts (see perfgate.frozen).
_NONE: Mapping[str, Any] = MappingProxyType({})  # (an empty mapping, the default of a mapping field)


class Tier(NamedTuple):
    name: str
    select: tuple[str, ...] = ()
    thresholds: Mapping[str, float] = _NONE
    timeout: float | None = None
    budget: float | None = None
    max_time: float | None = None
    passes: int | None = None  # None: the plugin's default
    processes: int | None = None
    soak: float | None = None  # seconds the services are kept sampled at least (perfgate run --soak)


class BaselineUpdate(Frozen):
    """``[tool.perfgate.baseline.update]``: when a managed baseline is proposed anew (docs/baselines.md)."""

    _fields = ("stable_runs", "min_improvement", "confidence", "review", "approval")
    __slots__ = _fields
    stable_runs: int
    min_improvement: float  # a fraction: 0.03 = 3%
    confidence: float
    review: float  # seconds
    approval: bool

    def __init__(
        self,
        stable_runs: int = 7,
        min_improvement: float = 0.03,
        confidence: float = 0.99,
        review: float = 24 * 3600.0,
        approval: bool = True,
    ) -> None:
        if stable_runs < 1:
            raise ValueError(f"stable_runs must be at least 1, got {stable_runs}")
        if not 0 <= min_improvement < 1:
            raise ValueError(f"min_improvement must be below 100%, got {min_improvement:.0%}")
        if not 0 < confidence < 1:
            raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
        if not review > 0:
            raise ValueError(f"review must be a positive duration, got {review}")
        self._fill(stable_runs, min_improvement, confidence, review, approval)


BASELINE_MODES = ("rolling", "managed")


class BaselineConfig(NamedTuple):
    branch: str | None = None  # None: the project's main branch
    runs: int = 5
    pin: str | None = None
    mode: str = "rolling"  # or "managed": the stored baseline `perfgate baseline` keeps
    update: BaselineUpdate = BaselineUpdate()


class Config(NamedTuple):
    root: Path
    source: Path | None  # the file the configuration came from, None for defaults
    project: str
    storage: str = DEFAULT_STORAGE
    testbed: str | None = None
    main_branch: str = "main"
    benchmarks: tuple[str, ...] = ()
    pytest_args: tuple[str, ...] = ()
    default_tier: str | None = None
    tiers: Mapping[str, Tier] = _NONE
    thresholds: Mapping[str, float] = _NONE
    overrides: tuple[ThresholdOverride, ...] = ()
    budgets: tuple[Budget, ...] = ()
    baseline: BaselineConfig = BaselineConfig()
    severity: tuple[SeverityRule, ...] = ()
    commands: tuple[CommandSpec, ...] = ()
    suites: tuple[HarnessSpec, ...] = ()  # [[tool.perfgate.suites]]: other harnesses' commands
    load: tuple[LoadSpec, ...] = ()  # [[tool.perfgate.load]]: HTTP load scenarios
    services: tuple[ServiceSpec, ...] = ()  # [[tool.perfgate.services]]: started for a tier's suites
    # environment variables whose values are redacted from stored and printed messages, besides the
    # secret-looking ones perfgate finds itself (perfgate.context.secrets)
    redact: tuple[str, ...] = ()
    # What a whole-suite move does to the verdicts (CompareSettings.machine_shift): "note" keeps them.
    machine_shift: str = "note"
    # [[tool.perfgate.alerts]] and [tool.perfgate.channels.NAME] (see perfgate.alerts, docs/alerts.md)
    alerts: tuple[AlertRule, ...] = ()
    channels: Mapping[str, ChannelSpec] = _NONE

    def storage_url(self) -> str:
        """The store location: a URL as given, or a path resolved against the project root."""
        if is_url(self.storage):
            return self.storage
        p = Path(self.storage).expanduser()
        return str(p if p.is_absolute() else self.root / p)

    def tier(self, name: str | None) -> Tier | None:
        """The named tier (or the default tier when ``name`` is None); unknown names are an error."""
        name = name if name is not None else self.default_tier
        if name is None:
            return None
        if name not in self.tiers:
            known = ", ".join(sorted(self.tiers)) or "none configured"
            where = self.source or self.root / "pyproject.toml"
            raise ConfigError(f"{where}: unknown tier {name!r} (tiers: {known})")
        return self.tiers[name]

    def policy(self, tier: Tier | None) -> Policy:
        from perfgate.gate import Policy

        return Policy(
            metrics=self.thresholds,
            overrides=self.overrides,
            tier_metrics=tier.thresholds if tier is not None else {},
            budgets=self.budgets,
        )


_PCT = r"^\s*([-+]?\d+(?:\.\d+)?)\s*%\s*$"  # (compiled by re on first use: most runs parse none)


def parse_percent(value: Any) -> float:
    """``"5%"`` -> 0.05. Bare numbers are percentages too (``5`` -> 0.05), like ``--threshold 5``."""
    if isinstance(value, bool):
        raise ValueError(f"expected a percentage like '5%', got {value!r}")
    if isinstance(value, int | float):
        pct = float(value)
    elif isinstance(value, str) and (m := re.match(_PCT, value)):
        pct = float(m.group(1))
    elif isinstance(value, str):
        try:
            pct = float(value)
        except ValueError:
            raise ValueError(f"expected a percentage like '5%', got {value!r}") from None
    else:
        raise ValueError(f"expected a percentage like '5%', got {value!r}")
    if not math.isfinite(pct):
        raise ValueError(f"a threshold must be a finite percentage like '5%', got {value!r}")
    if pct < 0:
        raise ValueError(f"a threshold must not be negative, got {value!r}")
    return pct / 100.0


_QTY = r"^\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*([^\d\s].*?)?\s*$"


def parse_quantity(value: Any, default_unit: str = "s") -> tuple[float, str]:
    """``"1ms"`` -> (0.001, "s"); ``"100 MB"`` -> (1e8, "B"); a bare number takes ``default_unit``."""
    if isinstance(value, bool):
        raise ValueError(f"expected a number with a unit, got {value!r}")
    if isinstance(value, int | float):
        number, unit = normalize(float(value), default_unit)
    elif isinstance(value, str) and (m := re.match(_QTY, value)):
        number, unit = normalize(float(m.group(1)), m.group(2) or default_unit)
    else:
        raise ValueError(f"expected a number with a unit like '1ms', got {value!r}")
    if not math.isfinite(number):
        raise ValueError(f"expected a finite number with a unit like '1ms', got {value!r}")
    return number, unit


_RATE_TIME = {
    "s": 1.0, "sec": 1.0, "min": 60.0, "m": 60.0, "h": 3600.0, "hour": 3600.0, "d": 86400.0, "day": 86400.0,
}  # fmt: skip


def parse_growth_rate(value: Any) -> float:
    """``"5MB/h"`` -> 5e6 (bytes per hour); ``"100KiB/min"`` -> 6144000. A size over a time unit."""
    if isinstance(value, str) and "/" in value:
        size, per = value.rsplit("/", 1)
        factor = _RATE_TIME.get(per.strip())
        if factor is not None:
            number, unit = parse_quantity(size, "B")
            if unit == "B" and number > 0:
                return number * 3600.0 / factor
    raise ValueError(f"expected a positive growth rate like '5MB/h', got {value!r}")


def leak_budgets(services: Sequence[ServiceSpec]) -> tuple[Budget, ...]:
    """The budgets ``leak`` limits make: a service's ``rss_growth_per_hour`` whose interval's lower
    bound exceeds the limit fails the gate (growth within noise does not)."""
    leaky = [s for s in services if s.leak is not None]
    if not leaky:
        return ()
    from perfgate.gate import Budget

    return tuple(
        Budget(
            f"service:{s.name}",
            "rss_growth_per_hour",
            "<=",
            s.leak,
            "B/h",
            f"service:{s.name} leak <= {s.leak_text or s.leak} (lower bound of the 95% interval)",
            bound="ci_low",
        )
        for s in leaky
        if s.leak is not None
    )


def parse_duration(value: Any) -> float:
    seconds, unit = parse_quantity(value, "s")
    if unit != "s":
        raise ValueError(f"expected a duration like '30s' or '5min', got {value!r}")
    if seconds <= 0:
        raise ValueError(f"a duration must be positive, got {value!r}")
    return seconds


#: a TOML table with its dotted key path: read by the strict reader, errors are ConfigErrors
_Table = Reader


def _metric_thresholds(t: _Table) -> tuple[dict[str, float], list[ThresholdOverride]]:
    from perfgate.gate import ThresholdOverride

    metrics: dict[str, float] = {}
    overrides: list[ThresholdOverride] = []
    for k, v in t.data.items():
        if isinstance(v, dict):
            sub = t.child(v, f'"{k}"')
            inner, nested = _metric_thresholds(sub)
            if nested:
                raise sub.error(next(iter(v)), "benchmark patterns do not nest")
            overrides.append(ThresholdOverride(k, inner))
        else:
            metrics[k] = t.convert(k, parse_percent)
    return metrics, overrides


def _tier(name: str, t: _Table) -> Tier:
    t.check_keys(
        {"select", "threshold", "thresholds", "timeout", "budget", "max_time", "passes", "processes", "soak"}
    )
    thresholds: dict[str, float] = {}
    if "threshold" in t.data:
        raw = t.data["threshold"]
        if isinstance(raw, dict):
            thresholds, nested = _metric_thresholds(t.child(raw, "threshold"))
            if nested:
                raise t.error("threshold", "per-benchmark thresholds belong in [tool.perfgate.thresholds]")
        else:
            thresholds = {"time": t.convert("threshold", parse_percent)}
    if "thresholds" in t.data:
        sub = t.sub("thresholds")
        assert sub is not None
        more, nested = _metric_thresholds(sub)
        if nested:
            raise sub.error(nested[0].pattern, "per-benchmark thresholds go in [tool.perfgate.thresholds]")
        thresholds.update(more)
    return Tier(
        name=name,
        select=t.strings("select"),
        thresholds=thresholds,
        timeout=t.convert("timeout", parse_duration),
        budget=t.convert("budget", parse_duration),
        max_time=t.convert("max_time", parse_duration),
        soak=t.convert("soak", parse_duration),
        passes=_count(t, "passes", 1),
        processes=_count(t, "processes", 1),
    )


def _budget(i: int, t: _Table) -> Budget:
    from perfgate.gate import Budget

    t.check_keys({"benchmark", "metric", "max", "min", "warn"})
    pattern = t.get("benchmark", str)
    if not pattern:
        raise t.error("benchmark", "missing (a benchmark name or glob)")
    metric = t.get("metric", str, "time")
    if "warn" in t.data and "max" not in t.data and "min" not in t.data:
        raise t.error("warn", "a target needs the limit that fails the gate beside it: max or min")
    if ("max" in t.data) == ("min" in t.data):
        raise t.error("max", "give exactly one of max or min")
    op, key = ("<=", "max") if "max" in t.data else (">=", "min")
    default_unit = METRICS[metric].unit if metric in METRICS else "count"
    limit, unit = t.convert(key, lambda v: parse_quantity(v, default_unit))
    if metric in METRICS and unit != METRICS[metric].unit:
        raise t.error(key, f"{metric} is measured in {METRICS[metric].unit}, not {unit}")
    if limit <= 0:
        # a time, size, count or rate is never below zero: such a budget fails (max) or passes (min)
        # every benchmark whatever it measures
        raise t.error(key, f"a budget must be positive, got {t.data[key]!r}")
    rule = f"{pattern} {metric} {op} {t.data[key]}"
    warn = _budget_warn(t, key, op, limit, unit, default_unit)
    if warn is not None:
        rule += f" (target {t.data['warn']})"
    return Budget(pattern, metric, op, limit, unit, rule, warn)


def _budget_warn(t: _Table, key: str, op: str, limit: float, unit: str, default_unit: str) -> float | None:
    """The budget's warning level (its target), on the safe side of ``limit`` and in its unit."""
    if "warn" not in t.data:
        return None
    warn: float
    warn, warn_unit = t.convert("warn", lambda v: parse_quantity(v, default_unit))
    if warn_unit != unit:
        raise t.error(
            "warn", f"the target is in {warn_unit}, the {key} in {unit}: give both in one unit kind"
        )
    if warn <= 0:
        raise t.error("warn", f"a target must be positive, got {t.data['warn']!r}")
    if not (warn < limit if op == "<=" else warn > limit):
        side = "below" if op == "<=" else "above"
        raise t.error(
            "warn",
            f"the target {t.data['warn']!r} must be {side} {key} = {t.data[key]!r}"
            " (it warns before the limit fails the gate)",
        )
    return warn


def _command_line(t: _Table, k: str) -> str | tuple[str, ...] | None:
    v = t.data.get(k)
    if v is None:
        return None
    if isinstance(v, str) and v.strip():
        return v
    if isinstance(v, list) and v and all(isinstance(x, str) for x in v):
        return tuple(v)
    raise t.error(k, f"expected a non-empty string or list of strings, got {v!r}")


def _count(t: _Table, k: str, least: int) -> int | None:
    v: int | None = t.get(k, int)
    if v is not None and v < least:
        raise t.error(k, f"must be at least {least}, got {v}")
    return v


def _command(t: _Table, tiers: Mapping[str, Tier]) -> CommandSpec:
    """One ``[[commands]]`` table, parsed into the measuring layer's spec (which checks the rules)."""
    from perfgate.measure.command import DEFAULT_MAX_TIME, DEFAULT_MIN_RUNS, CommandSpec, SpecError

    t.check_keys({
        "name", "command", "shell", "warmup", "runs", "min_runs", "max_runs", "max_time", "prepare",
        "cleanup", "ignore_failure", "timeout", "parameters", "tiers",
    })  # fmt: skip
    if "command" not in t.data:
        raise t.error("command", "missing (a string or a list of arguments)")
    command = _command_line(t, "command")
    assert command is not None
    params: list[tuple[str, tuple[str, ...]]] = []
    pt = t.sub("parameters")
    if pt is not None:
        for pname, values in pt.data.items():
            if not isinstance(values, list) or not values:
                raise pt.error(pname, f"expected a non-empty list of values, got {values!r}")
            if not all(isinstance(x, str | int | float) and not isinstance(x, bool) for x in values):
                raise pt.error(pname, f"values must be strings or numbers, got {values!r}")
            params.append((pname, tuple(str(x) for x in values)))
    tier_names = None
    if "tiers" in t.data:
        tier_names = t.strings("tiers")
        for tn in tier_names:
            if tn not in tiers:
                known = ", ".join(sorted(tiers)) or "none configured"
                raise t.error("tiers", f"no tier named {tn!r} (tiers: {known})")
    max_time = t.convert("max_time", parse_duration)
    try:
        return CommandSpec(
            command=command,
            name=t.get("name", str),
            shell=t.get("shell", bool, False),
            warmup=t.get("warmup", int, 0),
            runs=t.get("runs", int),
            min_runs=t.get("min_runs", int, DEFAULT_MIN_RUNS),
            max_runs=t.get("max_runs", int),
            max_time=DEFAULT_MAX_TIME if max_time is None else max_time,
            prepare=_command_line(t, "prepare"),
            cleanup=_command_line(t, "cleanup"),
            ignore_failure=t.get("ignore_failure", bool, False),
            timeout=t.convert("timeout", parse_duration),
            parameters=tuple(params),
            tiers=tier_names,
        )
    except SpecError as exc:
        raise t.error(exc.key, exc.problem) from None


def _tier_names(t: _Table, k: str, tiers: Mapping[str, Tier], names: Any) -> None:
    for tn in names:
        if tn not in tiers:
            known = ", ".join(sorted(tiers)) or "none configured"
            raise t.error(k, f"no tier named {tn!r} (tiers: {known})")


def _suite(t: _Table, tiers: Mapping[str, Tier]) -> HarnessSpec:
    """One ``[[suites]]`` table, parsed into the measuring layer's spec (which checks the rules)."""
    from perfgate.measure.command import SpecError
    from perfgate.measure.harness import STDOUT, HarnessSpec

    t.check_keys({"name", "command", "shell", "format", "output", "cwd", "env", "timeout", "tiers", "args"})
    for key in ("name", "command"):
        if key not in t.data:
            raise t.error(key, "missing")
    command: str | tuple[str, ...]
    raw = t.data["command"]
    if isinstance(raw, list) and all(isinstance(x, str) for x in raw):
        command = tuple(raw)
    elif isinstance(raw, str):
        command = raw
    else:
        raise t.error("command", f"expected a list of arguments (or a string with shell = true), got {raw!r}")
    env: list[tuple[str, str]] = []
    et = t.sub("env")
    if et is not None:
        for k in et.data:
            env.append((k, et.get(k, str)))
    tier_names = None
    if "tiers" in t.data:
        v = t.data["tiers"]
        if not isinstance(v, list):
            raise t.error("tiers", f"expected a list of tier names, got {v!r}")
        tier_names = t.strings("tiers")
        _tier_names(t, "tiers", tiers, tier_names)
    args: list[tuple[str, tuple[str, ...]]] = []
    at = t.sub("args")
    if at is not None:
        for tn, v in at.data.items():
            if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
                raise at.error(tn, f"expected a list of arguments, got {v!r}")
            _tier_names(at, tn, tiers, [tn])
            args.append((tn, tuple(v)))
    try:
        return HarnessSpec(
            name=t.get("name", str),
            command=command,
            shell=t.get("shell", bool, False),
            format=t.get("format", str, "auto"),
            output=t.get("output", str, STDOUT),
            cwd=t.get("cwd", str, "."),
            env=tuple(env),
            timeout=t.convert("timeout", parse_duration),
            tiers=tier_names,
            args=tuple(args),
        )
    except SpecError as exc:
        raise t.error(exc.key, exc.problem) from None


T = TypeVar("T")


def _named_tables(
    t: _Table, key: str, what: str, parse: Callable[[_Table], T], name: Callable[[T], str]
) -> tuple[T, ...]:
    """An array of tables (``[[tool.perfgate.<key>]]``), each parsed by ``parse``, whose names (``name``
    of each) are unique: a second one of a name is an error naming its key."""
    out: list[T] = []
    for i, c in enumerate(t.get(key, list, [])):
        where = f"{key}[{i}]"
        if not isinstance(c, dict):
            raise t.error(where, f"expected a table ([[tool.perfgate.{key}]])")
        item = parse(t.child(c, where))
        if any(name(o) == name(item) for o in out):
            raise t.error(
                f"{where}.name", f"another {what} is named {name(item)!r}: {what} names must be unique"
            )
        out.append(item)
    return tuple(out)


def _suites(t: _Table, tiers: Mapping[str, Tier]) -> tuple[HarnessSpec, ...]:
    return _named_tables(t, "suites", "suite", lambda c: _suite(c, tiers), lambda s: s.name)


def _loads(
    t: _Table, tiers: Mapping[str, Tier], root: Path, services: Sequence[ServiceSpec] = ()
) -> tuple[LoadSpec, ...]:
    return _named_tables(
        t, "load", "scenario", lambda c: _load(c, tiers, root, services), lambda s: s.scenario.title
    )


def _load(t: _Table, tiers: Mapping[str, Tier], root: Path, services: Sequence[ServiceSpec] = ()) -> LoadSpec:
    """One ``[[load]]`` table: a scenario and its model (the same options as ``perfgate load``)."""
    from perfgate.load.scenario import ClosedModel, LoadSpec, OpenModel, Scenario, Stage

    t.check_keys({
        "name", "url", "method", "headers", "body", "body_file", "json", "expect", "timeout", "rate",
        "stages", "duration", "connections", "users", "requests", "think", "warmup", "workers", "tiers",
        "allow_remote", "service", "slices",
    })  # fmt: skip
    if "url" not in t.data:
        raise t.error("url", "missing (http://127.0.0.1:PORT/path)")
    headers: list[tuple[str, str]] = []
    ht = t.sub("headers")
    if ht is not None:
        headers = [(k, ht.get(k, str)) for k in ht.data]
    bodies = [k for k in ("body", "body_file", "json") if k in t.data]
    if len(bodies) > 1:
        raise t.error(bodies[1], f"give one of body, body_file, json (also {bodies[0]})")
    body = b""
    if "body" in t.data:
        body = t.get("body", str).encode("utf-8")
    elif bodies:
        name = t.get(bodies[0], str)
        path = root / name
        try:
            body = path.read_bytes()
        except OSError as exc:
            raise t.error(bodies[0], f"cannot read {path}: {exc.strerror or exc}") from None
        if bodies[0] == "json":
            import json  # (only a load scenario with a JSON body needs it)

            try:
                json.loads(body)
            except ValueError as exc:
                raise t.error("json", f"{path} is not JSON: {exc}") from None
            if not any(k.lower() == "content-type" for k, _ in headers):
                headers.append(("Content-Type", "application/json"))
    expect = t.get("expect", list)
    if expect is not None and not all(isinstance(x, int) and not isinstance(x, bool) for x in expect):
        raise t.error("expect", f"expected a list of status codes, got {expect!r}")
    tier_names = None
    if "tiers" in t.data:
        tier_names = t.strings("tiers")
        _tier_names(t, "tiers", tiers, tier_names)
    method = t.get("method", str)
    method = method.upper() if method else ("POST" if body else "GET")
    url = t.get("url", str)
    service = t.get("service", str)
    if service is not None:
        target = next((s for s in services if s.name == service), None)
        if target is None:
            raise t.error("service", f"no [[tool.perfgate.services]] entry is named {service!r}")
        if "{port}" in url and not target.uses_port:
            why = f"service {service!r} takes no port ({{port}} in its command or env)"
            raise t.error("url", f"has {{port}}, but {why}")
    elif "{port}" in url:
        raise t.error("url", 'has {port}: name the service whose port it is (service = "NAME")')
    name = t.get("name", str)
    if "{port}" in url and name is None:
        name = f"{method} {url}"  # the name as written: the same whatever port the service gets
    try:
        scenario = Scenario(
            url=LoadSpec.stand_in(url),
            method=method,
            headers=tuple(headers),
            body=body,
            expect=frozenset(expect) if expect is not None else frozenset(range(200, 300)),
            timeout=t.convert("timeout", parse_duration) or 10.0,
            name=name,
            allow_remote=t.get("allow_remote", bool, False),
        )
    except ValueError as exc:
        raise t.error(*_load_problem(exc, "url")) from None
    model: OpenModel | ClosedModel
    rate, users = "rate" in t.data, "users" in t.data
    if rate == users:
        raise t.error("rate", "give either rate (open model) or users (closed model)")
    duration = t.convert("duration", parse_duration)
    warmup = t.convert("warmup", parse_duration) or 0.0
    try:
        if rate:
            for k in ("requests", "think"):
                if k in t.data:
                    raise t.error(k, "belongs to the closed model (users)")
            stages = []
            for j, st in enumerate(t.get("stages", list, [])):
                sk = f"stages[{j}]"
                if not isinstance(st, dict):
                    raise t.error(sk, "expected a table { duration, rate }")
                stt = t.child(st, sk)
                stt.check_keys({"duration", "rate"})
                if "duration" not in st or "rate" not in st:
                    raise t.error(sk, "needs duration and rate")
                stages.append(Stage(stt.convert("duration", parse_duration), stt.convert("rate", _rate)))
            model = OpenModel(
                rate=t.convert("rate", _rate),
                duration=duration or 0.0,
                stages=tuple(stages),
                warmup=warmup,
                connections=_count(t, "connections", 1) or 256,
            )
        else:
            if "stages" in t.data or "connections" in t.data:
                raise t.error(
                    "stages" if "stages" in t.data else "connections", "belongs to the open model (rate)"
                )
            requests = _count(t, "requests", 1)
            if requests is None and duration is None:
                raise t.error("users", "needs requests (per user) or duration")
            model = ClosedModel(
                users=_count(t, "users", 1) or 1,
                requests=requests,
                duration=duration if requests is None else None,
                think=t.convert("think", parse_duration) or 0.0,
                warmup=warmup,
            )
    except ValueError as exc:
        raise t.error(*_load_problem(exc, "rate" if rate else "users")) from None
    return LoadSpec(
        scenario,
        model,
        workers=_count(t, "workers", 1),
        tiers=tier_names,
        service=service,
        url=url,
        slices=_count(t, "slices", 1),
    )


_LOAD_KEYS = frozenset({
    "name", "url", "method", "headers", "expect", "timeout", "rate", "duration", "connections", "users",
    "requests", "think", "warmup", "workers",
})  # fmt: skip


def _load_problem(exc: ValueError, default: str) -> tuple[str, str]:
    """(key, problem) of a load value's error: its messages start with the field they are about."""
    field, sep, problem = str(exc).partition(": ")
    if field.startswith("header"):
        return "headers", str(exc)  # (it names the header)
    return (field, problem) if sep and field in _LOAD_KEYS else (default, str(exc))


def _rate(value: Any) -> float:
    from perfgate.load.scenario import parse_rate

    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise ValueError(f"expected a rate like '2000/s', got {value!r}")
    return parse_rate(value)


def _string_pairs(t: _Table, k: str) -> tuple[tuple[str, str], ...]:
    sub = t.sub(k)
    return () if sub is None else tuple((name, sub.get(name, str)) for name in sub.data)


def _service(t: _Table, tiers: Mapping[str, Tier]) -> ServiceSpec:
    """One ``[[services]]`` table, parsed into the measuring layer's spec (which checks the rules)."""
    import signal

    from perfgate.measure.command import SpecError
    from perfgate.measure.services import (
        DEFAULT_READY_TIMEOUT,
        DEFAULT_STOP_TIMEOUT,
        Readiness,
        ServiceSpec,
        parse_signal,
    )

    t.check_keys({
        "name", "command", "shell", "cwd", "env", "ready", "ready_timeout", "stop_signal", "stop_timeout",
        "tiers", "export", "leak", "metrics", "shared",
    })  # fmt: skip
    for key in ("name", "command"):
        if key not in t.data:
            raise t.error(key, "missing")
    raw = t.data["command"]
    command: str | tuple[str, ...]
    if isinstance(raw, list) and all(isinstance(x, str) for x in raw):
        command = tuple(raw)
    elif isinstance(raw, str):
        command = raw
    else:
        raise t.error("command", f"expected a list of arguments (or a string with shell = true), got {raw!r}")
    ready = Readiness()
    rt = t.sub("ready")
    if rt is not None:
        rt.check_keys({"http", "tcp", "command"})
        ready_command = None
        if "command" in rt.data:
            rc = rt.data["command"]
            if not isinstance(rc, list) or not all(isinstance(x, str) for x in rc):
                raise rt.error("command", f"expected a list of arguments, got {rc!r}")
            ready_command = tuple(rc)
        try:
            ready = Readiness(http=rt.get("http", str), tcp=rt.get("tcp", str), command=ready_command)
        except SpecError as exc:
            raise t.error(exc.key, exc.problem) from None
    tier_names = None
    if "tiers" in t.data:
        if not isinstance(t.data["tiers"], list):
            raise t.error("tiers", f"expected a list of tier names, got {t.data['tiers']!r}")
        tier_names = t.strings("tiers")
        _tier_names(t, "tiers", tiers, tier_names)
    ready_timeout = t.convert("ready_timeout", parse_duration)
    stop_timeout = t.convert("stop_timeout", parse_duration)
    stop_signal = t.convert("stop_signal", parse_signal)
    try:
        return ServiceSpec(
            name=t.get("name", str),
            command=command,
            shell=t.get("shell", bool, False),
            cwd=t.get("cwd", str, "."),
            env=_string_pairs(t, "env"),
            ready=ready,
            ready_timeout=DEFAULT_READY_TIMEOUT if ready_timeout is None else ready_timeout,
            stop_signal=int(signal.SIGTERM) if stop_signal is None else stop_signal,
            stop_timeout=DEFAULT_STOP_TIMEOUT if stop_timeout is None else stop_timeout,
            tiers=tier_names,
            export=_string_pairs(t, "export"),
            leak=t.convert("leak", parse_growth_rate),
            leak_text=str(t.data["leak"]) if "leak" in t.data else None,
            metrics=_prometheus(t),
            shared=t.get("shared", bool, False),
        )
    except SpecError as exc:
        raise t.error(exc.key, exc.problem) from None


def _prometheus(t: _Table) -> PrometheusSpec | None:
    """A service's ``metrics = { url, names, direction }`` table (SpecError names the key)."""
    from perfgate.measure.command import SpecError
    from perfgate.measure.prometheus import PrometheusSpec

    mt = t.sub("metrics")
    if mt is None:
        return None
    mt.check_keys({"url", "names", "direction"})
    if "url" not in mt.data:
        raise SpecError("metrics.url", "missing (the service's Prometheus endpoint)")
    if not isinstance(mt.data.get("names"), list):
        raise SpecError("metrics.names", f"expected a list of metric names, got {mt.data.get('names')!r}")
    direction = mt.get("direction", str, "lower")
    if direction not in ("lower", "higher"):
        raise SpecError("metrics.direction", f"expected lower or higher, got {direction!r}")
    return PrometheusSpec(mt.get("url", str), mt.strings("names"), Direction(direction))


def _services(t: _Table, tiers: Mapping[str, Tier]) -> tuple[ServiceSpec, ...]:
    return _named_tables(t, "services", "service", lambda c: _service(c, tiers), lambda s: s.name)


_KEYS = {
    "project", "storage", "testbed", "main_branch", "benchmarks", "pytest_args", "default_tier",
    "tiers", "thresholds", "budgets", "baseline", "severity", "commands", "redact", "machine_shift",
    "suites", "load", "services",
    "alerts", "channels",
}  # fmt: skip


def parse_config(data: Mapping[str, Any], root: Path, source: Path, default_project: str) -> Config:
    """Build a Config from the ``[tool.perfgate]`` table ``data`` read from ``source``."""
    prefix = "tool.perfgate" if source.name == "pyproject.toml" else ""
    t = Reader(data, prefix, source, ConfigError)
    t.check_keys(_KEYS)
    tiers: dict[str, Tier] = {}
    tiers_t = t.sub("tiers")
    if tiers_t is not None:
        for name in tiers_t.data:
            sub = tiers_t.sub(name)
            assert sub is not None
            tiers[name] = _tier(name, sub)
    thresholds: dict[str, float] = {}
    overrides: list[ThresholdOverride] = []
    th = t.sub("thresholds")
    if th is not None:
        thresholds, overrides = _metric_thresholds(th)
    budgets: list[Budget] = []
    raw_budgets = t.get("budgets", list, [])
    for i, b in enumerate(raw_budgets):
        if not isinstance(b, dict):
            raise t.error(f"budgets[{i}]", "expected a table ([[tool.perfgate.budgets]])")
        budgets.append(_budget(i, t.child(b, f"budgets[{i}]")))
    baseline = BaselineConfig()
    bt = t.sub("baseline")
    if bt is not None:
        bt.check_keys({"branch", "runs", "pin", "mode", "update"})
        runs = bt.get("runs", int, 5)
        if runs < 1:
            raise bt.error("runs", f"must be at least 1, got {runs}")
        mode = bt.get("mode", str, "rolling")
        if mode not in BASELINE_MODES:
            raise bt.error("mode", f"expected one of {', '.join(BASELINE_MODES)}, got {mode!r}")
        baseline = BaselineConfig(
            branch=bt.get("branch", str),
            runs=runs,
            pin=bt.get("pin", str),
            mode=mode,
            update=_baseline_update(bt.sub("update")),
        )
    commands: list[CommandSpec] = []
    for i, c in enumerate(t.get("commands", list, [])):
        if not isinstance(c, dict):
            raise t.error(f"commands[{i}]", "expected a table ([[tool.perfgate.commands]])")
        commands.append(_command(t.child(c, f"commands[{i}]"), tiers))
    severity_text = t.get("severity", str)
    severity: tuple[SeverityRule, ...] = ()
    if severity_text is not None:
        from perfgate.stats import parse_severity_rules

        severity = parse_severity_rules(severity_text, f"{source}: {t.key('severity')}")
    machine_shift = t.get("machine_shift", str, "note")
    if "machine_shift" in t.data:
        from perfgate.stats import MACHINE_SHIFT_MODES

        if machine_shift not in MACHINE_SHIFT_MODES:
            raise t.error(
                "machine_shift", f"expected one of {', '.join(MACHINE_SHIFT_MODES)}, got {machine_shift!r}"
            )
    services = _services(t, tiers)
    default_tier = t.get("default_tier", str)
    if default_tier is not None and default_tier not in tiers:
        raise t.error("default_tier", f"no tier named {default_tier!r}")
    return Config(
        root=root,
        source=source,
        project=t.get("project", str) or default_project,
        storage=t.get("storage", str, DEFAULT_STORAGE),
        testbed=t.get("testbed", str),
        main_branch=t.get("main_branch", str, "main"),
        benchmarks=t.strings("benchmarks"),
        pytest_args=t.strings("pytest_args"),
        default_tier=default_tier,
        tiers=tiers,
        thresholds=thresholds,
        overrides=tuple(overrides),
        budgets=tuple(budgets) + leak_budgets(services),
        baseline=baseline,
        commands=tuple(commands),
        suites=_suites(t, tiers),
        load=_loads(t, tiers, root, services),
        services=services,
        severity=severity,
        redact=_redact_names(t),
        machine_shift=machine_shift,
        **_alerting(t),
    )


_ENV_NAME = r"[A-Za-z_][A-Za-z0-9_]*\Z"


def _channel(name: str, t: _Table) -> ChannelSpec:
    from perfgate.alerts.rules import ChannelSpec

    t.check_keys({
        "type", "url", "url_env", "secret_env", "host", "port", "from", "to", "username_env", "password_env",
        "starttls", "notify_resolved",
    })  # fmt: skip
    if "type" not in t.data:
        raise t.error("type", "missing (slack, webhook, email or github_comment)")
    for k in ("url_env", "secret_env", "username_env", "password_env"):
        v = t.get(k, str)
        if v is not None and not re.match(_ENV_NAME, v):
            raise t.error(k, f"expected the name of an environment variable, got {v!r}")
    port = t.get("port", int, 587)
    if not 0 < port < 65536:
        raise t.error("port", f"expected a TCP port, got {port}")
    try:
        return ChannelSpec(
            name=name,
            type=t.get("type", str),
            url=t.get("url", str),
            url_env=t.get("url_env", str),
            secret_env=t.get("secret_env", str),
            host=t.get("host", str),
            port=port,
            sender=t.get("from", str),
            to=t.strings("to"),
            username_env=t.get("username_env", str),
            password_env=t.get("password_env", str),
            starttls=t.get("starttls", bool, True),
            notify_resolved=t.get("notify_resolved", bool),
        )
    except ValueError as exc:
        raise t.error("type", str(exc)) from None


def _alert(t: _Table, channels: Mapping[str, ChannelSpec]) -> AlertRule:
    from perfgate.alerts.rules import AlertRule, ConditionError, check_template, parse_condition

    t.check_keys({"name", "condition", "severity", "channels", "message_template", "notify_resolved"})
    for k in ("name", "condition", "channels"):
        if k not in t.data:
            raise t.error(k, "missing")
    text = t.get("condition", str)
    try:
        condition = parse_condition(text)
    except ConditionError as exc:
        raise t.error("condition", f"{exc} in {text!r}") from None
    names = t.strings("channels")
    for n in names:
        if n not in channels:
            known = ", ".join(sorted(channels)) or "none configured"
            raise t.error("channels", f"no channel named {n!r} (channels: {known})")
    kwargs: dict[str, Any] = {}
    template = t.get("message_template", str)
    if template is not None:
        try:
            check_template(template)
        except ConditionError as exc:
            raise t.error("message_template", str(exc)) from None
        except ValueError as exc:
            raise t.error("message_template", f"{exc} (write a literal brace as {{{{ or }}}})") from None
        kwargs["message_template"] = template.rstrip("\n")
    severity = t.get("severity", str, "warning")
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", severity):
        raise t.error("severity", f"expected a word (critical, warning, info...), got {severity!r}")
    try:
        return AlertRule(
            name=t.get("name", str),
            condition=condition,
            severity=severity,
            channels=names,
            condition_text=text,
            notify_resolved=t.get("notify_resolved", bool),
            **kwargs,
        )
    except ValueError as exc:
        raise t.error("name", str(exc)) from None


def _alerting(t: _Table) -> dict[str, Any]:
    """``alerts`` and ``channels`` of the Config: the channels first, so each rule's are checked."""
    channels: dict[str, ChannelSpec] = {}
    ct = t.sub("channels")
    if ct is not None:
        for name in ct.data:
            sub = ct.sub(name)
            assert sub is not None
            channels[name] = _channel(name, sub)
    rules = _named_tables(t, "alerts", "alert rule", lambda c: _alert(c, channels), lambda r: r.name)
    return {"alerts": rules, "channels": channels}


def _baseline_update(t: _Table | None) -> BaselineUpdate:
    if t is None:
        return BaselineUpdate()
    t.check_keys({"stable_runs", "min_improvement", "confidence", "review", "approval"})
    d = BaselineUpdate()
    values: dict[str, Any] = {}
    for key, convert in (("min_improvement", parse_percent), ("review", parse_duration)):
        if key in t.data:
            try:
                values[key] = convert(t.data[key])
            except ValueError as exc:
                raise t.error(key, str(exc)) from None
    confidence = t.get("confidence", (int, float), d.confidence)
    try:
        return BaselineUpdate(
            stable_runs=t.get("stable_runs", int, d.stable_runs),
            confidence=float(confidence),
            approval=t.get("approval", bool, d.approval),
            **values,
        )
    except ValueError as exc:
        key = str(exc).split(" ", 1)[0]
        raise t.error(key, str(exc)) from None


def _redact_names(t: _Table) -> tuple[str, ...]:
    names = t.strings("redact")
    for name in names:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise t.error("redact", f"expected environment variable names, got {name!r}")
    return names


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None


def find_config(start: Path) -> Path | None:
    """The nearest ``perfgate.toml``, or ``pyproject.toml`` with a ``[tool.perfgate]`` table, upwards."""
    for d in (start, *start.parents):
        if (d / "perfgate.toml").is_file():
            return d / "perfgate.toml"
        pp = d / "pyproject.toml"
        if pp.is_file() and "perfgate" in _read_toml(pp).get("tool", {}):
            return pp
    return None


def load_config(start: Path, explicit: Path | None = None) -> Config:
    """The configuration that applies in ``start``: an explicit file, the nearest one, or defaults."""
    path = explicit if explicit is not None else find_config(start.resolve())
    if path is None:
        root = start.resolve()
        return Config(root=root, source=None, project=root.name or "default")
    data = _read_toml(path)
    root = path.parent.resolve()
    project = root.name or "default"
    if path.name == "pyproject.toml" or (root / "pyproject.toml").is_file():
        pp = data if path.name == "pyproject.toml" else _read_toml(root / "pyproject.toml")
        name = pp.get("project", {}).get("name")
        if isinstance(name, str) and name:
            project = name
    if path.name == "pyproject.toml":
        table = data.get("tool", {}).get("perfgate", {})
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: tool.perfgate must be a table")
    else:
        table = data
    return parse_config(table, root, path, project)
