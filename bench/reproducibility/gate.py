"""Does the gate cry wolf on identical code, and does it catch a real slowdown? Old timer against new.

    python bench/reproducibility/gate.py [--runs 6] [SETTING ...]

For each setting (extra pytest arguments; default: perfgate's defaults, and
``--perfgate-passes 1 --perfgate-rounds-per-sample 1``, the timer before passes and spread samples),
``--runs`` whole pytest runs of ``suite_gate.py`` (six workloads) measure identical code (factor 1.0)
and as many measure code doing 10% more work (factor 1.1), alternating. Each run is then judged with
the default gate (5% threshold, Mann-Whitney U with Hodges-Lehmann, Holm across the suite, machine-wide
shifts turned into "inconclusive"): against each one other identical run (as `perfgate compare A B`)
and against every choice of three other identical runs (as `perfgate run` does with the latest runs
on main, which adds the run-to-run test). Identical code should give "unchanged": every "regression"
or "improvement" is a false alarm. The slower code should give "regression" (the loops do 10% more
work; ``sum(range(110))``, ``",".join`` and ``sorted`` somewhat less or more than 10% in time).
Measuring uses the perfgate virtual environment that ``run.py`` makes; judging runs in this process,
from this checkout. Nothing here asserts.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from run import HERE, ensure_venvs

DEFAULT_SETTINGS = ("", "--perfgate-passes 1 --perfgate-rounds-per-sample 1")


def measure(py: Path, work: Path, out: Path, factor: float, extra: list[str]) -> None:
    env = dict(os.environ, GATE_FACTOR=str(factor))
    cmd = [str(py), "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:benchmark",
           f"--perfgate-json={out}", "suite_gate.py", *extra]  # fmt: skip
    subprocess.run(cmd, cwd=work, env=env, check=True, capture_output=True)


class Judge:
    """``perfgate compare``'s judgement, in this process: one file against one or several baseline files
    (several: what `perfgate run` does with the latest runs on main, run-to-run test included)."""

    def __init__(self, work: Path) -> None:
        from perfgate.app import Workspace, load_spec

        self.ws = Workspace.discover(work)
        self.runs = {}
        self._load = load_spec

    def run(self, path: Path):  # type: ignore[no-untyped-def]
        if path not in self.runs:
            self.runs[path] = self._load(self.ws, str(path))
        return self.runs[path]

    def __call__(self, bases: list[Path], head: Path) -> dict[str, str]:
        from perfgate.app import Baseline, gate_run

        base = Baseline(tuple(self.run(b) for b in bases), f"{len(bases)} run(s)")
        outcome = gate_run(self.ws, self.run(head), base)
        return {
            v.benchmark.name.split("::")[-1]: v.status.value for v in outcome.verdicts if v.metric == "time"
        }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("settings", nargs="*", default=list(DEFAULT_SETTINGS))
    p.add_argument("--runs", type=int, default=6)
    p.add_argument("--venvs", type=Path, default=Path(tempfile.gettempdir()) / "perfgate-repro-venvs")
    p.add_argument("--out", type=Path, default=None)
    p.add_argument("--keep", type=Path, default=None, help="work here and keep the measurements (reused)")
    a = p.parse_args(argv)
    py = ensure_venvs(a.venvs)["perfgate"]
    report = {}
    with tempfile.TemporaryDirectory(prefix="perfgate-gate-") as tmp:
        work = a.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        (work / "pytest.ini").write_text("[pytest]\n")
        (work / "perfgate.toml").write_text("# defaults\n")
        shutil.copy(HERE / "suite_gate.py", work / "suite_gate.py")
        files: dict[tuple[str, float], list[Path]] = {}
        for i in range(a.runs):
            for s in a.settings if i % 2 == 0 else list(reversed(a.settings)):
                for factor in (1.0, 1.1) if i % 2 == 0 else (1.1, 1.0):
                    out = work / f"s{a.settings.index(s)}-f{factor}-{i}.json"
                    if not out.exists():
                        measure(py, work, out, factor, shlex.split(s))
                    files.setdefault((s, factor), []).append(out)
            print(f"run {i + 1}/{a.runs} measured", file=sys.stderr)
        judge = Judge(work)
        print(f"\n{a.runs} runs per setting and factor; judged as `perfgate compare` and `perfgate run` do\n")
        print("| setting | baseline | benchmark | identical code: verdicts | +10% work: verdicts |")
        print("|---|---|---|---|---|")
        for s, k in itertools.product(a.settings, (1, 3)):
            same: Counter[tuple[str, str]] = Counter()
            slower: Counter[tuple[str, str]] = Counter()
            same_runs, slow_runs = files[(s, 1.0)], files[(s, 1.1)]
            for i, head in enumerate(same_runs):  # baselines: every choice of k other identical runs
                others = same_runs[:i] + same_runs[i + 1 :]
                for bases in itertools.combinations(others, k):
                    for name, status in judge(list(bases), head).items():
                        same[(name, status)] += 1
            for head in slow_runs:
                for bases in itertools.combinations(same_runs, k):
                    for name, status in judge(list(bases), head).items():
                        slower[(name, status)] += 1
            names = sorted({n for n, _ in same} | {n for n, _ in slower})
            report[f"{s or 'defaults'} | {k} baseline run(s)"] = {
                "identical": {f"{n} {st}": c for (n, st), c in same.items()},
                "slower": {f"{n} {st}": c for (n, st), c in slower.items()},
            }
            for n in names:

                def cell(counter: Counter, n: str = n) -> str:
                    total = sum(c for (m, _), c in counter.items() if m == n)
                    parts = [f"{st} {c}/{total}" for (m, st), c in sorted(counter.items()) if m == n]
                    return ", ".join(parts)

                label = f"`{s}`" if s else "defaults"
                print(f"| {label} | {k} run(s) | {n} | {cell(same)} | {cell(slower)} |")
    if a.out is not None:
        a.out.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    sys.path.insert(0, str(HERE.parents[1] / "src"))
    raise SystemExit(main())
