"""The helpers shared by the Python/JVM/C++ harness adapters, and the specificity of their sniffers."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from perfgate.adapters._parsing import Doc, load_json, make_result, parse_timestamp
from perfgate.adapters.base import Adapter
from perfgate.errors import ParseError
from perfgate.model import BenchmarkId, Direction

DATA = Path(__file__).resolve().parent.parent / "data"
# data directory -> the adapter that must claim every file (or asv results directory) in it
OWNERS = {
    "pytest-benchmark": "pytest-benchmark",
    "pyperf": "pyperf",
    "google-benchmark": "google-benchmark",
    "jmh": "jmh",
    "hyperfine": "hyperfine",
    "catch2": "catch2",
    "pytest-json-report": "pytest-json-report",
}
MODULES = (
    "pytest_benchmark",
    "pyperf",
    "asv",
    "google_benchmark",
    "jmh",
    "hyperfine",
    "catch2",
    "pytest_json_report",
)


def mine() -> list[Adapter]:
    return [a for m in MODULES for a in importlib.import_module(f"perfgate.adapters.{m}").ADAPTERS]


def head(path: Path) -> str:
    return path.read_bytes()[:65536].decode("utf-8", "replace") if path.is_file() else ""


def claims(path: Path) -> list[str]:
    return [a.name for a in mine() if a.sniff(path, head(path))]


def test_every_module_exports_adapters_with_unique_names() -> None:
    adapters = mine()
    assert len(adapters) == 8
    assert len({a.name for a in adapters}) == 8
    assert all(isinstance(a, Adapter) and a.description for a in adapters)


@pytest.mark.parametrize("directory", sorted(OWNERS))
def test_each_file_is_claimed_by_its_adapter_only(directory: str) -> None:
    files = [p for p in (DATA / directory).iterdir() if p.name != "PROVENANCE.md"]
    assert files
    for path in files:
        assert claims(path) == [OWNERS[directory]], path


def test_asv_inputs_are_claimed_by_asv_only() -> None:
    demo = DATA / "asv" / "asv-0.6.6-demo" / "results"
    for path in (
        demo,
        *demo.glob("*/*-*.json"),
        DATA / "asv" / "parcels-claymation-b6eecd3c-rattler-py3.12.json",
    ):
        assert claims(path) == ["asv"], path
    for meta in (demo / "benchmarks.json", demo / "testbox" / "machine.json"):
        assert claims(meta) == []


def test_other_harnesses_files_are_not_claimed() -> None:
    others = [
        p
        for d in DATA.iterdir()
        if d.is_dir() and d.name not in OWNERS and d.name != "asv"
        for p in d.rglob("*")
        if p.is_file() and p.name != "PROVENANCE.md"
    ]
    for path in others:
        assert claims(path) == [], path


def test_sniffers_never_raise(tmp_path: Path) -> None:
    missing = tmp_path / "missing.json"
    binary = tmp_path / "bin"
    binary.write_bytes(b"\x1f\x8b\x00garbage")
    for adapter in mine():
        for path, text in (
            (missing, ""),
            (binary, "\x1f\ufffd\x00garbage"),
            (tmp_path, ""),
            (missing, "{[<"),
        ):
            assert adapter.sniff(path, text) is False


def test_doc_line_of_searches_from_a_line() -> None:
    doc = Doc(Path("f.json"), 'a\n"x"\nb\n"x"\n')
    assert doc.line_of('"x"') == 2
    assert doc.line_of('"x"', 3) == 4
    assert doc.line_of('"y"') is None
    assert str(doc.error("bad", '"x"')) == "f.json:2: bad"
    assert str(doc.error("bad", 7)) == "f.json:7: bad"
    assert str(doc.error("bad")) == "f.json: bad"


def test_load_json_reports_the_decode_line(tmp_path: Path) -> None:
    p = tmp_path / "x.json"
    p.write_text('{\n  "a": 1,\n  "b": \n}\n')
    with pytest.raises(ParseError, match=r"x\.json:4: invalid JSON"):
        load_json(p)


def test_no_adapter_decodes_a_file_on_its_own() -> None:
    """Adapters decode a file's JSON only through load_json (one error shape: file, line, column).
    The one exception is criterion's sniffer, which tries the first bytes of a file, not a file."""
    import ast

    import perfgate.adapters

    found = []
    for f in sorted(Path(perfgate.adapters.__file__).parent.glob("*.py")):
        tree = ast.parse(f.read_text(encoding="utf-8"))
        for fn in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)):
            for node in ast.walk(fn):
                if (
                    isinstance(node, ast.Attribute)
                    and node.attr in ("load", "loads")
                    and isinstance(node.value, ast.Name)
                    and node.value.id == "json"
                ):
                    found.append(f"{f.stem}.{fn.name}")
    assert sorted(set(found)) == ["_parsing.load_json", "criterion._head_kind"]


@pytest.mark.parametrize("name", ["k6", "locust-json", "vegeta", "criterion"])
def test_every_json_adapter_decodes_through_load_json(tmp_path: Path, name: str) -> None:
    """The adapters that once decoded JSON on their own report a broken file as load_json does:
    file, line and column; and a file nested too deeply as invalid JSON, not a crash."""
    from perfgate.adapters import registry

    adapter = registry.get(name)
    broken = tmp_path / "estimates.json" if name == "criterion" else tmp_path / "x.json"
    broken.write_text('{\n  "mean": 1,\n  "median": \n}\n')
    with pytest.raises(ParseError, match=r"\.json:4: invalid JSON: Expecting value \(column 1\)$"):
        adapter.parse(broken)
    deep = broken.with_name("sample.json") if name == "criterion" else broken
    deep.write_text('{"iters": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(ParseError, match=r"\.json: invalid JSON: nested too deeply$"):
        adapter.parse(deep)


def test_make_result_from_figures_scales_and_fills_extremes() -> None:
    r = make_result(
        BenchmarkId("b"),
        "time",
        "ms",
        figures={"median": 2.0, "q1": 1.5, "q3": 3.0},
        n=7,
        ci=(1.0, 4.0, 0.99),
    )
    assert r.unit == "s" and r.direction is Direction.LOWER
    assert r.summary is not None
    assert (r.summary.n, r.summary.median, r.summary.mean) == (7, 0.002, 0.002)
    assert (r.summary.min, r.summary.max) == (0.0015, 0.003)
    assert (r.summary.ci_low, r.summary.ci_high, r.summary.ci_level) == (0.001, 0.004, 0.99)
    rate = make_result(BenchmarkId("b"), "throughput", "ops/ms", samples=[1.0, 2.0])
    assert rate.unit == "ops/s" and rate.samples == (1000.0, 2000.0)
    with pytest.raises(ValueError, match="no samples"):
        make_result(BenchmarkId("b"), "time", "s", figures={"stddev": 1.0})


def test_parse_timestamp() -> None:
    assert parse_timestamp("2024-02-05T11:45:45") == datetime(2024, 2, 5, 11, 45, 45, tzinfo=UTC)
    assert parse_timestamp("2022-09-10T19:22:43-07:00") == datetime(
        2022, 9, 10, 19, 22, 43, tzinfo=timezone(timedelta(hours=-7))
    )
    assert parse_timestamp("2020-01-01T00:00:00Z") == datetime(2020, 1, 1, tzinfo=UTC)
    assert parse_timestamp("yesterday") is None
    assert parse_timestamp(None) is None
