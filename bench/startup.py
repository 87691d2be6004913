"""What a ``perfgate`` command costs before it does anything: the start-up of the CLI.

Builds, in a temporary directory, a small project (``perfgate.toml``, a store of ``--runs`` runs of 20
results, two 20-result run documents) and runs, each ``--repeat`` times in a new process (default 5):

- ``perfgate --version``
- ``perfgate runs --help``
- ``perfgate history NAME`` on the small store
- ``perfgate compare A.json B.json`` of the two run documents (text report)
- with ``--points N``, ``perfgate history`` of an N-point series (a second store of N one-result runs;
  issue 10's target is 10,000 points in < 0.3 s end to end); with ``--varied`` its values vary from
  run to run (about 5%, one run in a hundred twice as slow) and each has a 95% interval, as a real
  series' do (without, every point has the same value and no interval)

and prints the median CPU time (user + system) and wall time of each, and the modules the process
loaded (one process with ``-X importtime``, whose own cost is left out of the figures). On a shared,
noisy machine compare CPU time.

Each variant runs each command once before measuring, with ``PYTHONDONTWRITEBYTECODE`` unset, so that
the processes measured find perfgate's bytecode cached, as an installed perfgate does (``--compile``
keeps the environment's setting: every process then compiles what it imports).

``--src LABEL=DIR`` (repeatable) measures the perfgate under ``DIR`` (a ``src`` directory, put first on
``PYTHONPATH``) instead of the installed one, the variants run alternately so that they see the same
load; e.g. the code before a change against the working tree:

    git archive main src | tar -x -C /tmp/before
    python bench/startup.py --src before=/tmp/before/src --src after=src
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from benchkit import perfgate_once, synthetic_run

from perfgate.model import (
    BenchmarkId,
    Direction,
    Result,
    Run,
    Summary,
    dumps_run,
)
from perfgate.store import open_store

NAME = "bench/test_startup.py::test_case_0"


def _result(i: int, scale: float) -> Result:
    samples = tuple(scale * 1e-6 * (1 + i + 0.01 * k) for k in range(10))
    mean = sum(samples) / len(samples)
    summary = Summary(
        n=len(samples),
        mean=mean,
        median=mean,
        min=min(samples),
        max=max(samples),
        stddev=0.03e-6,
    )
    bid = BenchmarkId(name=f"bench/test_startup.py::test_case_{i}")
    return Result(
        benchmark=bid, metric="time", unit="s", direction=Direction.LOWER, summary=summary, samples=samples
    )


def _run(n: int, scale: float = 1.0) -> Run:
    return synthetic_run(n, [_result(i, scale) for i in range(20)], project="startup")


def _point(n: int, rng: random.Random) -> Run:
    """Run ``n`` of a varied series: test_case_0's median about 5% around 1 µs (one run in a hundred
    twice that), with a 95% interval of about +-1.5%."""
    median = 1e-6 * (1 + 0.05 * rng.random()) * (2 if rng.random() < 0.01 else 1)
    summary = Summary(
        n=10,
        mean=median,
        median=median,
        min=median * 0.97,
        max=median * 1.05,
        stddev=median * 0.02,
        q1=median * 0.99,
        q3=median * 1.01,
        ci_low=median * 0.985,
        ci_high=median * 1.015,
        ci_level=0.95,
    )
    result = Result(
        benchmark=BenchmarkId(name=NAME), metric="time", unit="s", direction=Direction.LOWER, summary=summary
    )
    return synthetic_run(n, [result], project="startup")


def _project(root: Path, runs: int, points: int, varied: bool = False) -> None:
    (root / "perfgate.toml").write_text('project = "startup"\n', encoding="utf-8")
    with open_store(root / ".perfgate" / "perfgate.db") as store:
        for n in range(runs):
            store.add_run(_run(n))
    if points:
        rng = random.Random(10)
        with open_store(root / "points.db") as store:
            for n in range(points):
                store.add_run(_point(n, rng) if varied else replace(_run(n), results=_run(n).results[:1]))
    (root / "a.json").write_text(dumps_run(_run(runs)), encoding="utf-8")
    (root / "b.json").write_text(dumps_run(_run(runs + 1, scale=1.001)), encoding="utf-8")


COMMANDS: dict[str, list[str]] = {
    "--version": ["--version"],
    "runs --help": ["runs", "--help"],
    "history": ["history", NAME, "--branch", "main", "--tier", "nightly"],
    "compare": ["compare", "a.json", "b.json"],
}


def _env(src: str | None, compile_: bool = False) -> dict[str, str]:
    env = {**os.environ, "NO_COLOR": "1"}
    if not compile_:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    if src is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(Path(src).resolve()), env.get("PYTHONPATH", "")])
    return env


def _modules(args: Sequence[str], cwd: Path, env: dict[str, str]) -> int:
    """How many modules ``perfgate ARGS`` imports (``-X importtime`` writes one line per module)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "perfgate", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return sum(1 for line in done.stderr.splitlines() if line.startswith("import time:") and "|" in line) - 1


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--repeat", type=int, default=5, help="processes per command and variant (default 5)")
    ap.add_argument("--runs", type=int, default=10, help="runs in the small store (default 10)")
    ap.add_argument("--points", type=int, default=0, help="also a history of N points (default: none)")
    ap.add_argument("--varied", action="store_true", help="the N points' values vary and have intervals")
    ap.add_argument(
        "--compile", action="store_true", help="keep PYTHONDONTWRITEBYTECODE (every process compiles)"
    )
    ap.add_argument(
        "--src", action="append", default=[], metavar="LABEL=DIR", help="a perfgate source tree to measure"
    )
    args = ap.parse_args(argv)
    variants: list[tuple[str, str | None]] = [("installed", None)]
    if args.src:
        variants = [(s.partition("=")[0], s.partition("=")[2]) for s in args.src]

    with tempfile.TemporaryDirectory(prefix="perfgate-startup-") as tmp:
        root = Path(tmp)
        _project(root, args.runs, args.points, args.varied)
        commands = dict(COMMANDS)
        if args.points:
            scope = ["--branch", "main", "--tier", "nightly", "--testbed", "bench"]
            commands[f"history {args.points:,}"] = [
                "history", NAME, *scope, "--limit", str(args.points), "--store", "points.db",
            ]  # fmt: skip
        walls: dict[tuple[str, str], list[float]] = {}
        cpus: dict[tuple[str, str], list[float]] = {}
        for cargs in commands.values():  # (writes the bytecode caches, unless --compile)
            for _, src in variants:
                perfgate_once(cargs, root, _env(src, args.compile))
        for _ in range(args.repeat):  # the variants alternate, so each sees the same load
            for command, cargs in commands.items():
                for label, src in variants:
                    wall, cpu, _ = perfgate_once(cargs, root, _env(src, args.compile))
                    walls.setdefault((command, label), []).append(wall)
                    cpus.setdefault((command, label), []).append(cpu)
        load = os.getloadavg()[0]
        print(f"median of {args.repeat} processes each (load average {load:.1f})")
        print(f"{'command':<16} {'variant':<10} {'CPU s':>7} {'wall s':>7} {'modules':>8}")
        for command, cargs in commands.items():
            for label, src in variants:
                key = (command, label)
                modules = _modules(cargs, root, _env(src, args.compile))
                print(
                    f"{command:<16} {label:<10} {statistics.median(cpus[key]):>7.3f} "
                    f"{statistics.median(walls[key]):>7.3f} {modules:>8}"
                )


if __name__ == "__main__":
    main()
