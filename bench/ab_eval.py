"""On-machine evaluation of `perfgate ab`: false alarms on identical code, detection of a 5% slowdown.

Builds a throw-away git repository with a small suite (five benchmarks), then runs the real command
`python -m perfgate ab --base HEAD~1 --head HEAD --threshold 1% --tier fast --format json` 20 times where
HEAD only changes a text file (identical code) and 20 times where HEAD makes one busy loop 5% longer.
Reports how many runs flagged anything, how many caught the slowdown, the wall time per run and the
machine's load average (1 minute, sampled after every run: other people's jobs share this machine).

    python bench/ab_eval.py [--runs 20] [--slowdown 0.05] [--json results.json]
    python bench/ab_eval.py --simulate     # which one-sample test for the block ratios (seeded, ~1 min)
    python bench/ab_eval.py --runs 6 --rejudge [--busy-twice]   # same stored runs, both methods

``--rejudge`` stores the runs (in the throw-away repository) and afterwards judges every stored pair
again three ways (Mann-Whitney over all rounds, paired ABBA blocks, paired episodes) and prints, per
benchmark, the within-run standard error of the mean episode ratio next to its spread across the
identical runs (equal when episodes are independent); ``--busy-twice`` adds a second
benchmark calling the busy loop, measured last, to see whether an offset belongs to the processes.

It stops by itself: every run has a timeout, and the repository lives in a temporary directory.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PYPROJECT = """\
[project]
name = "abeval"

[tool.perfgate]
benchmarks = ["bench"]

[tool.perfgate.tiers.fast]
max_time = "{max_time}s"
budget = "{budget}s"
"""

LIB = """\
def busy(n):
    total = 0
    for i in range({loop}):
        total += i ^ n
    return total


def strings(n):
    return "-".join(str(i) for i in range(n))


def mapping(n):
    d = {{}}
    for i in range(n):
        d[i] = i * 2
    return sum(d.values())


def sorting(n):
    return sorted((i * 7919) % n for i in range(n))


def recursion(n):
    return n if n < 2 else recursion(n - 1) + recursion(n - 2)
"""

BENCH = """\
from lib import busy, mapping, recursion, sorting, strings


def test_busy(benchmark):
    benchmark(busy, 3)


def test_strings(benchmark):
    benchmark(strings, 200)


def test_mapping(benchmark):
    benchmark(mapping, 300)


def test_sorting(benchmark):
    benchmark(sorting, 500)


def test_recursion(benchmark):
    benchmark(recursion, 12)
"""

BUSY_AGAIN = """

def test_busy_again(benchmark):
    benchmark(busy, 3)
"""

BASE_LOOP = 2000
SLOW = "bench/test_b.py::test_busy"


def _git(root: Path, env: dict[str, str], *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)


def make_repo(
    root: Path, env: dict[str, str], slowdown: float, max_time: float, budget: float, busy_twice: bool = False
) -> None:
    root.mkdir(parents=True)
    _git(root, env, "init", "-q", "-b", "main")
    (root / "pyproject.toml").write_text(PYPROJECT.format(max_time=max_time, budget=budget))
    (root / ".gitignore").write_text(".perfgate/\n__pycache__/\n")
    (root / "bench").mkdir()
    (root / "bench" / "test_b.py").write_text(BENCH + (BUSY_AGAIN if busy_twice else ""))
    (root / "lib.py").write_text(LIB.format(loop=BASE_LOOP))
    (root / "NOTES.txt").write_text("base\n")
    _git(root, env, "add", "-A")
    _git(root, env, "commit", "-q", "-m", "base")
    _git(root, env, "tag", "base")
    (root / "NOTES.txt").write_text("identical code, another commit\n")
    _git(root, env, "commit", "-q", "-am", "identical")
    _git(root, env, "tag", "identical")
    _git(root, env, "checkout", "-q", "-b", "slow", "base")
    (root / "lib.py").write_text(LIB.format(loop=round(BASE_LOOP * (1 + slowdown))))
    _git(root, env, "commit", "-q", "-am", "slower busy loop")
    _git(root, env, "tag", "slow")
    _git(root, env, "checkout", "-q", "main")


def one(root: Path, env: dict[str, str], head: str, seed: int, store: bool = False) -> dict[str, object]:
    cmd = [sys.executable, "-m", "perfgate", "ab", "--base", "base", "--head", head, "--threshold", "1%",
           "--tier", "fast", "--format", "json", "--seed", str(seed)]  # fmt: skip
    if not store:
        cmd.append("--no-store")
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True, timeout=600)
    wall = time.perf_counter() - t0
    load = os.getloadavg()[0]
    if proc.returncode not in (0, 1):
        raise SystemExit(f"perfgate ab failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
    report = json.loads(proc.stdout)
    verdicts = report["verdicts"]
    flagged = sorted(v["benchmark"] for v in verdicts if v["status"] == "regression")
    changes = {v["benchmark"]: v.get("change") for v in verdicts}
    methods = sorted({str(v.get("method")) for v in verdicts})
    return {"head": head, "seed": seed, "exit": proc.returncode, "wall": wall, "flagged": flagged,
            "changes": changes, "load": load, "methods": methods}  # fmt: skip


def simulate(trials: int = 2000, blocks: int = 50, seed: int = 1) -> None:
    """Monte Carlo: the tests perfgate could use on block log ratios, on synthetic ratios like the real ones.

    A ratio is ``change + offset + noise``: noise normal with a 5% spread, and in 10% of blocks one side
    hit by a disturbance (x1.1-1.5 on one turn of one side, a heavy tail); ``offset`` is a bias of the
    benchmark's whole measurement, drawn once per trial (0 or a 2% spread; see docs/ab.md). Threshold 1%,
    alpha 5% one-sided, one benchmark.
    """
    import math
    from statistics import NormalDist

    import numpy as np

    from perfgate.stats import paired_change

    rng = np.random.default_rng(seed)
    normal = NormalDist()

    def t_p_up(r: np.ndarray) -> float:
        se = float(r.std(ddof=1)) / math.sqrt(len(r))
        # The normal approximation of Student's t: close enough at 50 blocks (49 degrees of freedom).
        return 1.0 - normal.cdf(float(r.mean()) / se) if se > 0 else 1.0

    def sign_p_up(r: np.ndarray) -> float:
        n, k = int((r != 0).sum()), int((r > 0).sum())
        return float(sum(math.comb(n, i) for i in range(k, n + 1)) / 2**n)

    t = math.log1p(0.01)
    print("| offset (spread) | change | signed-rank + HL | t-test on the mean | sign test + median |")
    print("|---|---|---|---|---|")
    for offset_sd in (0.0, 0.02):
        for change in (0.0, 0.03, 0.05):
            hits = {"wilcoxon": 0, "t": 0, "sign": 0}
            for _ in range(trials):
                r = math.log1p(change) + rng.normal(0, offset_sd) + rng.normal(0, 0.05, blocks)
                # A disturbed turn (x1.1-1.5) is one of the side's two turns in the block: half its weight.
                hit = rng.random(blocks) < 0.10
                bump = np.log((rng.uniform(1.1, 1.5, blocks) + 1.0) / 2.0) * rng.choice([-1.0, 1.0], blocks)
                r = r + np.where(hit, bump, 0.0)
                pc = paired_change(r)
                hits["wilcoxon"] += pc.estimate > t and pc.p_up < 0.05
                hits["t"] += float(r.mean()) > t and t_p_up(r) < 0.05
                hits["sign"] += float(np.median(r)) > t and sign_p_up(r) < 0.05
            print(f"| {offset_sd:.0%} | {change:+.0%} | " + " | ".join(f"{hits[k] / trials:.3f}" for k in
                  ("wilcoxon", "t", "sign")) + " |")  # fmt: skip


def _as_blocks(r: object) -> object:
    """The result with its ABBA blocks (``extra["turn_blocks"]``) as the paired unit instead of episodes."""
    import dataclasses

    extra = dict(r.extra)  # type: ignore[attr-defined]
    if "turn_blocks" in extra:
        extra["blocks"] = extra.pop("turn_blocks")
    return dataclasses.replace(r, extra=extra)  # type: ignore[type-var]


def rejudge(root: Path, env: dict[str, str]) -> None:
    """Judge every stored base/head pair again: Mann-Whitney over rounds, paired ABBA blocks, paired
    episodes (the default); a table, and the spread of the per-episode log ratios per benchmark."""
    import math

    import numpy as np

    from perfgate.app import Workspace
    from perfgate.model import Status
    from perfgate.stats import CompareSettings, MetricPair, compare_suite

    tags = {
        subprocess.run(["git", "rev-parse", t], cwd=root, capture_output=True, text=True).stdout.strip(): t
        for t in ("base", "identical", "slow")
    }
    ws = Workspace.discover(root, environ=env)
    with ws.store() as st:
        runs = [st.get_run(info.id) for info in st.list_runs(newest_first=False)]
    tally: dict[tuple[str, str], list[int]] = {}
    spreads: dict[str, list[float]] = {}
    means: dict[str, list[float]] = {}
    for a, b in zip(runs[0::2], runs[1::2], strict=True):  # each ab stores base and head together
        if tags.get(a.git.commit if a.git else "") != "base":
            a, b = b, a
        kind = tags.get(b.git.commit if b.git else "", "?")
        for r in b.results:
            base = a.result(r.benchmark.name, r.metric)
            if kind == "identical" and base is not None and "turn_blocks" in r.extra:
                from perfgate.stats import block_log_ratios

                lr = block_log_ratios(base.samples, base.extra["blocks"], r.samples, r.extra["blocks"])
                spreads.setdefault(r.benchmark.name, []).append(
                    float(np.std(lr, ddof=1)) / math.sqrt(len(lr))
                )
                means.setdefault(r.benchmark.name, []).append(float(np.mean(lr)))
        for method in ("Mann-Whitney over rounds", "paired ABBA blocks", "paired episodes"):
            pairs = []
            for r in b.results:
                base = a.result(r.benchmark.name, r.metric)
                if base is not None:
                    if method == "paired ABBA blocks":
                        base, r = _as_blocks(base), _as_blocks(r)  # type: ignore[assignment]
                    pairs.append(MetricPair(r.benchmark, r.metric, r.unit, r.direction, (base,), r, 0.01))
            paired = method != "Mann-Whitney over rounds"
            suite = compare_suite(pairs, CompareSettings(machine_shift="ignore", paired_blocks=paired))
            flagged = [v.benchmark.name for v in suite.verdicts if v.status is Status.REGRESSION]
            t = tally.setdefault((kind, method), [0, 0, 0])
            t[0] += 1
            t[1] += bool(flagged)
            t[2] += SLOW in flagged
    print("\n| scenario | method | pairs | flagging anything | flagging the busy loop |")
    print("|---|---|---|---|---|")
    for (kind, method), (n, anything, busy) in sorted(tally.items()):
        print(f"| {kind} | {method} | {n} | {anything} | {busy} |")
    if spreads:
        print("\nidentical code, per benchmark: standard error of the mean episode log ratio, within")
        print("a run (median over runs), and the spread of those means across runs (the real one)")
        for name in sorted(spreads):
            within = statistics.median(spreads[name])
            across = statistics.stdev(means[name]) if len(means[name]) > 1 else math.nan
            print(f"  {name}: within-run standard error {within:.2%}, across runs {across:.2%}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--slowdown", type=float, default=0.05)
    ap.add_argument("--max-time", type=float, default=0.25, help="fast tier: seconds per benchmark and side")
    ap.add_argument("--budget", type=float, default=60.0, help="fast tier: time budget in seconds")
    ap.add_argument("--json", type=Path, help="write every run's figures here")
    ap.add_argument("--simulate", action="store_true", help="only the Monte Carlo of the block-ratio tests")
    ap.add_argument("--rejudge", action="store_true", help="store the runs, then judge them both ways")
    ap.add_argument("--busy-twice", action="store_true", help="measure the busy loop a second time, last")
    args = ap.parse_args()
    if args.simulate:
        simulate()
        return 0
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "GITLAB", "CI", "PERFGATE_"))}
    env.update(GIT_AUTHOR_NAME="e", GIT_AUTHOR_EMAIL="e@example.invalid", GIT_COMMITTER_NAME="e",
               GIT_COMMITTER_EMAIL="e@example.invalid", NO_COLOR="1", PERFGATE_TESTBED="ab-eval")  # fmt: skip
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory(prefix="perfgate-ab-eval-") as tmp:
        root = Path(tmp) / "repo"
        make_repo(root, env, args.slowdown, args.max_time, args.budget, args.busy_twice)
        for i in range(args.runs):
            for head in ("identical", "slow"):
                r = one(root, env, head, seed=i, store=args.rejudge)
                rows.append(r)
                print(f"{head:9} seed {i:2}: exit {r['exit']} flagged {r['flagged']} {r['wall']:.1f}s "
                      f"load {r['load']:.2f}", file=sys.stderr, flush=True)  # fmt: skip
        if args.rejudge:
            rejudge(root, env)
    ident = [r for r in rows if r["head"] == "identical"]
    slow = [r for r in rows if r["head"] == "slow"]
    walls = [float(r["wall"]) for r in rows]  # type: ignore[arg-type]
    caught = sum(SLOW in r["flagged"] for r in slow)  # type: ignore[operator]
    other = sum(any(f != SLOW for f in r["flagged"]) for r in slow)  # type: ignore[attr-defined]
    slow_changes = [float(r["changes"][SLOW]) for r in slow]  # type: ignore[index]
    loads = [float(r["load"]) for r in rows]  # type: ignore[arg-type]
    methods = sorted({m for r in rows for m in r["methods"]})  # type: ignore[attr-defined]
    print(f"| scenario | runs | runs flagging anything | runs catching the {args.slowdown:.0%} slowdown |")
    print("|---|---|---|---|")
    print(f"| identical code | {len(ident)} | {sum(bool(r['flagged']) for r in ident)} | - |")
    print(f"| busy loop {args.slowdown:.0%} slower | {len(slow)} | {sum(bool(r['flagged']) for r in slow)} "
          f"(other benchmarks: {other}) | {caught} |")  # fmt: skip
    print(
        f"\nwall time per run: median {statistics.median(walls):.1f}s, max {max(walls):.1f}s "
        f"(fast tier: max_time {args.max_time:g}s per benchmark and side, budget {args.budget:g}s); "
        f"measured slowdown of the busy loop: median {statistics.median(slow_changes):+.1%}, "
        f"range {min(slow_changes):+.1%} .. {max(slow_changes):+.1%}; load average (1 min, after each "
        f"run): median {statistics.median(loads):.2f}, range {min(loads):.2f} .. {max(loads):.2f}; "
        f"methods: {', '.join(methods)}"
    )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
