"""Temporary projects in the layouts ``perfgate init`` recognises, written file by file, and
``perfgate init`` run in them in-process."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

PYTEST_BENCHMARK = {
    "pyproject.toml": '[project]\nname = "demo"\nversion = "0.1"\n\n[tool.ruff]\nline-length = 100\n',
    "demo.py": "def work(n):\n    return sum(range(n))\n",
    "tests/test_work.py": (
        "from demo import work\n\n\ndef test_work(benchmark):\n    assert benchmark(work, 1000) == 499500\n"
    ),
    "tests/test_plain.py": 'def test_plain():\n    assert "benchmark" in "a benchmark in a string"\n',
}
CODSPEED = {
    "bench/test_marked.py": (
        "import pytest\n\n\n@pytest.mark.benchmark\ndef test_sum():\n    assert sum(range(100)) == 4950\n"
    ),
}
GO = {
    "go.mod": "module example.com/demo\n\ngo 1.19\n",
    "sum.go": "package demo\n\nfunc Sum(n int) int {\n\tt := 0\n\tfor i := 0; i < n; i++ {\n\t\tt += i\n\t}\n\treturn t\n}\n",
    "sum_test.go": (
        'package demo\n\nimport "testing"\n\nfunc BenchmarkSum(b *testing.B) {\n'
        "\tfor i := 0; i < b.N; i++ {\n\t\tSum(100)\n\t}\n}\n"
    ),
}
CARGO_CRITERION = {
    "Cargo.toml": (
        '[package]\nname = "demo"\nversion = "0.1.0"\nedition = "2021"\n\n'
        '[dev-dependencies]\ncriterion = "0.5"\n\n[[bench]]\nname = "sum"\nharness = false\n'
    ),
    "src/lib.rs": "pub fn sum(n: u64) -> u64 { (0..n).sum() }\n",
    "benches/sum.rs": "use criterion::{criterion_group, criterion_main, Criterion};\n",
}
CARGO_LIBTEST = {
    "Cargo.toml": '[package]\nname = "demo"\nversion = "0.1.0"\nedition = "2021"\n',
    "src/lib.rs": "#![feature(test)]\n",
    "benches/sum.rs": "#![feature(test)]\nextern crate test;\n#[bench]\nfn sum(b: &mut test::Bencher) {}\n",
}
LAYOUTS = {
    "pytest-benchmark": PYTEST_BENCHMARK,
    "codspeed": CODSPEED,
    "go": GO,
    "cargo-criterion": CARGO_CRITERION,
    "cargo-libtest": CARGO_LIBTEST,
    "polyglot": {**PYTEST_BENCHMARK, **{f"svc/{k}": v for k, v in GO.items()}},
}


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def git(root: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    done = subprocess.run(["git", *args], cwd=root, env=env, capture_output=True, text=True, check=True)
    return done.stdout


def perfgate_init(root: Path, *args: str) -> Outcome:
    """``perfgate init ARGS`` in ``root``, in this process."""
    from perfgate.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "GITLAB", "CI", "PERFGATE_"))}
    env["NO_COLOR"] = "1"
    with contextlib.chdir(root), contextlib.redirect_stderr(err):
        code = main(["init", *args], cwd=root, environ=env, stdout=out)
    return Outcome(code, out.getvalue(), err.getvalue())


@pytest.fixture
def project(tmp_path: Path) -> Callable[..., Path]:
    """A git repository with the files given (a layout name or a mapping)."""

    def make(files: str | dict[str, str], remote: str | None = None) -> Path:
        root = tmp_path / "project"
        root.mkdir()
        git(root, "init", "-q", "-b", "main")
        if remote is not None:
            git(root, "remote", "add", "origin", remote)
        return write_tree(root, LAYOUTS[files] if isinstance(files, str) else files)

    return make


def tool(name: str) -> str:
    """A linter's executable: on PATH or next to this interpreter (the dev extras install them).
    Missing is a failure, not a skip: these checks are what the generated workflows promise."""
    found = shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))
    if found is None:
        pytest.fail(f"{name} is not installed: pip install -e '.[dev]' installs it")
    return found
