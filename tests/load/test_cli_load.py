"""``perfgate load`` as a command, in-process: usage errors and the live progress line."""

import io
import os

import pytest

from perfgate.cli import load as load_command
from perfgate.cli.common import Invocation
from perfgate.cli.main import build_parser, main
from perfgate.report import Console


def cli(tmp_path, capsys, *args):
    env = {"PATH": os.environ["PATH"], "NO_COLOR": "1", "PERFGATE_TESTBED": "t"}
    code = main(list(args), cwd=tmp_path, environ=env)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--rate", "10/s", "--users", "2", "--duration", "1s"], "either --rate (open model) or --users"),
        ([], "either --rate (open model) or --users"),
        (["--users", "2"], "--users needs --requests N (per user) or --duration"),
        (["--rate", "10/s"], "needs a duration or stages"),
        (["--rate", "10/s", "--duration", "1s", "--requests", "5"], "--requests and --think belong"),
        (["--users", "2", "--requests", "1", "--stage", "1s:10/s"], "--stage belongs to the open model"),
        (["--rate", "fast", "--duration", "1s"], "expected a rate like '2000/s'"),
        (["--users", "1", "--requests", "1", "-H", "no colon"], "expected 'Name: value'"),
        (["--users", "1", "--requests", "1", "-H", "Host: x"], "perfgate writes it itself"),
        (["--users", "1", "--requests", "1", "--expect", "200,abc"], "expected status codes"),
        (["--users", "1", "--requests", "1", "--json", "missing.json"], "--json missing.json"),
    ],
)
def test_a_bad_command_line_is_one_line_exit_2(tmp_path, capsys, args, message):
    code, out, err = cli(tmp_path, capsys, "load", "http://127.0.0.1:9/", *args)
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert message in err


def test_a_json_body_that_is_not_json_is_refused(tmp_path, capsys):
    (tmp_path / "body.json").write_text("{not json")
    args = ["--users", "1", "--requests", "1", "--json", "body.json"]
    code, _, err = cli(tmp_path, capsys, "load", "http://127.0.0.1:9/", *args)
    assert code == 2 and "--json body.json: not JSON" in err


def test_progress_shows_each_second_on_a_terminal(http_server, tmp_path):
    url = http_server()
    args = build_parser().parse_args(
        ["load", url + "/", "--rate", "50/s", "--duration", "2s", "--workers", "1"]
    )
    err = io.StringIO()
    console = Console(color=False, width=100, is_tty=True, err=err)
    env = {"PATH": os.environ["PATH"], "PERFGATE_TESTBED": "t"}
    stdout = io.StringIO()
    code = load_command.run(Invocation(args, tmp_path, env, console, stdout, io.StringIO()))
    assert code == 0
    progress = err.getvalue()
    assert "1s: " in progress and "2s: " in progress
    assert "req/s, p99 " in progress and "errors 0" in progress
    assert "100 responses" in stdout.getvalue()
