"""perfgate.lazy: packages that re-export their modules' names and import a module when one of its names
is first read, so a command loads what it uses (docs/scale.md, "Start-up")."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

import perfgate

SRC = Path(perfgate.__file__).parent


def is_lazy(init: Path) -> bool:
    tree = ast.parse(init.read_text(encoding="utf-8"))
    calls = [n.func for n in ast.walk(tree) if isinstance(n, ast.Call)]
    return any(isinstance(f, ast.Name) and f.id == "_lazy_package" for f in calls)


LAZY = sorted(
    ".".join(("perfgate", *p.parent.relative_to(SRC).parts)) for p in SRC.rglob("__init__.py") if is_lazy(p)
)


def imports_of(init: Path) -> tuple[dict[str, str], set[str]]:
    """(name -> module of the imports type checkers see, names the package imports at once)."""
    tree = ast.parse(init.read_text(encoding="utf-8"))
    checked: dict[str, str] = {}
    eager: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "typing.TYPE_CHECKING":
            for imp in node.body:
                assert isinstance(imp, ast.ImportFrom) and imp.module
                checked.update({a.name: imp.module for a in imp.names})
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("perfgate."):
            eager.update(a.name for a in node.names)
    return checked, eager


def test_the_heavy_packages_are_lazy() -> None:
    heavy = {"app", "ci", "context", "gate", "load", "measure", "report", "stats"}
    assert {"perfgate"} | {f"perfgate.{p}" for p in heavy} <= set(LAZY)


@pytest.mark.parametrize("package", LAZY)
def test_a_lazy_package_exports_the_names_its_imports_list(package: str) -> None:
    """The runtime table, the imports type checkers read and ``__all__`` name the same things."""
    pkg = importlib.import_module(package)
    checked, eager = imports_of(SRC.joinpath(*package.split(".")[1:], "__init__.py"))
    exported = {n for n in pkg.__all__ if not n.startswith("_")}  # (perfgate's __version__ is not imported)
    assert set(checked) | eager == exported
    public = {n for n in dir(pkg) if not n.startswith("_") and not isinstance(getattr(pkg, n), ModuleType)}
    assert public - {"annotations"} == exported
    for name, module in checked.items():
        assert getattr(pkg, name) is getattr(importlib.import_module(module), name), name


def test_an_unknown_name_is_an_attribute_error() -> None:
    from perfgate import app

    with pytest.raises(AttributeError, match=r"module 'perfgate\.app' has no attribute 'nope'"):
        _ = app.nope
    with pytest.raises(ImportError, match="nope"):
        from perfgate.app import nope  # noqa: F401


def test_a_submodule_does_not_hide_the_name_it_shares() -> None:
    """``perfgate.app.history`` is the use case, also once its module ``perfgate.app.history`` ran."""
    module = importlib.import_module("perfgate.app.history")
    from perfgate import app

    assert app.history is module.history


def test_reading_a_name_imports_its_module_only() -> None:
    probe = (
        "import sys\n"
        "from perfgate.app import list_runs\n"
        "print(sorted(m for m in sys.modules if m.startswith('perfgate.app.')))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "['perfgate.app.history', 'perfgate.app.workspace']"
