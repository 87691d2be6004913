"""Which runs a new run is compared with, as `perfgate run` picks them in a real repository."""

from __future__ import annotations

from .conftest import CODE


def run_id(result) -> str:
    assert result.code in (0, 1), result.stderr
    return result.json()["run"]["id"]


def test_a_branch_is_compared_with_its_merge_base_not_the_newest_main(project, tmp_path):
    at_a = run_id(project.perfgate("run", "--tier", "fast", "--format", "json"))
    project.git("checkout", "-q", "-b", "feature")
    project.write("lib.py", CODE.format(factor=1) + "\n# feature\n")
    project.commit("B on feature")
    project.git("checkout", "-q", "main")
    project.write("README", "main moves on\n")
    project.commit("C on main")
    at_c = run_id(project.perfgate("run", "--tier", "fast", "--format", "json"))

    project.git("checkout", "-q", "feature")
    summary = tmp_path / "summary.md"
    project.env["GITHUB_STEP_SUMMARY"] = str(summary)
    res = project.perfgate("run", "--tier", "fast", "--format", "json")
    report = res.json()
    assert report["baseline"]["run_ids"] == [at_a], (at_a, at_c)
    assert any("merge-base" in n for n in report["notes"])
    # the job summary got the Markdown report
    assert summary.read_text().startswith("<!-- perfgate-report")

    # on main, the latest runs on main are the baseline (both of them, newest first)
    project.git("checkout", "-q", "main")
    del project.env["GITHUB_STEP_SUMMARY"]
    report = project.perfgate("run", "--tier", "fast", "--format", "json").json()
    assert report["baseline"]["run_ids"] == [at_c, at_a]

    # --baseline pins it
    report = project.perfgate("run", "--tier", "fast", "--baseline", at_a[:10], "--format", "json").json()
    assert report["baseline"]["run_ids"] == [at_a]
