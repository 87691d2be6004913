"""Does the gate cry wolf on identical code, and does it catch a real slowdown? Old timer against new.

    python bench/reproducibility/gate.py [--runs 6] [SETTING ...]

For each setting (extra pytest arguments; default: perfgate's defaults, and
``--perfgate-passes 1 --perfgate-rounds-per-sample 1``, the timer before passes and spread samples),
``--runs`` whole pytest runs of ``suite_gate.py`` measure identical code (factor 1.0) and as many measure
code doing 10% more work (factor 1.1), alternating. Then every ordered pair of runs is judged by
``perfgate compare`` with its default settings (5% threshold, Mann-Whitney U with Hodges-Lehmann,
Holm across the suite): a pair of two factor-1.0 runs should say "unchanged" for all three benchmarks
(every "regression" or "improvement" is a false alarm), a factor-1.0 baseline against a factor-1.1 run
should say "regression" for the ~10 µs and ~1 ms workloads (each does 10% more work; the
``sum(range(110))`` one does less than 10% more, since a call's fixed cost does not grow).
Uses the perfgate virtual environment that ``run.py`` makes. Nothing here asserts.
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


def judge(py: Path, work: Path, base: Path, head: Path) -> dict[str, str]:
    proc = subprocess.run(
        [str(py), "-m", "perfgate", "compare", str(base), str(head), "--format", "json"],
        cwd=work, capture_output=True, text=True,
    )  # fmt: skip
    if proc.returncode not in (0, 1):
        raise SystemExit(f"perfgate compare failed: {proc.stderr.strip()}")
    doc = json.loads(proc.stdout)
    return {v["benchmark"].split("::")[-1]: v["status"] for v in doc["verdicts"] if v["metric"] == "time"}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("settings", nargs="*", default=list(DEFAULT_SETTINGS))
    p.add_argument("--runs", type=int, default=6)
    p.add_argument("--venvs", type=Path, default=Path(tempfile.gettempdir()) / "perfgate-repro-venvs")
    p.add_argument("--out", type=Path, default=None)
    a = p.parse_args(argv)
    py = ensure_venvs(a.venvs)["perfgate"]
    report = {}
    with tempfile.TemporaryDirectory(prefix="perfgate-gate-") as tmp:
        work = Path(tmp)
        (work / "pytest.ini").write_text("[pytest]\n")
        (work / "perfgate.toml").write_text("# defaults\n")
        shutil.copy(HERE / "suite_gate.py", work / "suite_gate.py")
        files: dict[tuple[str, float], list[Path]] = {}
        for i in range(a.runs):
            for s in a.settings if i % 2 == 0 else list(reversed(a.settings)):
                for factor in (1.0, 1.1) if i % 2 == 0 else (1.1, 1.0):
                    out = work / f"s{a.settings.index(s)}-f{factor}-{i}.json"
                    measure(py, work, out, factor, shlex.split(s))
                    files.setdefault((s, factor), []).append(out)
            print(f"run {i + 1}/{a.runs} measured", file=sys.stderr)
        print(f"\n{a.runs} runs per setting and factor; every ordered pair judged by `perfgate compare`\n")
        print("| setting | benchmark | identical code: verdicts | +10% work: verdicts |")
        print("|---|---|---|---|")
        for s in a.settings:
            same = Counter()
            slower = Counter()
            for b, h in itertools.permutations(files[(s, 1.0)], 2):
                for name, status in judge(py, work, b, h).items():
                    same[(name, status)] += 1
            for b, h in itertools.product(files[(s, 1.0)], files[(s, 1.1)]):
                for name, status in judge(py, work, b, h).items():
                    slower[(name, status)] += 1
            names = sorted({n for n, _ in same} | {n for n, _ in slower})
            report[s or "defaults"] = {
                "identical": {f"{n} {st}": c for (n, st), c in same.items()},
                "slower": {f"{n} {st}": c for (n, st), c in slower.items()},
            }
            for n in names:

                def cell(counter: Counter, n: str = n) -> str:
                    total = sum(c for (m, _), c in counter.items() if m == n)
                    parts = [f"{st} {c}/{total}" for (m, st), c in sorted(counter.items()) if m == n]
                    return ", ".join(parts)

                label = f"`{s}`" if s else "defaults"
                print(f"| {label} | {n} | {cell(same)} | {cell(slower)} |")
    if a.out is not None:
        a.out.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    raise SystemExit(main())
