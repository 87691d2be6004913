"""What ``perfgate init`` finds in a project: Python benchmarks, Go and Cargo harnesses, the CI forge.

Detection reads files only (and asks git for the remote and the main branch); it never runs the
project's code. Python files are parsed, not grepped, so a string that mentions ``benchmark`` is not a
benchmark.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Detected", "HarnessSuite", "detect"]

# directories no benchmark of the project lives in: VCS data, virtual environments, build output
_SKIP_DIRS = frozenset({
    ".git", ".hg", ".svn", ".tox", ".nox", ".venv", "venv", "env", "node_modules", "__pycache__",
    "build", "dist", "target", "vendor", "site-packages", ".perfgate", ".mypy_cache", ".pytest_cache",
    ".ruff_cache", ".eggs",
})  # fmt: skip
_MAX_FILES = 20_000  # a project larger than this is walked only that far
# a branch name written into workflows as it is (git allows quotes and $ in names; those get "main")
_SAFE_REF = re.compile(r"[A-Za-z0-9._/-]+")
_GO_BENCH = re.compile(r"^func\s+Benchmark\w*\s*\(", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class HarnessSuite:
    """A ``[[suites]]`` entry to write: another harness's command that ``perfgate run`` drives."""

    name: str
    command: tuple[str, ...]
    format: str  # an adapter name (perfgate ingest --list-formats)
    output: str  # "stdout", a file or a directory
    cwd: str  # relative to the project root, posix
    timeout: str
    args: tuple[tuple[str, tuple[str, ...]], ...]  # (tier, arguments appended to command)
    found: str  # what it was detected from, for the comment above it

    def __post_init__(self) -> None:
        if not self.name or not self.command:
            raise ValueError("a harness suite needs a name and a command")


@dataclass(frozen=True, slots=True)
class Detected:
    """The project as ``perfgate init`` sees it (paths relative to the root, posix, sorted)."""

    root: Path
    pytest_benchmark: tuple[str, ...] = ()  # test files using the ``benchmark`` fixture
    codspeed: tuple[str, ...] = ()  # test files with ``@pytest.mark.benchmark``
    suites: tuple[HarnessSuite, ...] = ()
    github: bool = False  # a .github directory, or a remote on GitHub
    gitlab: bool = False  # a .gitlab-ci.yml, or a remote on GitLab
    main_branch: str = "main"
    pyproject: bool = False  # pyproject.toml exists
    installable: bool = False  # pyproject.toml or setup.py: ``pip install -e .`` works
    git_top: Path | None = None  # the top of the git work tree root is in, if any
    python: str = "3.12"  # the Python CI sets up: 3.12, or the lowest the project allows above it

    @property
    def python_files(self) -> tuple[str, ...]:
        return tuple(sorted(set(self.pytest_benchmark) | set(self.codspeed)))

    @property
    def benchmark_paths(self) -> tuple[str, ...]:
        """What pytest should collect: the top-level directories (or files) holding the benchmarks."""
        return tuple(sorted({f.split("/", 1)[0] for f in self.python_files}))

    @property
    def harnesses(self) -> tuple[str, ...]:
        """The toolchains the suites need (``go``, ``cargo``), for the CI set-up steps."""
        return tuple(sorted({s.command[0] for s in self.suites}))


def detect(root: Path) -> Detected:
    """Look at the project in ``root``."""
    root = root.resolve()
    bench: list[str] = []
    codspeed: list[str] = []
    go_mods: list[str] = []
    cargo: list[str] = []
    for rel in _walk(root):
        name = rel.rsplit("/", 1)[-1]
        if name.endswith(".py") and (name.startswith("test_") or name.endswith("_test.py")):
            fixture, marker = _python_benchmarks(root / rel)
            if fixture:
                bench.append(rel)
            if marker:
                codspeed.append(rel)
        elif name == "go.mod":
            go_mods.append(rel)
        elif name == "Cargo.toml":
            cargo.append(rel)
    suites = [s for m in sorted(go_mods) if (s := _go_suite(root, m, len(go_mods))) is not None]
    suites += [s for m in sorted(cargo) if (s := _cargo_suite(root, m, len(cargo))) is not None]
    remote = _git(root, "remote", "get-url", "origin") or ""
    top = _git(root, "rev-parse", "--show-toplevel")
    return Detected(
        root=root,
        pytest_benchmark=tuple(sorted(bench)),
        codspeed=tuple(sorted(codspeed)),
        suites=tuple(suites),
        github=(root / ".github").is_dir() or "github" in remote.lower(),
        gitlab=(root / ".gitlab-ci.yml").is_file() or "gitlab" in remote.lower(),
        main_branch=_main_branch(root),
        pyproject=(root / "pyproject.toml").is_file(),
        installable=(root / "pyproject.toml").is_file() or (root / "setup.py").is_file(),
        git_top=Path(top).resolve() if top else None,
        python=_python(root),
    )


def _walk(root: Path) -> Iterator[str]:
    seen = 0
    for d, dirs, files in os.walk(root):
        here = Path(d)
        dirs[:] = sorted(x for x in dirs if x not in _SKIP_DIRS and not (here / x / "pyvenv.cfg").exists())
        for f in sorted(files):
            seen += 1
            if seen > _MAX_FILES:
                return
            yield (here / f).relative_to(root).as_posix()


def _python_benchmarks(path: Path) -> tuple[bool, bool]:
    """(uses the ``benchmark`` fixture, has a ``pytest.mark.benchmark`` marker) for one test file."""
    try:
        tree = ast.parse(path.read_bytes(), filename=str(path))
    except (SyntaxError, ValueError, OSError):
        return False, False  # not ours to judge: pytest will say so
    fixture = marker = False
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test"):
            args = node.args
            names = [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)]
            fixture = fixture or "benchmark" in names
        if isinstance(node, ast.Attribute) and node.attr == "benchmark" and _is_mark(node.value):
            marker = True
    return fixture, marker


def _is_mark(node: ast.expr) -> bool:
    """``pytest.mark`` or a bare ``mark`` (``from pytest import mark``)."""
    if isinstance(node, ast.Attribute):
        return node.attr == "mark" and isinstance(node.value, ast.Name) and node.value.id == "pytest"
    return isinstance(node, ast.Name) and node.id == "mark"


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _go_suite(root: Path, mod: str, count: int) -> HarnessSuite | None:
    """A ``go test -bench`` suite for a module whose ``*_test.go`` files define ``func Benchmark...``."""
    mod_dir = (root / mod).parent
    benches = [
        f
        for f in sorted(mod_dir.rglob("*_test.go"))
        if not (set(f.relative_to(mod_dir).parts[:-1]) & _SKIP_DIRS) and _GO_BENCH.search(_read(f))
    ]
    if not benches:
        return None
    cwd = mod_dir.relative_to(root).as_posix()
    return HarnessSuite(
        name="go" if count == 1 else _suite_name("go", cwd),
        command=("go", "test", "-run=^$", "-bench=.", "-benchmem", "./..."),
        format="go",
        output="stdout",
        cwd=cwd,
        timeout="10min",
        args=(("fast", ("-benchtime=1s",)), ("nightly", ("-benchtime=10s",))),
        found=f"{mod}: {len(benches)} test file(s) with func Benchmark...",
    )


def _suite_name(tool: str, cwd: str) -> str:
    """``go-services-api`` for the second Go module in ``services/api``: letters, digits, ``_.-``."""
    return f"{tool}-" + re.sub(r"[^A-Za-z0-9_.-]+", "-", cwd).strip("-.")


def _cargo_suite(root: Path, manifest: str, count: int) -> HarnessSuite | None:
    """A ``cargo bench`` suite for a crate with ``[[bench]]`` targets or a ``benches/`` directory:
    Criterion (its ``target/criterion`` tree) when the crate depends on it, else libtest's output."""
    path = root / manifest
    try:
        data = tomllib.loads(_read(path))
    except tomllib.TOMLDecodeError:
        return None
    crate = path.parent
    targets = data.get("bench")
    if not (isinstance(targets, list) and targets) and not (crate / "benches").is_dir():
        return None
    deps: set[str] = set()
    for key in ("dev-dependencies", "dependencies"):
        table = data.get(key)
        if isinstance(table, dict):
            deps.update(table)
    cwd = crate.relative_to(root).as_posix()
    name = "cargo" if count == 1 else _suite_name("cargo", cwd)
    if "criterion" in deps:
        return HarnessSuite(
            name=name,
            command=("cargo", "bench", "--benches"),
            format="criterion",
            output="target/criterion",
            cwd=cwd,
            timeout="20min",
            args=(
                ("fast", ("--", "--warm-up-time", "1", "--measurement-time", "2")),
                ("nightly", ("--", "--measurement-time", "10")),
            ),
            found=f"{manifest}: bench targets with criterion",
        )
    return HarnessSuite(
        name=name,
        command=("cargo", "bench", "--benches"),
        format="libtest",
        output="stdout",
        cwd=cwd,
        timeout="20min",
        args=(),
        found=f"{manifest}: bench targets (libtest #[bench], a nightly toolchain)",
    )


def _python(root: Path) -> str:
    """3.12, or the ``requires-python`` lower bound of pyproject.toml when that is higher."""
    try:
        data = tomllib.loads(_read(root / "pyproject.toml"))
    except tomllib.TOMLDecodeError:
        return "3.12"
    spec = data.get("project", {}).get("requires-python")
    m = re.search(r">=?\s*3\.(\d+)", spec) if isinstance(spec, str) else None
    return f"3.{int(m.group(1))}" if m and int(m.group(1)) > 12 else "3.12"


def _git(root: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args], cwd=root, capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def _main_branch(root: Path) -> str:
    """origin's default branch, else the current branch when it is called main or master, else main."""
    head = _git(root, "symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD")
    if head and "/" in head and _SAFE_REF.fullmatch(head.split("/", 1)[1]):
        return head.split("/", 1)[1]
    current = _git(root, "symbolic-ref", "--quiet", "--short", "HEAD")
    return current if current in ("main", "master") else "main"
