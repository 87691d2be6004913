"""Which `perfgate run -- PYTEST_ARGS` pick a deliberate subset of the suite (tagged, missing is fine)."""

from pathlib import Path

import pytest

from perfgate.app import selects_tests


@pytest.mark.parametrize(
    "args",
    [
        ["-k", "parse"],
        ["-kparse"],
        ["-m", "slow"],
        ["--deselect", "bench/t.py::test_x"],
        ["--ignore=bench/slow"],
        ["--lf"],
        ["bench/test_parse.py"],
        ["bench/test_parse.py::test_small"],
        ["-v", "bench"],
    ],
)
def test_selecting_args(tmp_path: Path, args: list[str]) -> None:
    (tmp_path / "bench").mkdir()
    assert selects_tests(tmp_path, args)


@pytest.mark.parametrize(
    "args", [[], ["-v"], ["-p", "no:cacheprovider"], ["-x", "--tb=short"], ["-W", "error"]]
)
def test_other_args_do_not(tmp_path: Path, args: list[str]) -> None:
    assert not selects_tests(tmp_path, args)
