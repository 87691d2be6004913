"""Configuration of command benchmarks, `perfgate cmd`, and `perfgate run` on a project with commands."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gitproject import CHILD_PYTEST_ADDOPTS
from perfgate.cli.main import main
from perfgate.config import load_config
from perfgate.errors import ConfigError


def write_config(root: Path, body: str) -> Path:
    path = root / "perfgate.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_commands_parse_into_typed_objects(tmp_path: Path) -> None:
    write_config(
        tmp_path,
        """
[tiers.fast]
[tiers.nightly]

[[commands]]
name = "sort {size}"
command = ["sort", "-n", "data-{size}"]
warmup = 1
min_runs = 3
max_runs = 20
max_time = "500ms"
prepare = "make data-{size}"
timeout = "10s"
parameters = { size = [1, 10, 100] }
tiers = ["nightly"]

[[commands]]
command = "true"
shell = true
runs = 5
ignore_failure = true
""",
    )
    cfg = load_config(tmp_path)
    a, b = cfg.commands
    assert a.command == ("sort", "-n", "data-{size}") and a.name == "sort {size}"
    assert a.parameters == (("size", ("1", "10", "100")),)
    assert (a.warmup, a.min_runs, a.max_runs, a.max_time, a.timeout) == (1, 3, 20, 0.5, 10.0)
    assert a.runs_in("nightly") and not a.runs_in("fast") and a.runs_in(None)
    assert b.shell and b.runs == 5 and b.ignore_failure and b.tiers is None and b.runs_in("fast")


def test_a_tier_runs_its_commands_with_its_timeout_unless_they_set_their_own(tmp_path: Path) -> None:
    from perfgate.app import command_specs

    write_config(
        tmp_path,
        """
[tiers.fast]
[tiers.nightly]
timeout = "5s"

[[commands]]
command = "a"
tiers = ["nightly"]

[[commands]]
command = "b"
timeout = "1s"
""",
    )
    cfg = load_config(tmp_path)
    nightly = command_specs(cfg, cfg.tier("nightly"))
    assert [(c.command, c.timeout) for c in nightly] == [("a", 5.0), ("b", 1.0)]
    assert [(c.command, c.timeout) for c in command_specs(cfg, cfg.tier("fast"))] == [("b", 1.0)]
    assert [(c.command, c.timeout) for c in command_specs(cfg, None)] == [("a", None), ("b", 1.0)]
    assert nightly[0].min_runs == 10 and nightly[0].max_time == 3.0  # the spec's own defaults


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[[commands]]\nname = "x"\n', "commands[0].command: missing"),
        ('[[commands]]\ncommand = ""\n', "commands[0].command: expected a non-empty string"),
        ('[[commands]]\ncommand = "x"\nrunz = 3\n', "commands[0].runz: unknown key"),
        ('[[commands]]\ncommand = "x"\nruns = 0\n', "commands[0].runs: must be at least 1"),
        ('[[commands]]\ncommand = "x"\nshell = "yes"\n', "commands[0].shell: expected bool"),
        ('[[commands]]\ncommand = "x"\ntimeout = "soon"\n', "commands[0].timeout:"),
        ('[[commands]]\ncommand = "x"\nparameters = { n = [1] }\n', "commands[0].parameters.n: not used"),
        (
            '[[commands]]\ncommand = "x {n}"\nparameters = { n = [] }\n',
            "commands[0].parameters.n: expected a non-empty",
        ),
        ('[[commands]]\ncommand = "x"\ntiers = ["nope"]\n', "commands[0].tiers: no tier named 'nope'"),
        ('[[commands]]\ncommand = "x"\nmin_runs = 5\nmax_runs = 2\n', "commands[0].max_runs: 2 is below"),
        ('commands = ["x"]\n', "commands[0]: expected a table"),
        # rules the measuring spec checks, said with the file and key (not later, at run time)
        (
            '[[commands]]\ncommand = "x {a b}"\nparameters = { "a b" = [1] }\n',
            "commands[0].parameters: a name must be letters, digits, '_' or '-', got 'a b'",
        ),
        ('[[commands]]\ncommand = "x"\nwarmup = -1\n', "commands[0].warmup: must be at least 0, got -1"),
        ('[[commands]]\ncommand = "x"\nname = " "\n', "commands[0].name: must not be empty"),
    ],
)
def test_config_errors_name_file_and_key(tmp_path: Path, body: str, message: str) -> None:
    path = write_config(tmp_path, body)
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    assert str(info.value).startswith(f"{path}: ")
    assert message in str(info.value)


def test_pyproject_key_path(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.perfgate]\n[[tool.perfgate.commands]]\ncommand = 1\n")
    with pytest.raises(ConfigError, match=r"tool\.perfgate\.commands\[0\]\.command"):
        load_config(tmp_path)


# --- perfgate cmd -------------------------------------------------------------------------------


def cli(tmp_path: Path, *args: str, capsys) -> tuple[int, str, str]:
    env = {"PATH": os.environ["PATH"], "NO_COLOR": "1", "PERFGATE_TESTBED": "t"}
    code = main(list(args), cwd=tmp_path, environ=env)
    out, err = capsys.readouterr()
    return code, out, err


def test_cmd_exports_hyperfine_json_and_stores_nothing(tmp_path: Path, capsys) -> None:
    code, out, err = cli(
        tmp_path, "cmd", "--runs", "3", "-L", "n", "1,2", "--export-json", "hf.json", "--format", "json",
        "--", "sleep", "0.00{n}", capsys=capsys,
    )  # fmt: skip
    assert code == 0, err
    report = json.loads(out)
    names = {v["benchmark"] for v in report["verdicts"]}
    assert names == {"cmd:sleep 0.001", "cmd:sleep 0.002"}
    assert {v["status"] for v in report["verdicts"]} == {"new"}
    hf = json.loads((tmp_path / "hf.json").read_text())
    assert [e["parameters"] for e in hf["results"]] == [{"n": "1"}, {"n": "2"}]
    assert not (tmp_path / ".perfgate").exists()


def test_cmd_failure_fails_the_gate(tmp_path: Path, capsys) -> None:
    code, out, err = cli(tmp_path, "cmd", "--runs", "2", "-c", "true", "-c", "sh -c 'exit 3'", capsys=capsys)
    assert code == 1, err
    assert "exit code 3 on run 1" in out


def test_cmd_usage_errors(tmp_path: Path, capsys) -> None:
    assert cli(tmp_path, "cmd", capsys=capsys)[0] == 2
    code, _, err = cli(tmp_path, "cmd", "-L", "n", "1,2", "--", "true", capsys=capsys)
    assert code == 2 and "not used" in err and len(err.strip().splitlines()) == 1
    code, _, err = cli(tmp_path, "cmd", "--runs", "0", "--", "true", capsys=capsys)
    assert code == 2 and "cmd: error: --runs: must be at least 1, got 0" in err  # the spec's rule
    code, _, err = cli(tmp_path, "cmd", "-c", "echo 'open", capsys=capsys)
    assert code == 2 and "cannot split" in err


def test_cmd_gates_against_its_own_export(tmp_path: Path, capsys) -> None:
    fast = [sys.executable, "-c", "pass"]
    slow = [sys.executable, "-c", "import time; time.sleep(0.3)"]
    assert (
        cli(
            tmp_path,
            "cmd",
            "--runs",
            "5",
            "-n",
            "py",
            "--export-json",
            "base.json",
            "--",
            *fast,
            capsys=capsys,
        )[0]
        == 0
    )
    code, out, err = cli(
        tmp_path, "cmd", "--runs", "5", "-n", "py", "--baseline", "base.json", "--format", "json", "--", *slow,
        capsys=capsys,
    )  # fmt: skip
    assert code == 1, err
    verdicts = {v["metric"]: v for v in json.loads(out)["verdicts"]}
    assert verdicts["time"]["status"] == "regression"


def test_cmd_store_run(tmp_path: Path, capsys) -> None:
    code, _, err = cli(tmp_path, "cmd", "--runs", "2", "--store-run", "--", "true", capsys=capsys)
    assert code == 0 and "stored run" in err
    assert (tmp_path / ".perfgate" / "perfgate.db").exists()


# --- perfgate run with commands -----------------------------------------------------------------


def perfgate(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "CI", "PERFGATE_"))}
    env.update(NO_COLOR="1", PERFGATE_TESTBED="e2e", PYTEST_ADDOPTS=CHILD_PYTEST_ADDOPTS)
    return subprocess.run(
        [sys.executable, "-m", "perfgate", *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.measuring
def test_run_on_a_project_with_only_commands(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        """
[project]
name = "cmds"

[tool.perfgate.tiers.fast]
[tool.perfgate.tiers.nightly]

[[tool.perfgate.commands]]
name = "echo {n}"
command = "echo {n}"
runs = 5
parameters = { n = ["a", "b"] }

[[tool.perfgate.commands]]
command = "sleep 0.001"
runs = 5
tiers = ["nightly"]
"""
    )
    first = perfgate(tmp_path, "run", "--tier", "fast", "--format", "json")
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert {v["benchmark"] for v in report["verdicts"]} == {"cmd:echo a", "cmd:echo b"}
    assert {v["metric"] for v in report["verdicts"]} == {"time", "user_time", "system_time", "peak_memory"}
    second = perfgate(tmp_path, "run", "--tier", "nightly", "--format", "json")
    assert second.returncode == 0, second.stderr
    assert "cmd:sleep 0.001" in {v["benchmark"] for v in json.loads(second.stdout)["verdicts"]}
    shown = perfgate(tmp_path, "runs", "--format", "json")
    assert len(json.loads(shown.stdout)) == 2


@pytest.mark.measuring
def test_run_with_pytest_benchmarks_and_a_failing_command(tmp_path: Path) -> None:
    (tmp_path / "bench").mkdir()
    (tmp_path / "bench" / "test_b.py").write_text(
        "def test_sum(benchmark):\n    benchmark(sum, range(100))\n"
    )
    (tmp_path / "pyproject.toml").write_text(
        """
[project]
name = "mixed"

[tool.perfgate]
benchmarks = ["bench"]

[tool.perfgate.tiers.fast]
max_time = "0.1s"

[[tool.perfgate.commands]]
name = "broken"
command = ["sh", "-c", "echo 'cannot open db' >&2; exit 2"]
runs = 3
"""
    )
    proc = perfgate(tmp_path, "run", "--tier", "fast", "--format", "json")
    assert proc.returncode == 1, proc.stderr
    verdicts = {(v["benchmark"], v["metric"]): v for v in json.loads(proc.stdout)["verdicts"]}
    assert verdicts[("bench/test_b.py::test_sum", "time")]["status"] == "new"
    assert verdicts[("cmd:broken", "time")]["status"] == "failed"
    assert "exit code 2 on run 1: cannot open db" in proc.stdout
