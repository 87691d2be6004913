"""What the plugin prints and writes is inert and keeps secrets out (issue 10, items 1 and 3).

pytest escapes control characters in test ids, unless a project turns that off
(``disable_test_id_escaping_and_forfeit_all_rights_to_community_support``); exception messages are never
escaped. Either way, the end-of-session table must not carry a raw escape sequence or start a CI workflow
command, and a token from the environment must not reach the table nor the results file.
"""

from __future__ import annotations

import json

import pytest

from perfgate.model import BenchmarkId, Direction, Result
from perfgate.pytest_plugin.report import summary_lines

from .conftest import run_perfgate

HOSTILE = """
import os

import pytest


@pytest.mark.parametrize("n", [1], ids=["n\\x1b[2J\\u202e"])
def test_ids(benchmark, n):
    benchmark(lambda: n + 1)


def test_token(benchmark):
    def leak():
        raise RuntimeError("auth failed\\n::error::" + os.environ["GITHUB_TOKEN"] + "\\x1b]0;pwned\\x07")

    benchmark(leak)
"""

TOKEN = "ghp_0123456789abcdefSECRET"


def test_summary_lines_show_control_characters_and_never_start_a_workflow_command() -> None:
    failed = Result(BenchmarkId("t.py::x\n::error::all regressed"), "time", "s", Direction.LOWER,
                    error="ValueError: a\x1b[2J\r\n::warning::b\u202e")  # fmt: skip
    lines = summary_lines([failed], width=200)
    text = "\n".join(lines)
    assert "\x1b" not in text and "\u202e" not in text and "\r" not in text
    assert len(lines) == 2  # the header and one row: nothing from the name or error starts a line
    assert (
        lines[1] == "t.py::x\\n::error::all regressed  FAILED: ValueError: a\\x1b[2J\\r\\n::warning::b\\u202e"
    )


def test_terminal_summary_is_inert_and_redacted(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    pytester.makeini(
        "[pytest]\ndisable_test_id_escaping_and_forfeit_all_rights_to_community_support = true\n"
    )
    pytester.makepyfile(test_hostile=HOSTILE)
    out = pytester.path / "r.json"
    result = run_perfgate(pytester, "--perfgate", f"--perfgate-json={out}")
    result.assert_outcomes(passed=1, failed=1)
    table = result.stdout.str().split("perfgate benchmarks (time per call)", 1)[1].split("perfgate: wrote")[0]
    assert "\x1b" not in table and "\u202e" not in table
    assert not any(line.lstrip().startswith("::") for line in table.splitlines())
    result.stdout.fnmatch_lines(
        [
            "*::test_ids[[]n\\x1b[[]2J\\u202e]*",
            "test_hostile.py::test_token *FAILED: RuntimeError: auth failed",
        ]
    )
    assert TOKEN not in table
    document = out.read_text(encoding="utf-8")
    assert TOKEN not in document
    assert "\u202e" not in document  # JSON leaves bidi controls raw: written as \u escapes
    names = {r["benchmark"]["name"] for r in json.loads(document)["results"]}
    assert "test_hostile.py::test_ids[n\x1b[2J\u202e]" in names  # and read back the same
    (error,) = [r["error"] for r in json.loads(document)["results"] if r.get("error")]
    assert error == "RuntimeError: auth failed"  # the first line, as before; the token is on the next


def test_a_token_in_the_first_line_of_an_error_is_redacted_in_table_and_file(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("MY_SERVICE", "service-password-1")
    pytester.makepyprojecttoml('[tool.perfgate]\nredact = ["MY_SERVICE"]\n')
    pytester.makepyfile(
        test_tok="""
import os

def test_token(benchmark):
    def leak():
        raise RuntimeError("auth " + os.environ["GITHUB_TOKEN"] + " for " + os.environ["MY_SERVICE"])

    benchmark(leak)
"""
    )
    out = pytester.path / "r.json"
    result = run_perfgate(pytester, "--perfgate", f"--perfgate-json={out}")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "test_tok.py::test_token *FAILED: RuntimeError: auth [[]redacted $GITHUB_TOKEN] for [[]redacted $MY_SERVICE]"
        ]
    )
    (error,) = [r["error"] for r in json.loads(out.read_text(encoding="utf-8"))["results"] if r.get("error")]
    assert error == "RuntimeError: auth [redacted $GITHUB_TOKEN] for [redacted $MY_SERVICE]"
