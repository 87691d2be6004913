"""The two source trees of an A/B run: git worktrees in a temporary directory, always removed again.

The base is always a worktree of ``--base``. The head is the working tree as it is (dirty or not) unless
``--head REF`` names a commit, which then gets a worktree of its own. Each side imports its own code:
its pytest runs in its own tree with ``PYTHONPATH`` starting with the tree's root and ``src/``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from pathlib import Path

from perfgate import context
from perfgate.errors import ContextError
from perfgate.model import GitInfo

__all__ = ["Side", "import_path", "trees"]

_GIT_TIMEOUT = 120.0
_REPO_VARS = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_COMMON_DIR")


@dataclass(frozen=True, slots=True)
class Side:
    """One side of the comparison: where its code is and which commit it is."""

    name: str  # "base" or "head"
    tree: Path  # the git work tree
    cwd: Path  # the project root inside it (where pytest runs)
    git: GitInfo | None
    label: str  # for people: "main (1a2b3c4d)", "working tree (dirty)"


def _git(top: Path, *args: str) -> None:
    env = {k: v for k, v in os.environ.items() if k not in _REPO_VARS}
    try:
        cp = subprocess.run(
            ["git", *args], cwd=top, env=env, capture_output=True, timeout=_GIT_TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ContextError(f"git {args[0]} in {top} failed: {exc}") from exc
    if cp.returncode != 0:
        msg = cp.stderr.decode(errors="replace").strip().splitlines()
        raise ContextError(f"git {' '.join(args[:2])} in {top} failed: {msg[-1] if msg else cp.returncode}")


def import_path(tree: Path, environ: Mapping[str, str]) -> str:
    """``PYTHONPATH`` for a side: its tree's ``src/`` (when present) and root first, then what was set."""
    parts = [str(tree / "src")] if (tree / "src").is_dir() else []
    parts.append(str(tree))
    old = environ.get("PYTHONPATH")
    if old:
        parts.append(old)
    return os.pathsep.join(parts)


def _local_branch(top: Path, ref: str) -> str | None:
    try:
        context.resolve_ref(top, f"refs/heads/{ref}")
    except ContextError:
        return None
    return ref


def _worktree_side(
    name: str, top: Path, rel: Path, ref: str, where: Path, environ: Mapping[str, str]
) -> Side:
    sha = context.resolve_ref(top, ref)
    _git(top, "worktree", "add", "--detach", "--quiet", str(where), sha)
    info = context.git_info(where, environ)
    if info is not None and info.branch is None:
        info = replace(info, branch=_local_branch(top, ref))
    return Side(name, where, where / rel, info, f"{ref} ({sha[:8]})")


@contextmanager
def trees(
    project_root: Path, base: str, head: str | None, environ: Mapping[str, str]
) -> Iterator[tuple[Side, Side]]:
    """Base and head trees for the project at ``project_root``; worktrees are removed on exit (also on
    Ctrl-C and errors), and so is their temporary directory."""
    top = context.repo_root(project_root)
    if top is None:
        raise ContextError(f"perfgate ab needs a git repository: {project_root} is not inside one")
    rel = project_root.resolve().relative_to(top.resolve())
    tmp = Path(tempfile.mkdtemp(prefix="perfgate-ab-"))
    made: list[Path] = []
    try:
        base_side = _worktree_side("base", top, rel, base, tmp / "base", environ)
        made.append(tmp / "base")
        if head is None:
            info = context.git_info(top, environ)
            state = "dirty" if info is not None and info.dirty else "clean"
            commit = f"{info.commit[:8]}, " if info is not None else ""
            head_side = Side("head", top, project_root, info, f"working tree ({commit}{state})")
        else:
            head_side = _worktree_side("head", top, rel, head, tmp / "head", environ)
            made.append(tmp / "head")
        yield base_side, head_side
    finally:
        for path in made:
            with suppress(ContextError):  # else removed below with the directory; prune forgets it
                _git(top, "worktree", "remove", "--force", str(path))
        shutil.rmtree(tmp, ignore_errors=True)
        with suppress(ContextError):
            _git(top, "worktree", "prune")
