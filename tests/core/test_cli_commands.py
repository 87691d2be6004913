"""The CLI's shape: one module per command under ``perfgate/cli/`` with ``configure(parser)`` and
``run(invocation)``, each registered once in ``perfgate.cli.main.COMMANDS`` with its name and help."""

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
from perfgate.errors import PerfgateError

CLI = Path(perfgate.cli.__file__).parent
NOT_COMMANDS = {"__init__", "common", "main"}  # the package, what commands share, the dispatcher


def test_every_command_module_is_registered_once() -> None:
    modules = sorted(p.stem for p in CLI.glob("*.py") if p.stem not in NOT_COMMANDS)
    registered = [c.module.removeprefix("perfgate.cli.") for c in COMMANDS]
    assert len(registered) == len(set(registered))
    assert sorted(registered) == modules


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.name)
def test_a_command_has_a_name_help_arguments_and_a_run_taking_the_invocation(command) -> None:
    assert [c.name for c in COMMANDS].count(command.name) == 1
    assert isinstance(command.help, str) and command.help
    module = command.load()
    assert module.__name__ == command.module
    # the registry holds the name and the help: one definition, read without importing the module
    assert not hasattr(module, "NAME") and not hasattr(module, "HELP")
    assert list(inspect.signature(module.configure).parameters) == ["p"]
    assert list(inspect.signature(module.run).parameters) == ["inv"]


def test_the_help_lists_the_commands_in_the_order_people_use_them() -> None:
    out = io.StringIO()
    with redirect_stdout(out), pytest.raises(SystemExit):
        main(["--help"])
    listed = re.findall(r"^ {4}([a-z][a-z-]*) ", out.getvalue(), flags=re.MULTILINE)
    core = ["run", "compare", "ab", "cmd", "ingest", "history", "runs", "show", "export"]
    assert [c for c in listed if c in core] == core
    assert listed == [c.name for c in COMMANDS]


def test_main_holds_no_command() -> None:
    main_module = importlib.import_module("perfgate.cli.main")
    handlers = [n for n, f in inspect.getmembers(main_module, inspect.isfunction) if n.startswith("_cmd")]
    assert handlers == []
    assert not hasattr(main_module, "_COMMANDS")


def test_no_command_prints_the_help_and_exits_2(capsys) -> None:
    """(It was an internal error: the arguments of no command have no ``--config``.)"""
    assert main([]) == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: perfgate") and "internal error" not in err


def test_a_command_parser_is_built_only_for_the_command_run() -> None:
    """``perfgate runs ...`` configures the arguments of ``runs`` alone; every command is still listed."""
    from perfgate.cli.main import build_parser, chosen_command

    assert chosen_command(["runs", "--limit", "3"]) == "runs"
    assert chosen_command(["--version"]) is None and chosen_command(["nope", "x"]) is None
    parser = build_parser(["runs"])
    assert parser.parse_args(["runs", "--limit", "3"]).limit == 3
    with pytest.raises(PerfgateError, match=r"unrecognized arguments: http://127\.0\.0\.1:9/ --json"):
        parser.parse_args(["load", "http://127.0.0.1:9/", "--json", "b.json"])


def test_the_parser_of_a_command_run_lists_that_command_alone() -> None:
    """What ``main`` builds to run a command: no other command's sub-parser (each costs its
    construction); its help and errors are the same."""
    import argparse

    from perfgate.cli.main import build_parser

    def listed(parser: argparse.ArgumentParser) -> set[str]:
        (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        return set(sub.choices)

    assert listed(build_parser(["runs"], every=False)) == {"runs"}
    assert listed(build_parser(["runs"])) == {c.name for c in COMMANDS}
    alone, listing = build_parser(["runs"], every=False), build_parser(["runs"])
    assert alone.parse_args(["runs", "--limit", "3"]) == listing.parse_args(["runs", "--limit", "3"])
    for parser in (alone, listing):
        with pytest.raises(
            PerfgateError, match=r"^perfgate runs: argument --limit: expected a whole number, got 'x'$"
        ):
            parser.parse_args(["runs", "--limit", "x"])


def test_every_registration_names_a_command_word_a_cli_module_and_a_help_line() -> None:
    """The registry is code: it is checked here once, not at every start."""
    import importlib.util

    from perfgate.cli.main import COMMANDS

    for command in COMMANDS:
        assert re.fullmatch(r"[a-z][a-z-]*", command.name), command
        assert command.module.startswith("perfgate.cli.") and importlib.util.find_spec(command.module), (
            command
        )
        assert command.help, command
    assert len({c.name for c in COMMANDS}) == len(COMMANDS)
