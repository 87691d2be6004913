"""Harness suites under `perfgate run`, end to end: a real git repository, real commands, real SQLite.

The suites here are tiny Python commands printing Go benchmark text from a file of the repository, so
what they "measure" is fixed and the gate's decisions are known; tests/e2e/test_go_suite.py runs Go.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from gitproject import GitProject

from .conftest import Project

GO_TEXT = """\
pkg: example.com/m
BenchmarkParse-2 \t 100000\t 1200 ns/op\t 128 B/op\t 2 allocs/op
BenchmarkParse-2 \t 100000\t 1210 ns/op\t 128 B/op\t 2 allocs/op
BenchmarkParse-2 \t 100000\t 1190 ns/op\t 128 B/op\t 2 allocs/op
BenchmarkSum-2 \t 200000\t 600 ns/op\t 0 B/op\t 0 allocs/op
BenchmarkSum-2 \t 200000\t 605 ns/op\t 0 B/op\t 0 allocs/op
BenchmarkSum-2 \t 200000\t 595 ns/op\t 0 B/op\t 0 allocs/op
"""

# a harness that prints the repository's bench.txt, and one that prints its argument on stderr and fails
PRINT = f'[{json.dumps(sys.executable)}, "-c", "import sys; sys.stdout.write(open(sys.argv[1]).read())"]'
FAIL = f'[{json.dumps(sys.executable)}, "-c", "import sys; sys.exit(sys.stderr.write(sys.argv[1]) and 3)"]'

SUITES_ONLY = f"""\
[project]
name = "suites"

[tool.perfgate]
main_branch = "main"
default_tier = "fast"

[tool.perfgate.thresholds]
time = "20%"
allocations = "50%"

[tool.perfgate.tiers.fast]
[tool.perfgate.tiers.nightly]

[[tool.perfgate.suites]]
name = "go"
command = {PRINT}
format = "go"
[tool.perfgate.suites.args]
fast = ["bench.txt"]
nightly = ["nightly.txt"]
"""

BROKEN = f"""
[[tool.perfgate.suites]]
name = "broken"
command = {FAIL}
tiers = ["fast"]
args = {{ fast = ["cannot open database"] }}
"""


class SuitesProject(GitProject):
    def __init__(self, root: Path) -> None:
        super().__init__(root, testbed="e2e")


@pytest.fixture
def suites(tmp_path: Path) -> SuitesProject:
    p = SuitesProject(tmp_path / "proj")
    p.init()
    p.write("pyproject.toml", SUITES_ONLY)
    p.write(".gitignore", ".perfgate/\n")
    p.write("bench.txt", GO_TEXT)
    p.write("conftest.py", "raise RuntimeError('no pytest benchmarks here: pytest must not start')\n")
    p.write("nightly.txt", GO_TEXT.replace("BenchmarkSum", "BenchmarkLong"))
    p.commit("A")
    return p


def verdicts(report: dict) -> dict[tuple[str, str], dict]:
    return {(v["benchmark"], v["metric"]): v for v in report["verdicts"]}


def test_a_project_with_only_suites_runs_them_without_pytest(suites: SuitesProject) -> None:
    first = suites.perfgate_here("run", "--format", "json")
    assert first.code == 0, first.stderr
    report = first.json()
    assert report["run"]["tier"] == "fast" and report["run"]["n_results"] == 6
    assert {b for b, _ in verdicts(report)} == {
        "go:example.com/m.BenchmarkParse",
        "go:example.com/m.BenchmarkSum",
    }
    # the nightly tier appends its own arguments: another file, other benchmarks
    nightly = suites.perfgate_here("run", "--tier", "nightly", "--format", "json")
    assert nightly.code == 0, nightly.stderr
    assert "go:example.com/m.BenchmarkLong" in {b for b, _ in verdicts(nightly.json())}


def test_unchanged_results_pass_and_twice_the_allocations_fail_on_that_metric(suites: SuitesProject) -> None:
    assert suites.perfgate_here("run").code == 0
    suites.write("README", "docs\n")
    suites.commit("B: docs only")
    same = suites.perfgate_here("run", "--format", "json")
    assert same.code == 0, same.stdout
    assert {v["status"] for v in same.json()["verdicts"]} <= {"unchanged", "inconclusive"}
    assert {v["status"] for v in same.json()["verdicts"] if v["metric"] != "time"} == {"unchanged"}

    suites.write("bench.txt", GO_TEXT.replace("2 allocs/op", "4 allocs/op"))
    suites.commit("C: twice the allocations")
    worse = suites.perfgate_here("run", "--format", "json")
    assert worse.code == 1
    bad = {k for k, v in verdicts(worse.json()).items() if v["status"] not in ("unchanged", "inconclusive")}
    assert bad == {("go:example.com/m.BenchmarkParse", "allocations")}


def test_a_failing_suite_fails_the_gate_and_the_others_still_run(suites: SuitesProject) -> None:
    assert suites.perfgate_here("run").code == 0
    suites.write("pyproject.toml", SUITES_ONLY + BROKEN)
    suites.write("bench.txt", "\n".join(ln for ln in GO_TEXT.splitlines() if "Sum" not in ln) + "\n")
    suites.commit("B: BenchmarkSum gone, a broken suite")
    result = suites.perfgate_here("run", "--format", "json")
    assert result.code == 1
    report = result.json()
    by_key = verdicts(report)
    broken = by_key["broken", "time"]
    assert broken["status"] == "failed"
    assert (
        broken["reason"]
        == "suite 'broken': exit code 3; printed nothing on stdout; stderr: cannot open database"
    )
    # the suite that ran is judged as usual, and what it no longer produces is missing: the gate fails
    assert by_key["go:example.com/m.BenchmarkParse", "allocations"]["status"] == "unchanged"
    assert by_key["go:example.com/m.BenchmarkSum", "time"]["status"] == "missing"
    assert {v["benchmark"] for v in report["verdicts"] if v["status"] == "missing"} == {
        "go:example.com/m.BenchmarkSum"
    }
    text = suites.perfgate_here("run")
    assert text.code == 1 and "suite 'broken': exit code 3" in text.stdout


@pytest.mark.measuring
def test_suites_join_the_pytest_benchmarks_in_one_run(project: Project) -> None:
    """With pytest benchmarks configured, a suite's results go into the same Run; a tier whose pytest
    selection collects nothing still runs its suite instead of failing."""
    project.write("bench.txt", GO_TEXT)
    config = (project.root / "pyproject.toml").read_text()
    project.write(
        "pyproject.toml",
        config
        + '\n[tool.perfgate.tiers.gosonly]\nselect = ["-k", "no_such_benchmark"]\n'
        + f'\n[[tool.perfgate.suites]]\nname = "go"\ncommand = {PRINT[:-1]}, "bench.txt"]\nformat = "go"\n',
    )
    project.commit("suite")
    both = project.perfgate("run", "--tier", "fast", "--format", "json")
    assert both.code == 0, both.stderr
    names = {v["benchmark"] for v in both.json()["verdicts"]}
    assert {"bench/test_work.py::test_work", "go:example.com/m.BenchmarkParse"} <= names
    only_go = project.perfgate("run", "--tier", "gosonly", "--format", "json")
    assert only_go.code == 0, only_go.stderr
    assert {v["benchmark"] for v in only_go.json()["verdicts"]} == {
        "go:example.com/m.BenchmarkParse",
        "go:example.com/m.BenchmarkSum",
    }
