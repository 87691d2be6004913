"""``perfgate init`` never destroys what is there: refusals, --force, pyproject.toml kept, --dry-run."""

from __future__ import annotations

import tomllib
from pathlib import Path

from .conftest import PYTEST_BENCHMARK, perfgate_init


def _tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(root).parts[:1]
    }


def test_pyproject_gets_the_table_appended_and_keeps_every_byte_it_had(project):
    root = project("pytest-benchmark")
    before = (root / "pyproject.toml").read_text()
    done = perfgate_init(root)
    assert done.code == 0, done.stderr
    after = (root / "pyproject.toml").read_text()
    assert after.startswith(before)
    data = tomllib.loads(after)
    assert data["project"] == {"name": "demo", "version": "0.1"}
    assert data["tool"]["ruff"] == {"line-length": 100}
    assert data["tool"]["perfgate"]["default_tier"] == "fast"
    assert not (root / "perfgate.toml").exists()
    assert "perfgate init: appended [tool.perfgate] to pyproject.toml" in done.stderr
    assert "perfgate init: found the benchmark fixture in 1 file(s): tests/test_work.py" in done.stderr


def test_a_second_init_refuses_in_one_line_and_changes_nothing(project):
    root = project("pytest-benchmark")
    assert perfgate_init(root).code == 0
    (root / ".github/workflows/perfgate-comment.yml").unlink()  # a file it could write is not written
    before = _tree(root)
    done = perfgate_init(root)
    assert done.code == 2
    assert done.stderr.splitlines() == [
        "perfgate: error: pyproject.toml: already has [tool.perfgate]; perfgate init does not overwrite "
        "it (--force replaces that table)"
    ]
    assert _tree(root) == before


def test_an_existing_workflow_is_named_in_the_refusal(project):
    root = project("codspeed")
    (root / ".github/workflows").mkdir(parents=True)
    (root / ".github/workflows/perfgate.yml").write_text("name: mine\n")
    before = _tree(root)
    done = perfgate_init(root)
    assert done.code == 2
    assert done.stderr.splitlines() == [
        "perfgate: error: .github/workflows/perfgate.yml: exists; perfgate init does not overwrite it "
        "(--force does)"
    ]
    assert _tree(root) == before  # perfgate.toml was not written either: nothing half-way


def test_force_replaces_perfgates_own_table_and_keeps_the_others(project):
    text = (
        '[project]\nname = "demo"\n\n[tool.perfgate]\nmain_branch = "old"\n\n'
        '[tool.perfgate.tiers.x]\nthreshold = "1%"\n\n[[tool.perfgate.budgets]]\nbenchmark = "a"\nmax = "1ms"\n\n'
        "[tool.ruff]  # kept\nline-length = 100\n"
    )
    root = project({**PYTEST_BENCHMARK, "pyproject.toml": text})
    done = perfgate_init(root, "--force")
    assert done.code == 0, done.stderr
    after = (root / "pyproject.toml").read_text()
    data = tomllib.loads(after)
    assert data["tool"]["ruff"] == {"line-length": 100}
    assert "[tool.ruff]  # kept\nline-length = 100\n" in after
    assert data["tool"]["perfgate"]["main_branch"] == "main"
    assert set(data["tool"]["perfgate"]["tiers"]) == {"fast", "nightly"}
    assert "budgets" not in data["tool"]["perfgate"]
    assert "perfgate init: replaced pyproject.toml" in done.stderr


def test_force_refuses_a_perfgate_table_it_cannot_cut_out_line_by_line(project):
    text = '[project]\nname = "demo"\n\n[tool]\nperfgate = { main_branch = "old" }\n'
    root = project({**PYTEST_BENCHMARK, "pyproject.toml": text})
    done = perfgate_init(root, "--force")
    assert done.code == 2
    assert done.stderr.strip() == (
        "perfgate: error: pyproject.toml: cannot remove [tool.perfgate] line by line; delete it by hand"
    )
    assert (root / "pyproject.toml").read_text() == text


def test_without_pyproject_the_configuration_is_perfgate_toml(project):
    root = project("go")
    assert perfgate_init(root).code == 0
    text = (root / "perfgate.toml").read_text()
    assert "[tool.perfgate" not in text and "[tiers.fast]" in text and "[[suites]]" in text


def test_dry_run_prints_every_file_and_writes_nothing(project):
    root = project("pytest-benchmark")
    before = _tree(root)
    done = perfgate_init(root, "--dry-run", "--gitlab", "--github")
    assert done.code == 0, done.stderr
    assert _tree(root) == before
    headers = [line for line in done.stdout.splitlines() if line.startswith("# --- ")]
    assert headers == [
        "# --- pyproject.toml (append) ---",
        "# --- .github/workflows/perfgate.yml (create) ---",
        "# --- .github/workflows/perfgate-comment.yml (create) ---",
        "# --- .gitlab-ci.yml (create) ---",
        "# --- .gitignore (create) ---",
    ]
    assert "[tool.perfgate.tiers.fast]" in done.stdout


def test_a_users_gitlab_ci_file_is_left_alone_and_an_include_file_written(project):
    mine = "stages: [test]\n\nunit:\n  script: [pytest]\n"
    root = project({**PYTEST_BENCHMARK, ".gitlab-ci.yml": mine})
    done = perfgate_init(root)
    assert done.code == 0, done.stderr
    assert (root / ".gitlab-ci.yml").read_text() == mine
    assert "perfgate-merge-request:" in (root / "perfgate.gitlab-ci.yml").read_text()
    assert not (root / ".github").exists()  # the project is on GitLab
    assert "add `include: [{local: perfgate.gitlab-ci.yml}]` to it" in done.stderr
    # perfgate's own .gitlab-ci.yml, on the other hand, is replaced by --force
    root2 = root.parent / "second"
    root2.mkdir()
    assert perfgate_init(root2, "--gitlab").code == 0
    assert perfgate_init(root2, "--gitlab", "--force").code == 0
    assert not (root2 / "perfgate.gitlab-ci.yml").exists()


def test_bad_options_are_one_line_errors(project):
    root = project("codspeed")
    done = perfgate_init(root, "--install", "perfgate\nrm -rf /")
    assert done.code == 2
    assert done.stderr.splitlines() == [
        "perfgate: error: --install must be one line naming what pip installs, got 'perfgate\\nrm -rf /'"
    ]
    assert perfgate_init(root, "--shards", "0").code == 2
    assert not (root / "perfgate.toml").exists()


def test_install_spec_reaches_the_workflows_shell_quoted(project):
    root = project("codspeed")
    done = perfgate_init(root, "--install", "perfgate @ git+https://example.invalid/perfgate.git")
    assert done.code == 0, done.stderr
    text = (root / ".github/workflows/perfgate.yml").read_text()
    assert "python -m pip install 'perfgate @ git+https://example.invalid/perfgate.git'" in text


def test_init_below_the_top_of_the_repository_is_refused(project):
    root = project("pytest-benchmark")
    done = perfgate_init(root / "tests")
    assert done.code == 2
    assert done.stderr.splitlines() == [
        f"perfgate: error: {root / 'tests'}: not the top of its git repository; run perfgate init in "
        f"{root} (GitHub and GitLab read CI files only there)"
    ]
    assert not (root / "tests" / "perfgate.toml").exists()


def test_the_workflows_install_the_perfgate_that_wrote_them():
    from perfgate.scaffold.install import install_spec

    git = '{"url": "https://github.com/acme/perfgate", "vcs_info": {"vcs": "git", "commit_id": "abc123"}}'
    assert install_spec("1.2.0", git) == ("perfgate @ git+https://github.com/acme/perfgate@abc123", None)
    assert install_spec("1.2.0", None) == ("perfgate==1.2.0", None)
    spec, note = install_spec("1.2.0", '{"url": "file:///src/perfgate", "dir_info": {"editable": true}}')
    assert spec == "perfgate==1.2.0"
    assert note == (
        "perfgate 1.2.0 was installed from file:///src/perfgate, which CI cannot reach: the workflows "
        "install 'perfgate==1.2.0'; pass --install SPEC for what CI should install"
    )
    spec, note = install_spec("0.3.0.dev1", "not json")
    assert spec == "perfgate==0.3.0.dev1" and note is not None and "development version" in note


def test_without_install_the_workflows_pin_this_perfgate(project):
    import perfgate

    root = project("codspeed")
    done = perfgate_init(root)
    assert done.code == 0, done.stderr
    text = (root / ".github/workflows/perfgate.yml").read_text()
    assert f"python -m pip install perfgate=={perfgate.__version__}\n" in text
    assert "pass --install SPEC for what CI should install" in done.stderr  # a dev version, a local tree


def test_the_local_store_is_added_to_gitignore_once(project):
    root = project({**PYTEST_BENCHMARK, ".gitignore": "__pycache__/\n*.egg-info"})
    done = perfgate_init(root)
    assert done.code == 0, done.stderr
    assert (root / ".gitignore").read_text() == "__pycache__/\n*.egg-info\n.perfgate/\n"
    assert "perfgate init: appended .perfgate/ to .gitignore" in done.stderr
    assert perfgate_init(root, "--force").code == 0
    assert (root / ".gitignore").read_text() == "__pycache__/\n*.egg-info\n.perfgate/\n"
