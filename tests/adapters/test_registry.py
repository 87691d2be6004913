from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from perfgate.adapters import Adapter, registry
from perfgate.adapters.registry import available, detect, get, parse_inputs
from perfgate.errors import ConfigError, ParseError, UsageError

DATA = Path(__file__).parent.parent / "data"

# every real file and the adapter that must claim it (and no other)
EXPECTED = {
    "go-bench/perf-suffixarray.bench": "go",
    "go-bench/perf-crc-old.txt": "go",
    "libtest-bench/regex-07-rust.txt": "libtest",
    "libtest-bench/boa-criterion-output-format-bencher.txt": "libtest",
    "criterion/trace4rs-log4rs-bench.cargo-bench.txt": "criterion-console",
    "criterion/target/criterion/insert_bench_100/new/estimates.json": "criterion",
    "k6/grafana-k6-example-circleci-orb-summary.json": "k6",
    "k6/legacy-summary-export.json": "k6",
    "vegeta/vegeta-readme-report.json": "vegeta",
    "locust/load-tests-hub-locust_stats.csv": "locust",
    "locust/locust-2.47.0-fasthttpuser.json": "locust-json",
    "wrk/wrk-4.1.0-loopback-nginx-stall.txt": "wrk",
    "hey/hey-0.1.4-loopback-nginx.txt": "hey",
    "pytest-codspeed/pytest-codspeed-5.0.4-walltime.json": "pytest-codspeed",
}


def test_builtins_are_discovered() -> None:
    names = set(available())
    assert set(EXPECTED.values()) <= names
    for adapter in available().values():
        assert isinstance(adapter, Adapter)
        assert adapter.description and "\n" not in adapter.description


@pytest.mark.parametrize(("rel", "name"), sorted(EXPECTED.items()))
def test_detect_by_content(rel: str, name: str) -> None:
    assert detect(DATA / rel).name == name


def test_every_real_file_is_claimed_by_at_most_one_adapter() -> None:
    adapters = available()
    for f in sorted(DATA.rglob("*")):
        if f.is_file() and f.name != "PROVENANCE.md":
            head = registry.read_head(f)
            claim = [a.name for a in adapters.values() if a.sniff(f, head)]
            assert len(claim) <= 1, (f, claim)


def test_detection_ignores_the_file_name(tmp_path: Path) -> None:
    f = tmp_path / "results.json"  # a Go text file under a JSON name
    shutil.copy(DATA / "go-bench" / "perf-crc-old.txt", f)
    assert detect(f).name == "go"


def test_get_unknown_lists_the_known_names() -> None:
    assert get("go").name == "go"
    with pytest.raises(UsageError, match=r"unknown format 'nope'; known formats: .*criterion, .*go, .*wrk"):
        get("nope")


def test_unrecognised_and_ambiguous(tmp_path: Path) -> None:
    f = tmp_path / "notes.txt"
    f.write_text("nothing to see\n")
    with pytest.raises(
        ParseError, match=r"notes.txt: unrecognised format; known formats: .*\(use --format NAME\)"
    ):
        detect(f)
    both = tmp_path / "both.txt"
    both.write_text("BenchmarkX-8  10  12 ns/op\ntest y ... bench:  12 ns/iter (+/- 1)\n")
    with pytest.raises(
        ParseError, match=r"both.txt: ambiguous format: it looks like go, libtest \(use --format"
    ):
        detect(both)
    p = parse_inputs([both], "libtest")  # the user decides
    assert [r.benchmark.name for r in p.results] == ["y"]


def test_parse_inputs_merges_files_and_directories(tmp_path: Path) -> None:
    shutil.copytree(DATA / "criterion", tmp_path / "rust")
    shutil.copy(DATA / "wrk" / "wrk-4.1.0-loopback-nginx-stall.txt", tmp_path / "rust" / "wrk.txt")
    (tmp_path / "rust" / "README").write_text("not a benchmark file\n")
    p = parse_inputs([tmp_path / "rust", DATA / "go-bench" / "perf-crc-old.txt"])
    assert p.source == "mixed"
    names = {r.benchmark.name for r in p.results}
    # the Criterion tree (a directory claimed whole), both console files, wrk, Go
    assert {"insert_bench_100", "[f147c67] Trie::exact_match() 100 times", "file", "Adapter::Json"} <= names
    assert "http://127.0.0.1:8080/" in names
    assert "hash/crc32.BenchmarkCRC32/poly=IEEE/size=15/align=0" in names
    assert p.environment["os"] == "darwin"


def test_parse_inputs_single_source_and_errors(tmp_path: Path) -> None:
    p = parse_inputs([DATA / "go-bench" / "perf-crc-old.txt", DATA / "go-bench" / "perf-suffixarray.bench"])
    assert p.source == "go"
    crc = DATA / "go-bench" / "perf-crc-old.txt"
    # the very same result reached twice is one result; a different one under the same key is an error
    assert parse_inputs([crc, crc]) == parse_inputs([crc])
    new = tmp_path / "crc-new.txt"
    new.write_text(crc.read_text().replace("44.6 ns/op", "40.6 ns/op"))
    with pytest.raises(
        ParseError, match=r"crc-new.txt: duplicate result hash/crc32.*\[time\], also in .*perf-crc-old.txt"
    ):
        parse_inputs([crc, new])
    (tmp_path / "empty").mkdir()
    with pytest.raises(ParseError, match=r"empty: no benchmark output of a known format found"):
        parse_inputs([tmp_path / "empty"])
    with pytest.raises(ParseError, match=r"missing.txt: no such file"):
        parse_inputs([tmp_path / "missing.txt"])
    history = DATA / "locust" / "load-tests-hub-locust_stats_history.csv"
    with pytest.raises(ParseError, match=r"unrecognised format"):
        parse_inputs([history])  # named explicitly: it must be recognised
    with pytest.raises(UsageError):
        parse_inputs([])


def _install_plugin(root: Path, name: str, module_src: str, entry: str) -> None:
    """A real installed distribution (dist-info on sys.path) declaring perfgate.adapters entry points."""
    (root / f"{name}.py").write_text(textwrap.dedent(module_src))
    info = root / f"{name}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[perfgate.adapters]\n{entry}\n")


PLUGIN = """
from pathlib import Path
from perfgate.adapters import Parsed
from perfgate.model import BenchmarkId, Direction, Result, Summary

class Csvish:
    name = "{name}"
    description = "a test plugin format"

    def sniff(self, path: Path, head: str) -> bool:
        return head.startswith("CSVISH\\n")

    def parse(self, path: Path) -> Parsed:
        value = float(path.read_text().split()[1])
        s = Summary(n=1, mean=value, median=value, min=value, max=value)
        return Parsed("{name}", (Result(BenchmarkId("x"), "time", "s", Direction.LOWER, summary=s),))

ADAPTER = Csvish()

def factory():
    return (Csvish(),)
"""


def test_entry_point_adapter_is_found_and_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _install_plugin(tmp_path, "pg_plugin_one", PLUGIN.format(name="csvish"), "csvish = pg_plugin_one:ADAPTER")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert "csvish" in available()
    f = tmp_path / "data.txt"
    f.write_text("CSVISH\n0.5\n")
    p = parse_inputs([f])
    assert p.source == "csvish" and p.results[0].summary.median == 0.5  # type: ignore[union-attr]


def test_entry_point_factory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _install_plugin(tmp_path, "pg_plugin_two", PLUGIN.format(name="viafactory"), "f = pg_plugin_two:factory")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert get("viafactory").description == "a test plugin format"


def test_broken_entry_point_warns_in_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _install_plugin(tmp_path, "pg_plugin_bad", "raise RuntimeError('boom')\n", "bad = pg_plugin_bad:ADAPTER")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.warns(
        UserWarning, match=r"ignoring adapter entry point 'bad = pg_plugin_bad:ADAPTER'.*boom"
    ) as rec:
        names = available()
    assert "go" in names and "bad" not in names
    assert "\n" not in str(rec[0].message)


def test_duplicate_names_name_both(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _install_plugin(tmp_path, "pg_plugin_dup", PLUGIN.format(name="go"), "go2 = pg_plugin_dup:ADAPTER")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(
        ConfigError, match=r"two adapters are named 'go': perfgate.adapters.go and entry point 'go2"
    ):
        available()
