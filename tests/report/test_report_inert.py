"""Strings from input are inert in every report format: no raw control characters, no CI log command
at the start of a line, no live mention or link in Markdown, JSON that reads back the exact strings."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import (
    BASE_ID,
    BASE_SAMPLES,
    T0,
    make_result,
    make_run,
    ms,
    run_row,
    scaled,
    series_point,
    verdict,
)
from perfgate.escape import inert_join, inert_lines, json_inert, printable, visible
from perfgate.gate.outcome import BudgetCheck, Outcome
from perfgate.model import BenchmarkId, Direction, GitInfo, Result, Series, Status
from perfgate.report import (
    ROLES,
    Console,
    escape_markdown,
    render_history,
    render_history_json,
    render_json,
    render_markdown,
    render_run,
    render_run_json,
    render_runs,
    render_runs_json,
    render_text,
)

ATTACK = "bench/t.py::test_x\n::error title=perfgate::all benchmarks regressed"

# Raw characters no output may carry (C0 but the line feed, DEL, C1, line separators, bidi controls).
RAW = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
OUR_STYLES = re.compile("\x1b\\[(?:" + "|".join(re.escape(c) for c in set(ROLES.values())) + "|0)m")


def assert_inert_text(text: str) -> None:
    """No raw control character but a line feed and perfgate's own colours; no log command."""
    unstyled = OUR_STYLES.sub("", text)
    assert not RAW.search(unstyled), repr(RAW.search(unstyled))
    for line in unstyled.splitlines():
        assert not line.lstrip().startswith("::"), repr(line)
    assert "##vso[" not in unstyled.lower() and "##[" not in unstyled


def rendered_markdown_text(md: str) -> str:
    """What GitHub's mention and link finders see: text outside code spans, backslash escapes resolved
    (an escaped backtick kept apart so it cannot open a span)."""
    out: list[str] = []
    i = 0
    while i < len(md):
        c = md[i]
        if c == "\\" and i + 1 < len(md) and not md[i + 1].isalnum() and md[i + 1].isascii():
            out.append("'" if md[i + 1] == "`" else md[i + 1])
            i += 2
            continue
        if c == "`":
            j = i
            while j < len(md) and md[j] == "`":
                j += 1
            ticks = md[i:j]
            close = re.compile(rf"(?<!`){ticks}(?!`)").search(md, j)
            if close is not None:
                out.append(" ")  # a code span: nothing in it is a mention or a link
                i = close.end()
                continue
            out.append(ticks)
            i = j
            continue
        out.append(c)
        i += 1
    return "".join(out)


MENTION = re.compile(r"(?:^|[^\w])@[A-Za-z0-9]|#[0-9]")
# (a protocol-relative "//host.tld" is linked by linkify-it, markdown-it's linkifier)
AUTOLINK = re.compile(
    r"[A-Za-z][A-Za-z0-9+.-]*://|//[\w-]+\.[\w-]|www\.|[\w.+-]@[\w-]+\.[\w-]", re.IGNORECASE
)


def assert_inert_markdown(md: str) -> None:
    assert_inert_text(md)
    seen = rendered_markdown_text(md)
    assert not MENTION.search(seen), MENTION.search(seen)
    assert not AUTOLINK.search(seen), AUTOLINK.search(seen)


def hostile_outcome(name: str, param: str, error: str, branch: str) -> Outcome:
    """Every section of a report (each verdict status, failures, budgets, inconclusive reasons, notes,
    the context line) carrying the hostile strings."""
    names = [f"{name}[{i}]" for i in range(6)]
    bid = BenchmarkId(names[0], group=param, params=(("p", param),))
    verdicts = (
        dataclasses.replace(
            verdict(names[0], Status.REGRESSION, ms(BASE_SAMPLES), ms(scaled(BASE_SAMPLES, 1.3))),
            benchmark=bid,
        ),
        verdict(names[1], Status.FAILED, ms(BASE_SAMPLES), None, reason=error),
        verdict(names[2], Status.INCONCLUSIVE, ms(BASE_SAMPLES), ms(BASE_SAMPLES), reason=f"{error}; shared"),
        verdict(names[3], Status.INCONCLUSIVE, ms(BASE_SAMPLES), ms(BASE_SAMPLES), reason="shared"),
        verdict(names[4], Status.MISSING, ms(BASE_SAMPLES), None, reason="not in the current run"),
        verdict(names[5], Status.UNCHANGED, ms(BASE_SAMPLES), ms(BASE_SAMPLES)),
    )
    results = (
        dataclasses.replace(make_result(names[0], ms(BASE_SAMPLES)), benchmark=bid),
        Result(BenchmarkId(names[1]), "time", "s", Direction.LOWER, error=error),
        make_result(names[2], ms(BASE_SAMPLES)),
        make_result(names[3], ms(BASE_SAMPLES)),
        make_result(names[5], ms(BASE_SAMPLES)),
    )
    run = dataclasses.replace(
        make_run(results),
        git=GitInfo(commit="abc1234def5678", branch=branch, subject=error),
        tags=(param,),
    )
    budget = BudgetCheck(names[0], "time", "<=", 1e-3, "s", 1.3e-3, False, f"{name}: time <= 1ms")
    return Outcome(
        run=run,
        baseline_ids=(BASE_ID,),
        verdicts=verdicts,
        budgets=(budget,),
        notes=(f"baseline: {branch}", f"budget '{name}' matched no benchmark"),
        method="ratio-of-medians",
        baseline_git={BASE_ID: GitInfo(commit="def5678abc", branch=branch)},
    )


CONSOLES = (
    Console(color=False, width=60, is_tty=False),
    Console(color=True, width=72, is_tty=True),
    Console(color=True, width=100, is_tty=False, fit=False),
)

PIECES = st.sampled_from(
    [
        "\n", "\r", "\t", "\x00", "\x07", "\x1b", "\x1b[2J", "\x1b]0;title\x07", "\x7f", "\x85", "\x9b",
        "\u2028", "\u202e", "\u2066", "\u200f", "@", "@octocat", "(@org/team)", "me@example.com",
        "http://x.io", "HTTPS://evil.example/a", "www.x.io", "::", "::error title=perfgate::pwned",
        "##vso[task.setvariable variable=x]1", "##[error]x", "<!--", "</details>", "<b>", "|", "`", "``",
        "*", "_", "~", "#1", "acme/x#7", "\\", "[a](b)", "&amp;", " ", "x",
    ]
)  # fmt: skip
HOSTILE = st.lists(st.one_of(PIECES, st.text(max_size=4)), min_size=1, max_size=8).map("".join)
NAME = HOSTILE.map(str.strip).filter(bool)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=NAME, param=HOSTILE, error=HOSTILE, branch=HOSTILE)
def test_every_format_is_inert(name: str, param: str, error: str, branch: str) -> None:
    outcome = hostile_outcome(name, param, error, branch)
    for console in CONSOLES:
        assert_inert_text(render_text(outcome, console))
    assert_inert_markdown(render_markdown(outcome))

    text = render_json(outcome)
    assert_inert_text(text)
    doc = json.loads(text)
    assert [v["benchmark"] for v in doc["verdicts"]] == [v.benchmark.name for v in outcome.verdicts]
    assert doc["verdicts"][0]["params"] == [["p", param]] and doc["verdicts"][0]["group"] == param
    assert doc["run"]["git"]["branch"] == branch and doc["notes"][0] == f"baseline: {branch}"
    assert doc["verdicts"][1]["reason"] == error

    run = outcome.run
    row = dataclasses.replace(run_row(run), branch=branch, testbed=param or "x")
    point = series_point(run.id, "unversioned", branch, T0, None, "s", error=error)
    later = series_point("01HWZ3M8Q4ZZZZZZZZZZZZZZZZ", None, branch, T0 + timedelta(days=1), 1e-3, "s")
    series = Series(name, "time", (point, later))
    for console in CONSOLES:
        assert_inert_text(render_runs([row], console))
        assert_inert_text(render_run(run, console))
        assert_inert_text(render_history(series, console, title=name))
    for listing in (render_runs_json([row]), render_run_json(run), render_history_json(series)):
        assert_inert_text(listing)
    assert json.loads(render_runs_json([row]))[0]["branch"] == branch
    assert json.loads(render_history_json(series))[0]["error"] == error
    assert json.loads(render_run_json(run))["run"]["results"][1]["error"] == error


def test_a_newline_in_a_name_never_starts_a_workflow_command() -> None:
    outcome = hostile_outcome(ATTACK, "p", "boom\n::error::boom", "main")
    text = render_text(outcome, Console(color=False, width=100, is_tty=False))
    assert "::error title=perfgate" in text  # shown, not hidden ...
    assert "test_x\\n::error title=perfgate::all benchmarks regressed[0]" in text  # ... on its own row
    assert not any(line.lstrip().startswith("::") for line in text.splitlines())


def test_a_name_starting_with_colons_is_guarded_at_the_start_of_a_row() -> None:
    outcome = hostile_outcome("::error::x", "p", "e", "main")
    lines = render_text(outcome, Console(color=False, width=100, is_tty=False)).splitlines()
    assert any(line.startswith("\\x3a:error::x[") for line in lines)


def test_ansi_escapes_show_as_text_also_in_colour() -> None:
    outcome = hostile_outcome("clear\x1b[2J\x1b]0;pwned\x07\rover", "p", "e\x9b1m", "main")
    text = render_text(outcome, Console(color=True, width=120, is_tty=True))
    assert "clear\\x1b[2J\\x1b]0;pwned\\x07\\rover[0]" in text
    assert "e\\x9b1m" in text
    assert_inert_text(text)


def test_markdown_mentions_links_and_bidi_are_inert() -> None:
    md = escape_markdown(
        "ping @octocat, see http://x.io and www.x.io, \u202eevil, mail a@b.io, main@abc1234, o/r#12, //cdn.x.io/a"
    )
    assert md == (
        "ping `@`octocat, see http`://`x.io and www`.`x.io, \\\\u202eevil, mail a`@`b.io, main@abc1234, o/r`#`12,"
        " `//`cdn.x.io/a"
    )
    assert_inert_markdown(md)


def test_visible_spells_out_controls_and_is_idempotent() -> None:
    assert visible("a\nb\r\tc\x00\x1b[1m\x7f\x9b\u2028\u202e\u2066") == (
        "a\\nb\\r\\tc\\x00\\x1b[1m\\x7f\\x9b\\u2028\\u202e\\u2066"
    )
    assert visible("plain ünïcödé ✓ 日本 👍🏽 a\\b") == "plain ünïcödé ✓ 日本 👍🏽 a\\b"
    assert visible("x ##vso[task.complete] ##[error]") == "x #\\x23vso[task.complete] #\\x23[error]"
    once = visible("\n##vso[\u202e")
    assert visible(once) == once


def test_inert_lines_guards_only_line_starts() -> None:
    assert (
        inert_lines("::error::x\n  ::warning::y\nok ::z\n") == "\\x3a:error::x\n  \\x3a:warning::y\nok ::z\n"
    )


LINE_PIECES = st.sampled_from(["a", "::", ":", " ", "\t", "\x1b[1m", "\x1b", "\n", "x", "error"])


@given(st.lists(st.lists(LINE_PIECES, max_size=6).map("".join)))
def test_inert_join_is_inert_lines_of_the_joined_lines(lines: list[str]) -> None:
    assert inert_join(lines) == inert_lines("\n".join(lines) + "\n")


def test_inert_join_guards_a_command_at_any_line_start() -> None:
    assert inert_join(["ok", "::error::x", "\x1b[1m::warning::y", "a\n::z"]) == (
        "ok\n\\x3a:error::x\n\x1b[1m\\x3a:warning::y\na\n\\x3a:z\n"
    )


def test_json_inert_round_trips() -> None:
    value = {"name": "a\u202eb\x9b\x7f\u2028 ##vso[x] \n\x1b"}
    text = json_inert(json.dumps(value, ensure_ascii=False))
    assert json.loads(text) == value
    assert not RAW.search(text) and "##vso[" not in text


@given(
    st.text(
        st.sampled_from(["a", " ", "~", "\x7f", "\x1f", "\x00", "\t", "é", "\u202e", "\x9b", "界"]),
        max_size=12,
    )
)
def test_printable_is_isprintable(text: str) -> None:
    assert printable(text) == text.isprintable()
