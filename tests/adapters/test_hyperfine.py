"""hyperfine JSON adapter: real exports from two projects and two produced here by hyperfine 1.15.0."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from perfgate.adapters.hyperfine import ADAPTERS, HyperfineAdapter
from perfgate.errors import ParseError
from perfgate.model import Direction, Result

DATA = Path(__file__).resolve().parent.parent / "data" / "hyperfine"
BRC = DATA / "1brc-zeroows-hyperfine.json"
THREE_EM = DATA / "3em-tools-benchmarks-results.json"
SCAN = DATA / "hyperfine-1.15.0-parameter-scan.json"
FAILURE = DATA / "hyperfine-1.15.0-ignore-failure.json"
ADAPTER = HyperfineAdapter()


def results(path: Path) -> dict[tuple[str, str], Result]:
    return {r.key: r for r in ADAPTER.parse(path).results}


def test_module_exports_the_adapter() -> None:
    assert [a.name for a in ADAPTERS] == ["hyperfine"]


@pytest.mark.parametrize("path", [BRC, THREE_EM, SCAN, FAILURE])
def test_sniffs(path: Path) -> None:
    assert ADAPTER.sniff(path, path.read_text()[:65536])


def test_does_not_sniff_k6_like_json() -> None:
    assert not ADAPTER.sniff(Path("x"), '{"metrics": {}, "root_group": {}, "state": {}}')


def test_times_are_samples_and_cpu_times_are_kept() -> None:
    res = results(BRC)
    name = "cargo run --release --bin 1brc measurements_1000000000.txt"
    t = res[(name, "time")]
    assert t.unit == "s" and t.direction is Direction.LOWER
    assert t.samples == (13.148435542520001, 11.81813333352, 9.877873458520002)
    assert t.summary is not None and t.summary.median == pytest.approx(11.81813333352)
    assert t.rounds == 3 and t.extra == {}
    user = res[(name, "user_time")]
    assert user.summary is not None and user.summary.mean == pytest.approx(43.55566462666667)
    assert user.direction is Direction.LOWER
    assert res[(name, "system_time")].summary is not None
    assert len(res) == 2 * 3


def test_twenty_runs_per_command() -> None:
    parsed = ADAPTER.parse(THREE_EM)
    times = [r for r in parsed.results if r.metric == "time"]
    assert len(times) == 5
    assert all(len(r.samples) == 20 for r in times)
    assert times[0].benchmark.name == "../../target/release/bench"


def test_parameters_become_params() -> None:
    res = results(SCAN)
    assert res[("sleep 0.01", "time")].benchmark.params == (("n", "1"),)
    assert res[("sleep 0.02", "time")].benchmark.params == (("n", "2"),)
    assert len(res[("sleep 0.02", "time")].samples) == 5


def test_non_zero_exit_codes() -> None:
    res = results(FAILURE)
    partly = res[('sh -c "exit $(( $(date +%N) % 2 ))"', "time")]
    assert partly.ok and len(partly.samples) == 4
    assert partly.extra == {"failed_runs": 1, "exit_codes": [1]}
    always = res[("false", "time")]
    assert always.error == "every run exited non-zero (exit codes: 1)"
    assert ("false", "user_time") not in res


def test_duplicate_commands_are_numbered(tmp_path: Path) -> None:
    data = json.loads(BRC.read_text())
    data["results"][1]["command"] = data["results"][0]["command"]
    p = tmp_path / "dup.json"
    p.write_text(json.dumps(data))
    names = {r.benchmark.name for r in ADAPTER.parse(p).results}
    assert names == {
        "cargo run --release --bin 1brc measurements_1000000000.txt",
        "cargo run --release --bin 1brc measurements_1000000000.txt #2",
    }


def test_truncated(tmp_path: Path) -> None:
    p = tmp_path / "cut.json"
    p.write_text(BRC.read_text()[:400])
    with pytest.raises(ParseError, match=r"cut\.json:\d+: invalid JSON"):
        ADAPTER.parse(p)


def test_wrong_type_names_the_command_line(tmp_path: Path) -> None:
    text = BRC.read_text().replace("9.877873458520002\n", '"nine"\n', 1)
    p = tmp_path / "bad.json"
    p.write_text(text)
    with pytest.raises(ParseError, match=r"bad\.json:4: command .*1brc.* times\[2\]: expected a number"):
        ADAPTER.parse(p)
