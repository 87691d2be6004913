"""What ``perfgate init`` finds in real project trees (files written by the test)."""

from __future__ import annotations

from perfgate.scaffold import detect

from .conftest import CODSPEED, LAYOUTS, git


def test_pytest_benchmark_fixture_is_found_in_test_files_only(project):
    root = project("pytest-benchmark")
    found = detect(root)
    # tests/test_plain.py says "benchmark" in a string: not a benchmark
    assert found.pytest_benchmark == ("tests/test_work.py",)
    assert found.codspeed == ()
    assert found.benchmark_paths == ("tests",)
    assert found.suites == ()
    assert found.pyproject and found.installable
    assert found.python == "3.12"


def test_codspeed_markers_are_found_in_every_spelling(project):
    root = project({
        **CODSPEED,
        "bench/test_from_import.py": "from pytest import mark\n\n\n@mark.benchmark(group='x')\ndef test_a():\n    pass\n",
        "bench/test_module_mark.py": "import pytest\n\npytestmark = pytest.mark.benchmark\n\n\ndef test_b():\n    pass\n",
        "bench/test_other_mark.py": "import pytest\n\n\n@pytest.mark.slow\ndef test_c():\n    pass\n",
        "bench/test_broken.py": "def test_(:\n",
    })  # fmt: skip
    found = detect(root)
    assert found.codspeed == (
        "bench/test_from_import.py",
        "bench/test_marked.py",
        "bench/test_module_mark.py",
    )
    assert found.benchmark_paths == ("bench",)


def test_virtual_environments_and_build_trees_are_not_searched(project):
    root = project({
        **CODSPEED,
        ".venv/lib/test_vendored.py": "def test_x(benchmark):\n    pass\n",
        "myenv/pyvenv.cfg": "home = /usr/bin\n",
        "myenv/lib/test_env.py": "def test_x(benchmark):\n    pass\n",
        "node_modules/go.mod": "module x\n",
    })  # fmt: skip
    found = detect(root)
    assert found.pytest_benchmark == ()
    assert found.suites == ()


def test_go_module_with_benchmarks_becomes_a_suite_with_per_tier_benchtime(project):
    found = detect(project("go"))
    (suite,) = found.suites
    assert suite.name == "go"
    assert suite.command == ("go", "test", "-run=^$", "-bench=.", "-benchmem", "./...")
    assert (suite.format, suite.output, suite.cwd) == ("go", "stdout", ".")
    assert dict(suite.args) == {"fast": ("-benchtime=1s",), "nightly": ("-benchtime=10s",)}
    assert found.harnesses == ("go",)


def test_go_module_without_benchmarks_is_no_suite(project):
    root = project({"go.mod": "module x\n", "x_test.go": "package x\n\nfunc TestX(t *testing.T) {}\n"})
    assert detect(root).suites == ()


def test_several_go_modules_get_a_suite_each_named_after_its_directory(project):
    go = LAYOUTS["go"]
    root = project({**{f"a/{k}": v for k, v in go.items()}, **{f"b c/{k}": v for k, v in go.items()}})
    assert [(s.name, s.cwd) for s in detect(root).suites] == [("go-a", "a"), ("go-b-c", "b c")]


def test_cargo_with_criterion_reads_the_criterion_tree(project):
    (suite,) = detect(project("cargo-criterion")).suites
    assert (suite.name, suite.format, suite.output) == ("cargo", "criterion", "target/criterion")
    assert suite.command == ("cargo", "bench", "--benches")
    assert dict(suite.args)["fast"][0] == "--"  # criterion's options go to the bench binaries


def test_cargo_without_criterion_reads_libtest_output(project):
    (suite,) = detect(project("cargo-libtest")).suites
    assert (suite.format, suite.output, suite.args) == ("libtest", "stdout", ())


def test_cargo_without_bench_targets_is_no_suite(project):
    root = project({"Cargo.toml": '[package]\nname = "x"\nversion = "0.1.0"\n', "src/lib.rs": ""})
    assert detect(root).suites == ()


def test_the_forge_comes_from_the_remote_or_the_ci_files(project, tmp_path):
    found = detect(project("go", remote="git@gitlab.example.com:team/demo.git"))
    assert (found.github, found.gitlab) == (False, True)
    other = tmp_path / "other"
    other.mkdir()
    (other / ".github").mkdir()
    found = detect(other)
    assert (found.github, found.gitlab, found.main_branch) == (True, False, "main")


def test_main_branch_is_origins_default_else_main_or_master(project):
    root = project("go")
    git(root, "checkout", "-q", "-b", "trunk")
    assert detect(root).main_branch == "main"  # neither main nor master, no origin: the default
    git(root, "checkout", "-q", "-b", "master")
    assert detect(root).main_branch == "master"
    git(root, "symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/develop")
    assert detect(root).main_branch == "develop"
    # a name git allows but a workflow would have to quote is not written anywhere: the default
    git(root, "symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/a$b")
    assert detect(root).main_branch == "master"


def test_ci_sets_up_the_lowest_python_the_project_allows_from_312(project):
    root = project({"pyproject.toml": '[project]\nname = "x"\nrequires-python = ">=3.13"\n'})
    assert detect(root).python == "3.13"
    (root / "pyproject.toml").write_text('[project]\nname = "x"\nrequires-python = ">=3.9,<4"\n')
    assert detect(root).python == "3.12"
