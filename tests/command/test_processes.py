"""Command benchmarks with real commands: real processes, real exit codes, real memory, real timeouts."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

import pytest

from perfgate.adapters.hyperfine import HyperfineAdapter
from perfgate.measure.command import (
    CommandSpec,
    Launcher,
    hyperfine_json,
    measurement_results,
    run_commands,
)

PY = sys.executable


def by_name(measured):
    return {m.benchmark.id.name: m for m in measured}


def test_sleep_is_measured_with_four_metrics(tmp_path: Path) -> None:
    (m,) = run_commands([CommandSpec("sleep 0.01", runs=3, warmup=1)], cwd=tmp_path)
    assert m.ok and len(m.runs) == 3 and m.warmup == 1
    assert all(r.wall >= 0.01 for r in m.runs)  # a lower bound that sleep guarantees, not a timing
    results = {r.metric: r for r in measurement_results(m)}
    assert set(results) == {"time", "user_time", "system_time", "peak_memory"}
    assert results["peak_memory"].summary.min > 0


def test_true_and_false(tmp_path: Path) -> None:
    measured = by_name(
        run_commands([CommandSpec("true", runs=2), CommandSpec("false", runs=2)], cwd=tmp_path)
    )
    assert measured["cmd:true"].ok
    assert measured["cmd:false"].error == "exit code 1 on run 1"
    ignored = run_commands([CommandSpec("false", runs=2, ignore_failure=True)], cwd=tmp_path)[0]
    assert ignored.ok and [r.exit_code for r in ignored.runs] == [1, 1]


def test_stderr_last_line_is_quoted(tmp_path: Path) -> None:
    code = (
        "import sys; print('first', file=sys.stderr); print('no such table: t', file=sys.stderr); sys.exit(3)"
    )
    (m,) = run_commands([CommandSpec((PY, "-c", code), runs=3)], cwd=tmp_path)
    assert m.error == "exit code 3 on run 1: no such table: t"


def test_peak_memory_grows_with_what_the_command_allocates(tmp_path: Path) -> None:
    small = CommandSpec((PY, "-c", "pass"), name="small", runs=2)
    big = CommandSpec((PY, "-c", "b = bytearray(200 * 1024 * 1024)"), name="big", runs=2)
    measured = by_name(run_commands([small, big], cwd=tmp_path))
    peak_small = max(r.max_rss for r in measured["cmd:small"].runs)
    peak_big = min(r.max_rss for r in measured["cmd:big"].runs)
    assert peak_big - peak_small > 150 * 1024 * 1024


def test_peak_memory_of_true_is_not_perfgates_own(tmp_path: Path) -> None:
    ballast = bytearray(150 * 1024 * 1024)  # make this process big: the launcher must not inherit it
    ballast[::4096] = b"x" * len(ballast[::4096])
    (m,) = run_commands([CommandSpec("true", runs=2)], cwd=tmp_path)
    assert max(r.max_rss for r in m.runs) < 64 * 1024 * 1024
    del ballast


def test_a_hanging_command_is_killed_with_its_process_group(tmp_path: Path) -> None:
    marker = tmp_path / "child-alive"
    # The shell starts a background grandchild that would touch the marker after 2 s; the timeout kills
    # the whole group, so it never does.
    script = f"(sleep 2; touch {shlex.quote(str(marker))}) & sleep 30"
    (m,) = run_commands([CommandSpec(script, shell=True, runs=3, timeout=0.3)], cwd=tmp_path)
    assert m.error == "timed out after 0.3 s on run 1"
    run_commands([CommandSpec("sleep 2.5", runs=1)], cwd=tmp_path)  # outlive the grandchild's sleep
    assert not marker.exists()


def test_prepare_and_cleanup_order(tmp_path: Path) -> None:
    log = tmp_path / "log"
    spec = CommandSpec(
        f"echo run >> {log}",
        shell=True,
        warmup=1,
        runs=2,
        prepare=f"echo prepare >> {log}",
        cleanup=f"echo cleanup >> {log}",
    )
    (m,) = run_commands([spec], cwd=tmp_path)
    assert m.ok
    assert log.read_text().split() == ["prepare", "run"] * 3 + ["cleanup"]


def test_no_shell_unless_asked(tmp_path: Path) -> None:
    # Without a shell, '>' is an argument of echo, so no file appears.
    run_commands([CommandSpec("echo hi > out.txt", runs=1)], cwd=tmp_path)
    assert not (tmp_path / "out.txt").exists()
    run_commands([CommandSpec("echo hi > out.txt", runs=1, shell=True)], cwd=tmp_path)
    assert (tmp_path / "out.txt").read_text() == "hi\n"


def test_missing_program_is_a_failed_benchmark(tmp_path: Path) -> None:
    (m,) = run_commands([CommandSpec("perfgate-no-such-program --x", runs=1)], cwd=tmp_path)
    assert m.error is not None and m.error.startswith("cannot start the command")


def test_parameter_scan_runs_each_value(tmp_path: Path) -> None:
    spec = CommandSpec(
        f"echo {{size}} >> {tmp_path / 'seen'}",
        shell=True,
        runs=2,
        parameters=(("size", ("1", "10", "100")),),
    )
    measured = run_commands([spec], cwd=tmp_path)
    assert [m.benchmark.id.params for m in measured] == [(("size", v),) for v in ("1", "10", "100")]
    assert (tmp_path / "seen").read_text().split() == ["1", "1", "10", "10", "100", "100"]


def test_output_is_discarded_or_shown(tmp_path: Path, capfd) -> None:
    run_commands([CommandSpec("echo hidden-output", runs=1)], cwd=tmp_path)
    run_commands([CommandSpec("echo shown-output", runs=1, show_output=True)], cwd=tmp_path)
    out, err = capfd.readouterr()
    assert "hidden-output" not in out + err
    assert "shown-output" in err and "shown-output" not in out


def test_environment_and_cwd_reach_the_command(tmp_path: Path) -> None:
    code = "import os, sys; sys.exit(0 if os.environ['PG_X'] == 'y' and os.path.exists('here') else 4)"
    (tmp_path / "here").write_text("")
    with Launcher(tmp_path, {"PG_X": "y", "PATH": "/usr/bin:/bin"}) as launcher:
        sample = launcher((PY, "-c", code), timeout=None, show_output=False)
    assert sample.ok, sample


def test_hyperfine_export_reads_back_through_the_adapter(tmp_path: Path) -> None:
    specs = [
        CommandSpec("sleep 0.0{n}", runs=3, parameters=(("n", ("1", "2")),)),
        CommandSpec("false", runs=2, ignore_failure=True),
    ]
    measured = run_commands(specs, cwd=tmp_path)
    path = tmp_path / "export.json"
    path.write_text(json.dumps(hyperfine_json(measured), indent=2))
    adapter = HyperfineAdapter()
    assert adapter.sniff(path, path.read_text()[:4096])
    back = {r.key: r for r in adapter.parse(path).results}
    ours = {r.key: r for m in measured for r in measurement_results(m)}
    for name in ("cmd:sleep 0.01", "cmd:sleep 0.02"):
        assert back[(name, "time")].samples == ours[(name, "time")].samples
        assert back[(name, "time")].benchmark.params == ours[(name, "time")].benchmark.params
        assert back[(name, "peak_memory")].samples == ours[(name, "peak_memory")].samples
        assert back[(name, "user_time")].summary.mean == pytest.approx(ours[(name, "user_time")].summary.mean)
    # every run of `false` exited 1: the adapter reads it as a failed benchmark
    assert back[("cmd:false", "time")].error is not None
