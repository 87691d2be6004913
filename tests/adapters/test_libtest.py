from __future__ import annotations

from pathlib import Path

import pytest

from perfgate.adapters.libtest import LibtestAdapter
from perfgate.errors import ParseError
from perfgate.model import Direction, RunStatus

DATA = Path(__file__).parent.parent / "data" / "libtest-bench"
LT = LibtestAdapter()


def _get(parsed, name, metric="time"):
    found = [r for r in parsed.results if r.benchmark.name == name and r.metric == metric]
    assert len(found) == 1, [r.key for r in parsed.results][:5]
    return found[0]


def test_thousands_separators_and_throughput() -> None:
    p = LT.parse(DATA / "regex-10-last-frontier-rust-after-literal.log")
    assert p.source == "libtest"
    assert sum(r.metric == "time" for r in p.results) == 119
    words = _get(p, "sherlock::words")
    assert words.summary is not None and words.summary.median == pytest.approx(8.249767e-3)
    assert words.summary.n == 1 and words.unit == "s" and words.direction is Direction.LOWER
    assert words.extra["spread"] == pytest.approx(75.015e-6)
    tp = _get(p, "sherlock::words", "throughput")
    assert tp.unit == "B/s" and tp.direction is Direction.HIGHER
    assert tp.summary is not None and tp.summary.median == pytest.approx(72e6)


def test_running_header_sets_the_group() -> None:
    p = LT.parse(DATA / "regex-01-lazy-dfa-dynamic.txt")
    assert sum(r.metric == "time" for r in p.results) == 67
    r = _get(p, "bench::anchored_literal_long_match")
    assert r.benchmark.group == "dynamic"  # target/release/dynamic-e87a67d7ea67f0eb without the hash
    assert r.summary is not None and r.summary.median == pytest.approx(75e-9)


def test_old_summary_line_and_criterion_bencher_format() -> None:
    p = LT.parse(DATA / "regex-07-rust.txt")
    assert sum(r.metric == "time" for r in p.results) == 108
    b = LT.parse(DATA / "boa-criterion-output-format-bencher.txt")
    assert [r.benchmark.name for r in b.results] == [
        "Create Realm",
        "Symbols (Execution)",
        "For loop (Execution)",
        "Fibonacci (Execution)",
    ]
    fib = _get(b, "Fibonacci (Execution)")
    assert fib.summary is not None and fib.summary.median == pytest.approx(1.672496e-3)


def test_failed_bench_and_duplicate_targets(tmp_path: Path) -> None:
    f = tmp_path / "out.txt"
    f.write_text(
        "     Running target/release/deps/a-0123456789abcdef\n"
        "test parse ... bench:       1,000 ns/iter (+/- 10)\n"
        "test boom ... FAILED\n"
        "\nfailures:\n\n---- boom stdout ----\nthread 'main' panicked at 'oops', src/lib.rs:3:5\n\n"
        "     Running target/release/deps/b-fedcba9876543210\n"
        "test parse ... bench:          12.5 ns/iter (+/- 0.5)\n"
    )
    p = LT.parse(f)
    assert _get(p, "a::parse").summary.median == pytest.approx(1e-6)  # type: ignore[union-attr]
    assert _get(p, "b::parse").benchmark.group == "b"
    boom = _get(p, "boom")
    assert boom.error == "thread 'main' panicked at 'oops', src/lib.rs:3:5" and boom.summary is None


def test_sniff_and_malformed(tmp_path: Path) -> None:
    assert LT.sniff(DATA, (DATA / "regex-07-rust.txt").read_text())
    assert not LT.sniff(DATA, "BenchmarkX-8  10  12 ns/op\n")
    f = tmp_path / "bad.txt"
    f.write_text("test a ... bench: 12 ns/iter (+/- 1)\ntest b ... bench: 1,2,,3 ns/iter (+/- 1)\n")
    p = LT.parse(f)  # "1,2,,3" is odd but only separators: 123
    assert _get(p, "b").summary.median == pytest.approx(123e-9)  # type: ignore[union-attr]
    f.write_text("test a ... bench: 12 ns/iter (+/- 1)\ntest a ... bench: 13 ns/iter (+/- 1)\n")
    with pytest.raises(ParseError, match=r"bad.txt:2: benchmark 'a' appears twice"):
        LT.parse(f)
    f.write_text("test a ... bench: 12 ks/iter\n")
    with pytest.raises(ParseError, match=r"bad.txt:1: unknown time unit 'ks'"):
        LT.parse(f)
    f.write_text("running 0 tests\n")
    with pytest.raises(ParseError, match="no libtest bench lines"):
        LT.parse(f)


def test_a_bench_run_killed_mid_way_is_a_failed_run(tmp_path: Path) -> None:
    """cargo bench killed while a bench ran (OOM killer, CI timeout): its line has no figure, and
    cargo says the process did not exit successfully."""
    lines = (DATA / "regex-07-rust.txt").read_text().splitlines()[:8]
    killed = tmp_path / "killed.txt"
    killed.write_text(
        "\n".join(lines)
        + "\ntest misc::easy1_1K                          ... "
        + "\nerror: process didn't exit successfully: `/w/target/release/deps/bench-0123456789abcdef "
        "--bench` (signal: 9, SIGKILL: kill)\n"
    )
    p = LibtestAdapter().parse(killed)
    assert p.status is RunStatus.FAILED
    (failed,) = [r for r in p.results if r.error is not None]
    assert failed.benchmark.name == "misc::easy1_1K" and failed.error.startswith("did not finish: error:")
    assert LibtestAdapter().parse(DATA / "regex-07-rust.txt").status is RunStatus.COMPLETE
