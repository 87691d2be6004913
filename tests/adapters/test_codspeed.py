"""pytest-codspeed results adapter: a real walltime file written by ``pytest --codspeed`` 5.0.4."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from perfgate.adapters.codspeed import ADAPTERS, CodspeedAdapter
from perfgate.adapters.registry import detect
from perfgate.errors import ParseError
from perfgate.model import Direction, Result

DATA = Path(__file__).resolve().parent.parent / "data" / "pytest-codspeed"
WALLTIME = DATA / "pytest-codspeed-5.0.4-walltime.json"
ADAPTER = CodspeedAdapter()


def _results(path: Path) -> dict[str, Result]:
    return {r.benchmark.name: r for r in ADAPTER.parse(path).results}


def _edited(tmp_path: Path, change: Callable[[dict[str, Any]], object]) -> Path:
    data = json.loads(WALLTIME.read_text())
    change(data)
    folder = tmp_path / ".codspeed"
    folder.mkdir(exist_ok=True)
    out = folder / "results_1.json"
    out.write_text(json.dumps(data, indent=2))
    return out


def test_module_exports_the_adapter_and_detection_finds_it() -> None:
    assert [a.name for a in ADAPTERS] == ["pytest-codspeed"]
    assert detect(WALLTIME).name == "pytest-codspeed"


def test_walltime_stats_are_per_iteration_figures_in_seconds() -> None:
    parsed = ADAPTER.parse(WALLTIME)
    assert parsed.source == "pytest-codspeed"
    assert parsed.environment == {"python": "3.11.7"}
    res = _results(WALLTIME)
    assert list(res) == [
        "benches/test_text.py::test_join",
        "benches/test_text.py::test_sorted[10]",
        "benches/test_text.py::test_sorted[1000]",
        "benches/test_text.py::test_int_parse",
    ]
    r = res["benches/test_text.py::test_sorted[1000]"]
    assert (r.metric, r.unit, r.direction) == ("time", "s", Direction.LOWER)
    assert r.samples == ()  # the file holds no per-round values
    s = r.summary
    assert s is not None
    assert s.n == 195 and r.rounds == 195 and r.iterations == 41
    assert s.median == pytest.approx(6902.707317073171e-9)
    assert s.min == pytest.approx(6013.2195121951224e-9)
    assert s.q1 == pytest.approx(6359.243902439024e-9) and s.q3 == pytest.approx(11103.268292682928e-9)
    assert s.stddev == pytest.approx(34860.70872833158e-9)
    assert s.outliers == 16
    assert r.extra["instrument"] == "walltime" and r.extra["warmup_iters"] == 3959
    assert r.extra["config"]["max_time_ns"] == 200_000_000


def test_an_absolute_uri_is_made_relative_to_the_folder_holding_codspeed(tmp_path: Path) -> None:
    def absolute(data: dict[str, Any]) -> None:
        for b in data["benchmarks"]:
            b["uri"] = f"{tmp_path}/{b['uri']}"
        data["benchmarks"][0]["uri"] = "/elsewhere/test_x.py::test_y"

    names = list(_results(_edited(tmp_path, absolute)))
    assert names[0] == "/elsewhere/test_x.py::test_y"
    assert names[1] == "benches/test_text.py::test_sorted[10]"


def test_a_simulation_file_is_refused_with_the_reason(tmp_path: Path) -> None:
    def simulation(data: dict[str, Any]) -> None:
        data["instrument"] = {"type": "simulation"}
        del data["benchmarks"]

    path = _edited(tmp_path, simulation)
    assert detect(path).name == "pytest-codspeed"
    with pytest.raises(ParseError, match=r"results_1.json:\d+: instrument 'simulation': .*walltime mode"):
        ADAPTER.parse(path)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(benchmarks=[]), r"'benchmarks' is empty"),
        (lambda d: d["benchmarks"][1].update(uri=d["benchmarks"][0]["uri"]), r"appears twice"),
        (lambda d: d["benchmarks"][2]["stats"].update(median_ns="fast"), r"'median_ns'.*expected a number"),
        (lambda d: d["benchmarks"][3].pop("stats"), r"test_int_parse'.*missing key 'stats'"),
    ],
)
def test_bad_files_name_the_problem_and_the_line(
    tmp_path: Path, change: Callable[[dict[str, Any]], object], message: str
) -> None:
    path = _edited(tmp_path, change)
    with pytest.raises(ParseError, match=message) as info:
        ADAPTER.parse(path)
    assert re.match(rf"{re.escape(str(path))}:\d+: ", str(info.value)) and "\n" not in str(info.value)


def test_other_json_is_not_claimed(tmp_path: Path) -> None:
    other = tmp_path / "other.json"
    shutil.copy(WALLTIME, other)
    assert ADAPTER.sniff(other, other.read_text()[:65536])
    assert not ADAPTER.sniff(other, '{"benchmarks": [], "machine_info": {}, "version": "5.1.0"}')
