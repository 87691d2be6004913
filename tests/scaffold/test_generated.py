"""The files ``perfgate init`` writes: every GitHub workflow passes actionlint (with shellcheck) and zizmor
(offline, pedantic) with no finding, every GitLab file validates against GitLab CI's schema, and the
configuration loads with perfgate's own loader."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from perfgate.config import load_config, parse_config
from perfgate.errors import ConfigError

from .conftest import LAYOUTS, perfgate_init, tool

SHA_PIN = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")


def _config_knows_suites() -> bool:
    """Whether this perfgate parses [[suites]] (another branch adds it; init writes them already)."""
    try:
        parse_config({"suites": []}, Path("."), Path("perfgate.toml"), "x")
    except ConfigError:
        return False
    return True


def _yaml(path: Path):
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


def _generate(project, layout: str, *args: str) -> Path:
    root = project(layout)
    done = perfgate_init(root, "--github", "--gitlab", *args)
    assert done.code == 0, done.stderr
    return root


def _workflows(root: Path) -> list[Path]:
    found = sorted((root / ".github" / "workflows").glob("*.yml"))
    assert [p.name for p in found] == ["perfgate-comment.yml", "perfgate.yml"]
    return found


@pytest.mark.parametrize("shards", ["1", "3"])
@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_every_generated_file_passes_actionlint_zizmor_and_the_gitlab_schema(project, layout, shards):
    root = _generate(project, layout, "--shards", shards)
    workflows = [str(p) for p in _workflows(root)]
    lint = subprocess.run(
        [tool("actionlint"), "-shellcheck", tool("shellcheck"), "-no-color", *workflows],
        cwd=root, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert (lint.returncode, lint.stdout + lint.stderr) == (0, "")
    audit = subprocess.run(
        [tool("zizmor"), "--offline", "--persona=pedantic", "--no-progress", str(root / ".github")],
        cwd=root, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert audit.returncode == 0, audit.stdout + audit.stderr
    assert "No findings to report" in audit.stdout
    schema = subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.gitlab-ci", str(root / ".gitlab-ci.yml")],
        cwd=root, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert schema.returncode == 0, schema.stdout + schema.stderr


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_the_generated_configuration_loads_with_perfgates_own_loader(project, layout, request):
    root = _generate(project, layout)
    if LAYOUTS[layout] is not None and any(k.endswith(("go.mod", "Cargo.toml")) for k in LAYOUTS[layout]):
        request.applymarker(
            pytest.mark.xfail(
                not _config_knows_suites(),
                reason="[[suites]] is parsed by the harness branch, not merged here yet",
                raises=ConfigError,
                strict=True,
            )
        )
    config = load_config(root)
    assert config.source is not None and config.source.name in ("pyproject.toml", "perfgate.toml")
    assert set(config.tiers) == {"fast", "nightly"}
    assert config.default_tier == "fast"
    assert config.thresholds == {"time": 0.10, "allocations": 0.50}
    assert config.tiers["nightly"].passes == 20
    if (root / "tests" / "test_work.py").exists():
        assert config.benchmarks == ("tests",)
    suites = getattr(config, "suites", ())
    expected = {"go": ["go"], "polyglot": ["go"], "cargo-criterion": ["cargo"], "cargo-libtest": ["cargo"]}
    assert [s.name for s in suites] == expected.get(layout, [])


def _steps(job) -> list[str]:
    return [s.get("run", "") for s in job["steps"]]


@pytest.mark.parametrize("shards", ["1", "4"])
def test_github_workflows_are_pinned_least_privileged_and_in_order(project, shards):
    root = _generate(project, "polyglot", "--shards", shards)
    main_wf, comment_wf = (
        _yaml(root / ".github/workflows" / n) for n in ("perfgate.yml", "perfgate-comment.yml")
    )
    for wf in (main_wf, comment_wf):
        assert wf["permissions"] == {}
        for job in wf["jobs"].values():
            assert "permissions" in job
            for step in job["steps"]:
                assert "${{" not in step.get("run", ""), step  # values reach scripts as variables
                if "uses" in step:
                    assert SHA_PIN.match(step["uses"]), step["uses"]
                if step.get("uses", "").startswith("actions/checkout@"):
                    assert step["with"]["persist-credentials"] is False
    assert set(main_wf["on"]) == {"pull_request", "push", "schedule", "workflow_dispatch"}
    assert main_wf["on"]["push"]["branches"] == ["main"]
    # only a pull request's runs share a group (a new push cancels the old run); a push to main or a
    # nightly run has a group of its own, so GitHub never drops a pending baseline run
    assert main_wf["concurrency"] == {
        "group": "perfgate-${{ github.event_name == 'pull_request' && github.ref || github.run_id }}",
        "cancel-in-progress": "${{ github.event_name == 'pull_request' }}",
    }
    jobs = main_wf["jobs"]
    pr = _steps(jobs["pull-request"])
    order = [r for r in pr if r.startswith("perfgate ")]
    assert order == [
        "perfgate sync --no-push",
        "perfgate run --tier fast --format markdown -o perfgate-report.md",
        "perfgate ci status perfgate-report.md",
        "perfgate ci comment perfgate-report.md",
    ]
    assert jobs["pull-request"]["permissions"]["contents"] == "read"
    assert any("actions/setup-go@" in s.get("uses", "") for s in jobs["pull-request"]["steps"])
    baseline = [r for r in _steps(jobs["baseline"]) if r.startswith("perfgate ")]
    assert baseline == [
        "perfgate sync --no-push",
        "perfgate run --tier fast --format markdown -o perfgate-report.md",
        "perfgate sync",
    ]
    assert jobs["baseline"]["permissions"] == {"contents": "write"}
    if shards == "1":
        assert "--warn-only" in " ".join(_steps(jobs["nightly"]))
        assert "nightly-merge" not in jobs
    else:
        assert jobs["nightly"]["strategy"]["matrix"]["shard"] == [1, 2, 3, 4]
        assert jobs["nightly"]["permissions"] == {"contents": "read"}
        assert '--shard "$SHARD/4" --export "perfgate-shard-$SHARD.json"' in " ".join(_steps(jobs["nightly"]))
        merge = jobs["nightly-merge"]
        assert merge["needs"] == "nightly"
        assert any(
            r.startswith("perfgate merge shards/*.json --tier nightly --warn-only") for r in _steps(merge)
        )
    assert "pull_request_target" not in (root / ".github/workflows/perfgate.yml").read_text()
    assert set(comment_wf["on"]) == {"workflow_run"}
    (comment,) = comment_wf["jobs"].values()
    assert comment["permissions"] == {
        "actions": "read",
        "pull-requests": "write",
        "statuses": "write",
        "checks": "write",
    }
    assert not any("checkout" in s.get("uses", "") for s in comment["steps"])  # the fork's code is never run
    assert any(r.startswith("perfgate ci comment --from-artifact ") for r in _steps(comment))


def test_gitlab_pipeline_jobs_and_rules(project):
    root = _generate(project, "go", "--shards", "2")
    ci = _yaml(root / ".gitlab-ci.yml")
    # nothing global: the file can be included by a pipeline without changing its other jobs
    assert not {"variables", "workflow", "default", "image", "before_script"} & set(ci)
    mr = ci["perfgate-merge-request"]
    assert mr["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'}]
    assert mr["script"][:3] == [
        "perfgate run --tier fast --format markdown -o perfgate-report.md || status=$?",
        "perfgate ci status perfgate-report.md",
        "perfgate ci comment perfgate-report.md",
    ]
    *_, sync, last = ci["perfgate-baseline"]["script"]
    assert sync.endswith(" perfgate sync") and last == 'exit "${status:-0}"'
    assert ci["perfgate-nightly"]["parallel"] == 2
    assert ci["perfgate-nightly-merge"]["needs"] == ["perfgate-nightly"]
    assert ci[".perfgate"]["variables"]["GIT_DEPTH"] == "0"
    assert "go" in (root / ".gitlab-ci.yml").read_text().split(".perfgate:")[1].split("variables:")[0]


def _credential(root: Path, script: str, env: dict[str, str]) -> str:
    """What git answers for an https remote when ``script`` (a sync step with ``perfgate sync`` swapped
    for this question) runs in bash with ``env``."""
    ask = (  # one command, as perfgate sync is: the assignments before it are its environment
        "sh -c 'git config --get remote.origin.pushurl || true; "
        'printf "protocol=https\\nhost=forge.example\\n\\n" | git credential fill\''
    )
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script.replace("perfgate sync", ask)],
        cwd=root, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout


def test_the_sync_steps_give_git_the_token_only_in_their_environment(project):
    import os

    root = _generate(project, "codspeed")
    base = {"PATH": os.environ["PATH"], "HOME": str(root), "GIT_TERMINAL_PROMPT": "0"}
    jobs = _yaml(root / ".github/workflows/perfgate.yml")["jobs"]
    (push,) = [s for s in jobs["baseline"]["steps"] if s.get("run") == "perfgate sync"]
    env = {k: str(v).replace("${{ github.token }}", "ghs_secret123") for k, v in push["env"].items()}
    assert _credential(root, push["run"], {**base, **env}).splitlines()[-2:] == [
        "username=x-access-token",
        "password=ghs_secret123",
    ]
    assert "ghs_secret123" not in (root / ".git" / "config").read_text()
    ci = _yaml(root / ".gitlab-ci.yml")
    (line,) = [x for x in ci["perfgate-baseline"]["script"] if "perfgate sync" in x]
    gitlab = {"CI_SERVER_URL": "https://forge.example", "CI_PROJECT_PATH": "team/demo"}
    answer = _credential(
        root,
        line,
        {**base, **gitlab, "PERFGATE_PUSH_TOKEN": "glpat-secret456"},
    ).splitlines()
    assert answer[0] == "https://forge.example/team/demo.git"  # no credentials in the URL
    assert answer[-2:] == ["username=perfgate", "password=glpat-secret456"]
    assert "glpat-secret456" not in (root / ".git" / "config").read_text()
