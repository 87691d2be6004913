"""``perfgate ci comment`` against a fake GitHub: create, update in place, never touch others' comments,
--when, and every way posting can fail (a warning, exit 0, unless --strict)."""

from __future__ import annotations

from .conftest import CI, HEAD, READ_TOKEN, TOKEN, pull_request_event, report

MARKER = "<!-- perfgate-comment key=demo%2Ffast%2Fci-linux -->"


def test_first_call_creates_second_updates_the_same_comment_on_page_3_of_250(gh: CI) -> None:
    for i in range(250):
        gh.state.add_comment(7, f"comment {i}: looks good")
    code, _, err = gh.run("comment", gh.write("r1.md", report(regressions=2)))
    assert code == 0, err
    posts = gh.state.writes()
    assert [(r.method, r.path) for r in posts] == [("POST", "/repos/octo/demo/issues/7/comments")]
    ours = gh.state.comments[7][-1]
    assert ours["body"].splitlines()[0] == MARKER
    assert "(<https://github.com/octo/demo/actions/runs/42>)" in ours["body"]  # links the CI job
    assert "comment created on #7" in err

    gh.state.requests.clear()
    code, _, err = gh.run("comment", gh.write("r2.md", report(regressions=0, improvements=1)))
    assert code == 0, err
    pages = [r.query.get("page", "1") for r in gh.state.requests if r.method == "GET"]
    assert pages == ["1", "2", "3"]  # followed Link rel="next" to the third page
    assert all(r.query["per_page"] == "100" for r in gh.state.requests if r.method == "GET")
    writes = gh.state.writes()
    assert [(r.method, r.path) for r in writes] == [
        ("PATCH", f"/repos/octo/demo/issues/comments/{ours['id']}")
    ]
    assert len(gh.state.comments[7]) == 251
    assert "0 regressions" in gh.state.comments[7][-1]["body"]
    assert "comment updated on #7" in err


def test_another_tools_comment_is_never_touched(gh: CI) -> None:
    others = [
        "<!-- perfgate-report project=demo -->\n### perfgate: pasted by a person",
        f"> {MARKER}\n> quoted in a reply",
        "<!-- perfgate-comment key=demo%2Fnightly%2Fci-linux -->\nthe nightly tier's comment",
        f" {MARKER}\nindented: not the first line as perfgate writes it",
        "<!-- github-action-benchmark -->\n# Performance Alert",
    ]
    for body in others:
        gh.state.add_comment(7, body)
    code, _, err = gh.run("comment", gh.write("r.md", report()))
    assert code == 0, err
    assert [(r.method, r.path) for r in gh.state.writes()] == [("POST", "/repos/octo/demo/issues/7/comments")]
    assert [c["body"] for c in gh.state.comments[7][:-1]] == others


def test_id_keys_the_comment(gh: CI) -> None:
    gh.run("comment", "--id", "go suite", gh.write("r.md", report()))
    assert gh.state.comments[7][-1]["body"].startswith("<!-- perfgate-comment key=go%20suite -->\n")
    gh.run("comment", gh.write("r.md", report()))  # another key: a second comment
    assert len(gh.state.comments[7]) == 2


def test_when_regression_with_good_news_creates_nothing_but_updates_an_existing_one(gh: CI) -> None:
    good = gh.write("good.md", report(improvements=1))
    code, _, err = gh.run("comment", "--when", "regression", good)
    assert code == 0 and gh.state.writes() == [] and gh.state.comments[7] == []
    assert "no comment on #7" in err
    gh.run("comment", "--when", "regression", gh.write("bad.md", report(regressions=1)))
    assert [r.method for r in gh.state.writes()] == ["POST"]
    code, _, err = gh.run("comment", "--when", "regression", good)
    assert [r.method for r in gh.state.writes()] == ["POST", "PATCH"]
    assert len(gh.state.comments[7]) == 1 and "gate passed" in gh.state.comments[7][0]["body"]


def test_when_changed_skips_an_unchanged_run_and_never_posts_nothing(gh: CI) -> None:
    assert gh.run("comment", "--when", "never", gh.write("bad.md", report(regressions=3)))[0] == 0
    assert gh.state.requests == []  # never: not even a look
    same = gh.write("same.md", report())
    assert gh.run("comment", "--when", "changed", same)[0] == 0
    assert gh.state.writes() == []
    gh.run("comment", "--when", "changed", gh.write("moved.md", report(improvements=2)))
    assert [r.method for r in gh.state.writes()] == ["POST"]


def test_no_token_is_a_warning_naming_the_fix_and_strict_makes_it_an_error(gh: CI) -> None:
    del gh.env["GITHUB_TOKEN"]
    path = gh.write("r.md", report(regressions=1))
    code, out, err = gh.run("comment", path)
    assert code == 0 and out == ""
    assert err.count("\n") == 1
    assert err.startswith("perfgate ci comment: warning: no token: GITHUB_TOKEN or GH_TOKEN is not set;")
    assert "pull-requests: write" in err
    code, _, err = gh.run("comment", "--strict", path)
    assert code == 2 and err.startswith("perfgate ci comment: error: no token")
    assert gh.state.requests == []


def test_the_token_appears_in_no_output(gh: CI) -> None:
    path = gh.write("r.md", report(regressions=1))
    gh.env["GITHUB_TOKEN"] = READ_TOKEN  # a read-only token: 403 on the write
    code, out, err = gh.run("comment", path)
    assert code == 0 and "403 Forbidden" in err and "pull-requests: write" in err
    assert READ_TOKEN not in out + err
    gh.env["MY_BOT"] = "not-a-valid-token-at-all"
    code, out, err = gh.run("comment", "--token-env", "MY_BOT", "--strict", path)
    assert code == 2 and "401 Unauthorized" in err and "Bad credentials" in err
    assert "not-a-valid-token-at-all" not in out + err
    code, out, err = gh.run("comment", path)
    assert code == 0 and READ_TOKEN not in out + err
    # the header carried the token; no body or query ever did
    assert all(TOKEN not in str(r.body) + str(r.query) for r in gh.state.requests)


def test_not_a_pull_request_is_a_warning(gh: CI) -> None:
    gh.event("push", {"ref": "refs/heads/main", "after": HEAD, "repository": {"full_name": "octo/demo"}})
    gh.env["GITHUB_REF"] = "refs/heads/main"
    code, _, err = gh.run("comment", gh.write("r.md", report()))
    assert code == 0 and "warning: not a pull request (event push)" in err
    assert gh.run("comment", "--strict", "r.md")[0] == 2
    assert gh.state.requests == []


def test_an_unknown_pull_request_is_a_404_warning(gh: CI) -> None:
    gh.event("pull_request", pull_request_event(number=404))
    code, _, err = gh.run("comment", gh.write("r.md", report()))
    assert code == 0 and "404 Not Found" in err and "check the repository" in err


def test_an_unreachable_api_is_a_warning(gh: CI) -> None:
    gh.env["GITHUB_API_URL"] = "http://127.0.0.1:9"  # discard port: nothing listens
    code, _, err = gh.run("comment", gh.write("r.md", report()))
    assert code == 0 and "cannot reach the GitHub API at http://127.0.0.1:9" in err


def test_a_report_without_summary_is_an_input_error_even_without_strict(gh: CI) -> None:
    code, _, err = gh.run("comment", gh.write("r.md", "# just a heading\n"))
    assert code == 2 and "r.md: no perfgate summary in it" in err
    code, _, err = gh.run("comment", "missing.md")
    assert code == 2 and "cannot read missing.md" in err
    assert gh.state.requests == []


def test_a_read_is_retried_on_a_bad_gateway_a_post_never(gh: CI) -> None:
    gh.state.fail_next = [("GET", 502)]  # the first listing
    code, _, err = gh.run("comment", gh.write("r.md", report()))
    assert code == 0 and "comment created on #7" in err
    assert [r.method for r in gh.state.requests] == ["GET", "GET", "POST"]
    gh.state.requests.clear()
    gh.state.comments[7].clear()
    gh.state.fail_next = [("POST", 502)]
    code, _, err = gh.run("comment", gh.write("r.md", report()))
    assert code == 0 and "502 Bad Gateway" in err
    assert [r.method for r in gh.state.requests] == ["GET", "POST"]  # not posted twice
    assert gh.state.comments[7] == []


def test_a_next_page_on_another_host_is_not_followed(gh: CI) -> None:
    for i in range(120):
        gh.state.add_comment(7, f"c{i}")
    gh.state.link_base = "http://evil.example"
    code, _, err = gh.run("comment", gh.write("r.md", report()))
    assert code == 0 and "pointed to http://evil.example/repos/octo/demo/issues/7/comments" in err
    assert "not followed" in err and gh.state.writes() == []


def test_a_spent_rate_limit_is_named_as_such(gh: CI) -> None:
    gh.state.fail_next = [("GET", 403)]
    code, _, err = gh.run("comment", gh.write("r.md", report()))
    assert code == 0 and "rate limit is used up" in err and "API rate limit exceeded" in err
    assert "pull-requests: write" not in err
