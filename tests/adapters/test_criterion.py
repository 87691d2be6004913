from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from perfgate.adapters.criterion import CriterionConsoleAdapter, CriterionTreeAdapter
from perfgate.adapters.registry import parse_inputs, read_head
from perfgate.errors import ParseError
from perfgate.model import Direction, RunStatus

DATA = Path(__file__).parent.parent / "data" / "criterion"
TREE = CriterionTreeAdapter()
CONSOLE = CriterionConsoleAdapter()
INSERT = DATA / "target" / "criterion" / "insert_bench_100"


def test_tree_new_layout_with_samples() -> None:
    root = DATA / "target"
    assert TREE.sniff(root, "")
    p = TREE.parse(root)
    assert p.source == "criterion"
    names = [r.benchmark.name for r in p.results]
    assert names == ["delete_hashed_unique_key_bench_100", "insert_bench_100"]
    ins = p.results[1]
    assert ins.unit == "s" and ins.direction is Direction.LOWER
    assert len(ins.samples) == 100 and ins.rounds == 100
    # first sample: times[0] / iters[0] ns
    doc = json.loads((INSERT / "new" / "sample.json").read_text())
    assert ins.samples[0] == pytest.approx(doc["times"][0] / doc["iters"][0] * 1e-9)
    assert ins.extra["sampling_mode"] == "Linear"
    assert ins.summary is not None
    # the CI is Criterion's bootstrap interval of the median (ns -> s)
    assert ins.summary.ci_low == pytest.approx(3830.5159345391903e-9)
    assert ins.summary.ci_high == pytest.approx(3863.2073447654843e-9)
    # estimates only: the summary comes from the estimates
    dele = p.results[0]
    assert dele.samples == () and dele.summary is not None
    assert dele.summary.median == pytest.approx(39562.27214452215e-9)


def test_tree_old_layout() -> None:
    p = TREE.parse(DATA / "old-layout")
    (r,) = p.results
    assert r.benchmark.name == "[f147c67] Trie::exact_match() 100 times"
    assert r.benchmark.group == "[f147c67] Trie::exact_match() 100 times"
    assert len(r.samples) == 10
    assert r.samples[0] == pytest.approx(34227102.0 / 5.0 * 1e-9)


def test_a_file_stands_for_its_benchmark_and_repeats_merge() -> None:
    files = [INSERT / "new" / n for n in ("estimates.json", "sample.json", "benchmark.json")]
    for f in files:
        assert TREE.sniff(f, read_head(f))
    assert not TREE.sniff(
        INSERT / "change" / "estimates.json", read_head(INSERT / "change" / "estimates.json")
    )
    merged = parse_inputs(files, "criterion")
    assert [r.benchmark.name for r in merged.results] == ["insert_bench_100"]


def test_lone_file_outside_new_folder(tmp_path: Path) -> None:
    f = tmp_path / "x.new.estimates.json"
    shutil.copy(INSERT / "new" / "estimates.json", f)
    (r,) = TREE.parse(f).results
    assert r.benchmark.name == "x" and r.summary is not None
    assert r.summary.median == pytest.approx(3840.253488372093e-9)


def test_console_with_change_lines() -> None:
    p = CONSOLE.parse(DATA / "trace4rs-log4rs-bench.cargo-bench.txt")
    assert p.source == "criterion-console"
    names = [r.benchmark.name for r in p.results]
    assert names == [
        "file",
        "rolling_file",
        "tracing_file",
        "tracing_rolling_file",
        "benchmark: name with spaces",
    ]
    f = p.results[0].summary
    assert f is not None and f.n == 100
    assert (f.ci_low, f.median, f.ci_high) == pytest.approx((320.62e-12, 323.90e-12, 327.55e-12))
    ch = p.results[1].extra["change"]
    assert ch["estimate"] == pytest.approx(0.20965) and ch["p_value"] == 0.0


def test_console_name_on_its_own_line() -> None:
    p = CONSOLE.parse(DATA / "bencher-dogfood.cargo-bench.txt")
    assert [r.benchmark.name for r in p.results] == [
        "Adapter::Magic (JSON)",
        "Adapter::Json",
        "Adapter::Magic (Rust)",
        "Adapter::Rust",
    ]
    s = p.results[2].summary
    assert s is not None and s.median == pytest.approx(14.726e-6)


def test_console_throughput(tmp_path: Path) -> None:
    f = tmp_path / "out.txt"
    f.write_text(
        "parse/1024              time:   [1.0000 µs 1.1000 µs 1.2000 µs]\n"
        "                        thrpt:  [813.80 MiB/s 887.78 MiB/s 976.56 MiB/s]\n"
        "                 change:\n"
        "                        time:   [-1.0000% +0.5000% +2.0000%] (p = 0.50 > 0.05)\n"
    )
    p = CONSOLE.parse(f)
    tp = p.results[1]
    assert tp.metric == "throughput" and tp.unit == "B/s" and tp.direction is Direction.HIGHER
    assert tp.summary is not None and tp.summary.median == pytest.approx(887.78 * 1024**2)
    assert p.results[0].extra["change"]["estimate"] == pytest.approx(0.005)


def test_malformed(tmp_path: Path) -> None:
    f = tmp_path / "bad.txt"
    f.write_text("a   time:   [1.0 ns 2.0 xs 3.0 ns]\n")
    with pytest.raises(ParseError, match=r"bad.txt:1: unknown time unit 'xs'"):
        CONSOLE.parse(f)
    f.write_text("a   time:   [3.0 ns 2.0 ns 1.0 ns]\n")
    with pytest.raises(ParseError, match=r"bad.txt:1: estimate outside its interval"):
        CONSOLE.parse(f)
    bench = tmp_path / "b" / "new"
    bench.mkdir(parents=True)
    (bench / "sample.json").write_text('{"sampling_mode": "Flat", "iters": [1, 2], "times": [3, "x"]}')
    with pytest.raises(ParseError, match=r"sample.json: bad sample"):
        TREE.parse(tmp_path / "b")
    (bench / "sample.json").write_text('{"sampling_mode": "Flat", "iters": [1, 2],\n "times": [3, 4}')
    with pytest.raises(ParseError, match=r"sample.json:2: invalid JSON"):
        TREE.parse(tmp_path / "b")


def test_console_run_killed_while_measuring_is_a_failed_run(tmp_path: Path) -> None:
    """cargo bench killed while Criterion measured `tracing_file`: no figures for it, cargo says why."""
    lines = (DATA / "trace4rs-log4rs-bench.cargo-bench.txt").read_text().splitlines()[:40]
    killed = tmp_path / "killed.txt"
    killed.write_text("\n".join(lines) + "\nerror: bench failed, to rerun pass `--bench log4rs`\n")
    p = CriterionConsoleAdapter().parse(killed)
    assert p.status is RunStatus.FAILED
    errors = {r.benchmark.name: r.error for r in p.results if r.error is not None}
    assert errors == {"tracing_file": "did not finish: error: bench failed, to rerun pass `--bench log4rs`"}
    assert {r.benchmark.name for r in p.results if r.error is None} >= {"file", "rolling_file"}
    for name in ("trace4rs-log4rs-bench.cargo-bench.txt", "bencher-dogfood.cargo-bench.txt"):
        assert CriterionConsoleAdapter().parse(DATA / name).status is RunStatus.COMPLETE
