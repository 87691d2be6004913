"""A suite written for pytest-benchmark or pytest-codspeed keeps its own workflow under perfgate: its
options, its ``addopts`` (xdist, coverage), its saved runs, and parameters of any type."""

from __future__ import annotations

import pytest

from .conftest import read_results, run_perfgate


def test_parameters_json_cannot_hold_are_kept_as_a_bounded_readable_repr(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_params="""
        import dataclasses
        import pytest

        @dataclasses.dataclass
        class Shape:
            rows: int
            cols: int

        class Opaque:
            pass

        @pytest.mark.parametrize("shape", [Shape(3, 4)], ids=["small"])
        @pytest.mark.parametrize("raw", [b"\\x00ab"])
        @pytest.mark.parametrize("big", [tuple(range(1000))])
        @pytest.mark.parametrize("thing", [Opaque()])
        def test_p(benchmark, shape, raw, big, thing):
            benchmark(len, raw)
        """
    )
    out = pytester.path / "out.json"
    run_perfgate(pytester, f"--perfgate-json={out}").assert_outcomes(passed=1)
    (r,) = (r for r in read_results(out).results if r.metric == "time")
    params = dict(r.benchmark.params)
    assert list(params) == ["thing", "big", "raw", "shape"]
    assert params["shape"] == "Shape(rows=3, cols=4)"
    assert params["raw"] == r"b'\x00ab'"
    assert params["thing"] == "<test_params.Opaque>"  # no address: the same text in every run
    assert (
        len(params["big"]) == 120 and params["big"].startswith("(0, 1, 2, ") and params["big"].endswith("…")
    )
    # pytest's own ids stay in the name
    assert r.benchmark.name.startswith("test_params.py::test_p[thing0-big0-")
    assert r.benchmark.name.endswith("-small]")
