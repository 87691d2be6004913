"""The GitLab CI file ``perfgate init`` writes: merge request, default branch, schedule.

Every job carries its own ``rules`` and the shared settings live in a hidden ``.perfgate`` job, with no
top-level ``workflow``, ``variables`` or ``default``: the file works on its own as ``.gitlab-ci.yml`` and
as a file another ``.gitlab-ci.yml`` includes, without changing the including pipeline's other jobs.
"""

from __future__ import annotations

import shlex

from perfgate.scaffold.detect import Detected
from perfgate.scaffold.github import REPORT

__all__ = ["render_gitlab"]

# The job token can fetch but not push: a project access token with write_repository, the masked CI/CD
# variable PERFGATE_PUSH_TOKEN, lets `perfgate sync` push the new run. git gets it only in that command's
# environment (a push URL without credentials and a credential helper reading the variable), never in
# .git/config, which a runner may keep for the next job.
_SYNC_PUSH = """\
    - >-
      GIT_CONFIG_COUNT=2
      GIT_CONFIG_KEY_0=remote.origin.pushurl GIT_CONFIG_VALUE_0="$CI_SERVER_URL/$CI_PROJECT_PATH.git"
      GIT_CONFIG_KEY_1=credential.helper
      GIT_CONFIG_VALUE_1='!f() { echo username=perfgate; echo "password=$PERFGATE_PUSH_TOKEN"; }; f'
      perfgate sync"""


def _install(d: Detected, install: str, project: bool) -> list[str]:
    lines = [f"- python -m pip install {shlex.quote(install)}"]
    if project and d.installable:
        lines.append("- python -m pip install -e .")
    return lines


def _indent(lines: list[str], n: int) -> str:
    return "".join(" " * n + x + "\n" for x in lines)


def render_gitlab(d: Detected, *, install: str = "perfgate", shards: int = 0) -> str:
    """The pipeline for the detected project (``.gitlab-ci.yml`` or a file to include)."""
    tools = " and ".join(d.harnesses)
    image_note = (
        f"  # the suites need {tools}: use an image that has it, or install it in before_script\n"
        if tools
        else ""
    )
    text = f"""\
# perfgate: benchmarks gated on every merge request, the baseline stored on every push to the default
# branch, a nightly slow tier (a pipeline schedule, or Run pipeline). Written by `perfgate init`;
# perfgate's docs/init.md says what each job does. CI/CD variables (masked): GITLAB_TOKEN, an access
# token with the api scope, for the merge request comment and the commit status; PERFGATE_PUSH_TOKEN,
# one with write_repository, for `perfgate sync` to keep the runs on the perfgate-data branch.

.perfgate:
  image: python:{d.python}
{image_note}  variables:
    GIT_DEPTH: "0"  # the baseline is chosen by git ancestry (the merge-base with the default branch)
    PERFGATE_TESTBED: gitlab-runner  # one label for the runners, so their runs form one baseline
  before_script:
{_indent(_install(d, install, True), 4)}\
    - perfgate sync --no-push

perfgate-merge-request:
  extends: .perfgate
  stage: test
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
  script:
    - perfgate run --tier fast --format markdown -o {REPORT} || status=$?
    - perfgate ci status {REPORT}
    - perfgate ci comment {REPORT}
    - exit "${{status:-0}}"
  artifacts:
    when: always
    paths: [{REPORT}]
    expire_in: 1 week

perfgate-baseline:
  extends: .perfgate
  stage: test
  rules:
    - if: $CI_PIPELINE_SOURCE == "push" && $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
  script:
    - perfgate run --tier fast --format markdown -o {REPORT} || status=$?
{_SYNC_PUSH}
    - exit "${{status:-0}}"
  artifacts:
    when: always
    paths: [{REPORT}]
    expire_in: 1 week
"""
    return text + "\n" + (_nightly_sharded(d, install, shards) if shards > 1 else _nightly())


_NIGHTLY_RULES = """\
  rules:
    - if: $CI_PIPELINE_SOURCE == "schedule" || $CI_PIPELINE_SOURCE == "web"
"""


def _nightly() -> str:
    return f"""\
perfgate-nightly:
  extends: .perfgate
  stage: test
{_NIGHTLY_RULES}\
  timeout: 2h
  script:
    - perfgate run --tier nightly --warn-only --format markdown -o {REPORT} || status=$?
{_SYNC_PUSH}
    - exit "${{status:-0}}"
  artifacts:
    when: always
    paths: [{REPORT}]
    expire_in: 1 month
"""


def _nightly_sharded(d: Detected, install: str, shards: int) -> str:
    return f"""\
perfgate-nightly:
  extends: .perfgate
  stage: test
{_NIGHTLY_RULES}\
  timeout: 2h
  parallel: {shards}
  script:
    - >-
      perfgate run --tier nightly --warn-only
      --shard "$CI_NODE_INDEX/$CI_NODE_TOTAL" --export "perfgate-shard-$CI_NODE_INDEX.json"
  artifacts:
    when: always
    paths: [perfgate-shard-*.json]
    expire_in: 1 week

perfgate-nightly-merge:
  extends: .perfgate
  stage: test
  rules:
    - if: $CI_PIPELINE_SOURCE == "schedule" || $CI_PIPELINE_SOURCE == "web"
      when: always  # gate what the shards measured, also when one of them failed
  needs: [perfgate-nightly]
  before_script:
{_indent(_install(d, install, False), 4)}\
    - perfgate sync --no-push
  script:
    - >-
      perfgate merge perfgate-shard-*.json --tier nightly --warn-only
      --format markdown -o {REPORT} || status=$?
{_SYNC_PUSH}
    - exit "${{status:-0}}"
  artifacts:
    when: always
    paths: [{REPORT}]
    expire_in: 1 month
"""
