"""End to end as a GitHub Actions job runs it: a real git repository, Go results ingested and gated into a
Markdown report by the ``perfgate`` command, then ``perfgate ci comment`` and ``ci status`` against the
fake GitHub, twice: the comment is created, then updated in place. Commands that only read, judge and
post run in this process (``GitProject.perfgate_here``); ``sync`` and ``run`` on the fresh runners stay
real processes, so what their children print is in the output the token is looked for in."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from gitproject import GitProject, Result

from .conftest import CI, TOKEN, pull_request_event

GO = Path(__file__).resolve().parents[1] / "data" / "go-bench" / "perf-suffixarray.bench"


def go_output(bytes_factor: int) -> str:
    """The real Go output, with the bits=32 benchmarks' B/op multiplied."""

    def scale(m: re.Match[str]) -> str:
        return f"{int(m.group(1)) * bytes_factor} B/op"

    return "".join(
        re.sub(r"(\d+) B/op", scale, line) if "bits=32" in line else line
        for line in GO.read_text().splitlines(keepends=True)
    )


def test_gate_then_comment_twice_on_a_real_repository(gh: CI) -> None:
    p = GitProject(gh.tmp / "proj", testbed="ci-linux")
    p.init()
    p.write("pyproject.toml", '[tool.perfgate]\nproject = "demo"\nmain_branch = "main"\n')
    p.write(".gitignore", ".perfgate/\n")
    p.write("go.txt", go_output(1))
    base = p.commit("base")
    assert p.perfgate_here("ingest", "go.txt", "--input-format", "go", "--tier", "fast").code == 0

    p.git("checkout", "-q", "-b", "feature")
    p.write("go.txt", go_output(2))
    head = p.commit("twice the bytes")
    event = gh.tmp / "event.json"
    event.write_text(json.dumps(pull_request_event(number=7, head_sha=head)))
    p.env.update(gh.env)
    p.env.update(GITHUB_SHA=head, GITHUB_EVENT_PATH=str(event), GITHUB_EVENT_NAME="pull_request",
                 GITHUB_BASE_REF="main", GITHUB_HEAD_REF="feature")  # fmt: skip
    gate = p.perfgate_here("ingest", "go.txt", "--input-format", "go", "--tier", "fast", "--gate",
                           "--format", "markdown", "-o", "report.md")  # fmt: skip
    assert gate.code == 1, gate.stderr
    first = p.perfgate_here("ci", "comment", "report.md")
    status = p.perfgate_here("ci", "status", "report.md")
    assert first.code == 0 and status.code == 0, first.stderr + status.stderr
    [comment] = gh.state.comments[7]
    assert comment["body"].startswith("<!-- perfgate-comment key=demo%2Ffast%2Fci-linux -->\n")
    assert f"feature@{head[:7]}" in comment["body"] and f"main@{base[:7]}" in comment["body"]
    assert "regression" in comment["body"]
    [(sha, st)] = gh.state.statuses
    assert sha == head and st["state"] == "failure" and st["context"] == "perfgate/fast"
    assert re.fullmatch(r"\d+ regressions?, .*", st["description"]), st["description"]

    p.write("go.txt", go_output(1))
    fixed = p.commit("bytes back")
    event.write_text(json.dumps(pull_request_event(number=7, head_sha=fixed)))
    p.env["GITHUB_SHA"] = fixed
    gate = p.perfgate_here("ingest", "go.txt", "--input-format", "go", "--tier", "fast", "--gate",
                           "--format", "markdown", "-o", "report.md")  # fmt: skip
    assert gate.code == 0, gate.stderr
    second = p.perfgate_here("ci", "comment", "--when", "regression", "report.md")
    assert second.code == 0, second.stderr
    [comment] = gh.state.comments[7]  # the same comment, now good news
    assert "gate passed" in comment["body"] and f"feature@{fixed[:7]}" in comment["body"]
    assert [r.method for r in gh.state.writes()] == ["POST", "POST", "POST", "PATCH"]
    for res in (gate, first, status, second):
        assert TOKEN not in res.stdout + res.stderr


def fresh_runner(gh: CI, remote: Path, name: str, branch: str = "main") -> GitProject:
    """A new CI runner: a fresh clone of ``remote`` (no store), GitHub Actions' variables set."""
    job = GitProject(gh.tmp / name, testbed="ci-linux")
    subprocess.run(["git", "clone", "-q", "-b", branch, str(remote), str(job.root)], check=True, env=job.env)
    job.env.update(gh.env)
    return job


def test_sync_run_and_comment_on_fresh_runners_keep_one_history_and_one_comment(gh: CI) -> None:
    """The workflow ``perfgate init`` writes, step by step, on three ephemeral runners: main stores its
    run on the data branch; the pull request's two jobs (a regression, then its fix) pull that history,
    gate against it, post the comment and update it in place; no run is lost on the branch."""
    remote = gh.tmp / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    dev = GitProject(gh.tmp / "dev", testbed="ci-linux")
    dev.init()
    dev.write(
        "pyproject.toml",
        '[tool.perfgate]\nproject = "demo"\nmain_branch = "main"\n\n'
        '[[tool.perfgate.suites]]\nname = "go"\ncommand = ["cat", "go.txt"]\nformat = "go"\n',
    )
    dev.write(".gitignore", ".perfgate/\nreport.md\n")
    dev.write("go.txt", go_output(1))
    base = dev.commit("base")
    dev.git("remote", "add", "origin", str(remote))
    dev.git("push", "-q", "origin", "main")

    # the push to main: sync (nothing yet), run, sync (push the run)
    main_job = fresh_runner(gh, remote, "runner-main")
    main_job.env.update(GITHUB_EVENT_NAME="push", GITHUB_REF="refs/heads/main", GITHUB_SHA=base,
                        GITHUB_RUN_ID="1", GITHUB_EVENT_PATH=str(gh.tmp / "push.json"))  # fmt: skip
    (gh.tmp / "push.json").write_text(json.dumps({"ref": "refs/heads/main", "after": base}))
    assert main_job.perfgate("sync").code == 0
    stored = main_job.perfgate("run", "--format", "json")
    assert stored.code == 0, stored.stderr
    assert main_job.perfgate("sync").code == 0

    # the pull request: a branch that doubles the bytes, measured on a new runner
    dev.git("checkout", "-q", "-b", "feature")
    dev.write("go.txt", go_output(2))
    head = dev.commit("twice the bytes")
    dev.git("push", "-q", "origin", "feature")
    event = gh.tmp / "pr.json"
    outputs: list[Result] = []
    for n, sha in ((2, head), (3, None)):
        if sha is None:  # the fix, pushed to the same pull request
            dev.write("go.txt", go_output(1))
            sha = dev.commit("bytes back")
            dev.git("push", "-q", "origin", "feature")
        gh.state.pulls[7] = {"sha": sha, "repo": "octo/demo"}
        event.write_text(json.dumps(pull_request_event(number=7, head_sha=sha)))
        job = fresh_runner(gh, remote, f"runner-pr-{n}", branch="feature")
        job.env.update(GITHUB_EVENT_NAME="pull_request", GITHUB_EVENT_PATH=str(event), GITHUB_SHA=sha,
                       GITHUB_RUN_ID=str(n), GITHUB_BASE_REF="main", GITHUB_HEAD_REF="feature")  # fmt: skip
        job.git("fetch", "-q", "origin", "main:main")  # actions/checkout with fetch-depth 0
        pulled = job.perfgate("sync", "--no-push")
        assert pulled.code == 0 and "pulled" in pulled.stderr, pulled.stderr
        gate = job.perfgate("run", "--format", "markdown", "-o", "report.md")
        assert gate.code == (1 if n == 2 else 0), gate.stdout + gate.stderr
        comment = job.perfgate_here("ci", "comment", "report.md")
        status = job.perfgate_here("ci", "status", "report.md")
        assert comment.code == 0 and status.code == 0, comment.stderr + status.stderr
        outputs += [pulled, gate, comment, status]

    [comment] = gh.state.comments[7]  # created by the first job, updated by the second
    assert "gate passed" in comment["body"] and f"main@{base[:7]}" in comment["body"]
    assert [r.method for r in gh.state.writes()] == ["POST", "POST", "POST", "PATCH", "POST", "POST"]
    assert [st["state"] for _, st in gh.state.statuses] == ["failure", "success"]
    files = subprocess.run(
        ["git", f"--git-dir={remote}", "ls-tree", "-r", "--name-only", "perfgate-data"],
        check=True, capture_output=True, text=True,
    ).stdout.split()  # fmt: skip
    assert [Path(f).stem for f in files] == [stored.json()["run"]["id"]]  # a PR's sync pushes nothing
    for res in outputs:
        assert TOKEN not in res.stdout + res.stderr
