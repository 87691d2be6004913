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
    "detect": {"model", "stats"},  # (stats.lazy: numpy loaded on first use)
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
    # alert rules (pure: parsed with the configuration) and their channels (HTTP, SMTP, and the
    # pull-request comment posted through perfgate.ci, its text escaped by perfgate.report)
    "alerts": {"model", "stats", "gate", "ci", "report"},
    "config": {"model", "gate", "stats", "measure", "load", "alerts"},
    "invocation": {"config"},
    "argtypes": set(),
    # application: what each command does, as functions (runner: the child pytest that measures)
    "runner": {"model", "config", "invocation", "measure"},
    "app": {
        "model",
        "stats",
        "detect",
        "gate",
        "measure",
        "adapters",
        "store",
        "context",
        "config",
        "runner",
        "load",
    }
    | {"alerts"},
    # the run history on a git data branch: runs between the store and git
    "sync": {"model", "store", "context"},
    # (store: perfgate bisect judges a commit from its stored runs before measuring it)
    # (load: perfgate ab measures load scenarios against each side's services)
    "ab": {"model", "stats", "gate", "measure", "report", "context", "config", "invocation", "app", "store"}
    | {"load"},
    # front ends: the CLI may use everything below it; the pytest plugin loads in every pytest session
    # of a user who has perfgate installed (a pytest11 entry point) and hands its results on as a
    # document, so it stays off the store, the application and the other front ends
    # perfgate init's detection and templates: reads the project, renders text, writes nothing itself
    # but the files it plans
    "scaffold": set(),
    # the dashboard's pages read the store through the application only
    "dashboard": {"model", "stats", "detect", "gate", "report", "app"},
    "cli": {
        "model",
        "stats",
        "detect",
        "gate",
        "measure",
        "adapters",
        "store",
        "report",
        "context",
        "config",
        "load",
    }
    | {"alerts", "argtypes", "invocation", "runner", "app", "ab", "ci", "sync", "scaffold", "dashboard"},
    # (config: read lazily, only for the project's `redact` key when a benchmark fails)
    "pytest_plugin": {"model", "stats", "measure", "adapters", "context", "config", "argtypes", "invocation"},
}
# the package's own modules: its public API (model and errors) and ``python -m perfgate``
TOP = {
    "__init__": {"model"},
    "__main__": {"cli"},
    "errors": set(),
    "escape": set(),
    "urls": set(),
    "strict": set(),
    "lazy": set(),
    "gcpause": set(),
    "bulk": set(),
    "frozen": set(),
}
# leaves any layer may import: the exception tree, the escaping of strings from input (pure string
# functions, needed wherever untrusted text is printed: reports, the CLI, the pytest plugin's own table),
# the one rule telling a store URL from a path (the configuration and the store must agree on it), and
# the lazy re-exports of a package's names (perfgate.lazy: a command imports only what it uses), and
# the garbage collector paused around bulk building (perfgate.gcpause), and the base of the value
# classes every command builds as it starts (perfgate.frozen: no dataclasses on that path)
LEAVES = {"errors", "escape", "urls", "strict", "lazy", "gcpause", "bulk", "frozen"}
# inside the application layer: module of perfgate.app -> the modules of perfgate.app it may import.
# The workspace and the baseline policy are the bottom; the suites know nothing of storing or gating.
APP = {
    "__init__": {
        "workspace",
        "baseline",
        "suites",
        "suite",
        "judge",
        "ingest",
        "compare",
        "history",
        "series",
        "commands",
        "shards",
        "stored",
        "alerts",
        "managed",
        "load",
        "changes",
    },
    "workspace": set(),
    "baseline": {"workspace"},
    "suites": set(),
    # a run built and judged: what every gating command shares, without suites, services or scrapers
    "judge": {"workspace", "baseline"},
    "suite": {"workspace", "baseline", "suites", "managed", "judge"},
    "ingest": {"workspace", "baseline", "judge"},
    "compare": {"workspace", "baseline", "judge", "ingest"},
    "history": {"workspace"},
    # every stored series as change detection and trends read them
    "series": {"workspace"},
    "commands": {"workspace", "baseline", "suites", "judge", "compare"},
    "shards": {"workspace", "baseline", "judge", "ingest"},
    "stored": {"workspace", "baseline", "judge"},
    "alerts": {"workspace"},
    "managed": {"workspace"},
    # perfgate load: the configured scenarios (suites) run with the services of a run (suite)
    "load": {"workspace", "suites", "suite"},
    # change points on their testbeds: the stored series (series) on the gate's spreads (baseline)
    "changes": {"workspace", "baseline", "series"},
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
    bad = perfgate_imports(path) - ALLOWED[layer] - {layer} - LEAVES
    assert not bad, f"{path.relative_to(SRC)} ({layer}) imports perfgate.{', perfgate.'.join(sorted(bad))}"


@pytest.mark.parametrize("module", sorted(TOP))
def test_the_package_modules_import_little(module):
    bad = perfgate_imports(SRC / f"{module}.py") - TOP[module] - LEAVES
    assert not bad, f"{module}.py imports perfgate.{', perfgate.'.join(sorted(bad))}"


def app_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("perfgate.app."):
            found.add(node.module.split(".")[2])
        elif isinstance(node, ast.ImportFrom) and node.module == "perfgate.app":
            found.update(a.name for a in node.names)
    return found


@pytest.mark.parametrize("module", sorted(APP))
def test_the_application_modules_import_downwards(module):
    bad = app_imports(SRC / "app" / f"{module}.py") - APP[module]
    assert not bad, f"app/{module}.py imports perfgate.app.{', perfgate.app.'.join(sorted(bad))}"


def test_every_application_module_has_a_rule():
    found = {p.stem for p in (SRC / "app").glob("*.py")}
    assert found == set(APP), f"no rule for perfgate.app.{', perfgate.app.'.join(sorted(found - set(APP)))}"


def test_one_url_rule():
    """Only perfgate.urls decides whether a store location is a URL (no other module spells "://" in a
    comparison: the store and the configuration once decided it each on their own)."""
    for f in SRC.rglob("*.py"):
        if f.relative_to(SRC).parts[0] in (
            "urls.py",
            "pytest_plugin",
        ):  # the plugin: pytest-benchmark's file://
            continue
        tree = ast.parse(f.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Compare):
                consts = [n for n in (node.left, *node.comparators) if isinstance(n, ast.Constant)]
                assert not any(c.value == "://" for c in consts), f"{f.relative_to(SRC)}:{node.lineno}"


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
