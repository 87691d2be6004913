"""The Markdown report: marker, summary first, attention first, escaping, size limit, step summary."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import BASE_ID, BASE_SAMPLES, comparison_outcome, ms, passing_outcome, scaled, verdict
from perfgate.errors import ContextError
from perfgate.gate.outcome import Outcome
from perfgate.model import BenchmarkId, GitInfo, Status
from perfgate.report import append_step_summary, escape_markdown, render_markdown, report_marker

BASE_GIT = {BASE_ID: GitInfo(commit="def5678aaaa", branch="main")}
UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")
MORE = re.compile(r"… (\d+) more rows? not shown")


def data_rows(text: str) -> list[str]:
    return [
        line for line in text.splitlines() if line.startswith("| ") and not line.startswith("| Benchmark")
    ]


def big_outcome(n_regressions: int, n_unchanged: int) -> Outcome:
    base = comparison_outcome()
    regs = tuple(
        verdict(f"bench/test_many.py::test_slow[{i:03d}]", Status.REGRESSION, ms(BASE_SAMPLES),
                ms(scaled(BASE_SAMPLES, 1.5)))
        for i in range(n_regressions)
    )  # fmt: skip
    same = tuple(
        verdict(
            f"bench/test_many.py::test_same[{i:03d}]", Status.UNCHANGED, ms(BASE_SAMPLES), ms(BASE_SAMPLES)
        )
        for i in range(n_unchanged)
    )
    return dataclasses.replace(base, verdicts=regs + same, budgets=(), notes=())


def test_comparison_golden(golden: Callable[[str, str], None]) -> None:
    golden(
        "markdown_comparison.md",
        render_markdown(dataclasses.replace(comparison_outcome(), baseline_git=BASE_GIT)),
    )


def test_passing_golden(golden: Callable[[str, str], None]) -> None:
    golden("markdown_passing.md", render_markdown(passing_outcome()))


def test_marker_then_summary_line() -> None:
    lines = render_markdown(comparison_outcome()).splitlines()
    assert lines[0] == "<!-- perfgate-report project=demo -->"
    assert lines[1].startswith("<!-- perfgate-summary v1 {") and lines[1].endswith("} -->")
    assert lines[2].startswith("### ❌ perfgate: 2 regressions, 1 failed, 1 budget exceeded,")
    assert lines[2].endswith("— gate FAILED")
    passing = render_markdown(passing_outcome()).splitlines()
    assert passing[2] == "### ✅ perfgate: 1 improvement, 1 unchanged — gate passed"
    assert "No regressions and no failures." in passing


def test_marker_keeps_any_project_inside_the_comment() -> None:
    assert report_marker("my proj -->x") == "<!-- perfgate-report project=my%20proj%20--%3Ex -->"
    outcome = comparison_outcome()
    odd = dataclasses.replace(outcome, run=dataclasses.replace(outcome.run, project="a-->b"))
    assert render_markdown(odd).splitlines()[0] == "<!-- perfgate-report project=a--%3Eb -->"


def test_regressions_and_failures_first_rest_folded() -> None:
    text = render_markdown(comparison_outcome())
    before, _, folded = text.partition("<details>")
    main = data_rows(before)
    assert [r.split(" | ")[-1].strip(" |*") for r in main] == [
        "❌ failed",
        "🔴 regression (major)",
        "🔴 regression",
    ]
    assert "error: ZeroDivisionError: division by zero" in main[0]
    rest = data_rows(folded)
    assert len(rest) == 5
    assert (
        "<summary>5 other results: 1 inconclusive, 1 missing, 1 new, 1 improvement, 1 unchanged</summary>"
        in text
    )
    assert "**Budgets**" in folded and "**Notes**" in folded


def test_escaping_keeps_tables_intact() -> None:
    nasty = "bench/t.py::test_x[a|b]_*<script>*`tick`~~s~~ & #1 $x$ ![i](u)\nsecond line"
    outcome = comparison_outcome()
    v = dataclasses.replace(outcome.verdicts[1], benchmark=BenchmarkId(nasty))
    text = render_markdown(dataclasses.replace(outcome, verdicts=(v, *outcome.verdicts[2:])))
    row = next(line for line in text.splitlines() if "test_x" in line)
    assert len(UNESCAPED_PIPE.split(row)) == 2 + 6  # six cells between the outer pipes
    assert "<script>" not in text and "\\<script\\>" in row
    assert "\\`tick\\`" in row and "\\[a\\|b\\]" in row and "\\~\\~s\\~\\~" in row
    assert "\n" not in row and "second line" in row
    assert "test_large\\|pipe" in text


def test_escape_markdown() -> None:
    assert escape_markdown("a_b|c") == "a_b\\|c"  # intraword underscore is literal already
    assert escape_markdown("_a_ b_ _c __init__") == "\\_a\\_ b\\_ \\_c \\_\\_init\\_\\_"
    assert escape_markdown("plain text 1.5 ms") == "plain text 1.5 ms"
    # control characters show as escapes (visible, never a line break), the backslash escaped for Markdown
    assert escape_markdown("two\r\nlines") == "two\\\\r\\\\nlines"


def test_fits_without_truncation_when_small() -> None:
    text = render_markdown(comparison_outcome(), max_chars=65536)
    assert not MORE.search(text)


def test_truncation_drops_folded_rows_first() -> None:
    outcome = big_outcome(n_regressions=10, n_unchanged=200)
    full = render_markdown(outcome)
    assert len(full) > 4000
    text = render_markdown(outcome, max_chars=4000, details_url="https://ci.example/runs/7")
    assert len(text) <= 4000
    before, _, folded = text.partition("<details>")
    assert len(data_rows(before)) == 10  # every regression still shown
    shown = len(data_rows(folded))
    more = MORE.findall(text)
    assert more == [str(200 - shown)]
    assert "([full report](<https://ci.example/runs/7>))" in text
    assert text.rstrip().endswith("</details>")


def test_truncation_then_drops_main_rows() -> None:
    outcome = big_outcome(n_regressions=100, n_unchanged=100)
    text = render_markdown(outcome, max_chars=3000)
    assert len(text) <= 3000
    before, _, folded = text.partition("<details>")
    shown = len(data_rows(before))
    assert 0 < shown < 100
    assert len(data_rows(folded)) == 0
    assert [int(n) for n in MORE.findall(text)] == [100 - shown, 100]
    assert text.splitlines()[2].startswith("### ❌ perfgate: 100 regressions, 100 unchanged")


@pytest.mark.parametrize("limit", [200, 500, 1000, 2500])
def test_never_longer_than_max_chars(limit: int) -> None:
    outcome = dataclasses.replace(big_outcome(20, 20), notes=("a very long note " * 200,))
    text = render_markdown(outcome, max_chars=limit)
    assert len(text) <= limit
    assert text.startswith("<!-- perfgate-report project=demo -->\n")


def test_max_chars_too_small() -> None:
    with pytest.raises(ValueError, match="max_chars must be at least 200"):
        render_markdown(comparison_outcome(), max_chars=50)


def test_step_summary_appends(tmp_path: Path) -> None:
    target = tmp_path / "summary.md"
    target.write_text("# earlier step\n", encoding="utf-8")
    env = {"GITHUB_STEP_SUMMARY": str(target)}
    assert append_step_summary("## one", env) is True
    assert append_step_summary("## two\n", env) is True
    assert target.read_text(encoding="utf-8") == "# earlier step\n## one\n## two\n"


def test_step_summary_not_configured(tmp_path: Path) -> None:
    assert append_step_summary("x", {}) is False
    assert append_step_summary("x", {"GITHUB_STEP_SUMMARY": ""}) is False
    assert list(tmp_path.iterdir()) == []


def test_step_summary_unwritable(tmp_path: Path) -> None:
    with pytest.raises(ContextError, match=f"cannot append to GITHUB_STEP_SUMMARY file {tmp_path}"):
        append_step_summary("x", {"GITHUB_STEP_SUMMARY": str(tmp_path)})  # a directory
