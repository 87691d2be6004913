"""--perfgate-processes: pooling (pure) and real child processes (pytester)."""

from __future__ import annotations

from pathlib import Path

import pytest

from perfgate.model import BenchmarkId, Direction, Result
from perfgate.pytest_plugin.processes import child_args, pool
from perfgate.stats.summary import summarize

from .conftest import read_results, run_perfgate


def _r(name: str, samples: tuple[float, ...] = (), error: str | None = None) -> Result:
    return Result(
        benchmark=BenchmarkId(name),
        metric="time",
        unit="s",
        direction=Direction.LOWER,
        summary=summarize(samples) if samples else None,
        samples=samples,
        rounds=len(samples) or None,
        iterations=10,
        error=error,
    )


def test_samples_of_every_process_are_pooled_and_resummarised() -> None:
    main = {
        ("a", "time"): _r("a", (1.0, 2.0)),
        ("b", "time"): _r("b", (5.0,)),
        ("c", "time"): _r("c", error="X: y"),
    }
    others = [[_r("a", (3.0,)), _r("b", error="KeyError: k")], [_r("a", (4.0, 5.0)), _r("c", (1.0,))]]
    out = pool(main, others)
    a = out[("a", "time")]
    assert a.samples == (1.0, 2.0, 3.0, 4.0, 5.0)
    assert a.summary is not None and a.summary.median == 3.0 and a.rounds == 5
    assert a.extra["processes"] == 3
    assert out[("b", "time")].error == "failed in another process: KeyError: k"
    assert out[("b", "time")].summary is None
    assert out[("c", "time")].error == "X: y"  # failed here: stays failed


def test_children_get_the_same_arguments_redirected() -> None:
    args = child_args(
        ["-k", "fast", "--perfgate-json=main.json"], Path("/tmp/x.json"), compat=True, processes=3
    )
    assert args[:3] == ["-k", "fast", "--perfgate-json=main.json"]
    assert "--perfgate-json=/tmp/x.json" in args and "--perfgate-process-of=3" in args
    assert args[-1] == "--benchmark-json="


def test_benchmarks_are_measured_in_several_processes(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_p="""
        def test_hashes(benchmark):
            benchmark(lambda: {str(i): i for i in range(50)})
        """
    )
    out = pytester.path / "out.json"
    pb = pytester.path / "pb.json"
    result = run_perfgate(
        pytester, "--perfgate-processes=3", f"--perfgate-json={out}", f"--benchmark-json={pb}"
    )
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*3 processes, pooled*"])
    (r,) = [x for x in read_results(out).results if x.metric == "time"]
    assert r.extra["processes"] == 3
    assert r.rounds is not None and r.rounds >= 3 * 3  # min-rounds 3 in each process
    assert pb.exists()
