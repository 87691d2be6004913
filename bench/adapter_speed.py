"""How fast the Go adapter parses a large `go test -bench` output.

Generates a 100,000-line benchfmt file (a few packages, sub-benchmarks, -count repeats, -benchmem
units, config lines) in a temporary directory, parses it with the registry's detection and the Go
adapter, and prints lines per second and seconds.

    python bench/adapter_speed.py [--lines N] [--repeat K]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from perfgate.adapters.registry import detect


def generate(lines: int, seed: int = 1) -> str:
    rng = random.Random(seed)
    out: list[str] = ["goos: linux", "goarch: amd64", "cpu: Example CPU @ 3.00GHz"]
    pkgs = [f"example.com/mod/pkg{i}" for i in range(20)]
    names = [f"BenchmarkOp{j}/size={s}" for j in range(25) for s in (10, 100, 1000, 10000)]
    count = 0
    while len(out) < lines:
        pkg = pkgs[count % len(pkgs)]
        out.append(f"pkg: {pkg}")
        for name in names:
            for _ in range(5):  # -count=5
                if len(out) >= lines:
                    break
                ns = rng.lognormvariate(8, 0.05)
                out.append(
                    f"{name}-8 \t{rng.randint(10_000, 1_000_000)}\t{ns:.1f} ns/op\t"
                    f"{1e3 / ns * 64:.2f} MB/s\t{rng.choice((0, 64, 128))} B/op\t"
                    f"{rng.choice((0, 1, 2))} allocs/op"
                )
        out.append("PASS")
        out.append(f"ok  \t{pkg}\t12.345s")
        count += 1
    return "\n".join(out[:lines]) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.txt"
        path.write_text(generate(args.lines))
        adapter = detect(path)
        best = float("inf")
        results = 0
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            parsed = adapter.parse(path)
            best = min(best, time.perf_counter() - t0)
            results = len(parsed.results)
    print(f"adapter: {adapter.name}; {args.lines} lines -> {results} results")
    print(f"best of {args.repeat}: {best:.3f} s, {args.lines / best:,.0f} lines/s")


if __name__ == "__main__":
    main()
