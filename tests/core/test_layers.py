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
    # (measure.harness runs another harness's command and reads its output with the adapter named)
    "measure": {"model", "stats", "adapters"},
    "adapters": {"model", "stats"},
    "store": {"model", "stats"},
    # HTTP load tests: measuring, like perfgate.measure
    "load": {"model", "stats"},
    "report": {"model", "stats", "gate"},
    # forge APIs for pull-request comments and statuses: reads reports and the CI environment
    "ci": {"model", "stats", "gate", "report", "context"},
    "context": {"model"},
    "config": {"model", "gate", "stats", "measure", "load"},
    "invocation": {"config"},
    "argtypes": set(),
    # application: what each command does, as functions (runner: the child pytest that measures)
    "runner": {"model", "config", "invocation", "measure"},
    "app": {"model", "stats", "gate", "measure", "adapters", "store", "context", "config", "runner", "load"},
    "ab": {"model", "stats", "gate", "measure", "report", "context", "config", "invocation", "app"},
    # front ends: the CLI may use everything below it; the pytest plugin loads in every pytest session
    # of a user who has perfgate installed (a pytest11 entry point) and hands its results on as a
    # document, so it stays off the store, the application and the other front ends
    "cli": {"model", "stats", "gate", "measure", "adapters", "store", "report", "context", "config", "load"}
    | {"argtypes", "invocation", "runner", "app", "ab", "ci"},
    # (config: read lazily, only for the project's `redact` key when a benchmark fails)
    "pytest_plugin": {"model", "stats", "measure", "adapters", "context", "config", "argtypes", "invocation"},
}
# the package's own modules: its public API (model and errors) and ``python -m perfgate``
TOP = {"__init__": {"model"}, "__main__": {"cli"}, "errors": set(), "escape": set()}
# leaves any layer may import: the exception tree, and the escaping of strings from input (pure string
# functions, needed wherever untrusted text is printed: reports, the CLI, the pytest plugin's own table)
LEAVES = {"errors", "escape"}


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
    bad = perfgate_imports(path) - ALLOWED[layer] - {layer} - LEAVES
    assert not bad, f"{path.relative_to(SRC)} ({layer}) imports perfgate.{', perfgate.'.join(sorted(bad))}"


@pytest.mark.parametrize("module", sorted(TOP))
def test_the_package_modules_import_little(module):
    bad = perfgate_imports(SRC / f"{module}.py") - TOP[module] - LEAVES
    assert not bad, f"{module}.py imports perfgate.{', perfgate.'.join(sorted(bad))}"


def test_every_module_has_a_layer():
    """A new package or top-level module gets its rule here, so no import goes unchecked."""
    known = set(ALLOWED) | set(TOP)
    found = {p.stem if p.is_file() else p.name for p in SRC.iterdir() if p.suffix == ".py" or p.is_dir()}
    found.discard("__pycache__")
    assert found <= known, f"no layer rule for perfgate.{', perfgate.'.join(sorted(found - known))}"


def test_no_module_imports_relatively():
    """Relative imports would slip past these rules: perfgate imports absolutely."""
    for f in SRC.rglob("*.py"):
        tree = ast.parse(f.read_text(encoding="utf-8"))
        rel = [n.lineno for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level > 0]
        assert not rel, f"{f.relative_to(SRC)}:{rel[0]}: relative import"


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


def cli_imports(path: Path) -> set[str]:
    """The modules of ``perfgate.cli`` that ``path`` imports (``from perfgate.cli import x`` included)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[2] for a in node.names if a.name.startswith("perfgate.cli.")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "perfgate.cli":
                found |= {a.name for a in node.names}
            elif node.module.startswith("perfgate.cli."):
                found.add(node.module.split(".")[2])
    return found


@pytest.mark.parametrize(
    "path",
    [p for p in sorted((SRC / "cli").glob("*.py")) if p.stem not in ("__init__", "main")],
    ids=lambda p: p.name,
)
def test_a_command_module_imports_only_the_cli_common_module(path):
    """A command is one module: it shares ``perfgate.cli.common`` and never another command (only
    ``cli/main.py`` knows them all), so adding or changing one touches one file plus its registration."""
    bad = cli_imports(path) - {"common"}
    assert not bad, f"cli/{path.name} imports perfgate.cli.{', perfgate.cli.'.join(sorted(bad))}"
