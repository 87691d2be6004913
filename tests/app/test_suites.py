"""The suites ``perfgate run`` executes (``app.plan_suites``) and what becomes of their results
(``app.run_suites``): one protocol for every kind, checked on canned suites in a real git repository and
a real SQLite file. Nothing here measures."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

import pytest

from builders import T0, make_result
from perfgate import app
from perfgate.errors import MeasureError
from perfgate.gate import SUBSET_TAG
from perfgate.model import Result, ResultsDoc, RunStatus, Status

from .conftest import Repo

TIERS_AND_COMMANDS = """\
[project]
name = "demo"

[tool.perfgate]
main_branch = "main"
{extra}

[tool.perfgate.tiers.fast]
[tool.perfgate.tiers.slow]

[[tool.perfgate.commands]]
name = "sleepy"
command = ["true"]
tiers = ["slow"]
"""


@dataclass(frozen=True, slots=True)
class Canned:
    """A suite whose results are given: what a harness suite or a load scenario hands back."""

    results: tuple[Result, ...]
    status: RunStatus = RunStatus.COMPLETE
    subset: bool = False
    name: str = "canned"

    def run(self, ctx: app.SuiteContext) -> ResultsDoc:
        return ResultsDoc(T0, T0 + timedelta(seconds=1), self.status, self.results)


def ctx_for(repo: Repo, tier: str | None) -> app.SuiteContext:
    ws = repo.workspace()
    return app.SuiteContext(ws.config, ws.config.tier(tier), ws.environ)


def names(suites: tuple[app.Suite, ...]) -> list[str]:
    return [s.name for s in suites]


# --- which suites run --------------------------------------------------------------------------


def test_commands_alone_run_in_their_tiers_and_pytest_does_not(repo):
    repo.write("pyproject.toml", TIERS_AND_COMMANDS.format(extra=""))
    suites = app.plan_suites(ctx_for(repo, "slow"))
    assert names(suites) == ["commands"]
    assert isinstance(suites[0], app.CommandSuite)
    assert [s.name for s in suites[0].specs] == ["sleepy"]
    with pytest.raises(MeasureError, match="nothing to run for tier 'fast'"):
        app.plan_suites(ctx_for(repo, "fast"))


def test_configured_pytest_benchmarks_run_first_and_may_collect_nothing_beside_commands(repo):
    repo.write("pyproject.toml", TIERS_AND_COMMANDS.format(extra='benchmarks = ["bench"]'))
    slow = app.plan_suites(ctx_for(repo, "slow"))
    assert names(slow) == ["pytest", "commands"]
    assert slow[0] == app.PytestSuite((), allow_empty=True, subset=False)
    fast = app.plan_suites(ctx_for(repo, "fast"))
    assert fast == (app.PytestSuite((), allow_empty=False, subset=False),)  # alone: nothing is an error


def test_pytest_is_the_default_and_pytest_arguments_that_select_make_a_subset(repo):
    assert app.plan_suites(ctx_for(repo, None)) == (app.PytestSuite(),)
    repo.write("pyproject.toml", TIERS_AND_COMMANDS.format(extra=""))
    suites = app.plan_suites(ctx_for(repo, "fast"), ["-k", "parse"])  # asked for, though commands exist
    assert suites == (app.PytestSuite(("-k", "parse"), allow_empty=False, subset=True),)


def test_a_new_kind_is_one_line_and_runs_after_the_others(repo):
    repo.write("pyproject.toml", TIERS_AND_COMMANDS.format(extra=""))
    canned = Canned((make_result("go:BenchmarkX"),))
    kind = app.SuiteKind("canned", lambda cfg: True, lambda ctx: (canned,))
    assert app.plan_suites(ctx_for(repo, "slow"), kinds=(*app.KINDS, kind)) == (
        app.CommandSuite(app.command_specs(ctx_for(repo, "slow").config, ctx_for(repo, "slow").tier)),
        canned,
    )
    # configured, it replaces pytest as the default of a tier without commands
    assert app.plan_suites(ctx_for(repo, "fast"), kinds=(*app.KINDS, kind)) == (canned,)


# --- one run of every suite's results ----------------------------------------------------------


def test_the_suites_results_become_one_stored_run_judged_against_main(repo):
    ws = repo.workspace()
    repo.commit("A")
    fast = [make_result("a", samples=[1.0e-3 + i * 1e-6 for i in range(20)])]
    first = app.run_suites(ws, ctx_for(repo, None), [Canned(tuple(fast)), Canned((make_result("b"),))])
    assert first.passed and first.baseline_ids == ()
    stored = repo.store.get_run(first.run.id)
    assert [r.benchmark.name for r in stored.results] == ["a", "b"]
    assert stored.git is not None and stored.git.branch == "main"
    repo.write("README", "B\n")
    repo.commit("B")
    slow = [make_result("a", samples=[3.0e-3 + i * 1e-6 for i in range(20)]), make_result("b")]
    second = app.run_suites(ws, ctx_for(repo, None), [Canned(tuple(slow))])
    assert second.baseline_ids == (first.run.id,)
    assert [v.benchmark.name for v in second.regressions] == ["a"]
    assert second.exit_code() == 1


def test_the_run_is_as_partial_as_its_worst_suite_and_a_subset_when_one_suite_is(repo):
    repo.commit("A")
    outcome = app.run_suites(
        repo.workspace(),
        ctx_for(repo, None),
        [Canned((make_result("a"),)), Canned((make_result("b"),), RunStatus.PARTIAL, subset=True)],
        store_run=False,
    )
    assert outcome.run.status is RunStatus.PARTIAL
    assert SUBSET_TAG in outcome.run.tags
    assert any("not every benchmark was measured" in n for n in outcome.notes)
    assert repo.store.list_runs() == []  # store_run=False: nothing written


def test_a_subset_run_does_not_fail_on_what_it_did_not_select(repo):
    ws = repo.workspace()
    repo.commit("A")
    app.run_suites(ws, ctx_for(repo, None), [Canned((make_result("a"), make_result("b")))])
    repo.write("README", "B\n")
    repo.commit("B")
    whole = app.run_suites(ws, ctx_for(repo, None), [Canned((make_result("a"),))], store_run=False)
    assert [v.benchmark.name for v in whole.with_status(Status.MISSING)] == ["b"] and not whole.passed
    part = app.run_suites(
        ws, ctx_for(repo, None), [Canned((make_result("a"),), subset=True)], store_run=False
    )
    assert part.passed


def test_merge_docs_keeps_every_result_the_first_start_the_last_finish_and_the_worst_status():
    a = ResultsDoc(T0, T0 + timedelta(seconds=5), RunStatus.COMPLETE, (make_result("a"),))
    b = ResultsDoc(
        T0 + timedelta(seconds=6), T0 + timedelta(seconds=9), RunStatus.FAILED, (make_result("b"),)
    )
    merged = app.suites.merge_docs([a, b])
    assert merged == replace(b, started=T0, results=a.results + b.results)
    assert app.suites.merge_docs([a]) is a
