"""Which runs a new run is compared with, as `perfgate run` picks them in a real repository."""

from __future__ import annotations

import re

import pytest

from .conftest import CODE, GO

SLOW = "BenchmarkNew/text=opticks/size=100K/bits=32"


def go_output(factor: float = 1.0, *, slow: str | None = None, slow_factor: float = 3.0) -> str:
    """The real Go output with every ns/op times ``factor``, and ``slow``'s lines ``slow_factor`` more."""

    def scale(line: str) -> str:
        f = factor * (slow_factor if slow is not None and line.startswith(slow + "-") else 1.0)
        return re.sub(r"(\d+(?:\.\d+)?) ns/op", lambda m: f"{float(m.group(1)) * f:.0f} ns/op", line)

    return "\n".join(scale(line) for line in GO.read_text().split("\n"))


def ingest(project, tmp_path, text: str, *args: str):
    """`perfgate ingest` of canned Go output, in this process (logic: nothing is measured)."""
    f = tmp_path / f"go-{len(list(tmp_path.iterdir()))}.txt"
    f.write_text(text)
    return project.perfgate_here("ingest", str(f), *args)


@pytest.mark.measuring
def test_run_is_compared_with_its_merge_base_and_baseline_pins_another(project, tmp_path):
    """`perfgate run` applies the baseline policy (each of its rules: tests/app/test_baseline.py)."""
    first = project.perfgate("run", "--tier", "fast", "--format", "json")
    assert first.code == 0, first.stderr  # no baseline yet: every benchmark is new
    at_a = first.json()["run"]["id"]
    project.git("checkout", "-q", "-b", "feature")
    project.write("lib.py", CODE.format(factor=1) + "\n# feature\n")
    project.commit("B on feature")
    project.git("checkout", "-q", "main")
    project.write("README", "main moves on\n")
    project.commit("C on main")
    at_c = ingest(project, tmp_path, go_output(1.0), "--tier", "fast")  # canned: newer on main than A
    assert at_c.code == 0, at_c.stderr
    at_c_id = at_c.stdout.strip()

    project.git("checkout", "-q", "feature")
    summary = tmp_path / "summary.md"
    project.env["GITHUB_STEP_SUMMARY"] = str(summary)
    res = project.perfgate("run", "--tier", "fast", "--format", "json")
    report = res.json()
    assert res.code == (0 if report["passed"] else 1), res.stderr  # the exit code is the report's
    assert report["baseline"]["run_ids"] == [at_a], (at_a, at_c_id)
    assert any("merge-base" in n for n in report["notes"])
    # the job summary got the Markdown report
    assert summary.read_text().startswith("<!-- perfgate-report")
    del project.env["GITHUB_STEP_SUMMARY"]

    # --baseline pins a run the policy would not pick (a deliberate subset is enough to show it)
    res = project.perfgate(
        "run", "--tier", "fast", "--baseline", at_c_id[:10], "--format", "json", "--", "-k", "cheap"
    )
    assert res.json()["baseline"]["run_ids"] == [at_c_id], res.stderr


# --- ingested runs gated like `perfgate run` judges its own (canned results: logic, not measuring) ---


def main_history(project, tmp_path) -> list[str]:
    """Three runs on main, one per commit, each a little different, as CI stores them."""
    ids = []
    for i, factor in enumerate((1.0, 1.01, 0.99)):
        project.write("README", f"commit {i}\n")
        project.commit(f"main {i}")
        res = ingest(project, tmp_path, go_output(factor), "--gate", "--format", "json")
        assert res.code == 0, res.stderr
        ids.append(res.json()["run"]["id"])
    return ids


def test_ingest_gate_judges_like_run_and_a_retry_gets_the_same_baseline(project, tmp_path):
    on_main = main_history(project, tmp_path)
    project.git("checkout", "-q", "-b", "feature")
    project.write("lib.py", CODE.format(factor=3))
    project.commit("B: one benchmark three times slower")

    first = ingest(project, tmp_path, go_output(1.0, slow=SLOW), "--gate", "--format", "json")
    assert first.code == 1, first.stderr
    report = first.json()
    assert report["baseline"]["run_ids"] == [on_main[-1]]  # the merge-base's run
    regressed = {v["benchmark"] for v in report["verdicts"] if v["status"] == "regression"}
    assert regressed == {"index/suffixarray." + SLOW}
    assert report["run"]["id"][:10] in project.perfgate_here("runs").stdout  # stored, then judged

    # The CI job is retried at B: judged against the same baseline, not against B's first run.
    retry = ingest(project, tmp_path, go_output(1.0, slow=SLOW), "--gate", "--format", "json")
    assert retry.code == 1, retry.stderr
    assert retry.json()["baseline"]["run_ids"] == [on_main[-1]]

    # --warn-only reports and exits 0; -o writes the report; markdown as for `perfgate run`
    warn = ingest(project, tmp_path, go_output(1.0, slow=SLOW), "--gate", "--warn-only", "-o", "r.md",
                  "--format", "markdown")  # fmt: skip
    assert warn.code == 0 and "--warn-only" in warn.stderr, warn.stderr
    assert (project.root / "r.md").read_text().startswith("<!-- perfgate-report")


def test_ingest_gate_on_main_uses_the_latest_runs_and_passes_unchanged_code(project, tmp_path):
    on_main = main_history(project, tmp_path)
    project.write("README", "unchanged code\n")
    project.commit("C: docs only")
    same = ingest(project, tmp_path, go_output(1.0), "--gate", "--format", "json")
    assert same.code == 0, same.stderr
    report = same.json()
    assert report["baseline"]["run_ids"] == on_main[::-1]
    assert {v["status"] for v in report["verdicts"]} <= {"unchanged", "inconclusive", "improvement"}

    # a re-run at C: C's first run is not its baseline
    again = ingest(project, tmp_path, go_output(1.0), "--gate", "--format", "json")
    assert again.json()["baseline"]["run_ids"] == on_main[::-1], again.stderr

    # B on main makes one benchmark 3x slower: the gate fails, and a retried job at B fails too,
    # against the same baseline (before, B's own first run joined the baseline of the retry)
    project.write("lib.py", CODE.format(factor=3))
    project.commit("B: one benchmark three times slower, on main")
    slow = ingest(project, tmp_path, go_output(1.0, slow=SLOW), "--gate", "--format", "json")
    assert slow.code == 1, slow.stderr
    first_base = slow.json()["baseline"]["run_ids"]
    assert on_main[-1] in first_base and report["run"]["id"] in first_base
    retry = ingest(project, tmp_path, go_output(1.0, slow=SLOW), "--gate", "--format", "json")
    assert retry.code == 1, retry.stderr
    assert retry.json()["baseline"]["run_ids"] == first_base

    # --threshold and --baseline as for `perfgate run`
    project.write("lib.py", CODE.format(factor=1))
    project.commit("D: back to normal")
    pinned = ingest(project, tmp_path, go_output(1.0, slow=SLOW, slow_factor=1.5), "--gate", "--format", "json",
                    "--baseline", on_main[0], "--threshold", "60%")  # fmt: skip
    assert pinned.code == 0, pinned.stderr
    assert pinned.json()["baseline"]["run_ids"] == [on_main[0]]


def test_ingest_gate_refuses_a_bad_baseline_and_stores_nothing(project, tmp_path):
    res = ingest(project, tmp_path, go_output(1.0), "--gate", "--baseline", "no-such-ref")
    assert res.code == 2 and "no-such-ref" in res.stderr, res.stderr
    assert not (project.root / ".perfgate").exists()  # not even an empty store
    stored = ingest(project, tmp_path, go_output(1.0))
    assert stored.code == 0, stored.stderr
    res = ingest(project, tmp_path, go_output(1.0), "--gate", "--baseline", "no-such-ref")
    assert res.code == 2 and "no-such-ref" in res.stderr, res.stderr
    runs = project.perfgate_here("runs", "--format", "json")
    assert [r["id"] for r in runs.json()] == [stored.stdout.strip()], runs.stderr


def test_report_flags_without_gate_are_refused_and_format_still_names_an_input_format(project, tmp_path):
    res = ingest(project, tmp_path, go_output(1.0), "--warn-only")
    assert res.code == 2 and "--gate" in res.stderr
    res = ingest(project, tmp_path, go_output(1.0), "--format", "json")
    assert res.code == 2 and "--gate" in res.stderr
    # `--format NAME` with an input format's name keeps its old meaning
    old = ingest(project, tmp_path, go_output(1.0), "--format", "go")
    assert old.code == 0, old.stderr
    both = ingest(project, tmp_path, go_output(1.0), "--format", "go", "--input-format", "hyperfine")
    assert both.code == 2 and "give one" in both.stderr


@pytest.mark.measuring
def test_run_with_a_pytest_selection_is_a_subset_and_a_lost_benchmark_fails(project):
    """`perfgate run -- -k ...` measures a deliberate subset: what it leaves out is missing, not lost.
    A test module that stops collecting a benchmark is lost: the gate fails on it."""
    first = project.perfgate("run", "--tier", "fast")
    assert first.code == 0, first.stderr  # no baseline yet: every benchmark is new
    project.write("README", "next\n")
    project.commit("B")
    res = project.perfgate("run", "--tier", "fast", "--format", "json", "--", "-k", "not cheap")
    report = res.json()
    assert "subset" in report["run"]["tags"], res.stderr
    missing = [v for v in report["verdicts"] if v["status"] == "missing"]
    assert {v["benchmark"] for v in missing} == {"bench/test_work.py::test_cheap"}
    assert not any("missing from this run" in n for n in report["notes"])

    project.write(
        "bench/test_work.py", (project.root / "bench/test_work.py").read_text().split("def test_cheap")[0]
    )
    project.commit("C: test_cheap dropped by mistake")
    lost = project.perfgate("run", "--tier", "fast", "--format", "json")
    assert lost.code == 1, lost.stderr
    assert "subset" not in lost.json()["run"]["tags"]
    assert any("missing from this run (bench/test_work.py::test_cheap)" in n for n in lost.json()["notes"])


def test_a_rerun_with_only_its_own_commits_runs_stored_says_why_it_has_no_baseline(project, tmp_path):
    first = ingest(project, tmp_path, go_output(1.0), "--gate", "--format", "json")
    assert first.code == 0, first.stderr
    again = ingest(project, tmp_path, go_output(1.0, slow=SLOW), "--gate", "--format", "json")
    assert again.code == 0, again.stderr
    report = again.json()
    assert report["baseline"]["run_ids"] == []
    assert any("only runs of this same commit" in n for n in report["notes"]), report["notes"]
    # the user can still compare with it explicitly
    pinned = ingest(
        project, tmp_path, go_output(1.0, slow=SLOW), "--gate", "--baseline", first.json()["run"]["id"]
    )
    assert pinned.code == 1, pinned.stderr
