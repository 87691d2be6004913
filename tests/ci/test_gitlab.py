"""GitLab: merge-request notes created and updated in place through X-Next-Page pages; commit status."""

from __future__ import annotations

from .conftest import CI, HEAD, report


def test_note_created_then_updated_on_a_later_page(gl: CI) -> None:
    for i in range(130):
        gl.state.add_comment(5, f"note {i}")
    gl.state.comments[5][3]["system"] = True
    gl.state.comments[5][3]["body"] = "<!-- perfgate-comment key=demo%2Ffast%2Fci-linux -->\nsystem note"
    code, _, err = gl.run("comment", gl.write("r.md", report(regressions=1)))
    assert code == 0, err
    assert [(r.method, r.path) for r in gl.state.writes()] == [
        ("POST", "/api/v4/projects/42/merge_requests/5/notes")
    ]
    assert gl.state.requests[0].headers["private-token"] == "glpat-writeTokenValue123"
    note = gl.state.comments[5][-1]
    assert "(<https://gitlab.example/group/demo/-/jobs/77>)" in note["body"]
    gl.state.requests.clear()
    code, _, err = gl.run("comment", gl.write("r.md", report()))
    assert code == 0, err
    assert [r.query.get("page", "1") for r in gl.state.requests if r.method == "GET"] == ["1", "2"]
    assert [(r.method, r.path) for r in gl.state.writes()] == [
        ("PUT", f"/api/v4/projects/42/merge_requests/5/notes/{note['id']}")
    ]
    assert "system note" in gl.state.comments[5][3]["body"]  # a system note is never perfgate's


def test_job_token_goes_in_its_own_header(gl: CI) -> None:
    del gl.env["GITLAB_TOKEN"]
    gl.env["CI_JOB_TOKEN"] = "jobTokenValue12345678"
    assert gl.run("comment", gl.write("r.md", report()))[0] == 0
    headers = gl.state.requests[0].headers
    assert headers["job-token"] == "jobTokenValue12345678" and "private-token" not in headers


def test_commit_status_on_gitlab(gl: CI) -> None:
    code, _, err = gl.run("status", gl.write("r.md", report(regressions=2)))
    assert code == 0, err
    assert gl.state.statuses == [
        (HEAD, {"state": "failed", "name": "perfgate/fast", "description": "2 regressions, 18 unchanged (45 s)",
                "target_url": "https://gitlab.example/group/demo/-/jobs/77"}),
    ]  # fmt: skip


def test_no_gitlab_token_warns(gl: CI) -> None:
    del gl.env["GITLAB_TOKEN"]
    code, _, err = gl.run("status", gl.write("r.md", report()))
    assert code == 0 and "no token: GITLAB_TOKEN or CI_JOB_TOKEN is not set" in err
    assert gl.state.requests == []
