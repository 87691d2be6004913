from pathlib import Path

import pytest

from perfgate.config import is_url, load_config, parse_duration, parse_percent, parse_quantity
from perfgate.errors import ConfigError


def write(tmp_path: Path, text: str, name: str = "pyproject.toml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_defaults_without_configuration(tmp_path):
    cfg = load_config(tmp_path)
    assert cfg.source is None and cfg.project == tmp_path.name
    assert cfg.storage_url() == str(tmp_path / ".perfgate" / "perfgate.db")
    assert cfg.policy(None).threshold("x", "time") == 0.05


def test_one_rule_says_whether_a_store_location_is_a_url(tmp_path):
    assert is_url("postgresql://u@host/db") and is_url("sqlite:///abs/x.db")
    assert not is_url("results/perfgate.db") and not is_url("~/perf.db") and not is_url("C:\\x.db")
    write(tmp_path, "[tool.perfgate]\nstorage = 'postgresql://host/db'\n")
    assert load_config(tmp_path).storage_url() == "postgresql://host/db"  # a URL is taken as given
    write(tmp_path, "[tool.perfgate]\nstorage = 'db/p.db'\n")
    assert load_config(tmp_path).storage_url() == str(tmp_path / "db" / "p.db")


def test_full_configuration(tmp_path):
    write(
        tmp_path,
        """
[project]
name = "demo"

[tool.perfgate]
main_branch = "trunk"
benchmarks = ["bench"]
default_tier = "fast"

[tool.perfgate.thresholds]
time = "5%"
allocations = "50%"
[tool.perfgate.thresholds."bench/test_io.py::*"]
time = "15%"

[tool.perfgate.tiers.fast]
select = ["-m", "not slow"]
threshold = "3%"
timeout = "10s"
budget = "30s"

[tool.perfgate.tiers.nightly]
budget = "5min"
thresholds = { time = 2, allocations = "20%" }
passes = 20
processes = 3

[[tool.perfgate.budgets]]
benchmark = "test_cache_hit"
max = "1ms"

[tool.perfgate.baseline]
runs = 3
""",
    )
    sub = tmp_path / "bench"
    sub.mkdir()
    cfg = load_config(sub)  # found by searching upwards
    assert cfg.project == "demo" and cfg.main_branch == "trunk" and cfg.root == tmp_path.resolve()
    fast = cfg.tier(None)
    assert fast is not None and fast.name == "fast" and fast.select == ("-m", "not slow")
    assert fast.timeout == 10 and fast.budget == 30
    assert cfg.tier("nightly").budget == 300
    assert (cfg.tier("nightly").passes, cfg.tier("nightly").processes) == (20, 3)
    assert fast.passes is None and fast.processes is None  # the plugin's defaults
    from perfgate.runner import pytest_command

    cmd = pytest_command(cfg, cfg.tier("nightly"), tmp_path / "r.json")
    assert (
        cmd[cmd.index("--perfgate-passes") + 1] == "20" and cmd[cmd.index("--perfgate-processes") + 1] == "3"
    )
    assert "--perfgate-passes" not in pytest_command(cfg, fast, tmp_path / "r.json")
    p = cfg.policy(fast)
    assert p.threshold("bench/test_io.py::test_read", "time") == pytest.approx(0.15)
    assert p.threshold("bench/test_x.py::test_y", "time") == pytest.approx(0.03)
    assert p.threshold("bench/test_x.py::test_y", "allocations") == pytest.approx(0.5)
    assert cfg.policy(cfg.tier("nightly")).threshold("a", "time") == pytest.approx(0.02)
    (budget,) = cfg.budgets
    assert budget.limit == pytest.approx(1e-3) and budget.op == "<=" and budget.unit == "s"
    assert cfg.baseline.runs == 3


def test_perfgate_toml_has_no_prefix(tmp_path):
    write(tmp_path, "storage = 'postgresql://x/y'\nbogus = 1\n", "perfgate.toml")
    with pytest.raises(ConfigError, match=r"perfgate.toml: bogus: unknown key"):
        load_config(tmp_path)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("[tool.perfgate]\nmain_branch = 3\n", r"tool.perfgate.main_branch: expected str, got 3"),
        (
            "[tool.perfgate.thresholds]\ntime = 'fast'\n",
            r"tool.perfgate.thresholds.time: expected a percentage",
        ),
        (
            "[tool.perfgate.tiers.fast]\nbudget = '-3s'\n",
            r"tool.perfgate.tiers.fast.budget: a duration must be",
        ),
        ("[tool.perfgate.tiers.fast]\nselekt = 1\n", r"tool.perfgate.tiers.fast.selekt: unknown key"),
        (
            "[tool.perfgate.tiers.fast]\npasses = 0\n",
            r"tool.perfgate.tiers.fast.passes: must be at least 1, got 0",
        ),
        (
            "[[tool.perfgate.budgets]]\nbenchmark = 'x'\nmax = '1 MB'\n",
            r"budgets\[0\].max: time is measured in s",
        ),
        ("[[tool.perfgate.budgets]]\nbenchmark = 'x'\n", r"budgets\[0\].max: give exactly one of max or min"),
        ("[tool.perfgate]\ndefault_tier = 'nope'\n", r"default_tier: no tier named 'nope'"),
        ("[tool.perfgate\n", r"pyproject.toml: invalid TOML"),
        ("[tool.perfgate.baseline]\nruns = 0\n", r"baseline.runs: must be at least 1"),
        # budgets that fail (or pass) every benchmark whatever it measures
        (
            "[[tool.perfgate.budgets]]\nbenchmark = 'x'\nmax = '-1ms'\n",
            r"budgets\[0\].max: a budget must be positive, got '-1ms'",
        ),
        (
            "[[tool.perfgate.budgets]]\nbenchmark = 'x'\nmax = '0ms'\n",
            r"budgets\[0\].max: a budget must be positive, got '0ms'",
        ),
        (
            "[[tool.perfgate.budgets]]\nbenchmark = 'x'\nmetric = 'rps'\nmin = 0\n",
            r"budgets\[0\].min: a budget must be positive",
        ),
        (
            "[[tool.perfgate.budgets]]\nbenchmark = 'x'\nmax = inf\n",
            r"budgets\[0\].max: expected a finite number",
        ),
        # bytes are not items
        (
            "[[tool.perfgate.budgets]]\nbenchmark = 'x'\nmetric = 'item_throughput'\nmin = '10 MB/s'\n",
            r"pyproject.toml: tool.perfgate.budgets\[0\].min: item_throughput is measured in items/s, not B/s",
        ),
        # thresholds that are not numbers a verdict can hold
        (
            "[tool.perfgate.thresholds]\ntime = 'inf'\n",
            r"thresholds.time: a threshold must be a finite percentage",
        ),
        (
            "[tool.perfgate.thresholds]\ntime = nan\n",
            r"thresholds.time: a threshold must be a finite percentage",
        ),
        (
            "[tool.perfgate.tiers.fast]\nthreshold = '1e400'\n",
            r"tiers.fast.threshold: a threshold must be a finite",
        ),
    ],
)
def test_errors_name_file_and_key(tmp_path, body, message):
    write(tmp_path, body)
    with pytest.raises(ConfigError, match=message) as info:
        load_config(tmp_path)
    assert "pyproject.toml" in str(info.value) and "\n" not in str(info.value)


def test_unknown_tier(tmp_path):
    write(tmp_path, "[tool.perfgate.tiers.fast]\n")
    with pytest.raises(ConfigError, match="unknown tier 'slow' \\(tiers: fast\\)"):
        load_config(tmp_path).tier("slow")


def test_parsers():
    assert parse_percent("5%") == pytest.approx(0.05)
    assert parse_percent(1.5) == pytest.approx(0.015)
    assert parse_duration("5min") == 300
    assert parse_duration(2) == 2
    assert parse_quantity("100 MB", "B") == (1e8, "B")
    assert parse_quantity("5000 req/s", "req/s") == (5000, "req/s")
    with pytest.raises(ValueError):
        parse_percent("-1%")
    with pytest.raises(ValueError):
        parse_duration("10 MB")


def test_severity_rules_from_configuration_label_verdicts(tmp_path):
    from perfgate.app import Workspace, compare_specs
    from perfgate.model import BenchmarkId, Direction, Environment, Result, Run, dumps_run, new_run_id, utcnow
    from perfgate.stats import summarize

    write(
        tmp_path, '[tool.perfgate]\nseverity = "critical: change > 50% and p < 0.05; warning: change > 5%"\n'
    )

    def run_file(name: str, scale: float) -> str:
        values = [scale * (1 + 0.001 * i) for i in range(20)]
        r = Result(BenchmarkId("b"), "time", "s", Direction.LOWER, summarize(values), samples=tuple(values))
        run = Run(new_run_id(), "p", utcnow(), None, "perfgate", Environment("tb"), (r,))
        (tmp_path / name).write_text(dumps_run(run))
        return str(tmp_path / name)

    ws = Workspace.discover(tmp_path, environ={})
    outcome = compare_specs(ws, run_file("a.json", 1.0), run_file("b.json", 2.0))
    assert outcome.verdicts[0].severity == "critical"
    outcome = compare_specs(ws, run_file("a.json", 1.0), run_file("c.json", 1.1))
    assert outcome.verdicts[0].severity == "warning"


def test_bad_severity_rule_names_file_and_key(tmp_path):
    write(tmp_path, '[tool.perfgate]\nseverity = "critical: change >> 10%"\n')
    with pytest.raises(ConfigError, match=r"pyproject.toml: tool.perfgate.severity: .*change >> 10%"):
        load_config(tmp_path)


def test_machine_shift_is_reported_by_default_and_discounted_only_when_configured(tmp_path):
    from perfgate.app import Workspace, compare_specs
    from perfgate.model import (
        BenchmarkId,
        Direction,
        Environment,
        Result,
        Run,
        Status,
        dumps_run,
        new_run_id,
        utcnow,
    )
    from perfgate.stats import summarize

    def run_file(name: str, scale: float) -> str:
        results = []
        for b in range(6):
            values = [scale * (b + 1) * (1 + 0.001 * i) for i in range(20)]
            results.append(
                Result(BenchmarkId(f"b{b}"), "time", "s", Direction.LOWER, summarize(values), tuple(values))
            )
        run = Run(new_run_id(), "p", utcnow(), None, "perfgate", Environment("tb"), tuple(results))
        (tmp_path / name).write_text(dumps_run(run))
        return str(tmp_path / name)

    a, b = run_file("a.json", 1.0), run_file("b.json", 1.35)
    outcome = compare_specs(Workspace.discover(tmp_path, environ={}), a, b)
    assert {v.status for v in outcome.verdicts} == {Status.REGRESSION}
    assert sum("moved together" in n for n in outcome.notes) == 1
    write(tmp_path, '[tool.perfgate]\nmachine_shift = "inconclusive"\n')
    outcome = compare_specs(Workspace.discover(tmp_path, environ={}), a, b)
    assert {v.status for v in outcome.verdicts} == {Status.INCONCLUSIVE}
    write(tmp_path, '[tool.perfgate]\nmachine_shift = "forgive"\n')
    with pytest.raises(ConfigError, match=r"tool.perfgate.machine_shift: expected one of note, .*'forgive'"):
        load_config(tmp_path)


# The targets tables of a team's benchmark README (target / critical columns), one budget a row.
TARGETS_TABLES = """
[[tool.perfgate.budgets]]
benchmark = "load:health"
metric = "latency_p95"
warn = "100ms"
max = "500ms"

[[tool.perfgate.budgets]]
benchmark = "load:health"
metric = "rps"
warn = "50 req/s"
min = "10 req/s"

[[tool.perfgate.budgets]]
benchmark = "load:*"
metric = "error_rate"
warn = "1%"
max = "5%"

[[tool.perfgate.budgets]]
benchmark = "test_pr_analysis_small"
warn = "5s"
max = "10s"

[[tool.perfgate.budgets]]
benchmark = "test_analysis_memory"
metric = "peak_memory"
warn = "512MiB"
max = "1GiB"
"""


def test_budgets_take_a_target_beside_their_limit(tmp_path):
    write(tmp_path, TARGETS_TABLES)
    latency, rps, errors, small, memory = load_config(tmp_path).budgets
    assert (latency.op, latency.warn, latency.limit, latency.unit) == ("<=", pytest.approx(0.1), 0.5, "s")
    assert (rps.op, rps.warn, rps.limit, rps.unit) == (">=", 50.0, 10.0, "req/s")
    assert (errors.warn, errors.limit, errors.unit) == (pytest.approx(0.01), pytest.approx(0.05), "ratio")
    assert (small.metric, small.warn, small.limit) == ("time", 5.0, 10.0)
    assert (memory.warn, memory.limit, memory.unit) == (512 * 1024**2, 1024**3, "B")
    assert latency.rule == "load:health latency_p95 <= 500ms (target 100ms)"
    # without warn nothing changes
    write(tmp_path, "[[tool.perfgate.budgets]]\nbenchmark = 'x'\nmax = '1ms'\n")
    (plain,) = load_config(tmp_path).budgets
    assert plain.warn is None and plain.rule == "x time <= 1ms"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        # the target is on the safe side of the limit: it warns before the gate fails
        (
            "max = '500ms'\nwarn = '600ms'",
            r"budgets\[0\].warn: the target '600ms' must be below max = '500ms'",
        ),
        (
            "max = '500ms'\nwarn = '500ms'",
            r"budgets\[0\].warn: the target '500ms' must be below max = '500ms'",
        ),
        (
            "metric = 'rps'\nmin = '10 req/s'\nwarn = '5 req/s'",
            r"budgets\[0\].warn: the target '5 req/s' must be above min = '10 req/s'",
        ),
        # one unit kind, the metric's
        ("max = '500ms'\nwarn = '100 MB'", r"budgets\[0\].warn: the target is in B, the max in s"),
        ("max = '500ms'\nwarn = '-1ms'", r"budgets\[0\].warn: a target must be positive, got '-1ms'"),
        ("max = '500ms'\nwarn = 'soon'", r"budgets\[0\].warn: expected a number with a unit"),
        ("warn = '100ms'", r"budgets\[0\].warn: a target needs the limit that fails the gate beside it"),
    ],
)
def test_a_bad_target_is_one_line_naming_file_and_key(tmp_path, body, message):
    write(tmp_path, f"[[tool.perfgate.budgets]]\nbenchmark = 'x'\n{body}\n")
    with pytest.raises(ConfigError, match=message) as info:
        load_config(tmp_path)
    assert "pyproject.toml: tool.perfgate.budgets[0].warn" in str(info.value)
    assert "\n" not in str(info.value)
