"""Where a perfgate project lives: the directory its configuration and ``.perfgate/`` data belong to."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from perfgate.context.git import repo_root

__all__ = ["project_root"]

# Recognises the table header in a pyproject.toml that tomllib cannot parse (see _declares_perfgate).
_TABLE_HEADER = re.compile(r"^\s*\[\s*tool\s*\.\s*perfgate\s*[\].]", re.MULTILINE)


def project_root(start: Path) -> Path:
    """The project directory for ``start`` (a directory or a file in it).

    Searching upwards from ``start``, the first directory holding a ``perfgate.toml`` or a
    ``pyproject.toml`` with a ``[tool.perfgate]`` table. The search stops at the top of the git work
    tree, so a configuration in some unrelated parent directory is never picked up; without a
    configuration the answer is the git root, and outside git it is ``start`` itself.
    """
    here = start.expanduser().resolve()
    if here.exists() and not here.is_dir():
        here = here.parent
    top = repo_root(here)
    top = top.resolve() if top is not None else None
    for directory in (here, *here.parents):
        if _is_configured(directory):
            return directory
        if directory == top:
            break
    return top if top is not None else here


def _is_configured(directory: Path) -> bool:
    if (directory / "perfgate.toml").is_file():
        return True
    pyproject = directory / "pyproject.toml"
    return pyproject.is_file() and _declares_perfgate(pyproject)


def _declares_perfgate(pyproject: Path) -> bool:
    try:
        text = pyproject.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    try:
        tool = tomllib.loads(text).get("tool")
    except tomllib.TOMLDecodeError:
        # A broken file that clearly has our table is still the project root: the configuration
        # loader then reports the syntax error with its line, instead of perfgate silently looking
        # for the project elsewhere.
        return _TABLE_HEADER.search(text) is not None
    return isinstance(tool, dict) and isinstance(tool.get("perfgate"), dict)
