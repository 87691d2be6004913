"""What `compare` says about a file that is not there, and where `--config ../x.toml` keeps the store."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest

from perfgate.cli.main import main

GO = Path(__file__).resolve().parents[1] / "data" / "go-bench" / "perf-crc-old.txt"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.invalid",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.invalid",
    "PATH": "/usr/bin:/bin",
}


def git_project(root: Path) -> Path:
    root.mkdir(parents=True)
    for args in (["init", "-q", "-b", "main"], ["commit", "-q", "--allow-empty", "-m", "first"]):
        subprocess.run(["git", *args], cwd=root, env=GIT_ENV, check=True, capture_output=True)
    return root


def cli(cwd: Path, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    out = io.StringIO()
    capsys.readouterr()
    code = main(list(argv), cwd=cwd, environ=dict(GIT_ENV), stdout=out)
    return code, out.getvalue(), capsys.readouterr().err


@pytest.mark.parametrize("missing", ["missing.json", "results/new", "old.txt"])
def test_compare_with_a_missing_file_says_the_file_is_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], missing: str
) -> None:
    root = git_project(tmp_path / "p")
    # no store yet: still the file is what is missing
    code, out, err = cli(root, capsys, "compare", str(GO), missing)
    assert code == 2 and out == ""
    assert err.strip() == f"perfgate: error: {missing}: no such file (nor a stored run id or a git ref)"
    # with runs stored for main, comparing main with a missing file
    assert cli(root, capsys, "ingest", str(GO))[0] == 0
    code, out, err = cli(root, capsys, "compare", "main", missing)
    assert code == 2
    assert err.strip() == f"perfgate: error: {missing}: no such file (nor a stored run id or a git ref)"


def test_a_name_that_is_no_path_is_still_looked_up_as_run_or_ref(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = git_project(tmp_path / "p")
    assert cli(root, capsys, "ingest", str(GO))[0] == 0
    code, _, err = cli(root, capsys, "compare", "main", "nope")
    assert code == 2 and err.strip() == "perfgate: error: no run or git ref matches 'nope'"
    # a git ref with a dot is a ref, not a missing file
    subprocess.run(["git", "tag", "v1.2"], cwd=root, env=GIT_ENV, check=True)
    code, _, err = cli(root, capsys, "compare", "v1.2", str(GO))
    assert code == 0, err  # the same results on both sides: compared, and unchanged


def test_config_elsewhere_keeps_the_store_at_its_project_root_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = git_project(tmp_path / "p")
    (root / "x.toml").write_text('[thresholds]\ntime = "10%"\n')
    sub = root / "sub"
    sub.mkdir()
    code, out, err = cli(sub, capsys, "ingest", "--config", "../x.toml", str(GO))
    assert code == 0, err
    store = root / ".perfgate" / "perfgate.db"
    assert store.is_file() and not (sub / ".perfgate").exists()
    assert f"perfgate: project root {root} (the directory of --config ../x.toml); store {store}" in err
    # every later command with that --config finds the same store, and says where it is
    code, listed, err = cli(sub, capsys, "runs", "--config", "../x.toml")
    assert code == 0 and out.strip()[:10] in listed and str(store) in err
    # a configuration in the directory perfgate runs in needs no note
    code, _, err = cli(root, capsys, "runs", "--config", "x.toml")
    assert code == 0 and "project root" not in err
