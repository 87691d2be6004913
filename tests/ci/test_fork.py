"""Fork pull requests: no write with the fork's token, an artifact instead, posted by the trusted
workflow_run workflow only to the pull request the measured commit belongs to."""

from __future__ import annotations

import json

from .conftest import CI, HEAD, TOKEN, pull_request_event, report, workflow_run_event


def fork_job(gh: CI) -> None:
    gh.event("pull_request", pull_request_event(number=7, head_repo="forker/demo"))


def test_a_fork_pull_request_triggers_no_request_and_writes_the_artifact(gh: CI) -> None:
    fork_job(gh)
    text = report(regressions=1)
    assert gh.run("comment", "--when", "changed", gh.write("r.md", text))[0] == 0
    code, _, err = gh.run("status", "--warn-only", "r.md")
    assert code == 0
    assert gh.state.requests == []  # not even a read with the fork's token
    art = gh.tmp / "perfgate-artifact"
    assert sorted(p.name for p in art.iterdir()) == ["comment.json", "report.md", "status.json"]
    assert (art / "report.md").read_text() == text
    assert json.loads((art / "comment.json").read_text()) == {
        "version": 1, "pr": 7, "key": "demo/fast/ci-linux", "when": "changed",
    }  # fmt: skip
    assert json.loads((art / "status.json").read_text()) == {"version": 1, "pr": 7, "warn_only": True}
    assert "comes from a fork" in err and "--from-artifact" in err
    for p in art.iterdir():
        assert TOKEN not in p.read_text()


def test_from_artifact_posts_it_to_the_verified_pull_request(gh: CI) -> None:
    fork_job(gh)
    gh.run("comment", "--artifact-dir", "out", gh.write("r.md", report(regressions=1)))
    gh.run("status", "--artifact-dir", "out", "r.md")
    gh.state.pulls[7] = {"sha": HEAD, "repo": "forker/demo"}
    gh.event("workflow_run", workflow_run_event(pull_requests=[]))  # GitHub lists none for a fork
    code, out, err = gh.run("comment", "--from-artifact", "out")
    assert code == 0, err
    assert [(r.method, r.path) for r in gh.state.requests if r.method != "GET" or "pulls" in r.path] == [
        ("GET", "/repos/octo/demo/pulls/7"),
        ("POST", "/repos/octo/demo/issues/7/comments"),
        ("POST", f"/repos/octo/demo/statuses/{HEAD}"),
        ("POST", "/repos/octo/demo/check-runs"),
    ]
    body = gh.state.comments[7][0]["body"]
    assert body.startswith("<!-- perfgate-comment key=demo%2Ffast%2Fci-linux -->\n")
    assert "(<https://github.com/octo/demo/actions/runs/99>)" in body  # the measuring run's page
    assert gh.state.statuses[0][1]["target_url"] == "https://github.com/octo/demo/actions/runs/99"
    assert "comment created on #7" in err and TOKEN not in out + err


def test_from_artifact_refuses_a_spoofed_pull_request(gh: CI) -> None:
    fork_job(gh)
    gh.event("pull_request", pull_request_event(number=8, head_repo="forker/demo"))
    gh.run("comment", gh.write("r.md", report()))  # the fork's job claims pull request 8
    gh.state.pulls[8] = {"sha": "c" * 40, "repo": "victim/demo"}  # whose head is another commit
    gh.event("workflow_run", workflow_run_event(pull_requests=[]))
    code, _, err = gh.run("comment", "--from-artifact", "perfgate-artifact")
    assert (
        code == 0 and "names pull request #8, whose head is not the commit the workflow run measured" in err
    )
    assert gh.state.writes() == []
    assert gh.run("comment", "--strict", "--from-artifact", "perfgate-artifact")[0] == 2


def test_from_artifact_accepts_a_pull_request_the_run_lists(gh: CI) -> None:
    gh.run("comment", gh.write("r.md", report()))  # a same-repository job posts directly
    assert [r.method for r in gh.state.writes()] == ["POST"]
    fork_job(gh)
    gh.run("comment", gh.write("r2.md", report(regressions=4)))
    gh.state.requests.clear()
    gh.event("workflow_run", workflow_run_event(pull_requests=[7], head_repo="octo/demo"))
    assert gh.run("comment", "--from-artifact", "perfgate-artifact")[0] == 0
    assert [r.method for r in gh.state.writes()] == ["PATCH"]  # updated, no pulls lookup needed
    assert not any("/pulls/" in r.path for r in gh.state.requests)


def test_from_artifact_outside_workflow_run_and_a_broken_artifact(gh: CI) -> None:
    fork_job(gh)
    gh.run("comment", gh.write("r.md", report()))
    code, _, err = gh.run("comment", "--from-artifact", "perfgate-artifact")
    assert code == 0 and "--from-artifact posts from a GitHub 'workflow_run' workflow" in err
    (gh.tmp / "perfgate-artifact" / "comment.json").write_text('{"version": 1, "pr": "7; rm -rf /"}')
    gh.event("workflow_run", workflow_run_event(pull_requests=[7]))
    code, _, err = gh.run("comment", "--from-artifact", "perfgate-artifact")
    assert code == 2 and "comment.json: key 'pr' must be a int" in err
    assert gh.state.requests == []
