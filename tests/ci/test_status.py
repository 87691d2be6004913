"""``perfgate ci status``: a commit status and a check run on the pull request's head commit."""

from __future__ import annotations

from .conftest import CI, HEAD, MERGE, NOCHECKS_TOKEN, report

JOB = "https://github.com/octo/demo/actions/runs/42"


def test_status_and_check_run_go_to_the_head_commit_not_the_merge_commit(gh: CI) -> None:
    text = report(regressions=2, unchanged=18)
    code, _, err = gh.run("status", gh.write("r.md", text))
    assert code == 0, err
    assert gh.state.statuses == [
        (HEAD, {"state": "failure", "context": "perfgate/fast", "description": "2 regressions, 18 unchanged (45 s)",
                "target_url": JOB}),
    ]  # fmt: skip
    assert all(MERGE not in r.path for r in gh.state.requests)
    [check] = gh.state.check_runs
    assert (check["name"], check["head_sha"], check["status"], check["conclusion"]) == (
        "perfgate/fast", HEAD, "completed", "failure",
    )  # fmt: skip
    assert check["output"]["summary"] == text and check["details_url"] == JOB
    assert "status perfgate/fast failure" in err and "check run perfgate/fast failure" in err


def test_warn_only_is_a_neutral_check_and_a_passing_status_that_says_so(gh: CI) -> None:
    code, _, _ = gh.run("status", "--warn-only", gh.write("r.md", report(regressions=1)))
    assert code == 0
    [(_, status)] = gh.state.statuses
    assert status["state"] == "success" and status["description"].startswith("warn-only: 1 regression,")
    assert gh.state.check_runs[0]["conclusion"] == "neutral"
    gh.run("status", gh.write("ok.md", report()))
    assert gh.state.check_runs[1]["conclusion"] == "success" and gh.state.statuses[1][1]["state"] == "success"


def test_a_token_that_may_not_create_check_runs_falls_back_to_the_status(gh: CI) -> None:
    gh.env["GITHUB_TOKEN"] = NOCHECKS_TOKEN
    code, _, err = gh.run("status", "--strict", gh.write("r.md", report()))
    assert code == 0
    assert len(gh.state.statuses) == 1 and gh.state.check_runs == []
    assert "no check run (403" in err and "checks: write" in err and NOCHECKS_TOKEN not in err


def test_a_long_report_is_cut_to_the_check_run_limit(gh: CI) -> None:
    text = report(note="\n" + "\n".join(f"| row {i} | {'x' * 80} |" for i in range(1200)))
    assert len(text) > 65535
    code, _, err = gh.run("status", gh.write("r.md", text))
    assert code == 0, err
    summary = gh.state.check_runs[0]["output"]["summary"]
    assert len(summary) <= 65535 and summary.endswith("truncated (GitHub's limit)\n")


def test_a_push_build_sets_the_status_on_the_pushed_commit(gh: CI) -> None:
    gh.event("push", {"ref": "refs/heads/main", "after": MERGE})
    gh.env["GITHUB_REF"] = "refs/heads/main"
    code, _, err = gh.run("status", gh.write("r.md", report()))
    assert code == 0, err
    assert [sha for sha, _ in gh.state.statuses] == [MERGE]


def test_a_refused_status_warns_or_fails_with_strict(gh: CI) -> None:
    del gh.env["GITHUB_TOKEN"]
    gh.env["GH_TOKEN"] = "ghs_readOnlyToken0987654321"
    code, _, err = gh.run("status", gh.write("r.md", report()))
    assert code == 0 and "403 Forbidden" in err and "statuses: write" in err
    assert gh.run("status", "--strict", "r.md")[0] == 2
    assert gh.state.statuses == []
