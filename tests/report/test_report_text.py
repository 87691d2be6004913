"""The terminal report: golden output at fixed widths without colour, colour codes with it."""

from __future__ import annotations

import dataclasses
import io
import json
import re
from collections.abc import Callable

import pytest

from conftest import BASE_ID, LONG, comparison_outcome, no_baseline_outcome, passing_outcome, run_row
from perfgate.gate.outcome import Outcome
from perfgate.model import BenchmarkId, GitInfo
from perfgate.report import (
    Console,
    make_console,
    render_json,
    render_markdown,
    render_runs,
    render_text,
    truncate_middle,
)
from perfgate.report.formatting import method_phrase

ANSI = re.compile(r"\x1b\[[0-9;]*m")
BASE_GIT = {BASE_ID: GitInfo(commit="def5678aaaa", branch="main")}


def plain(width: int) -> Console:
    return Console(color=False, width=width, is_tty=False)


@pytest.mark.parametrize("width", [72, 100, 160])
def test_comparison_golden(golden: Callable[[str, str], None], width: int) -> None:
    golden(
        f"text_comparison_{width}.txt",
        render_text(dataclasses.replace(comparison_outcome(), baseline_git=BASE_GIT), plain(width)),
    )


def test_passing_golden(golden: Callable[[str, str], None]) -> None:
    golden("text_passing.txt", render_text(passing_outcome(), plain(100)))


def test_no_baseline_golden(golden: Callable[[str, str], None]) -> None:
    golden("text_no_baseline.txt", render_text(no_baseline_outcome(), plain(100)))


@pytest.mark.parametrize("width", [60, 72, 100])
def test_table_rows_fit_the_width(width: int) -> None:
    text = render_text(comparison_outcome(), plain(width))
    table = text.split("\n\n")[1].splitlines()
    assert len(table) == 1 + len(comparison_outcome().verdicts)
    assert all(len(line) <= width for line in table), table


def test_rows_keep_the_gate_order_and_say_the_outcome() -> None:
    outcome = comparison_outcome()
    text = render_text(outcome, plain(200))
    table = text.split("\n\n")[1].splitlines()[1:]
    assert [line.split()[0] for line in table] == [v.benchmark.name for v in outcome.verdicts]
    assert LONG in text  # wide enough: nothing cut
    assert "+30.0% [+25.0%, +35.0%]" in text
    assert "<0.001" in text
    last = text.rstrip("\n").splitlines()[-1]
    assert last == (
        "2 regressions, 1 failed, 1 budget exceeded, 1 inconclusive, 1 missing, 1 new, 1 improvement,"
        " 1 unchanged — gate FAILED"
    )
    assert "✗ bench/test_cache.py::test_cache_hit time 1.300 ms > budget 1.000 ms" in text
    assert "ZeroDivisionError: division by zero" in text
    assert "(ratio of medians vs a 5% threshold; baseline: run 01HWX00000)" in text


def test_metric_column_only_when_not_all_time() -> None:
    assert "metric" not in render_text(comparison_outcome(), plain(120)).splitlines()[2]
    header = render_text(passing_outcome(), plain(120)).splitlines()[2]
    assert header.split()[:2] == ["benchmark", "metric"]


def test_passing_summary() -> None:
    assert render_text(passing_outcome(), plain(100)).endswith("1 improvement, 1 unchanged — gate passed\n")


def test_colour_on_styles_verdicts_and_decision() -> None:
    text = render_text(comparison_outcome(), Console(color=True, width=100, is_tty=True))
    assert "\x1b[1;31mregression (major)\x1b[0m" in text
    assert "\x1b[32mimprovement\x1b[0m" in text
    assert "\x1b[1;31mgate FAILED\x1b[0m" in text
    # colour changes nothing but the escape codes
    assert ANSI.sub("", text) == render_text(comparison_outcome(), plain(100))


def test_colour_off_has_no_escape_codes() -> None:
    assert "\x1b" not in render_text(comparison_outcome(), plain(100))


def test_empty_outcome() -> None:
    run = comparison_outcome().run
    text = render_text(Outcome(run=run, baseline_ids=(BASE_ID,), verdicts=()), plain(80))
    assert "no results to compare" in text
    assert text.endswith("no results — gate passed\n")


@pytest.mark.parametrize("width", range(0, 30))
def test_truncate_middle_keeps_both_ends(width: int) -> None:
    name = "bench/test_parse.py::test_small[100]"
    cut = truncate_middle(name, width)
    assert len(cut) == min(width, len(name))
    if 2 < width < len(name):
        assert cut.count("…") == 1
        head, tail = cut.split("…")
        assert name.startswith(head) and name.endswith(tail)
        assert len(tail) >= len(head)


def test_truncate_middle_leaves_short_text() -> None:
    assert truncate_middle("abc", 3) == "abc"
    with pytest.raises(ValueError):
        truncate_middle("abc", -1)


def test_piped_output_never_cuts_names() -> None:
    # COLUMNS=80 as CI runners export it; the stream is a pipe, not a terminal
    console = make_console("auto", stream=io.StringIO(), environ={"COLUMNS": "80"}, err=io.StringIO())
    assert not console.fit
    outcome = comparison_outcome()
    text = render_text(outcome, console)
    assert all(v.benchmark.name in text for v in outcome.verdicts)
    assert "…" not in text
    long_branch = dataclasses.replace(run_row(outcome.run), branch="feature/" + "x" * 90)
    assert "feature/" + "x" * 90 in render_runs([long_branch], console)


def test_a_terminal_still_fits_the_table_to_its_width() -> None:
    text = render_text(comparison_outcome(), Console(color=False, width=72, is_tty=True))
    assert LONG not in text and "…" in text


def verdicts_by(methods: list[str]) -> Outcome:
    outcome = passing_outcome()
    v = outcome.verdicts[0]
    verdicts = tuple(
        dataclasses.replace(v, benchmark=BenchmarkId(f"b{i}"), method=m) for i, m in enumerate(methods)
    )
    # the suite asked for the default test; the verdicts say what each one used
    return dataclasses.replace(outcome, verdicts=verdicts, method="mann-whitney+hodges-lehmann")


@pytest.mark.parametrize(
    ("methods", "phrase"),
    [
        (["ratio-of-medians"], "ratio of medians vs a 5% threshold"),
        (["paired-blocks-signed-rank"] * 2, "paired signed-rank test on A/B blocks vs a 5% threshold"),
        (
            [
                "mann-whitney+hodges-lehmann+run-level-t",
                "ratio-of-medians",
                "mann-whitney+hodges-lehmann+run-level-t",
            ],
            "Mann-Whitney U test with Hodges-Lehmann shift and run-level t-test (2), ratio of medians (1)"
            " vs a 5% threshold",
        ),
        (["some-new-test+ratio-of-medians"], "some new test and ratio of medians vs a 5% threshold"),
    ],
)
def test_the_footer_names_the_method_each_verdict_used(methods: list[str], phrase: str) -> None:
    outcome = verdicts_by(methods)
    assert method_phrase(outcome) == phrase
    assert f"({phrase}; baseline: run 01HWX00000)" in render_text(outcome, plain(200))
    assert json.loads(render_json(outcome))["method_description"] == phrase


def test_a_commit_that_is_not_a_hash_is_shown_whole() -> None:
    # pytest-benchmark records "unversioned" outside git
    outcome = passing_outcome()
    run = dataclasses.replace(outcome.run, git=GitInfo(commit="unversioned", branch=None))
    text = render_text(
        dataclasses.replace(outcome, run=run, baseline_git={BASE_ID: GitInfo(commit="unversioned")}),
        plain(100),
    )
    assert "baseline: run 01HWX00000, unversioned)" in text
    assert " · unversioned · " in text
    assert "unversi " not in text and "unversi)" not in text


def test_a_regressions_reason_is_shown_to_the_reader() -> None:
    # Issue 9 case 12: "cpu_time did not move" was in the verdict (JSON) but not in the terminal or the
    # pull-request comment, so a person saw a +97% regression without the hint that it may be the machine.
    outcome = comparison_outcome()
    why = "cpu_time did not move (+0.7%): the wall time may have waited on a contended machine or on I/O"
    verdicts = tuple(
        dataclasses.replace(v, reason=why) if v.status.value == "regression" else v for v in outcome.verdicts
    )
    names = [f"{v.benchmark.name} [{v.metric}]" for v in verdicts if v.status.value == "regression"]
    assert names
    text = render_text(dataclasses.replace(outcome, verdicts=verdicts), plain(400))
    section = text.split("\nregressions:\n")[1].split("\n\n")[0]
    assert why in section and all(n in section for n in names)
    md = render_markdown(dataclasses.replace(outcome, verdicts=verdicts))
    assert "**About the regressions**" in md and "cpu_time did not move (+0.7%)" in md
    # without reasons, no section
    assert "\nregressions:\n" not in render_text(outcome, plain(400))


def test_run_and_baseline_that_share_the_time_part_of_their_ids_are_told_apart() -> None:
    # perfgate ab stores base and head runs in the same millisecond: ids equal in their first 10 characters
    outcome = comparison_outcome()
    head = dataclasses.replace(outcome.run, id="01HWZ3M8Q4HEAD00000000000A")
    base = "01HWZ3M8Q4BASE00000000000B"
    outcome = dataclasses.replace(outcome, run=head, baseline_ids=(base,))
    text = render_text(outcome, plain(160))
    assert text.startswith("run 01HWZ3M8Q4H · ")
    assert "baseline: run 01HWZ3M8Q4B" in text and "baseline: run 01HWZ3M8Q4," not in text
    md = render_markdown(outcome)
    assert "Run `01HWZ3M8Q4H`" in md and "baseline: run 01HWZ3M8Q4B" in md
