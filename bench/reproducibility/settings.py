"""perfgate alone under several settings, alternated run by run: how each setting's headline moves.

    python bench/reproducibility/settings.py --runs 8 "" "--perfgate-passes 1" \
        "--perfgate-rounds-per-sample 1"

Each positional argument is one setting (extra pytest arguments; "" is the defaults). Every run measures
``suite_repro.py`` in a whole pytest process; the settings take turns (reversed every other run, so a
drift of the machine hits all of them alike). Printed per setting: the CV across runs of each
benchmark's headline figure (the median of its samples), the mean wall time of a run, and the no-op's
readings. Uses the perfgate virtual environment that ``run.py`` makes.
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from run import HERE, ensure_venvs, read_perfgate, run_pytest


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("settings", nargs="+", help='extra pytest arguments per setting ("" = defaults)')
    p.add_argument("--runs", type=int, default=8)
    p.add_argument("--venvs", type=Path, default=Path(tempfile.gettempdir()) / "perfgate-repro-venvs")
    p.add_argument("--out", type=Path, default=None)
    a = p.parse_args(argv)
    py = ensure_venvs(a.venvs)["perfgate"]
    figures: dict[str, list[dict[str, dict[str, object]]]] = {s: [] for s in a.settings}
    walls: dict[str, list[float]] = {s: [] for s in a.settings}
    with tempfile.TemporaryDirectory(prefix="perfgate-settings-") as tmp:
        work = Path(tmp)
        (work / "pytest.ini").write_text("[pytest]\n")
        shutil.copy(HERE / "suite_repro.py", work / "suite_repro.py")
        for i in range(a.runs):
            for s in a.settings if i % 2 == 0 else list(reversed(a.settings)):
                out = work / "out.json"
                walls[s].append(run_pytest(py, "perfgate", work, "suite_repro.py", out, shlex.split(s)))
                figures[s].append(read_perfgate(out))
            print(f"run {i + 1}/{a.runs} done", file=sys.stderr)
    report = {}
    print(f"\n{a.runs} runs per setting, alternating; CV of the headline figure across runs\n")
    names = [n for n in figures[a.settings[0]][0] if n != "test_noop"]
    print("| setting | " + " | ".join(names) + " | wall per run | no-op readings |")
    print("|---|" + "---:|" * len(names) + "---:|---|")
    for s in a.settings:
        row = {}
        for n in names:
            vals = [float(run[n]["median"]) for run in figures[s]]  # type: ignore[arg-type]
            row[n] = {"values": vals, "cv": statistics.stdev(vals) / statistics.fmean(vals)}
        noop = [float(run["test_noop"]["median"]) * 1e9 for run in figures[s]]  # type: ignore[arg-type]
        report[s or "defaults"] = {"benchmarks": row, "wall": walls[s], "noop_ns": noop}
        cells = " | ".join(f"{100 * row[n]['cv']:.2f}%" for n in names)
        label = f"`{s}`" if s else "defaults"
        wall = statistics.fmean(walls[s])
        print(f"| {label} | {cells} | {wall:.2f} s | {', '.join(f'{x:.1f}' for x in noop)} ns |")
    if a.out is not None:
        a.out.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    raise SystemExit(main())
