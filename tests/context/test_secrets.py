"""Secrets kept out of stored and printed messages: known variables, the user's list, URL credentials;
and the edge where a Run is built, with a real SQLite store."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from perfgate import app
from perfgate.cli.main import error_line, main
from perfgate.context import redact_run, redactor, strip_credentials
from perfgate.errors import ConfigError
from perfgate.model import BenchmarkId, Direction, Result, ResultsDoc, RunStatus, dumps_run
from perfgate.report import render_json, render_markdown

TOKEN = "ghp_0123456789abcdefghijklmnopqrstuvwxyz"


@pytest.mark.parametrize(
    ("url", "clean"),
    [
        ("https://user:pw@host/x", "https://host/x"),
        ("https://user:p@ss@host:8443/x?q=a@b", "https://host:8443/x?q=a@b"),
        ("postgresql://perf:secret@db.internal/perfgate", "postgresql://db.internal/perfgate"),
        ("https://host/x?mail=a@b.io", "https://host/x?mail=a@b.io"),
        (".perfgate/perfgate.db", ".perfgate/perfgate.db"),
        ("see http://u:p@h/a and https://v:q@k", "see http://h/a and https://k"),
    ],
)
def test_strip_credentials(url: str, clean: str) -> None:
    assert strip_credentials(url) == clean


def test_known_and_pattern_named_secrets_are_redacted_short_values_are_not() -> None:
    env = {
        "GITHUB_TOKEN": TOKEN,
        "CI_JOB_TOKEN": "glcbt-64_aaaaaaaaaaaa",
        "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG",
        "DB_PASSWORD": "correct horse",
        "FEATURE_KEY": "on",  # too short to be a secret: "on" would vanish from every message
        "PWD": "/home/runner/work",  # a secret-looking name that is a path
        "HOME": "/home/runner",
    }
    redact = redactor(env)
    text = f"auth failed for {TOKEN} (glcbt-64_aaaaaaaaaaaa, wJalrXUtnFEMI/K7MDENG, correct horse) on /home/runner/work"
    assert redact(text) == (
        "auth failed for [redacted $GITHUB_TOKEN] ([redacted $CI_JOB_TOKEN], [redacted $AWS_SECRET_ACCESS_KEY],"
        " [redacted $DB_PASSWORD]) on /home/runner/work"
    )
    assert redact("turn it on") == "turn it on"


def test_variables_the_user_names_are_redacted_whatever_their_length() -> None:
    redact = redactor({"MY_VAR": "abc", "OTHER": "abc-long-but-not-named"}, ["MY_VAR"])
    assert (
        redact("x abc y abc-long-but-not-named")
        == "x [redacted $MY_VAR] y [redacted $MY_VAR]-long-but-not-named"
    )


def test_the_longer_secret_is_replaced_first() -> None:
    redact = redactor({"A_TOKEN": "abcdefgh", "B_TOKEN": "abcdefgh-and-more"})
    assert redact("abcdefgh-and-more") == "[redacted $B_TOKEN]"


def write_project(root: Path, redact: str = '["MY_VAR"]') -> None:
    (root / "pyproject.toml").write_text(f'[project]\nname = "p"\n\n[tool.perfgate]\nredact = {redact}\n')


def test_the_redact_key_must_name_variables(tmp_path: Path) -> None:
    write_project(tmp_path, '["not a name"]')
    with pytest.raises(ConfigError, match=r"tool\.perfgate\.redact: expected environment variable names"):
        app.Workspace.discover(tmp_path, environ={})


def test_a_run_is_stored_and_reported_without_the_secrets(tmp_path: Path) -> None:
    write_project(tmp_path)
    env = {"GITHUB_TOKEN": TOKEN, "MY_VAR": "s3cr3t-value", "PERFGATE_TESTBED": "t"}
    ws = app.Workspace.discover(tmp_path, environ=env)
    t0 = datetime(2024, 5, 1, tzinfo=UTC)
    error = f"HTTPError: 401 for https://bot:{TOKEN}@api.example/x with key s3cr3t-value"
    failed = Result(BenchmarkId("bench/t.py::test_api"), "time", "s", Direction.LOWER, error=error)
    run = app.build_run(ws, ResultsDoc(t0, t0, RunStatus.COMPLETE, (failed,)), tier=None)
    with ws.store() as store:
        store.add_run(run)
    with ws.store(create=False) as store:
        stored = store.get_run(run.id)
    (r,) = stored.results
    assert r.error == "HTTPError: 401 for https://api.example/x with key [redacted $MY_VAR]"
    outcome = app.gate_run(ws, stored, app.Baseline((), "none"))
    for text in (render_markdown(outcome), render_json(outcome)):
        assert TOKEN not in text and "s3cr3t-value" not in text


def test_a_run_from_elsewhere_is_redacted_when_reported(tmp_path: Path) -> None:
    write_project(tmp_path)
    ws = app.Workspace.discover(tmp_path, environ={"MY_VAR": "s3cr3t-value", "PERFGATE_TESTBED": "t"})
    t0 = datetime(2024, 5, 1, tzinfo=UTC)
    failed = Result(BenchmarkId("b"), "time", "s", Direction.LOWER, error="leaked s3cr3t-value")
    other = app.build_run(
        app.Workspace.discover(tmp_path, environ={}),
        ResultsDoc(t0, t0, RunStatus.COMPLETE, (failed,)),
        tier=None,
    )
    assert other.results[0].error == "leaked s3cr3t-value"  # that workspace knew no such secret
    outcome = app.gate_run(ws, other, app.Baseline((), "none"))
    assert outcome.run.results[0].error == "leaked [redacted $MY_VAR]"


def test_error_lines_say_perfgate_once_redacted_and_visible() -> None:
    redact = redactor({"GH_TOKEN": TOKEN})
    assert (
        error_line("perfgate: unrecognized arguments: --x", redact)
        == "perfgate: error: unrecognized arguments: --x\n"
    )
    assert error_line("perfgate compare: argument --threshold: bad", redact) == (
        "perfgate compare: error: argument --threshold: bad\n"
    )
    assert (
        error_line("a.json:3: bad name 'x\n::error::y'", redact)
        == "perfgate: error: a.json:3: bad name 'x\\n::error::y'\n"
    )
    assert (
        error_line(f"cannot open postgresql://u:{TOKEN}@db/x", redact)
        == "perfgate: error: cannot open postgresql://db/x\n"
    )
    assert error_line(f"token {TOKEN}", redact, kind="internal error") == (
        "perfgate: internal error: token [redacted $GH_TOKEN]\n"
    )


def test_usage_errors_print_perfgate_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from perfgate.cli.main import main

    assert main(["--bogus"], cwd=tmp_path, environ={}) == 2
    assert capsys.readouterr().err == "perfgate: error: unrecognized arguments: --bogus\n"
    assert main(["compare", "--threshold", "x", "a", "b"], cwd=tmp_path, environ={}) == 2
    err = capsys.readouterr().err
    assert err.startswith("perfgate compare: error: argument --threshold: ") and err.count("perfgate") == 1


def test_an_ingested_run_document_is_stored_without_the_secrets(tmp_path: Path) -> None:
    write_project(tmp_path)
    t0 = datetime(2024, 5, 1, tzinfo=UTC)
    failed = Result(BenchmarkId("b"), "time", "s", Direction.LOWER, error="leaked s3cr3t-value")
    elsewhere = app.build_run(
        app.Workspace.discover(tmp_path, environ={}),
        ResultsDoc(t0, t0, RunStatus.COMPLETE, (failed,)),
        tier=None,
    )
    doc = tmp_path / "run.json"
    doc.write_text(dumps_run(elsewhere), encoding="utf-8")
    ws = app.Workspace.discover(tmp_path, environ={"MY_VAR": "s3cr3t-value"})
    assert app.ingest_paths(ws, [doc]).results[0].error == "leaked [redacted $MY_VAR]"


def test_error_lines_redact_the_configured_variables(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from perfgate.cli.main import main

    write_project(tmp_path)
    (tmp_path / "bad.json").write_text('{"oops": "s3cr3t-value"', encoding="utf-8")
    env = {"MY_VAR": "s3cr3t-value", "PERFGATE_TESTBED": "t"}
    assert main(["compare", str(tmp_path / "bad.json"), "s3cr3t-value"], cwd=tmp_path, environ=env) == 2
    err = capsys.readouterr().err
    assert "s3cr3t-value" not in err and "[redacted $MY_VAR]" in err, err


def test_a_command_line_quoting_a_secret_is_named_without_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # `perfgate cmd -c "curl -H 'Authorization: Bearer $GITHUB_TOKEN' ..."`: the shell put the token in
    # the command, and the command is the benchmark's name
    write_project(tmp_path)
    env = {"GITHUB_TOKEN": TOKEN, "PERFGATE_TESTBED": "t", "PATH": "/usr/bin:/bin"}
    argv = ["cmd", "-r", "3", "-c", f"echo Authorization: Bearer {TOKEN}", "--store-run"]
    outputs = []
    for fmt in ("text", "markdown", "json"):
        out = io.StringIO()
        code = main([*argv, "--format", fmt], cwd=tmp_path, environ=env, stdout=out)
        assert code == 0, capsys.readouterr().err
        outputs.append(out.getvalue())
    assert all(TOKEN not in text for text in outputs)
    export = tmp_path / "hyperfine.json"
    assert (
        main([*argv[:-1], "--export-json", str(export)], cwd=tmp_path, environ=env, stdout=io.StringIO()) == 0
    )
    assert TOKEN not in export.read_text(encoding="utf-8")
    assert "cmd:echo Authorization: Bearer [redacted $GITHUB_TOKEN]" in outputs[0]
    ws = app.Workspace.discover(tmp_path, environ=env)
    with ws.store(create=False) as store:
        runs = [store.get_run(row.id) for row in store.list_runs()]
    names = {r.benchmark.name for run in runs for r in run.results}
    assert names == {"cmd:echo Authorization: Bearer [redacted $GITHUB_TOKEN]"}
    # the same command under the next job's token is the same benchmark: compared, not new
    env["GITHUB_TOKEN"] = TOKEN[::-1]
    out = io.StringIO()
    argv[4] = f"echo Authorization: Bearer {TOKEN[::-1]}"
    main([*argv, "--format", "json"], cwd=tmp_path, environ=env, stdout=out)  # its gate is the timings'
    statuses = {v["status"] for v in json.loads(out.getvalue())["verdicts"]}
    assert statuses and "new" not in statuses and "missing" not in statuses


def test_names_and_parameters_lose_secrets_and_url_credentials(tmp_path: Path) -> None:
    write_project(tmp_path)
    t0 = datetime(2024, 5, 1, tzinfo=UTC)
    quoting = BenchmarkId(f"GET https://bot:pw@api.example/x?t={TOKEN}", params=(("key", f"k={TOKEN}"),))
    clean = BenchmarkId("bench/t.py::test_clean", params=(("n", "10"),))
    results = tuple(Result(b, "time", "s", Direction.LOWER, error="failed") for b in (quoting, clean))
    run = app.build_run(
        app.Workspace.discover(tmp_path, environ={}),
        ResultsDoc(t0, t0, RunStatus.COMPLETE, results),
        tier=None,
    )
    # every workspace strips a URL's credentials; that one knew no secret
    assert run.results[0].benchmark.name == f"GET https://api.example/x?t={TOKEN}"
    redacted = redact_run(run, redactor({"GITHUB_TOKEN": TOKEN}))
    first, second = redacted.results
    assert first.benchmark == BenchmarkId(
        "GET https://api.example/x?t=[redacted $GITHUB_TOKEN]",
        params=(("key", "k=[redacted $GITHUB_TOKEN]"),),
    )
    assert second is run.results[1]
    assert redact_run(redacted, redactor({"GITHUB_TOKEN": TOKEN})) is redacted  # nothing left: the same run
