"""The import arrows of DESIGN.md: lower layers never import higher ones."""

import ast
from pathlib import Path

import pytest

import perfgate

SRC = Path(perfgate.__file__).parent

# package -> perfgate packages it may import (besides itself and perfgate.errors)
ALLOWED = {
    "model": set(),
    "stats": {"model"},
    "gate": {"model", "stats"},
    "measure": {"model", "stats"},
    "adapters": {"model", "stats"},
    "store": {"model", "stats"},
    "report": {"model", "stats", "gate"},
    "context": {"model"},
    "config": {"model", "gate", "stats", "measure"},
    "invocation": {"config"},
}


def perfgate_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for n in names:
            parts = n.split(".")
            if parts[0] == "perfgate" and len(parts) > 1:
                found.add(parts[1])
    return found


def layer_files():
    for layer in ALLOWED:
        pkg = SRC / layer
        files = sorted(pkg.rglob("*.py")) if pkg.is_dir() else [SRC / f"{layer}.py"]
        for f in files:
            yield pytest.param(layer, f, id=str(f.relative_to(SRC)))


@pytest.mark.parametrize(("layer", "path"), list(layer_files()))
def test_imports_point_downwards(layer, path):
    bad = perfgate_imports(path) - ALLOWED[layer] - {layer, "errors"}
    assert not bad, f"{path.relative_to(SRC)} ({layer}) imports perfgate.{', perfgate.'.join(sorted(bad))}"


def test_model_imports_only_the_standard_library():
    import sys

    for f in (SRC / "model").rglob("*.py"):
        tree = ast.parse(f.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom) and getattr(node, "level", 0) == 0:
                mods = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                for m in mods:
                    top = m.split(".")[0]
                    assert top in sys.stdlib_module_names or top in ("perfgate", "__future__"), (f, m)
