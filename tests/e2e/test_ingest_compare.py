"""`perfgate compare` on result files (no store needed) and `perfgate ingest`, as users run them."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1] / "data"
GO = DATA / "go-bench" / "perf-suffixarray.bench"


def doubled_allocs(text: str, name: str) -> str:
    """The same Go output with allocs/op doubled on every line of benchmark ``name``."""

    def bump(m: re.Match[str]) -> str:
        return f"{int(m.group(1)) * 2} allocs/op"

    return "\n".join(
        re.sub(r"(\d+) allocs/op", bump, line) if line.startswith(name + "-") else line
        for line in text.split("\n")
    )


def test_go_allocations_doubled_is_a_regression(project, tmp_path):
    project.write(
        "perfgate.toml",
        '[thresholds]\ntime = "20%"\nallocations = "50%"\n',
    )
    old = tmp_path / "old.txt"
    new = tmp_path / "new.txt"
    shutil.copy(GO, old)
    name = "BenchmarkNew/text=opticks/size=100K/bits=32"
    new.write_text(doubled_allocs(GO.read_text(), name))

    same = project.perfgate_here("compare", str(old), str(old), "--format", "json")
    assert same.code == 0, same.stderr
    statuses = {v["status"] for v in same.json()["verdicts"]}
    assert "regression" not in statuses and len(same.json()["verdicts"]) == 42 * 4

    res = project.perfgate_here("compare", str(old), str(new), "--format", "json")
    assert res.code == 1, res.stderr
    regressions = [
        (v["benchmark"], v["metric"]) for v in res.json()["verdicts"] if v["status"] == "regression"
    ]
    assert regressions == [("index/suffixarray." + name, "allocations")]
    # comparing files needs no store, and makes none
    assert not (project.root / ".perfgate").exists()


def test_ingest_stores_one_run_with_git_context(project, tmp_path):
    head = project.git("rev-parse", "HEAD")
    res = project.perfgate_here("ingest", str(GO), "--branch", "main", "--tier", "nightly")
    assert res.code == 0, res.stderr
    run_id = res.stdout.strip()
    shown = project.perfgate_here("show", run_id, "--format", "json").json()["run"]
    assert shown["source"] == "go" and shown["tier"] == "nightly"
    assert shown["git"]["commit"] == head and shown["git"]["branch"] == "main"
    assert shown["environment"]["cpu_model"] == "Intel(R) Core(TM) i7-8665U CPU @ 1.90GHz"
    assert len({r["benchmark"]["name"] for r in shown["results"]}) == 42

    # stdin, with an explicit format and another commit
    first = project.git("rev-list", "--max-parents=0", "HEAD")
    piped = project.perfgate_here(
        "ingest", "-", "--input-format", "go", "--commit", first[:7], stdin=GO.read_text()
    )
    assert piped.code == 0, piped.stderr
    run = project.perfgate_here("show", piped.stdout.strip(), "--format", "json").json()["run"]
    assert run["git"]["commit"] == first and run["git"]["commit_time"] is not None


def test_ingest_refuses_bad_input_and_stores_nothing(project, tmp_path):
    bad = tmp_path / "truncated.json"
    text = (DATA / "hyperfine" / "3em-tools-benchmarks-results.json").read_text()
    bad.write_text(text[: len(text) // 2])
    res = project.perfgate_here("ingest", str(bad), "--input-format", "hyperfine")
    assert res.code == 2
    (line,) = res.stderr.strip().splitlines()
    assert str(bad) in line and re.search(r"truncated\.json:\d+", line), line

    junk = tmp_path / "notes.txt"
    junk.write_text("hello\nworld\n")
    res = project.perfgate_here("ingest", str(junk))
    assert res.code == 2 and "unrecognised format" in res.stderr and "go" in res.stderr

    runs = project.perfgate_here("runs")
    assert runs.code == 2 and "no store" in runs.stderr  # nothing was stored, not even an empty store


def test_ingest_a_directory_becomes_one_run(project, tmp_path):
    d = tmp_path / "results"
    d.mkdir()
    shutil.copy(DATA / "hyperfine" / "3em-tools-benchmarks-results.json", d / "a.json")
    shutil.copy(GO, d / "b.txt")
    res = project.perfgate_here("ingest", str(d))
    assert res.code == 0, res.stderr
    run = project.perfgate_here("show", res.stdout.strip(), "--format", "json").json()["run"]
    assert run["source"] == "mixed"
    sources = {r["benchmark"]["name"].split(".")[0] for r in run["results"]}
    assert "index/suffixarray" in sources


def _pytest_json(project, out: Path) -> None:
    """What a user runs: pytest itself, writing perfgate's results document."""
    import subprocess
    import sys

    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:benchmark", "-p", "no:cacheprovider",
         "--benchmark-max-time=0.1", f"--perfgate-json={out}", "bench"],
        cwd=project.root, env=project.env, check=True, capture_output=True,
    )  # fmt: skip


@pytest.mark.measuring
def test_compare_and_ingest_read_what_pytest_perfgate_json_wrote(project, tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    _pytest_json(project, a)
    lib = project.root / "lib.py"
    project.write("lib.py", lib.read_text().replace("range(1 * n)", "range(3 * n)"))
    _pytest_json(project, b)

    res = project.perfgate_here("compare", str(a), str(b), "--format", "json")
    assert res.code == 1, res.stderr
    verdicts = {(v["benchmark"].split("::")[-1], v["metric"]): v for v in res.json()["verdicts"]}
    assert verdicts[("test_work", "time")]["status"] == "regression"
    # three times the work: well above +50% even when the machine slows one of the two runs down
    assert verdicts[("test_work", "time")]["change"] > 0.5
    # cheap() did not change: whatever one run against one run says, it is nowhere near 3x
    # (on a shared machine a single-run comparison can call noise a change: docs/measurement.md)
    assert verdicts[("test_cheap", "time")]["change"] < 1.0
    assert not (project.root / ".perfgate").exists()

    stored = project.perfgate_here("ingest", str(a), "--tier", "fast")
    assert stored.code == 0, stored.stderr
    shown = project.perfgate_here("show", stored.stdout.strip(), "--format", "json").json()["run"]
    assert shown["source"] == "perfgate" and shown["tier"] == "fast"
    assert shown["git"]["commit"] == project.git("rev-parse", "HEAD")
    assert {r["benchmark"]["name"] for r in shown["results"]} == {
        "bench/test_work.py::test_work",
        "bench/test_work.py::test_cheap",
    }


RADIO = DATA / "go-bench"


def test_a_go_run_killed_by_its_timeout_fails_the_gate(project, tmp_path):
    """Issue 9 case 5: the killed run used to be stored complete, "2 missing, gate passed"."""
    base = project.perfgate_here("ingest", str(RADIO / "radio-complete.txt"), "--gate", "--format", "json")
    assert base.code == 0, base.stderr
    project.write("README", "next\n")
    project.commit("B")
    killed = RADIO / "radio-timeout-sigquit.txt"
    res = project.perfgate_here("ingest", str(killed), "--gate", "--format", "json")
    assert res.code == 1, res.stderr
    report = res.json()
    assert report["run"]["status"] == "failed" and report["passed"] is False
    by = {(v["benchmark"], v["metric"]): v["status"] for v in report["verdicts"]}
    assert by[("example.com/radio.(package)", "time")] == "failed"
    assert by[("example.com/radio.BenchmarkDecode", "time")] == "missing"
    assert any("missing from this run" in n for n in report["notes"])

    # stored as failed, with what it did measure
    shown = project.perfgate_here("show", report["run"]["id"], "--format", "json").json()["run"]
    assert shown["status"] == "failed"

    # a failed run is no baseline: the next commit is judged against the complete run
    project.write("README", "after\n")
    project.commit("C")
    after = project.perfgate_here("ingest", str(RADIO / "radio-complete.txt"), "--gate", "--format", "json")
    assert after.code == 0, after.stderr
    assert after.json()["baseline"]["run_ids"] == [base.json()["run"]["id"]]


def test_missing_benchmarks_fail_the_gate_unless_the_run_is_a_subset(project, tmp_path):
    full = RADIO / "radio-complete.txt"
    assert project.perfgate_here("ingest", str(full), "--gate").code == 0
    project.write("README", "next\n")
    project.commit("B")
    part = tmp_path / "encode-only.txt"
    part.write_text("\n".join(ln for ln in full.read_text().splitlines() if "BenchmarkDecode" not in ln))
    lost = project.perfgate_here("ingest", str(part), "--gate", "--format", "json")
    assert lost.code == 1, lost.stderr
    assert lost.json()["run"]["status"] == "complete"
    (missing,) = [v for v in lost.json()["verdicts"] if v["status"] == "missing" and v["metric"] == "time"]
    assert missing["benchmark"] == "example.com/radio.BenchmarkDecode"

    # the same between two files, with no store
    assert project.perfgate_here("compare", str(full), str(part)).code == 1
    assert project.perfgate_here("compare", str(full), str(part), "--subset").code == 0

    subset = project.perfgate_here("ingest", str(part), "--gate", "--subset", "--format", "json")
    assert subset.code == 0, subset.stderr
    assert "subset" in subset.json()["run"]["tags"]
    decode = [v["status"] for v in subset.json()["verdicts"] if v["benchmark"].endswith("Decode")]
    assert decode == ["missing"] * 3


def test_compare_git_refs_honours_the_tier(project, tmp_path):
    """Issue 9 case 8: a fast-tier head was compared with main's slow-tier run."""
    project.write(
        "perfgate.toml",
        'default_tier = "fast"\n[tiers.fast]\n[tiers.slow]\n',
    )
    project.commit("tiers")
    full = RADIO / "radio-complete.txt"
    fast_only = tmp_path / "fast.txt"
    fast_only.write_text("\n".join(ln for ln in full.read_text().splitlines() if "BenchmarkDecode" not in ln))
    for tier, f in (("fast", fast_only), ("slow", full)):
        assert project.perfgate_here("ingest", str(f), "--tier", tier).code == 0
    project.git("checkout", "-q", "-b", "head")
    project.write("README", "head\n")
    project.commit("head")
    assert project.perfgate_here("ingest", str(fast_only), "--tier", "fast").code == 0

    res = project.perfgate_here("compare", "main", "head", "--format", "json")
    assert res.code == 0, res.stderr
    assert res.json()["run"]["tier"] == "fast"
    assert {v["status"] for v in res.json()["verdicts"]} - {"unchanged", "inconclusive"} == set()

    # the slow tier of main has no counterpart at head: said, not compared with the fast run
    slow = project.perfgate_here("compare", "main", "head", "--tier", "slow")
    assert slow.code == 2 and "no run of tier 'slow'" in slow.stderr and "fast" in slow.stderr
    # two run ids of different tiers are refused
    runs = {
        r["tier"]: r["id"]
        for r in project.perfgate_here("runs", "--branch", "main", "--format", "json").json()
    }
    mixed = project.perfgate_here("compare", runs["slow"], runs["fast"])
    assert mixed.code == 2 and "different tiers" in mixed.stderr
    # a result file has no tier: the ref stands for its run of the configured default tier
    by_file = project.perfgate_here("compare", "main", str(fast_only), "--format", "json")
    assert by_file.code == 0, by_file.stderr
    assert by_file.json()["baseline"]["run_ids"] == [runs["fast"]]


def test_a_metric_a_present_benchmark_no_longer_reports_is_not_a_lost_benchmark(project, tmp_path):
    """A run without `-benchmem` (or perfgate's run against its own `--benchmark-json`, which has no
    cpu_time) measured every benchmark: the gate failed with "42 benchmark(s) of the baseline are missing
    from this run", naming benchmarks that are in it."""
    old = tmp_path / "old.txt"
    new = tmp_path / "new.txt"
    shutil.copy(GO, old)
    new.write_text(re.sub(r"\s+\d+ B/op\s+\d+ allocs/op", "", GO.read_text()))
    res = project.perfgate_here("compare", str(old), str(new), "--format", "json")
    assert res.code == 0, res.stderr
    report = res.json()
    by = {(v["benchmark"], v["metric"]): v["status"] for v in report["verdicts"]}
    assert {s for (_, m), s in by.items() if m in ("allocations", "allocated_bytes")} == {"missing"}
    assert not any("missing from this run" in n for n in report["notes"])
    assert any("metric(s) of benchmarks still in this run" in n for n in report["notes"])
