"""A real git repository in a temporary directory and the real `perfgate` command run in it.

Shared by the end-to-end tests (tests/e2e) and the `perfgate ab` tests (tests/ab): ``tests/`` is on
``sys.path`` for test packages directly below it, so ``from gitproject import GitProject`` works there.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LIB = """\
def work(n):
    total = 0
    for i in range({factor} * n):
        total += i * i
    return total


def cheap(n):
    return sum(range(n))
"""
"""A library for test projects: ``work`` costs ``factor`` times more with ``LIB.format(factor=3)``."""

CHILD_PYTEST_ADDOPTS = "-p no:hypothesispytest -p no:anyio"
"""What every pytest a test starts (pytester's, `perfgate run`'s, `perfgate ab`'s) leaves out: plugins
installed for this suite that its test projects never use. Hypothesis' plugin imports all of hypothesis
at the end of every session (``pytest_terminal_summary``), and with ``PYTHONDONTWRITEBYTECODE`` (set on
this machine, and by `perfgate run` for its pytest) pytest assertion-rewrites its ~70 modules and
anyio's ~30 in every process: about 2 of the 3.5 CPU seconds of a pytest child's start-up. Behaviour
beside those plugins is the suite's own run, which loads them all."""


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


class GitProject:
    """A project directory with its own git repository; CI variables of the outer run, and
    pytest-xdist's when the suite runs in workers (``-n 2``), are left out."""

    def __init__(self, root: Path, testbed: str) -> None:
        self.root = root
        outer = ("GITHUB_", "GITLAB", "CI", "PERFGATE_", "PYTEST_XDIST_")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(outer)}
        self.env.update(
            GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.invalid", GIT_COMMITTER_NAME="t",
            GIT_COMMITTER_EMAIL="t@example.invalid", NO_COLOR="1", PERFGATE_TESTBED=testbed,
            PYTEST_ADDOPTS=CHILD_PYTEST_ADDOPTS,
        )  # fmt: skip

    def init(self) -> None:
        self.root.mkdir()
        self.git("init", "-q", "-b", "main")

    def git(self, *args: str) -> str:
        out = subprocess.run(
            ["git", *args], cwd=self.root, env=self.env, check=True, capture_output=True, text=True
        )
        return out.stdout.strip()

    def write(self, rel: str, text: str) -> None:
        p = self.root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")

    def commit(self, message: str) -> str:
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)
        return self.git("rev-parse", "HEAD")

    def perfgate(self, *args: str, stdin: str | None = None) -> Result:
        proc = subprocess.run(
            [sys.executable, "-m", "perfgate", *args], cwd=self.root, env=self.env, capture_output=True,
            text=True, input=stdin, timeout=600,
        )  # fmt: skip
        return Result(proc.returncode, proc.stdout, proc.stderr)

    def perfgate_here(self, *args: str, stdin: str | None = None) -> Result:
        """``perfgate ARGS`` in this process, in the project's directory with its environment: the same
        command without an interpreter's start-up (numpy, scipy), for tests of logic that measure
        nothing (ingest, compare, runs). Tests of what a real process does keep :meth:`perfgate`."""
        from perfgate.cli.main import main

        out, err = io.StringIO(), io.StringIO()
        with contextlib.chdir(self.root), contextlib.redirect_stderr(err):
            code = main(
                list(args), cwd=self.root, environ=self.env, stdout=out, stdin=io.StringIO(stdin or "")
            )
        return Result(code, out.getvalue(), err.getvalue())

    def worktrees(self) -> list[str]:
        lines = self.git("worktree", "list", "--porcelain").splitlines()
        return [ln for ln in lines if ln.startswith("worktree ")]
