"""Harness suites (perfgate.measure.harness) with tiny real commands: a Python one-liner prints Go
benchmark text, fails, hangs, or writes a file, and run_harness turns what happened into Results."""

from __future__ import annotations

import os
import shlex
import sys
import time
from pathlib import Path

import pytest

from perfgate.measure.command import SpecError
from perfgate.measure.harness import HarnessSpec, run_harness
from processes import alive

PY = sys.executable

GO_TEXT = """\
goos: linux
goarch: amd64
pkg: example.com/m
BenchmarkParse-2   \t  100000\t      1200 ns/op\t     128 B/op\t       2 allocs/op
BenchmarkSum-2     \t  200000\t       600 ns/op\t       0 B/op\t       0 allocs/op
PASS
ok  \texample.com/m\t0.266s
"""


def printing(text: str, *, stderr: str = "", code: int = 0, sleep: float = 0.0) -> tuple[str, ...]:
    """A command printing ``text`` on stdout (and ``stderr``), sleeping, then exiting with ``code``."""
    src = (
        "import sys, time\n"
        f"sys.stdout.write({text!r}); sys.stdout.flush()\n"
        f"sys.stderr.write({stderr!r}); sys.stderr.flush()\n"
        f"time.sleep({sleep!r})\n"
        f"sys.exit({code!r})\n"
    )
    return (PY, "-c", src)


def run(spec: HarnessSpec, root: Path, tier: str | None = None, environ=None, redact=lambda s: s):
    return run_harness(spec, tier, root, dict(os.environ) if environ is None else environ, redact)


def by_key(results):
    return {(r.benchmark.name, r.metric): r for r in results}


def test_go_text_on_stdout_becomes_results_named_after_the_suite(tmp_path: Path) -> None:
    results = by_key(run(HarnessSpec("go", printing(GO_TEXT), format="go"), tmp_path))
    assert set(results) == {
        (f"go:example.com/m.{b}", m)
        for b in ("BenchmarkParse", "BenchmarkSum")
        for m in ("time", "allocated_bytes", "allocations")
    }
    parse = results["go:example.com/m.BenchmarkParse", "allocations"]
    assert parse.error is None and parse.summary.median == 2
    assert parse.benchmark.group == "go:example.com/m"
    assert results["go:example.com/m.BenchmarkParse", "time"].summary.median == pytest.approx(1.2e-6)


def test_the_format_is_detected_when_auto(tmp_path: Path) -> None:
    results = run(HarnessSpec("go", printing(GO_TEXT)), tmp_path)
    assert len(results) == 6 and all(r.error is None for r in results)


def test_two_suites_printing_the_same_benchmarks_do_not_collide(tmp_path: Path) -> None:
    a = run(HarnessSpec("a", printing(GO_TEXT), format="go"), tmp_path)
    b = run(HarnessSpec("b", printing(GO_TEXT), format="go"), tmp_path)
    assert not {r.key for r in a} & {r.key for r in b}


def test_the_tiers_arguments_are_appended(tmp_path: Path) -> None:
    # the command prints its own arguments as the name of a Go benchmark
    src = "import sys; print('BenchmarkArgs' + '_'.join(sys.argv[1:]) + ' 1 5 ns/op')"
    spec = HarnessSpec(
        "go", (PY, "-c", src, "x"), format="go", tiers=("fast", "nightly"),
        args=(("fast", ("-benchtime=1s",)), ("nightly", ("-benchtime=10s", "-count=5"))),
    )  # fmt: skip
    assert [r.benchmark.name for r in run(spec, tmp_path, "fast")] == ["go:BenchmarkArgsx_-benchtime=1s"]
    nightly = run(spec, tmp_path, "nightly")
    assert [r.benchmark.name for r in nightly] == ["go:BenchmarkArgsx_-benchtime=10s_-count=5"]
    assert [r.benchmark.name for r in run(spec, tmp_path, None)] == ["go:BenchmarkArgsx"]


def test_cwd_is_relative_to_the_root_and_env_is_added(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    src = "import os; print('Benchmark' + os.path.basename(os.getcwd()) + os.environ['EXTRA'] + ' 1 5 ns/op')"
    spec = HarnessSpec("go", (PY, "-c", src), format="go", cwd="sub", env=(("EXTRA", "Env"),))
    assert [r.benchmark.name for r in run(spec, tmp_path)] == ["go:BenchmarksubEnv"]


def test_a_shell_command_gets_its_tier_arguments_quoted(tmp_path: Path) -> None:
    spec = HarnessSpec(
        "sh", "printf 'Benchmark%s 1 5 ns/op\\n'", shell=True, format="go", args=(("fast", ("A;B",)),)
    )
    assert [r.benchmark.name for r in run(spec, tmp_path, "fast")] == ["sh:BenchmarkA;B"]


def test_a_failing_command_is_a_failed_result_quoting_the_end_of_its_stderr(tmp_path: Path) -> None:
    stderr = "".join(f"line {i}\n" for i in range(10)) + "./m.go:3:1: syntax error\x1b[31m\n"
    (failed,) = run(HarnessSpec("go", printing("", stderr=stderr, code=2), format="go"), tmp_path)
    assert failed.benchmark.name == "go" and failed.metric == "time"
    assert failed.error == (
        "suite 'go': exit code 2; printed nothing on stdout; "
        "stderr: line 6 | line 7 | line 8 | line 9 | ./m.go:3:1: syntax error\\x1b[31m"
    )


def test_what_the_command_prints_is_shown_on_stderr_escaped(tmp_path: Path, capsys) -> None:
    spec = HarnessSpec("go", printing(GO_TEXT, stderr="compiling \x1b]0;pwned\x07\n"), format="go")
    assert len(run(spec, tmp_path)) == 6
    err = capsys.readouterr().err
    assert "BenchmarkParse-2          100000              1200 ns/op" in err  # tabs expanded
    assert "compiling \\x1b]0;pwned\\x07\n" in err and "\x1b" not in err


def test_results_printed_before_a_failure_are_kept_beside_it(tmp_path: Path) -> None:
    results = run(HarnessSpec("go", printing(GO_TEXT, stderr="boom\n", code=1), format="go"), tmp_path)
    assert len([r for r in results if r.error is None]) == 6
    assert [r.error for r in results if r.error] == ["suite 'go': exit code 1; stderr: boom"]


def test_output_that_does_not_parse_is_a_failed_result_naming_stdout(tmp_path: Path) -> None:
    (failed,) = run(HarnessSpec("go", printing("hello\n"), format="go"), tmp_path)
    assert failed.error is not None
    assert failed.error.startswith("suite 'go': no results perfgate can read in its output: <stdout of go>")
    (auto,) = run(HarnessSpec("x", printing("hello\n")), tmp_path)
    assert "<stdout of x>" in (auto.error or "") and "unrecognised format" in (auto.error or "")


def test_a_command_that_cannot_start_is_a_failed_result(tmp_path: Path) -> None:
    (failed,) = run(HarnessSpec("go", ("no-such-harness-perfgate",)), tmp_path)
    assert failed.error == "suite 'go': cannot start the command (No such file or directory)"
    (nodir,) = run(HarnessSpec("go", ("true",), cwd="missing"), tmp_path)
    assert nodir.error == f"suite 'go': its working directory {tmp_path / 'missing'} does not exist"


def test_a_timeout_kills_the_whole_process_group(tmp_path: Path) -> None:
    # the command starts a grandchild that would outlive it, records its pid, then both hang
    pidfile = tmp_path / "grandchild.pid"
    src = (
        "import subprocess, sys, time\n"
        "c = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\n"
        f"open({str(pidfile)!r}, 'w').write(str(c.pid))\n"
        "print('BenchmarkEarly 1 5 ns/op', flush=True)\n"
        "time.sleep(600)\n"
    )
    results = run(HarnessSpec("go", (PY, "-c", src), format="go", timeout=1.5), tmp_path)
    assert [r.benchmark.name for r in results] == ["go:BenchmarkEarly", "go"]
    assert results[1].error == "suite 'go': timed out after 1.5 s (its process group was killed)"
    grandchild = int(pidfile.read_text())
    deadline = time.monotonic() + 30  # bounds the wait for the kernel to reap it; asserts no speed
    while alive(grandchild) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(grandchild)


def test_the_failure_message_is_redacted(tmp_path: Path) -> None:
    spec = HarnessSpec("go", printing("", stderr="auth failed for s3cr3t-value\n", code=1))
    (failed,) = run(spec, tmp_path, redact=lambda s: s.replace("s3cr3t-value", "[redacted $TOKEN]"))
    assert failed.error is not None and "s3cr3t" not in failed.error and "[redacted $TOKEN]" in failed.error


def test_a_file_output_is_read_only_when_the_command_wrote_it(tmp_path: Path) -> None:
    out = tmp_path / "out" / "bench.txt"
    out.parent.mkdir()
    writer = (PY, "-c", f"open({str(out)!r}, 'w').write({GO_TEXT!r})")
    results = run(HarnessSpec("go", writer, format="go", output="out/bench.txt"), tmp_path)
    assert len(results) == 6 and all(r.error is None for r in results)
    # the next run writes nothing: the file left by the last one must not stand in for it
    (stale,) = run(HarnessSpec("go", ("true",), format="go", output="out/bench.txt"), tmp_path)
    assert stale.error == (
        f"suite 'go': did not write 'out/bench.txt' (in {tmp_path}): what is there is older than this run"
    )
    (none,) = run(HarnessSpec("go", ("true",), format="go", output="nowhere.txt"), tmp_path)
    assert none.error == f"suite 'go': wrote no output at 'nowhere.txt' (in {tmp_path})"


def test_a_glob_output_reads_the_files_written_this_run(tmp_path: Path) -> None:
    (tmp_path / "res").mkdir()
    (tmp_path / "res" / "old.txt").write_text("BenchmarkOld 1 5 ns/op\n")
    src = f"open({str(tmp_path / 'res' / 'new.txt')!r}, 'w').write('BenchmarkNew 1 5 ns/op\\n')"
    results = run(HarnessSpec("go", (PY, "-c", src), format="go", output="res/*.txt"), tmp_path)
    assert [r.benchmark.name for r in results] == ["go:BenchmarkNew"]


def test_a_criterion_tree_is_read_as_a_directory(tmp_path: Path) -> None:
    data = Path(__file__).resolve().parents[1] / "data" / "criterion"
    trees = sorted(p for p in data.iterdir() if p.is_dir())
    assert trees, "tests/data/criterion holds a target/criterion tree"
    copy = f"import shutil; shutil.copytree({str(trees[0])!r}, 'target/criterion', dirs_exist_ok=True)"
    spec = HarnessSpec("rust", (PY, "-c", copy), format="criterion", output="target/criterion")
    results = run(spec, tmp_path)
    assert results and all(r.error is None and r.benchmark.name.startswith("rust:") for r in results)


@pytest.mark.parametrize(
    ("kwargs", "key", "problem"),
    [
        ({"command": ()}, "command", "must not be empty"),
        ({"command": ("",)}, "command", "must not be empty"),
        ({"command": "go test"}, "command", "a string runs only with shell = true; give a list of arguments"),
        ({"command": ("go",), "shell": True}, "command", "with shell = true, give the command as one string"),
        ({"name": ""}, "name", "must be letters, digits, '_', '-' or '.' (not first), got ''"),
        ({"name": "a b"}, "name", "must be letters, digits, '_', '-' or '.' (not first), got 'a b'"),
        ({"name": "cmd"}, "name", "'cmd' is reserved (command benchmarks are named cmd:...)"),
        ({"name": "service"}, "name", "'service' is reserved (failed services are named service:...)"),
        ({"output": " "}, "output", "must be a non-empty path, got ' '"),
        ({"timeout": 0.0}, "timeout", "must be a positive number of seconds, got 0.0"),
        ({"env": (("A-B", "1"),)}, "env", "expected environment variable names, got 'A-B'"),
        ({"tiers": ()}, "tiers", "is empty: the suite would never run (name its tiers, or leave it out)"),
        (
            {"tiers": ("fast",), "args": (("nightly", ("-x",)),)},
            "args.nightly",
            "the suite does not run in tier 'nightly' (tiers: fast)",
        ),
    ],
)
def test_the_spec_refuses_what_cannot_run(kwargs, key, problem) -> None:
    fields = {"name": "go", "command": ("go", "test"), **kwargs}
    with pytest.raises(SpecError) as err:
        HarnessSpec(**fields)
    assert (err.value.key, err.value.problem) == (key, problem)


def test_an_unknown_format_is_refused_with_the_known_ones() -> None:
    with pytest.raises(SpecError) as err:
        HarnessSpec("go", ("go",), format="gotest")
    assert err.value.key == "format"
    assert (
        err.value.problem.startswith("unknown format 'gotest' (known: auto, ")
        and ", go, " in err.value.problem
    )


def test_display_is_the_command_as_a_shell_would_read_it() -> None:
    spec = HarnessSpec("go", ("go", "test", "-run=^$"), args=(("fast", ("-benchtime=1s",)),))
    assert spec.display("fast") == "go test '-run=^$' -benchtime=1s"
    assert shlex.split(spec.display("fast")) == list(spec.argv("fast"))
