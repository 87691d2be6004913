"""Catch2's XML reporter (``-r xml``, Catch2 v2 ``<Catch>`` and v3 ``<Catch2TestRun>``).

Each ``<BenchmarkResults>`` becomes a ``time`` Result named ``<test case>/<benchmark>`` (group: the test
case). Catch2 reports no raw samples, only its estimates, all in nanoseconds: the mean with its
bootstrap interval (used as the centre and its CI), the standard deviation, the sample count and the
Tukey outlier counts. A benchmark that threw carries a ``<failed message=...>`` child and becomes a
failed Result. With ``-d yes`` every test case also reports its duration; test cases without
benchmarks become ``time`` Results named after the test case (a benchmarking test case's duration is
mostly the benchmark's own sampling, so it is left out), and a failed test case becomes a failed
Result naming its first failed assertion.
"""

from __future__ import annotations

import math
import xml.parsers.expat
from dataclasses import dataclass, field
from pathlib import Path

from perfgate.adapters._parsing import failed_result, make_result
from perfgate.adapters.base import Adapter, Parsed, read_text
from perfgate.errors import ParseError
from perfgate.model import BenchmarkId, Result

__all__ = ["ADAPTERS", "Catch2XmlAdapter"]


@dataclass(slots=True)
class _Node:
    """An XML element with the line it starts on (ElementTree keeps no line numbers).

    Mutable on purpose: the parser appends children and text while it reads the document.
    """

    tag: str
    attrs: dict[str, str]
    line: int
    children: list[_Node] = field(default_factory=list)
    text: list[str] = field(default_factory=list)

    def find(self, tag: str) -> _Node | None:
        return next((c for c in self.children if c.tag == tag), None)

    def iter(self, tag: str) -> list[_Node]:
        out = [self] if self.tag == tag else []
        for c in self.children:
            out.extend(c.iter(tag))
        return out


def _parse_xml(path: Path, text: str) -> _Node:
    parser = xml.parsers.expat.ParserCreate()
    stack: list[_Node] = []
    root: list[_Node] = []

    def start(tag: str, attrs: dict[str, str]) -> None:
        node = _Node(tag, attrs, parser.CurrentLineNumber)
        if stack:
            stack[-1].children.append(node)
        else:
            root.append(node)
        stack.append(node)

    def end(tag: str) -> None:
        stack.pop()

    def chars(data: str) -> None:
        if stack:
            stack[-1].text.append(data)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    try:
        parser.Parse(text, True)
    except xml.parsers.expat.ExpatError as exc:
        raise ParseError.at(
            str(path), exc.lineno, f"invalid XML: {xml.parsers.expat.ErrorString(exc.code)}"
        ) from exc
    return root[0]


class Catch2XmlAdapter:
    """Catch2 XML reporter output (benchmarks and test-case durations)."""

    name = "catch2"
    description = "Catch2 XML reporter (-r xml): BENCHMARK results and test-case durations (-d yes)"

    def sniff(self, path: Path, head: str) -> bool:
        return ("<Catch " in head or "<Catch2TestRun" in head) and (
            "<TestCase" in head or "<Group" in head or "<OverallResults" in head
        )

    def parse(self, path: Path) -> Parsed:
        root = _parse_xml(path, read_text(path))
        if root.tag not in ("Catch", "Catch2TestRun"):
            raise ParseError.at(str(path), root.line, f"not a Catch2 XML report (root element <{root.tag}>)")
        results: list[Result] = []
        seen: set[str] = set()
        for case in root.iter("TestCase"):
            case_name = _attr(path, case, "name").strip()
            benches = case.iter("BenchmarkResults")
            for bench in benches:
                bench_name = _attr(path, bench, "name").strip()
                name = f"{case_name}/{bench_name}"
                _unique(path, bench, name, seen)
                results.append(_benchmark(path, bench, BenchmarkId(name, case_name)))
            overall = case.find("OverallResult")
            if benches or overall is None:
                continue
            _unique(path, case, case_name, seen)
            results.append(_test_case(path, case, overall, case_name))
        return Parsed(source=self.name, results=tuple(results), environment=_environment(root))


def _unique(path: Path, node: _Node, name: str, seen: set[str]) -> None:
    if not name or name in seen:
        raise ParseError.at(str(path), node.line, f"duplicate or empty benchmark name {name!r}")
    seen.add(name)


def _attr(path: Path, node: _Node, key: str) -> str:
    if key not in node.attrs:
        raise ParseError.at(str(path), node.line, f"<{node.tag}> without a {key!r} attribute")
    return node.attrs[key]


def _num(path: Path, node: _Node, key: str) -> float:
    raw = _attr(path, node, key)
    try:
        value = float(raw)
    except ValueError:
        raise ParseError.at(str(path), node.line, f"<{node.tag}> {key}={raw!r} is not a number") from None
    if not math.isfinite(value):
        raise ParseError.at(str(path), node.line, f"<{node.tag}> {key}={raw!r} is not finite")
    return value


def _benchmark(path: Path, bench: _Node, bid: BenchmarkId) -> Result:
    failed = bench.find("failed")
    if failed is not None:
        return failed_result(bid, "time", "ns", failed.attrs.get("message") or "benchmark failed")
    mean = bench.find("mean")
    if mean is None:
        raise ParseError.at(str(path), bench.line, f"benchmark {bid.name!r}: no <mean> element")
    sd = bench.find("standardDeviation")
    outliers = bench.find("outliers")
    samples = int(_num(path, bench, "samples"))
    iterations = int(_num(path, bench, "iterations")) if "iterations" in bench.attrs else None
    ci = None
    if "lowerBound" in mean.attrs and "upperBound" in mean.attrs:
        level = _num(path, mean, "ci") if "ci" in mean.attrs else 0.95
        ci = (_num(path, mean, "lowerBound"), _num(path, mean, "upperBound"), level)
    extra: dict[str, object] = {}
    n_outliers = 0
    if outliers is not None:
        counts = {
            k: int(_num(path, outliers, k))
            for k in ("lowMild", "lowSevere", "highMild", "highSevere")
            if k in outliers.attrs
        }
        n_outliers = sum(counts.values())
        if "variance" in outliers.attrs:
            # share of the variance explained by outliers, as Catch2 prints it
            extra["outlier_variance"] = _num(path, outliers, "variance")
    try:
        return make_result(
            bid,
            "time",
            "ns",  # Catch2: "All values in nano seconds"
            figures={"mean": _num(path, mean, "value"), "stddev": _num(path, sd, "value") if sd else None},
            n=samples,
            ci=ci,
            outliers=n_outliers,
            rounds=samples,
            iterations=iterations,
            extra=extra,
        )
    except ValueError as exc:
        raise ParseError.at(str(path), bench.line, f"benchmark {bid.name!r}: {exc}") from exc


def _test_case(path: Path, case: _Node, overall: _Node, name: str) -> Result:
    bid = BenchmarkId(name)
    if overall.attrs.get("success") == "false":
        return failed_result(bid, "time", "s", _failure(case))
    if "durationInSeconds" not in overall.attrs:
        raise ParseError.at(
            str(path), overall.line, f"test case {name!r}: no durationInSeconds (run the tests with -d yes)"
        )
    return make_result(bid, "time", "s", figures={"mean": _num(path, overall, "durationInSeconds")})


def _failure(case: _Node) -> str:
    for expr in case.iter("Expression"):
        if expr.attrs.get("success") == "false":
            original, expanded = (_text(expr.find(tag)) for tag in ("Original", "Expanded"))
            where = f" at {expr.attrs.get('filename', '?')}:{expr.attrs.get('line', '?')}"
            return f"{expr.attrs.get('type', 'CHECK')}({original}) with expansion {expanded}{where}"
    for tag in ("Exception", "FatalErrorCondition", "Failure"):
        for node in case.iter(tag):
            return f"{tag}: {_text(node)}"
    return "test case failed"


def _text(node: _Node | None) -> str:
    return "".join(node.text).strip() if node is not None else ""


def _environment(root: _Node) -> dict[str, object]:
    env: dict[str, object] = {}
    for key in ("name", "rng-seed", "catch2-version"):
        if key in root.attrs:
            env["executable" if key == "name" else key.replace("-", "_")] = root.attrs[key]
    return env


ADAPTERS: tuple[Adapter, ...] = (Catch2XmlAdapter(),)
