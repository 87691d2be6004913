"""The hidden machine-readable summary of the Markdown report: what it says, that it survives the size
limit, that nothing in it can act, and that reading it back treats the file as input."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import BASE_ID, comparison_outcome, passing_outcome
from perfgate.errors import InputError
from perfgate.model import GitInfo
from perfgate.report import ReportSummary, parse_summary, render_markdown, render_summary, summary_of

BASE_GIT = {BASE_ID: GitInfo(commit="def5678aaaa", branch="main")}


def test_summary_reads_back_what_the_gate_decided() -> None:
    outcome = dataclasses.replace(comparison_outcome(), baseline_git=BASE_GIT)
    s = parse_summary(render_markdown(outcome), "report.md")
    assert s == summary_of(outcome)
    assert (s.project, s.tier, s.testbed, s.baseline_run, s.baseline_commit) == (
        "demo", "pr", "ci-linux-x64", BASE_ID, "def5678aaaa",
    )  # fmt: skip
    assert s.commit == outcome.run.git.commit if outcome.run.git else s.commit is None
    assert (s.regressions, s.failed, s.improvements, s.unchanged, s.budgets_broken) == (2, 1, 1, 1, 1)
    assert s.passed is False and s.changed is True
    good = parse_summary(render_markdown(passing_outcome()), "r.md")
    assert good.passed is True and (good.improvements, good.unchanged, good.regressions) == (1, 1, 0)


def test_summary_survives_the_size_limit() -> None:
    text = render_markdown(comparison_outcome(), max_chars=1200)
    assert len(text) <= 1200
    assert parse_summary(text, "r.md").regressions == 2


@given(st.text(min_size=1, max_size=40))
def test_any_name_round_trips_and_stays_inside_the_comment(name: str) -> None:
    s = dataclasses.replace(summary_of(passing_outcome()), project=name, branch=name)
    line = render_summary(s)
    assert line.isascii() and "\n" not in line
    assert line.count("-->") == 1 and line.endswith(" -->")
    assert "@" not in line and "#" not in line and "//" not in line
    assert parse_summary(f"# x\n{line}\n", "r.md") == s


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("# just markdown\n", "r.md: no perfgate summary in it"),
        ('<!-- perfgate-summary v1 {"project": 1 -->\n', "r.md:1: malformed perfgate summary line"),
        ("<!-- perfgate-summary v1 {nope} -->\n", "r.md:1: perfgate summary is not JSON"),
        ('x\n<!-- perfgate-summary v9 {"a": 1} -->\n', "r.md:2: perfgate summary version 9 is newer"),
        ('<!-- perfgate-summary v1 {"project": "p"} -->\n', "r.md:1: perfgate summary lacks key 'run_id'"),
    ],
)
def test_a_broken_summary_is_an_input_error_naming_file_and_line(text: str, message: str) -> None:
    with pytest.raises(InputError) as exc:
        parse_summary(text, "r.md")
    assert str(exc.value).startswith(message)


def test_wrong_types_and_two_summaries_are_refused() -> None:
    line = render_summary(summary_of(passing_outcome()))
    with pytest.raises(InputError, match=r"r.md:1: perfgate summary key 'regressions' has the wrong type"):
        parse_summary(line.replace('"regressions": 0', '"regressions": "0"'), "r.md")
    with pytest.raises(InputError, match=r"r.md:1: summary regressions must be a count"):
        parse_summary(line.replace('"regressions": 0', '"regressions": -1'), "r.md")
    with pytest.raises(InputError, match=r"r.md:2: a second perfgate summary"):
        parse_summary(f"{line}\n{line}\n", "r.md")


def test_summary_validates_when_built() -> None:
    with pytest.raises(ValueError, match="summary failed must be a count"):
        ReportSummary(
            project="p", run_id="r", tier=None, testbed="t", commit=None, branch=None,
            baseline_run=None, baseline_commit=None, passed=True, failed=True,  # type: ignore[arg-type]
        )  # fmt: skip
