"""The CLI's shape: one module per command under ``perfgate/cli/``, each registered once in
``perfgate.cli.main.COMMANDS`` with ``NAME``, ``HELP``, ``configure(parser)`` and ``run(invocation)``."""

from __future__ import annotations

import importlib
import inspect
import io
import re
from contextlib import redirect_stdout
from pathlib import Path

import pytest

import perfgate.cli
from perfgate.cli.main import COMMANDS, main

CLI = Path(perfgate.cli.__file__).parent
NOT_COMMANDS = {"__init__", "common", "main"}  # the package, what commands share, the dispatcher


def test_every_command_module_is_registered_once() -> None:
    modules = sorted(p.stem for p in CLI.glob("*.py") if p.stem not in NOT_COMMANDS)
    registered = [m.__name__.removeprefix("perfgate.cli.") for m in COMMANDS]
    assert len(registered) == len(set(registered))
    assert sorted(registered) == modules


@pytest.mark.parametrize("module", COMMANDS, ids=lambda m: m.__name__)
def test_a_command_module_has_a_name_help_arguments_and_a_run_taking_the_invocation(module) -> None:
    assert isinstance(module.NAME, str) and [m.NAME for m in COMMANDS].count(module.NAME) == 1
    assert isinstance(module.HELP, str) and module.HELP
    assert list(inspect.signature(module.configure).parameters) == ["p"]
    assert list(inspect.signature(module.run).parameters) == ["inv"]


def test_the_help_lists_the_commands_in_the_order_people_use_them() -> None:
    out = io.StringIO()
    with redirect_stdout(out), pytest.raises(SystemExit):
        main(["--help"])
    listed = re.findall(r"^ {4}([a-z][a-z-]*) ", out.getvalue(), flags=re.MULTILINE)
    core = ["run", "compare", "ab", "cmd", "ingest", "history", "runs", "show", "export"]
    assert [c for c in listed if c in core] == core
    assert listed == [m.NAME for m in COMMANDS]


def test_main_holds_no_command() -> None:
    main_module = importlib.import_module("perfgate.cli.main")
    handlers = [n for n, f in inspect.getmembers(main_module, inspect.isfunction) if n.startswith("_cmd")]
    assert handlers == []
    assert not hasattr(main_module, "_COMMANDS")
