"""End to end as a GitHub Actions job runs it: a real git repository, Go results ingested and gated into a
Markdown report by the real ``perfgate`` command, then ``perfgate ci comment`` and ``ci status`` (also
real subprocesses) against the fake GitHub, twice: the comment is created, then updated in place."""

from __future__ import annotations

import json
import re
from pathlib import Path

from gitproject import GitProject

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
    assert p.perfgate("ingest", "go.txt", "--input-format", "go", "--tier", "fast").code == 0

    p.git("checkout", "-q", "-b", "feature")
    p.write("go.txt", go_output(2))
    head = p.commit("twice the bytes")
    event = gh.tmp / "event.json"
    event.write_text(json.dumps(pull_request_event(number=7, head_sha=head)))
    p.env.update(gh.env)
    p.env.update(GITHUB_SHA=head, GITHUB_EVENT_PATH=str(event), GITHUB_EVENT_NAME="pull_request",
                 GITHUB_BASE_REF="main", GITHUB_HEAD_REF="feature")  # fmt: skip
    gate = p.perfgate("ingest", "go.txt", "--input-format", "go", "--tier", "fast", "--gate",
                      "--format", "markdown", "-o", "report.md")  # fmt: skip
    assert gate.code == 1, gate.stderr
    first = p.perfgate("ci", "comment", "report.md")
    status = p.perfgate("ci", "status", "report.md")
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
    gate = p.perfgate("ingest", "go.txt", "--input-format", "go", "--tier", "fast", "--gate",
                      "--format", "markdown", "-o", "report.md")  # fmt: skip
    assert gate.code == 0, gate.stderr
    second = p.perfgate("ci", "comment", "--when", "regression", "report.md")
    assert second.code == 0, second.stderr
    [comment] = gh.state.comments[7]  # the same comment, now good news
    assert "gate passed" in comment["body"] and f"feature@{fixed[:7]}" in comment["body"]
    assert [r.method for r in gh.state.writes()] == ["POST", "POST", "POST", "PATCH"]
    for res in (gate, first, status, second):
        assert TOKEN not in res.stdout + res.stderr
