"""One builder for the pytest command lines of `perfgate run`, `perfgate ab` and the plugin's children."""

from pathlib import Path

from perfgate.ab.run import _pytest_args
from perfgate.config import load_config
from perfgate.runner import pytest_command

PYPROJECT = """\
[tool.perfgate]
benchmarks = ["bench"]
pytest_args = ["-x"]

[tool.perfgate.tiers.nightly]
timeout = "10s"
budget = "5m"
max_time = "2s"
passes = 4
processes = 3
select = ["-k", "slow"]
"""

TIER_OPTIONS = [
    "--perfgate-timeout", "10.0", "--perfgate-budget", "300.0", "--benchmark-max-time", "2.0",
    "--perfgate-passes", "4", "--perfgate-processes", "3",
]  # fmt: skip


def _cfg(tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    (tmp_path / "bench").mkdir()
    return load_config(tmp_path)


def _after(args: list[str], first: str) -> list[str]:
    i = args.index(first)
    return args[i : i + len(TIER_OPTIONS)]


def test_run_and_ab_give_pytest_every_setting_of_the_tier(tmp_path: Path) -> None:
    cfg = _cfg(tmp_path)
    tier = cfg.tier("nightly")
    run = pytest_command(cfg, tier, tmp_path / "r.json")
    ab = _pytest_args(cfg, tier, tmp_path, ())
    assert _after(run, "--perfgate-timeout") == TIER_OPTIONS
    assert _after(ab, "--perfgate-timeout") == TIER_OPTIONS
    for args in (run, ab):
        assert args[-4:] == ["-x", "-k", "slow", "bench"]
        assert args.count("no:benchmark") == 1 and args.count("no:codspeed") == 1


def test_a_path_after_the_options_replaces_the_configured_benchmarks(tmp_path: Path) -> None:
    cfg = _cfg(tmp_path)
    (tmp_path / "other").mkdir()
    for args in (
        pytest_command(cfg, None, tmp_path / "r.json", ["other::test_x"]),
        _pytest_args(cfg, None, tmp_path, ["other::test_x"]),
    ):
        assert args[-2:] == ["-x", "other::test_x"]
