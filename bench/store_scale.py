"""How the store and the commands that read it scale: a million results, a long history, big runs.

Builds, in a temporary directory:

1. an ingest store: ``--runs`` runs (default 100) of ``--results`` results each (default 10,000; a
   result has 10 samples and its summary, like a pytest benchmark), stored with ``Store.add_run``;
   prints results/s and the size on disk (database and WAL, after a checkpoint);
2. one ``perfgate ingest`` of a ``--results``-result run document, end to end (a new process);
3. ``perfgate compare A B`` of two of those runs (text report), end to end, with the process's peak
   memory;
4. a history store: ``--points`` runs (default 10,000) holding one benchmark, then, CPU time, median
   of 5: the series query alone (SQLite through the standard library's ``sqlite3``, rows fetched),
   ``Store.series`` (query and points), ``perfgate.app.stored_series`` (what ``detect`` and ``trend``
   read), ``render_history`` (the text table of every point, no colour), and ``perfgate history NAME
   --limit N`` end to end (5 processes, every point printed).

End-to-end figures are the median of ``--repeat`` processes (default 3; 5 for history), wall and CPU
time (on a shared machine compare CPU time). Run it as a script:

    python bench/store_scale.py [--runs 100] [--results 10000] [--points 10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence, Sized
from contextlib import closing
from pathlib import Path

from benchkit import perfgate_median, synthetic_run

from perfgate.app import Workspace, stored_series
from perfgate.model import (
    BenchmarkId,
    Direction,
    Result,
    Summary,
    dumps_run,
)
from perfgate.report import make_console, render_history
from perfgate.store import open_store
from perfgate.store.fastread import readonly_connect, series_rows

SAMPLES = 10


def _result(i: int) -> Result:
    base = 1e-6 * (1 + i % 97)
    samples = tuple(base * (1 + 0.01 * ((i * 7 + k) % 5)) for k in range(SAMPLES))
    ordered = sorted(samples)
    mean = sum(samples) / SAMPLES
    median = (ordered[SAMPLES // 2 - 1] + ordered[SAMPLES // 2]) / 2
    summary = Summary(
        n=SAMPLES,
        mean=mean,
        median=median,
        min=ordered[0],
        max=ordered[-1],
        stddev=statistics.stdev(samples),
        q1=ordered[2],
        q3=ordered[7],
        ci_low=ordered[1],
        ci_high=ordered[8],
        ci_level=0.95,
    )
    return Result(
        benchmark=BenchmarkId(f"bench/test_module_{i // 100}.py::test_case[{i % 100}]"),
        metric="time",
        unit="s",
        direction=Direction.LOWER,
        summary=summary,
        samples=samples,
        rounds=SAMPLES,
        iterations=1000,
        warmup=1,
    )


def _size(db: Path) -> int:
    return sum(p.stat().st_size for p in db.parent.glob(db.name + "*"))


def _perfgate(args: Sequence[str], cwd: Path, repeat: int) -> tuple[float, float, float]:
    return perfgate_median(args, cwd, {**os.environ, "NO_COLOR": "1"}, repeat)


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--runs", type=int, default=100)
    ap.add_argument("--results", type=int, default=10_000)
    ap.add_argument("--points", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="perfgate-scale-") as tmp:
        root = Path(tmp)
        (root / "perfgate.toml").write_text('project = "scale"\n', encoding="utf-8")
        results = [_result(i) for i in range(args.results)]

        # 1. the ingest store
        db = root / ".perfgate" / "perfgate.db"
        runs = [synthetic_run(n, results, project="scale") for n in range(args.runs)]
        total = args.runs * args.results
        with open_store(db) as store:
            t, cpu = time.perf_counter(), time.process_time()
            for run in runs:
                store.add_run(run)
            elapsed, cpu = time.perf_counter() - t, time.process_time() - cpu
            with store.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        print(
            f"ingest: {total:,} results ({args.runs} runs x {args.results:,}) in {elapsed:.1f} s "
            f"({total / elapsed:,.0f} results/s; CPU {cpu:.1f} s), {_size(db) / 1e6:.0f} MB on disk"
        )

        # 2. one `perfgate ingest` of a run document, end to end
        doc = root / "run.json"
        doc.write_text(dumps_run(synthetic_run(args.runs + 1, results, project="scale")), encoding="utf-8")
        one = root / "one.db"
        secs, cpu, peak = _perfgate(["ingest", str(doc), "--store", str(one)], root, 1)
        print(
            f"perfgate ingest: one {args.results:,}-result run document in {secs:.2f} s "
            f"(CPU {cpu:.2f} s), {peak:.0f} MB"
        )

        # 3. `perfgate compare A B` of two big runs, end to end
        a, b = runs[0].id, runs[1].id
        secs, cpu, peak = _perfgate(["compare", a, b], root, args.repeat)
        print(
            f"perfgate compare: two {args.results:,}-result runs in {secs:.2f} s (CPU {cpu:.2f} s), "
            f"{peak:.0f} MB peak"
        )

        # 4. a long history
        hist = root / "history.db"
        point = [results[0]]
        name = results[0].benchmark.name
        with open_store(hist) as store:
            t = time.perf_counter()
            for n in range(args.points):
                store.add_run(synthetic_run(n, point, project="scale"))
            built = time.perf_counter() - t
        scope = {"project": "scale", "branch": "main", "testbed": "bench", "tier": "nightly"}
        with open_store(hist, readonly=True) as store, closing(readonly_connect(str(hist), 30.0)) as raw:
            ws = Workspace.discover(root, environ={}, store_url=str(hist))
            query = _cpu(lambda: series_rows(raw, name, "time", scope, None))
            series = _cpu(lambda: store.series(name, "time", **scope))
            stored = _cpu(lambda: stored_series(ws, name, store=store))
            whole = store.series(name, "time", **scope)
            plain = make_console("never", stream=None, environ={})
            table = _cpu(lambda: render_history(whole, plain, title=name))
        flags = ["--branch", "main", "--tier", "nightly", "--testbed", "bench", "--limit", str(args.points)]
        secs, cpu, peak = _perfgate(["history", name, *flags, "--store", str(hist)], root, 5)
        print(
            f"history of {args.points:,} points (store built in {built:.0f} s), CPU, median of 5: "
            f"series query {query * 1000:.0f} ms, Store.series {series * 1000:.0f} ms, "
            f"stored_series {stored * 1000:.0f} ms, render_history (text) {table * 1000:.0f} ms; "
            f"perfgate history end to end {cpu:.2f} s "
            f"(wall {secs:.2f} s), {peak:.0f} MB peak"
        )


def _cpu(call: Callable[[], Sized]) -> float:
    """The median CPU time of 5 calls (after one that reads the file into the page cache)."""
    call()
    cpus = []
    for _ in range(5):
        cpu = time.process_time()
        call()
        cpus.append(time.process_time() - cpu)
    return statistics.median(cpus)


if __name__ == "__main__":
    main()
