from __future__ import annotations

from pathlib import Path

import pytest

from perfgate.adapters.go import GoBenchAdapter
from perfgate.errors import ParseError
from perfgate.model import Direction, RunStatus

DATA = Path(__file__).parent.parent / "data" / "go-bench"
GO = GoBenchAdapter()


def _by(parsed, name, metric="time"):
    for r in parsed.results:
        if r.benchmark.name == name and r.metric == metric:
            return r
    raise AssertionError(f"no {name} [{metric}] in {[r.key for r in parsed.results][:10]}")


def test_suffixarray_benchmem_count_and_units() -> None:
    p = GO.parse(DATA / "perf-suffixarray.bench")
    assert p.source == "go"
    assert p.environment["os"] == "linux"
    assert p.environment["arch"] == "amd64"
    assert p.environment["cpu_model"] == "Intel(R) Core(TM) i7-8665U CPU @ 1.90GHz"
    # 42 sub-benchmarks x 4 units
    assert len(p.results) == 42 * 4
    name = "index/suffixarray.BenchmarkNew/text=opticks/size=100K/bits=32"
    t = _by(p, name)
    assert t.benchmark.group == "index/suffixarray"
    assert t.benchmark.params == (("text", "opticks"), ("size", "100K"), ("bits", "32"), ("gomaxprocs", "8"))
    assert t.unit == "s" and t.direction is Direction.LOWER
    assert len(t.samples) == 10 and t.rounds == 10
    assert t.samples[0] == pytest.approx(4052123e-9)
    assert t.summary is not None and t.summary.n == 10
    assert t.iterations is None and t.extra["iterations"][:3] == [295, 297, 295]
    mb = _by(p, name, "throughput")
    assert mb.unit == "B/s" and mb.direction is Direction.HIGHER
    assert mb.samples[0] == pytest.approx(24.68e6)
    alloc = _by(p, name, "allocated_bytes")
    assert alloc.unit == "B" and alloc.samples[0] == 401490
    allocs = _by(p, name, "allocations")
    assert allocs.unit == "count" and allocs.samples[0] == 2


def test_crc_config_note_and_header_order() -> None:
    p = GO.parse(DATA / "perf-crc-old.txt")
    assert p.environment["os"] == "darwin"
    assert p.environment["note"] == "hw acceleration disabled"
    t = _by(p, "hash/crc32.BenchmarkCRC32/poly=IEEE/size=15/align=0")
    assert t.iterations == 3000000
    assert t.samples[0] == pytest.approx(44.6e-9)
    assert len(t.samples) == 10


def test_bent_many_packages_keep_distinct_names() -> None:
    p = GO.parse(DATA / "perf-bent-Base.stdout.txt")
    groups = {r.benchmark.group for r in p.results}
    assert len(groups) == 30
    names = [r.key for r in p.results]
    assert len(names) == len(set(names))
    t = _by(p, "github.com/minio/minio/cmd.BenchmarkGetObject5MbFS")
    assert len(t.samples) == 25  # the package header repeats before each of the 25 runs


def test_benchseries_custom_units_and_varying_config() -> None:
    p = GO.parse(DATA / "perf-benchseries-Go1.17-opt.20220105T213212.txt")
    assert p.environment["toolchain"] == "Base"
    assert p.environment["builder_type"] == "Xeon-E5-1650v3@3.5Ghz*12"
    assert "shortname" not in p.environment  # changes per block: kept on the results
    build = _by(p, "BenchmarkEthereum_storage", "build-real")
    assert build.unit == "s" and build.direction is Direction.LOWER
    assert build.samples[0] == pytest.approx(8.834353063)
    assert build.benchmark.params == ()  # no -N suffix in these names
    text = _by(p, "Benchmarkethereum_storage_text", "text")
    assert text.unit == "B" and text.samples == (2593409.0,)
    assert any(r.extra.get("config", {}).get("shortname") for r in p.results)


def test_same_name_in_two_packages_and_failures(tmp_path: Path) -> None:
    f = tmp_path / "out.txt"
    f.write_text(
        "goos: linux\n"
        "pkg: example.com/a\n"
        "BenchmarkParse-4   \t 100\t 2000 ns/op\n"
        "BenchmarkParse-4   \t 100\t 2100 ns/op\n"
        "--- FAIL: BenchmarkBroken-4\n"
        "    broken_test.go:12: boom\n"
        "FAIL\n"
        "pkg: example.com/b\n"
        "BenchmarkParse-4   \t 50\t 1.5 ms/op\n"
        "BenchmarkParse-8   \t 50\t 1.4 ms/op\n"
        "PASS\n"
        "ok  \texample.com/b\t1.0s\n"
    )
    p = GO.parse(f)
    a = _by(p, "example.com/a.BenchmarkParse")
    assert a.samples == pytest.approx((2e-6, 2.1e-6))
    # several GOMAXPROCS values for one name: the suffix stays to keep them apart
    assert _by(p, "example.com/b.BenchmarkParse-4").samples == pytest.approx((1.5e-3,))
    assert _by(p, "example.com/b.BenchmarkParse-8").benchmark.params == (("gomaxprocs", "8"),)
    broken = _by(p, "example.com/a.BenchmarkBroken")
    assert broken.error == "broken_test.go:12: boom" and broken.summary is None


def test_sniff_is_specific() -> None:
    assert GO.sniff(DATA / "x", (DATA / "perf-crc-old.txt").read_text())
    assert not GO.sniff(DATA / "x", "test foo ... bench:   12 ns/iter (+/- 1)\n")
    assert not GO.sniff(DATA / "x", "BenchmarkFoo is great\n")


def test_malformed(tmp_path: Path) -> None:
    f = tmp_path / "bad.txt"
    f.write_text("goos: linux\nBenchmarkX-8  10  12 ns/op\nBenchmarkX-8  10  abc ns/op\n")
    with pytest.raises(ParseError, match=r"bad.txt:3: 'abc' is not a number"):
        GO.parse(f)
    f.write_text("BenchmarkX-8  10  12 ns/op 5\n")
    with pytest.raises(ParseError, match=r"bad.txt:1: value without a unit"):
        GO.parse(f)
    f.write_text("goos: linux\nPASS\n")
    with pytest.raises(ParseError, match=r"no benchmark result lines"):
        GO.parse(f)


def test_a_run_killed_by_the_go_test_timeout_is_a_failed_run() -> None:
    """Real output: `go test -timeout` killed the package with SIGQUIT before BenchmarkDecode finished."""
    p = GO.parse(DATA / "radio-timeout-sigquit.txt")
    assert p.status is RunStatus.FAILED
    assert _by(p, "example.com/radio.BenchmarkEncode").summary is not None
    # nothing names the benchmark that hung: the package is the failed result, never a silent gap
    failed = [r for r in p.results if r.error is not None]
    assert [(r.benchmark.name, r.error) for r in failed] == [
        ("example.com/radio.(package)", "FAIL example.com/radio: SIGQUIT: quit")
    ]


def test_a_benchmark_started_and_cut_short_by_a_panic_is_failed(tmp_path: Path) -> None:
    text = (DATA / "radio-complete.txt").read_text().split("BenchmarkDecode-2")[0]
    text += "BenchmarkDecode-2   \tpanic: test timed out after 5s\n\nexit status 2\nFAIL\texample.com/radio\t5.012s\n"
    path = tmp_path / "radio-panic.txt"
    path.write_text(text)
    p = GO.parse(path)
    assert p.status is RunStatus.FAILED
    decode = _by(p, "example.com/radio.BenchmarkDecode")
    assert decode.error == "did not finish: panic: test timed out after 5s"
    assert _by(p, "example.com/radio.BenchmarkEncode").error is None


def test_a_complete_run_has_no_failure() -> None:
    p = GO.parse(DATA / "radio-complete.txt")
    assert p.status is RunStatus.COMPLETE and all(r.error is None for r in p.results)
    assert GO.sniff(DATA / "radio-timeout-sigquit.txt", (DATA / "radio-timeout-sigquit.txt").read_text())
