"""``[[tool.perfgate.suites]]``: parsed into HarnessSpecs, every mistake one line naming file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from perfgate.config import load_config
from perfgate.errors import ConfigError
from perfgate.measure.harness import HarnessSpec

TIERS = """\
[tool.perfgate.tiers.fast]
[tool.perfgate.tiers.nightly]
"""

GO_SUITE = """\
[tool.perfgate]
default_tier = "fast"

[[tool.perfgate.suites]]
name = "go"
command = ["go", "test", "-run=^$", "-bench=.", "-benchmem", "./..."]
format = "go"
output = "stdout"
cwd = "."
env = { GOFLAGS = "-count=1" }
timeout = "5m"
tiers = ["fast", "nightly"]
[tool.perfgate.suites.args]
fast = ["-benchtime=1s"]
nightly = ["-benchtime=10s"]

[[tool.perfgate.suites]]
name = "rust"
command = "cargo bench --bench parse"
shell = true
format = "criterion"
output = "target/criterion"
cwd = "crates/parse"
"""


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "pyproject.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_the_documented_suites_parse_into_specs(tmp_path: Path) -> None:
    write(tmp_path, GO_SUITE + TIERS)
    go, rust = load_config(tmp_path).suites
    assert go == HarnessSpec(
        name="go",
        command=("go", "test", "-run=^$", "-bench=.", "-benchmem", "./..."),
        format="go",
        env=(("GOFLAGS", "-count=1"),),
        timeout=300.0,
        tiers=("fast", "nightly"),
        args=(("fast", ("-benchtime=1s",)), ("nightly", ("-benchtime=10s",))),
    )
    assert go.argv("nightly")[-1] == "-benchtime=10s" and go.runs_in("fast")
    assert rust.shell and rust.output == "target/criterion" and rust.cwd == "crates/parse"
    assert rust.tiers is None and rust.runs_in("nightly")
    assert rust.argv("fast") == ("/bin/sh", "-c", "cargo bench --bench parse")


def suite(body: str) -> str:
    return '[tool.perfgate]\n\n[[tool.perfgate.suites]]\nname = "go"\n' + body + "\n" + TIERS


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            'command = ["go"]\nbenchtime = "1s"',
            "tool.perfgate.suites[0].benchtime: unknown key (known: args, command, cwd, env, format, name, output, shell, tiers, timeout)",
        ),
        ("", "tool.perfgate.suites[0].command: missing"),
        ("command = []", "tool.perfgate.suites[0].command: must not be empty"),
        (
            'command = "go test ./..."',
            "tool.perfgate.suites[0].command: a string runs only with shell = true; give a list of arguments",
        ),
        (
            "command = [1, 2]",
            "tool.perfgate.suites[0].command: expected a list of arguments (or a string with shell = true), got [1, 2]",
        ),
        ('command = ["go"]\nshell = "yes"', "tool.perfgate.suites[0].shell: expected bool, got 'yes'"),
        (
            'command = ["go"]\nformat = "gotest"',
            "tool.perfgate.suites[0].format: unknown format 'gotest' (known: auto, ",
        ),
        (
            'command = ["go"]\ntimeout = "-1s"',
            "tool.perfgate.suites[0].timeout: a duration must be positive, got '-1s'",
        ),
        (
            'command = ["go"]\nenv = { GOFLAGS = 1 }',
            "tool.perfgate.suites[0].env.GOFLAGS: expected str, got 1",
        ),
        (
            'command = ["go"]\nenv = ["GOFLAGS=1"]',
            "tool.perfgate.suites[0].env: expected dict, got ['GOFLAGS=1']",
        ),
        (
            'command = ["go"]\ntiers = ["weekly"]',
            "tool.perfgate.suites[0].tiers: no tier named 'weekly' (tiers: fast, nightly)",
        ),
        (
            'command = ["go"]\ntiers = "fast"',
            "tool.perfgate.suites[0].tiers: expected a list of tier names, got 'fast'",
        ),
        (
            'command = ["go"]\nargs = { weekly = ["-x"] }',
            "tool.perfgate.suites[0].args.weekly: no tier named 'weekly' (tiers: fast, nightly)",
        ),
        (
            'command = ["go"]\nargs = { fast = "-benchtime=1s" }',
            "tool.perfgate.suites[0].args.fast: expected a list of arguments, got '-benchtime=1s'",
        ),
        (
            'command = ["go"]\ntiers = ["fast"]\nargs = { nightly = ["-x"] }',
            "tool.perfgate.suites[0].args.nightly: the suite does not run in tier 'nightly' (tiers: fast)",
        ),
    ],
)
def test_a_bad_suite_is_one_line_naming_file_and_key(tmp_path: Path, body: str, message: str) -> None:
    path = write(tmp_path, suite(body))
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path)
    text = str(err.value)
    assert "\n" not in text
    assert text.startswith(f"{path}: {message}")


def test_a_missing_name_and_a_name_given_twice_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, '[tool.perfgate]\n[[tool.perfgate.suites]]\ncommand = ["go"]\n')
    with pytest.raises(ConfigError, match=r"suites\[0\]\.name: missing$"):
        load_config(tmp_path)
    two = '[[tool.perfgate.suites]]\nname = "go"\ncommand = ["go"]\n'
    write(tmp_path, "[tool.perfgate]\n" + two + two)
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path)
    assert str(err.value) == (
        f"{path}: tool.perfgate.suites[1].name: another suite is named 'go': suite names must be unique"
    )


def test_suites_is_a_list_of_tables(tmp_path: Path) -> None:
    path = write(tmp_path, '[tool.perfgate]\nsuites = ["go"]\n')
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path)
    assert str(err.value) == f"{path}: tool.perfgate.suites[0]: expected a table ([[tool.perfgate.suites]])"
