"""Catch2 XML adapter, on reports produced here by Catch2 2.13.10 (see tests/data/catch2/PROVENANCE.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from perfgate.adapters.catch2 import ADAPTERS, Catch2XmlAdapter
from perfgate.errors import ParseError
from perfgate.model import Direction, Result

DATA = Path(__file__).resolve().parent.parent / "data" / "catch2"
BENCH = DATA / "catch2-2.13.10-benchmarks.xml"
THROWING = DATA / "catch2-2.13.10-throwing-benchmark.xml"
ADAPTER = Catch2XmlAdapter()


def by_name(path: Path) -> dict[str, Result]:
    return {r.benchmark.name: r for r in ADAPTER.parse(path).results}


def test_module_exports_the_adapter() -> None:
    assert [a.name for a in ADAPTERS] == ["catch2"]


@pytest.mark.parametrize("path", [BENCH, THROWING])
def test_sniffs(path: Path) -> None:
    assert ADAPTER.sniff(path, path.read_text())


def test_does_not_sniff_junit() -> None:
    assert not ADAPTER.sniff(Path("x"), '<?xml version="1.0"?><testsuites><testsuite name="a"/></testsuites>')


def test_benchmark_estimates_in_seconds() -> None:
    res = by_name(BENCH)
    fib = res["Fibonacci/fib 20"]
    assert fib.benchmark.group == "Fibonacci"
    assert fib.metric == "time" and fib.unit == "s" and fib.direction is Direction.LOWER
    assert fib.samples == ()  # Catch2 reports estimates only
    s = fib.summary
    assert s is not None
    assert s.n == 20 and fib.rounds == 20 and fib.iterations == 4
    assert s.mean == pytest.approx(7525.2e-9)
    assert s.stddev == pytest.approx(153.964e-9)
    assert (s.ci_low, s.ci_high, s.ci_level) == (pytest.approx(7489.56e-9), pytest.approx(7667.07e-9), 0.95)
    assert s.outliers == 5 + 2
    assert fib.extra["outlier_variance"] == pytest.approx(0.0475)
    assert res["Vector growth/push_back 1000"].iterations == 9


def test_test_case_durations_and_failures() -> None:
    res = by_name(BENCH)
    ok = res["String concatenation is correct"]
    assert ok.summary is not None and ok.summary.mean == pytest.approx(1.3e-05)
    failed = res["A test that fails"]
    assert failed.error == "REQUIRE(answer == 42) with expansion 41 == 42 at bench.cpp:35"
    # test cases that hold benchmarks report no duration result of their own
    assert "Fibonacci" not in res and "Vector growth" not in res
    assert len(res) == 5


def test_benchmark_that_threw_is_failed() -> None:
    res = by_name(THROWING)
    assert res["Parser/parse broken input"].error == "unexpected end of input"
    assert res["Parser/parse broken input"].summary is None
    good = res["Parser/parse empty input"]
    assert good.summary is not None and good.summary.mean == pytest.approx(0.557391e-9)


def test_catch2_v3_root_and_sections(tmp_path: Path) -> None:
    # Catch2 v3 names its root <Catch2TestRun> and nests results in <Section>s (built after the v3 reporter)
    text = BENCH.read_text().replace("<Catch name=", '<Catch2TestRun catch2-version="3.4.0" name=')
    text = text.replace("</Catch>", "</Catch2TestRun>")
    text = text.replace(
        '<BenchmarkResults name="fib 25"', '<Section name="s"><BenchmarkResults name="fib 25"'
    )
    text = text.replace(
        '<OverallResult success="true" durationInSeconds="3.20552"/>', "</Section>\n<OverallResult/>"
    )
    p = tmp_path / "v3.xml"
    p.write_text(text)
    assert ADAPTER.sniff(p, text)
    parsed = ADAPTER.parse(p)
    assert "Fibonacci/fib 25" in {r.benchmark.name for r in parsed.results}
    assert parsed.environment["catch2_version"] == "3.4.0"


def test_truncated_xml_names_the_line(tmp_path: Path) -> None:
    p = tmp_path / "cut.xml"
    p.write_text("\n".join(BENCH.read_text().splitlines()[:12]))
    with pytest.raises(ParseError, match=r"cut\.xml:12: invalid XML"):
        ADAPTER.parse(p)


def test_bad_number_names_the_element_line(tmp_path: Path) -> None:
    p = tmp_path / "bad.xml"
    p.write_text(BENCH.read_text().replace('<mean value="115776"', '<mean value="fast"'))
    with pytest.raises(ParseError, match=r"bad\.xml:13: <mean> value='fast' is not a number"):
        ADAPTER.parse(p)


def test_wrong_root(tmp_path: Path) -> None:
    p = tmp_path / "other.xml"
    p.write_text("<testsuites/>")
    with pytest.raises(ParseError, match=r"other\.xml:1: not a Catch2 XML report"):
        ADAPTER.parse(p)
