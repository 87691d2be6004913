"""What ``perfgate init`` writes, where, and the rule that it never destroys what is there.

:func:`plan` decides every file and its whole new content before anything is written, and refuses (one
line naming the file) when a file exists and ``force`` is not given; :func:`write` then writes each file
through a temporary file. ``pyproject.toml`` is never rewritten: the table is appended, and the result is
read back to check that every other table is exactly what it was.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from perfgate.errors import UsageError
from perfgate.scaffold.config_text import render_config
from perfgate.scaffold.detect import Detected
from perfgate.scaffold.github import render_comment_workflow, render_workflow
from perfgate.scaffold.gitlab import render_gitlab

__all__ = ["MARK", "Options", "Planned", "plan", "write"]

#: Every generated file says so: a ``.gitlab-ci.yml`` carrying it is perfgate's own to replace.
MARK = "Written by `perfgate init`"
GITHUB_WORKFLOW = ".github/workflows/perfgate.yml"
GITHUB_COMMENT_WORKFLOW = ".github/workflows/perfgate-comment.yml"
GITLAB_FILE = ".gitlab-ci.yml"
GITLAB_INCLUDE = "perfgate.gitlab-ci.yml"
MAX_SHARDS = 64


@dataclass(frozen=True, slots=True)
class Options:
    """The choices on ``perfgate init``'s command line. ``github``/``gitlab`` None: as detected."""

    github: bool | None = None
    gitlab: bool | None = None
    shards: int = 0  # 0 or 1: the nightly tier in one job; N: a matrix of N shards and a merge job
    install: str = "perfgate"  # what the CI jobs pip-install to get perfgate
    force: bool = False

    def __post_init__(self) -> None:
        if self.shards < 0 or self.shards > MAX_SHARDS:
            raise UsageError(f"--shards must be between 1 and {MAX_SHARDS}, got {self.shards}")
        if not self.install.strip() or any(not ch.isprintable() for ch in self.install):
            raise UsageError(f"--install must be one line naming what pip installs, got {self.install!r}")


@dataclass(frozen=True, slots=True)
class Planned:
    """One file to write: its path relative to the root, its whole new content, and what changes."""

    path: str
    content: str
    action: str  # "create", "append" (to pyproject.toml, .gitignore) or "replace" (--force)
    shown: str  # what --dry-run prints: the new file, or the appended part

    @property
    def summary(self) -> str:
        """What was done, for the user: ``wrote perfgate.toml``."""
        if self.action == "append":
            what = "[tool.perfgate]" if self.path == "pyproject.toml" else self.shown.strip()
            return f"appended {what} to {self.path}"
        return f"{'wrote' if self.action == 'create' else 'replaced'} {self.path}"


def plan(d: Detected, opts: Options) -> tuple[list[Planned], list[str]]:
    """The files for the detected project, and notes for the user (what to do next)."""
    if d.git_top is not None and d.git_top != d.root:
        raise UsageError(
            f"{d.root}: not the top of its git repository; run perfgate init in {d.git_top} "
            "(GitHub and GitLab read CI files only there)"
        )
    notes: list[str] = []
    files = [_config(d, opts.force)]
    gitlab = opts.gitlab if opts.gitlab is not None else (d.gitlab and opts.github is None)
    github = opts.github if opts.github is not None else (opts.gitlab is None and (d.github or not d.gitlab))
    if github:
        workflow = render_workflow(d, install=opts.install, shards=opts.shards)
        files.append(_file(d.root, GITHUB_WORKFLOW, workflow, opts.force))
        comment = render_comment_workflow(install=opts.install, python=d.python)
        files.append(_file(d.root, GITHUB_COMMENT_WORKFLOW, comment, opts.force))
    if gitlab:
        text = render_gitlab(d, install=opts.install, shards=opts.shards)
        existing = d.root / GITLAB_FILE
        if existing.is_file() and MARK not in _read(existing):
            files.append(_file(d.root, GITLAB_INCLUDE, text, opts.force))
            notes.append(
                f"{GITLAB_FILE} exists and is yours: add `include: [{{local: {GITLAB_INCLUDE}}}]` to it "
                "to run perfgate's jobs"
            )
        else:
            files.append(_file(d.root, GITLAB_FILE, text, opts.force))
    ignore = _gitignore(d.root)
    if ignore is not None:
        files.append(ignore)
    if not d.python_files and not d.suites:
        notes.append(
            "no benchmark found (pytest-benchmark's `benchmark` fixture, @pytest.mark.benchmark, Go "
            "func Benchmark..., Cargo bench targets): the configuration is ready for the first one"
        )
    return files, notes


def write(files: list[Planned], root: Path) -> None:
    """Write the planned files (directories made as needed), each through a temporary file."""
    for f in files:
        path = root / f.path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(path.name + ".perfgate-init.tmp")
            tmp.write_text(f.content, encoding="utf-8")
            tmp.replace(path)
        except OSError as exc:
            raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read: {exc}") from None


def _file(root: Path, rel: str, content: str, force: bool) -> Planned:
    path = root / rel
    if path.exists():
        if not force:
            raise UsageError(f"{rel}: exists; perfgate init does not overwrite it (--force does)")
        return Planned(rel, content, "replace", content)
    return Planned(rel, content, "create", content)


def _config(d: Detected, force: bool) -> Planned:
    """perfgate.toml when it exists or there is no pyproject.toml, else a table appended to pyproject."""
    if (d.root / "perfgate.toml").exists() or not d.pyproject:
        return _file(d.root, "perfgate.toml", render_config(d, ""), force)
    path = d.root / "pyproject.toml"
    old = _read(path)
    data = _toml(old, "pyproject.toml")
    action = "append"
    if "perfgate" in data.get("tool", {}):
        if not force:
            raise UsageError(
                "pyproject.toml: already has [tool.perfgate]; perfgate init does not overwrite it "
                "(--force replaces that table)"
            )
        old = _without_perfgate(old)
        action = "replace"
    table = render_config(d, "tool.perfgate")
    new = old.rstrip("\n") + "\n\n" + table if old.strip() else table
    if _others(_toml(new, "pyproject.toml")) != _others(data):
        raise UsageError(
            "pyproject.toml: appending [tool.perfgate] would change other tables; add it by hand"
        )
    return Planned("pyproject.toml", new, action, table)


def _gitignore(root: Path) -> Planned | None:
    """``.perfgate/`` (the local store) added to ``.gitignore`` unless a line there names it already."""
    path = root / ".gitignore"
    old = _read(path) if path.is_file() else ""
    if any(line.strip().strip("/") == ".perfgate" for line in old.splitlines()):
        return None
    line = ".perfgate/\n"
    new = old + ("\n" if old and not old.endswith("\n") else "") + line
    return Planned(".gitignore", new, "append" if old else "create", line)


def _toml(text: str, name: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{name}: invalid TOML: {exc}") from None


def _others(data: dict[str, Any]) -> dict[str, Any]:
    """The document without ``tool.perfgate`` (and without a ``tool`` table that held only it)."""
    out = dict(data)
    tool = dict(out.get("tool", {}))
    tool.pop("perfgate", None)
    if tool:
        out["tool"] = tool
    else:
        out.pop("tool", None)
    return out


_HEADER = re.compile(r"^\s*\[\[?\s*([^\[\]#]+?)\s*\]\]?\s*(?:#.*)?$")


def _without_perfgate(text: str) -> str:
    """``text`` without its ``[tool.perfgate]`` and ``[tool.perfgate.*]`` tables (every other line kept);
    refused when the tables cannot be told apart line by line (the check is reading the result back)."""
    kept: list[str] = []
    inside = False
    for line in text.splitlines(keepends=True):
        m = _HEADER.match(line)
        if m:
            key = re.sub(r"\s*\.\s*", ".", m.group(1))
            inside = key == "tool.perfgate" or key.startswith("tool.perfgate.")
        if not inside:
            kept.append(line)
    result = "".join(kept)
    try:
        after = tomllib.loads(result)
        ok = _others(after) == _others(tomllib.loads(text)) and "perfgate" not in after.get("tool", {})
    except tomllib.TOMLDecodeError:
        ok = False
    if not ok:
        raise UsageError("pyproject.toml: cannot remove [tool.perfgate] line by line; delete it by hand")
    return result
