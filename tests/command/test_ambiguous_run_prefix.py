"""A run-id prefix that several runs share is named as ambiguous, not as unknown (issue 10, item 5)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .test_specs_and_config_root import cli, git_project

# the same pytest-benchmark file ingested three times: three runs made within a few seconds, whose ids
# share their first characters (the time part of a ULID)
PB = Path(__file__).resolve().parents[1] / "data" / "pytest-benchmark" / "pysdc-benchmarks.json"


def test_show_and_compare_with_a_shared_prefix_say_how_many_runs_match(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = git_project(tmp_path / "p")
    ids = []
    for _ in range(3):
        code, out, err = cli(root, capsys, "ingest", str(PB))
        assert code == 0, err
        ids.append(out.strip())
    n = next(i for i in range(26) if len({x[i] for x in ids}) > 1)  # the longest prefix all three share
    prefix = ids[0][:n]
    assert n >= 1 and len(set(ids)) == 3
    for argv in (["show", prefix], ["compare", prefix, ids[0]], ["export", prefix.lower()]):
        code, out, err = cli(root, capsys, *argv)
        assert code == 2 and out == ""
        assert err.startswith(
            f"perfgate: error: 3 runs match {prefix if argv[0] != 'export' else prefix.lower()!r} in "
        )
        assert err.rstrip().endswith("(give more characters of the id)")
    code, out, _ = cli(root, capsys, "show", ids[1])
    assert code == 0 and ids[1] in out
    code, _, err = cli(root, capsys, "show", "zz" + prefix)
    assert code == 2 and err.strip() == f"perfgate: error: no run or git ref matches {'zz' + prefix!r}"
