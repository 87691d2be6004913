"""The GitHub Actions workflows ``perfgate init`` writes.

``perfgate.yml``: the pull request's fast tier (comment and commit status), the baseline on every push
to the main branch, the nightly slow tier (warn-only; sharded into a matrix and a merge job with
``shards``). ``perfgate-comment.yml``: the fork-safe half, a ``workflow_run`` that posts the comment of a
fork's pull request from the report the read-only ``pull_request`` run uploaded.

Security choices (checked by the tests with actionlint and zizmor): every action is pinned by full commit
SHA (the tag in the comment beside it); ``permissions: {}`` at the top and least privilege per job;
``persist-credentials: false``, the token reaching git only in the steps that sync, through a credential
helper given in the step's environment; no ``${{ }}`` expression inside a ``run:`` script (values reach
scripts as environment variables); no ``pull_request_target``; the ``workflow_run`` job checks out
nothing and treats the artifact as data.
"""

from __future__ import annotations

import json
import shlex

from perfgate.scaffold.detect import Detected

__all__ = ["ACTIONS", "ARTIFACT_DIR", "REPORT", "render_comment_workflow", "render_workflow"]

#: Pinned actions: full commit SHAs of the release tags named beside them, looked up in the actions' own
#: repositories. The newest releases, which run on Node 24: the v4/v5 lines run on Node 20, which
#: GitHub's runners dropped in September 2026. Renovate and Dependabot update a pin and its comment.
ACTIONS = {
    "checkout": "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1  # v7.0.1",
    "setup-python": "actions/setup-python@5fda3b95a4ea91299a34e894583c3862153e4b97  # v7.0.0",
    "setup-go": "actions/setup-go@b7ad1dad31e06c5925ef5d2fc7ad053ef454303e  # v7.0.0",
    "upload-artifact": "actions/upload-artifact@bbbca2ddaa5d8feaa63e36b76fdaad77386f024f  # v7.0.0",
    "download-artifact": "actions/download-artifact@3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c  # v8.0.1",
}
REPORT = "perfgate-report.md"
#: where ``perfgate ci comment`` leaves a fork's comment for the ``workflow_run`` workflow to post
ARTIFACT_DIR = "perfgate-artifact"

# git asks this helper for credentials only in the steps whose environment holds it: the token is never
# written to .git/config (persist-credentials: false), so no later step or artifact can read it
_CREDENTIALS = """\
          GH_TOKEN: ${{ github.token }}
          GIT_CONFIG_COUNT: "1"
          GIT_CONFIG_KEY_0: credential.helper
          GIT_CONFIG_VALUE_0: >-
            !f() { test "$1" = get && echo username=x-access-token && echo "password=$GH_TOKEN"; }; f"""


def _yaml(value: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(value)


def _install(d: Detected, install: str, project: bool = True) -> str:
    lines = [f"python -m pip install {shlex.quote(install)}"]
    if project and d.installable:
        lines.append("python -m pip install -e .  # your project (add the extras its benchmarks need)")
    body = "\n".join(f"          {x}" for x in lines)
    return f"""\
      - name: Install perfgate
        run: |
{body}
"""


def _setup(d: Detected, install: str, *, fetch_all: bool = True, project: bool = True) -> str:
    depth = (
        "          fetch-depth: 0  # the baseline is chosen by git ancestry (the merge-base with main)\n"
        if fetch_all
        else ""
    )
    text = f"""\
      - uses: {ACTIONS["checkout"]}
        with:
{depth}          persist-credentials: false
      - uses: {ACTIONS["setup-python"]}
        with:
          python-version: "{d.python}"
"""
    if project and "go" in d.harnesses:
        go_mod = next(s.cwd for s in d.suites if s.command[0] == "go")
        go_file = "go.mod" if go_mod == "." else f"{go_mod}/go.mod"
        text += f"""\
      - uses: {ACTIONS["setup-go"]}
        with:
          go-version-file: {_yaml(go_file)}
"""
    if project and "cargo" in d.harnesses:
        text += """\
      - name: Rust toolchain
        run: rustup toolchain install stable --profile minimal && rustup default stable
"""
    return text + _install(d, install, project)


def _sync(name: str, args: str, condition: str = "") -> str:
    cond = f"        if: {condition}\n" if condition else ""
    return f"""\
      - name: {name}
{cond}        env:
{_CREDENTIALS}
        run: perfgate sync{args}
"""


_ALWAYS = "${{ !cancelled() }}"
_HAS_REPORT = f"${{{{ !cancelled() && hashFiles('{REPORT}') != '' }}}}"


def render_workflow(d: Detected, *, install: str = "perfgate", shards: int = 0) -> str:
    """``.github/workflows/perfgate.yml`` for the detected project."""
    branch = _yaml(d.main_branch)
    head = f"""\
# perfgate: benchmarks gated on every pull request, the baseline stored on every push to {d.main_branch},
# a nightly slow tier. Written by `perfgate init`; perfgate's docs/init.md says what each job does.
# The run history lives on the perfgate-data branch (`perfgate sync`), so it outlives the runners.
name: perfgate

on:
  pull_request:
  push:
    branches: [{branch}]
  schedule:
    - cron: "23 3 * * *"  # nightly at 03:23 UTC
  workflow_dispatch:

permissions: {{}}  # nothing by default: each job asks for what it needs

concurrency:  # a new push to a pull request cancels its run; a push to {d.main_branch} is never dropped
  group: perfgate-${{{{ github.event_name == 'pull_request' && github.ref || github.run_id }}}}
  cancel-in-progress: ${{{{ github.event_name == 'pull_request' }}}}

env:
  # hosted runners differ in CPU from job to job: one label keeps their runs one baseline
  PERFGATE_TESTBED: github-ubuntu-latest

jobs:
  pull-request:
    name: fast tier (pull request)
    if: github.event_name == 'pull_request'
    runs-on: ubuntu-latest
    timeout-minutes: 30
    permissions:
      contents: read  # the code, and the stored runs on the perfgate-data branch
      pull-requests: write  # perfgate ci comment: one comment per pull request, updated in place
      statuses: write  # perfgate ci status: the commit status perfgate/fast
      checks: write  # perfgate ci status: the check run carrying the report
    steps:
{_setup(d, install)}{_sync("Fetch the stored runs", " --no-push")}\
      - name: Benchmarks, fast tier
        run: perfgate run --tier fast --format markdown -o {REPORT}
      - name: Commit status
        if: {_HAS_REPORT}
        env:
          GITHUB_TOKEN: ${{{{ github.token }}}}
        run: perfgate ci status {REPORT}
      - name: Pull request comment
        if: {_HAS_REPORT}
        env:
          GITHUB_TOKEN: ${{{{ github.token }}}}
        # on a fork's pull request the token is read-only: perfgate writes the comment to
        # {ARTIFACT_DIR}/ instead, and perfgate-comment.yml posts it
        run: perfgate ci comment {REPORT}
      - name: Keep the report
        if: {_HAS_REPORT}
        uses: {ACTIONS["upload-artifact"]}
        with:
          name: perfgate-report
          path: |
            {REPORT}
            {ARTIFACT_DIR}/
          retention-days: 7

  baseline:
    name: fast tier (baseline on {d.main_branch})
    if: github.event_name == 'push'
    runs-on: ubuntu-latest
    timeout-minutes: 30
    permissions:
      contents: write  # perfgate sync pushes the new run to the perfgate-data branch
    steps:
{_setup(d, install)}{_sync("Fetch the stored runs", " --no-push")}\
      - name: Benchmarks, fast tier
        run: perfgate run --tier fast --format markdown -o {REPORT}
{_sync("Store the run on the perfgate-data branch", "", _ALWAYS)}"""
    return head + "\n" + (_nightly_sharded(d, install, shards) if shards > 1 else _nightly(d, install))


_NIGHTLY_IF = "github.event_name == 'schedule' || github.event_name == 'workflow_dispatch'"


def _nightly(d: Detected, install: str) -> str:
    return f"""\
  nightly:
    name: nightly tier (warn-only)
    if: {_NIGHTLY_IF}
    runs-on: ubuntu-latest
    timeout-minutes: 120
    permissions:
      contents: write  # perfgate sync pushes the new run to the perfgate-data branch
    steps:
{_setup(d, install)}{_sync("Fetch the stored runs", " --no-push")}\
      - name: Benchmarks, nightly tier
        run: perfgate run --tier nightly --warn-only --format markdown -o {REPORT}
{_sync("Store the run on the perfgate-data branch", "", _ALWAYS)}"""


def _nightly_sharded(d: Detected, install: str, shards: int) -> str:
    matrix = ", ".join(str(k) for k in range(1, shards + 1))
    return f"""\
  nightly:
    name: nightly tier, shard ${{{{ matrix.shard }}}}/{shards}
    if: {_NIGHTLY_IF}
    runs-on: ubuntu-latest
    timeout-minutes: 120
    permissions:
      contents: read  # the code, and the stored runs on the perfgate-data branch
    strategy:
      fail-fast: false
      matrix:
        shard: [{matrix}]
    steps:
{_setup(d, install)}{_sync("Fetch the stored runs", " --no-push")}\
      - name: Benchmarks, nightly tier, one shard
        env:
          SHARD: ${{{{ matrix.shard }}}}
        run: >-
          perfgate run --tier nightly --warn-only
          --shard "$SHARD/{shards}" --export "perfgate-shard-$SHARD.json"
      - uses: {ACTIONS["upload-artifact"]}
        if: {_ALWAYS}
        with:
          name: perfgate-shard-${{{{ matrix.shard }}}}
          path: perfgate-shard-*.json
          retention-days: 7

  nightly-merge:
    name: nightly tier, the shards gated as one run (warn-only)
    needs: nightly
    if: ${{{{ !cancelled() && ({_NIGHTLY_IF}) }}}}
    runs-on: ubuntu-latest
    timeout-minutes: 30
    permissions:
      contents: write  # perfgate sync pushes the merged run to the perfgate-data branch
    steps:
{_setup(d, install, project=False)}{_sync("Fetch the stored runs", " --no-push")}\
      - uses: {ACTIONS["download-artifact"]}
        with:
          pattern: perfgate-shard-*
          path: shards
          merge-multiple: true
      - name: Merge the shards, gate once
        run: perfgate merge shards/*.json --tier nightly --warn-only --format markdown -o {REPORT}
{_sync("Store the run on the perfgate-data branch", "", _ALWAYS)}"""


def render_comment_workflow(*, install: str = "perfgate", python: str = "3.12") -> str:
    """``.github/workflows/perfgate-comment.yml``: posts a fork's pull request comment."""
    return f"""\
# perfgate: the comment of a pull request from a fork. A fork's pull_request run gets a read-only token,
# so it measures and uploads its report; this workflow runs afterwards in the base repository with a
# token that may comment. It checks out nothing and runs none of the pull request's code: the artifact
# is data, and perfgate checks the pull request it names against this event. Written by `perfgate init`.
name: perfgate comment

on:
  workflow_run:  # zizmor: ignore[dangerous-triggers] no checkout, the artifact is only read as data
    workflows: [perfgate]
    types: [completed]

permissions: {{}}

concurrency:  # one comment update at a time per pull request branch
  group: >-
    perfgate-comment-${{{{ github.event.workflow_run.head_repository.full_name }}}}
    -${{{{ github.event.workflow_run.head_branch }}}}
  cancel-in-progress: false

jobs:
  comment:
    name: comment on a fork's pull request
    if: >-
      github.event.workflow_run.event == 'pull_request'
      && github.event.workflow_run.head_repository.full_name != github.repository
    runs-on: ubuntu-latest
    timeout-minutes: 10
    permissions:
      actions: read  # download the artifact of the pull request's run
      pull-requests: write  # perfgate ci comment: one comment per pull request, updated in place
      statuses: write  # and the commit status the fork's run could not set
      checks: write  # and its check run
    steps:
      - uses: {ACTIONS["setup-python"]}
        with:
          python-version: "{python}"
      - name: Install perfgate
        run: python -m pip install {shlex.quote(install)}
      - uses: {ACTIONS["download-artifact"]}
        with:
          name: perfgate-report
          path: ${{{{ runner.temp }}}}/perfgate-report
          run-id: ${{{{ github.event.workflow_run.id }}}}
          github-token: ${{{{ github.token }}}}
      - name: Post the comment
        env:
          GITHUB_TOKEN: ${{{{ github.token }}}}
        run: perfgate ci comment --from-artifact "$RUNNER_TEMP/perfgate-report/{ARTIFACT_DIR}"
"""
