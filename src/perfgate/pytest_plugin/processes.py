"""``--perfgate-processes N``: each benchmark measured in N processes, the samples pooled.

One process sees one hash seed and one address-space layout, and a benchmark's speed can depend on both
(dict ordering, cache alignment). With N > 1 the session itself is the first process and, once it ends,
N - 1 more pytest processes run the same command line (``PYTHONHASHSEED`` 1..N-1, their own JSON),
each spending ``max-time / N`` per benchmark like the first, so the total stays what one process would
spend. Their per-round samples are appended to the first process's Results and summarised again; a
benchmark that failed in any process stays failed.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import pytest

from perfgate.errors import InputError
from perfgate.invocation import QUIET, pytest_argv
from perfgate.model import Result, results_from_dict

__all__ = ["child_args", "pool", "run_children"]


def child_args(args: Sequence[str], json_path: Path, compat: bool, processes: int) -> list[str]:
    """The session's own arguments, redirected: its JSON to ``json_path``, one process, no other output."""
    out = [*args, f"--perfgate-json={json_path}", f"--perfgate-process-of={processes}", *QUIET]
    if compat:
        out.append("--benchmark-json=")  # an empty path: the first process alone writes it
    return out


def pool(
    results: Mapping[tuple[str, str], Result],
    others: Sequence[Sequence[Result]],
    *,
    count_key: str = "processes",
    elsewhere: str = "another process",
) -> dict[tuple[str, str], Result]:
    """``results`` with the samples of the same (name, metric) from ``others`` appended, re-summarised.

    ``extra[count_key]`` records how many batches a Result pools; a benchmark that failed in another
    batch fails with "failed in {elsewhere}: ...", and its other metrics are dropped (nothing of a
    failed benchmark reads as measured)."""
    from perfgate.stats.summary import summarize

    pooled: dict[tuple[str, str], Result] = {}
    extra_samples: dict[tuple[str, str], list[float]] = {}
    failed: dict[tuple[str, str], str] = {}
    seen: dict[tuple[str, str], int] = {}
    for batch in others:
        for r in batch:
            if r.error is not None:
                failed.setdefault(r.key, r.error)
            else:
                extra_samples.setdefault(r.key, []).extend(r.samples)
                seen[r.key] = seen.get(r.key, 0) + 1
    failed_names = {name for name, _metric in failed}
    for key, r in results.items():
        if key not in failed and key[0] in failed_names:
            continue
        if r.error is not None or not r.samples:
            pooled[key] = r
            continue
        if key in failed:
            error = f"failed in {elsewhere}: {failed[key]}"
            pooled[key] = replace(r, summary=None, samples=(), rounds=None, iterations=None, error=error)
            continue
        samples = r.samples + tuple(extra_samples.get(key, ()))
        extra = dict(r.extra)
        extra[count_key] = 1 + seen.get(key, 0)
        pooled[key] = replace(
            r, samples=samples, summary=summarize(samples), rounds=len(samples), extra=extra
        )
    return pooled


def run_children(config: pytest.Config, processes: int, compat: bool) -> tuple[list[list[Result]], list[str]]:
    """Run the N - 1 extra processes: ``(their results, one problem line per process that failed)``."""
    batches: list[list[Result]] = []
    problems: list[str] = []
    args = list(config.invocation_params.args)
    with tempfile.TemporaryDirectory(prefix="perfgate-proc-") as tmp:
        for i in range(1, processes):
            path = Path(tmp) / f"proc{i}.json"
            env = dict(os.environ, PYTHONHASHSEED=str(i))
            cmd = pytest_argv(child_args(args, path, compat, processes))
            proc = subprocess.run(
                cmd, cwd=config.invocation_params.dir, env=env, capture_output=True, text=True
            )
            if not path.exists():
                tail = (proc.stderr.strip().splitlines() or proc.stdout.strip().splitlines() or ["?"])[-1]
                problems.append(
                    f"process {i + 1} of {processes} wrote no results (exit {proc.returncode}): {tail}"
                )
                continue
            try:
                doc = results_from_dict(json.loads(path.read_text(encoding="utf-8")), source=str(path))
            except (InputError, ValueError) as exc:
                problems.append(f"process {i + 1} of {processes}: {exc}")
                continue
            batches.append(list(doc.results))
    return batches, problems
