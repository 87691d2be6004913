"""project_root: configuration first, then the git root, then the start directory."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from perfgate.context import project_root

from .conftest import Repo

PYPROJECT_WITH = '[project]\nname = "w"\n\n[tool.perfgate]\ntier = "fast"\n'
PYPROJECT_WITHOUT = '[project]\nname = "w"\n\n[tool.ruff]\nline-length = 100\n'


def test_perfgate_toml_in_a_sub_project(repo: Repo) -> None:
    repo.write("services/api/perfgate.toml", "")
    deep = repo.path / "services" / "api" / "bench" / "x"
    deep.mkdir(parents=True)
    assert project_root(deep) == (repo.path / "services" / "api").resolve()


def test_pyproject_counts_only_with_a_perfgate_table(repo: Repo) -> None:
    repo.write("pkg/pyproject.toml", PYPROJECT_WITHOUT)
    repo.write("pyproject.toml", PYPROJECT_WITH)
    assert project_root(repo.path / "pkg") == repo.path.resolve()


def test_dotted_and_nested_perfgate_tables(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "pyproject.toml").write_text('[tool.perfgate.tiers.fast]\nmax_time = "1m"\n')
    assert project_root(tmp_path / "a") == (tmp_path / "a").resolve()


def test_without_configuration_the_git_root(repo: Repo) -> None:
    repo.write("pyproject.toml", PYPROJECT_WITHOUT)
    sub = repo.path / "src" / "pkg"
    sub.mkdir(parents=True)
    assert project_root(sub) == repo.path.resolve()


def test_configuration_above_the_git_root_is_not_ours(
    tmp_path: Path, make_repo: Callable[[str], Repo]
) -> None:
    (tmp_path / "perfgate.toml").write_text("")
    repo = make_repo("inner")
    assert project_root(repo.path) == repo.path.resolve()


def test_outside_git_without_configuration_the_start(tmp_path: Path) -> None:
    start = tmp_path / "somewhere"
    start.mkdir()
    assert project_root(start) == start.resolve()


def test_outside_git_configuration_above_is_found(tmp_path: Path) -> None:
    (tmp_path / "perfgate.toml").write_text("")
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    assert project_root(deep) == tmp_path.resolve()


def test_a_file_as_start(repo: Repo) -> None:
    repo.write("perfgate.toml", "")
    bench = repo.write("bench/test_x.py", "")
    assert project_root(bench) == repo.path.resolve()


def test_broken_pyproject_with_our_table_still_marks_the_root(repo: Repo) -> None:
    repo.write("pkg/pyproject.toml", '[tool.perfgate]\ntier = "fast\n')  # unterminated string
    repo.write("other/pyproject.toml", "[tool.ruff\nx = 1\n")  # broken, not ours
    assert project_root(repo.path / "pkg") == (repo.path / "pkg").resolve()
    assert project_root(repo.path / "other") == repo.path.resolve()
