"""Running a project's pytest benchmarks in a child process and reading back their results.

``perfgate run`` does not import the user's code into its own process: it runs
``python -m pytest --perfgate-json FILE ...`` in the project root, with pytest's output on our stderr,
and reads the results document the plugin writes. A crash of the suite therefore never takes the store
down with it, and the child's interpreter state (imports, GC, hash seed) is the suite's own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from perfgate.config import Config, Tier
from perfgate.errors import MeasureError
from perfgate.invocation import pytest_args, pytest_argv, shard_options
from perfgate.measure.children import die_with_parent
from perfgate.model import ResultsDoc, RunStatus, results_from_dict, utcnow

__all__ = ["PytestRun", "die_with_parent", "pytest_command", "run_pytest"]

# pytest exit codes (pytest.ExitCode) that still leave a results document worth reading
_TESTS_FAILED = 1
_INTERRUPTED = 2
_NO_TESTS = 5


@dataclass(frozen=True, slots=True)
class PytestRun:
    doc: ResultsDoc
    exit_code: int
    command: tuple[str, ...]


def pytest_command(
    cfg: Config,
    tier: Tier | None,
    json_path: Path,
    extra_args: Sequence[str] = (),
    plugin_args: Sequence[str] = (),
) -> list[str]:
    mode = ("--perfgate-json", str(json_path), "--benchmark-only", *plugin_args)
    return pytest_argv(pytest_args(cfg, tier, extra_args, mode=mode))


def run_pytest(
    cfg: Config,
    tier: Tier | None,
    extra_args: Sequence[str] = (),
    *,
    environ: Mapping[str, str] | None = None,
    allow_empty: bool = False,
    shard: tuple[int, int] | None = None,
    shard_durations: Mapping[str, float] | None = None,
) -> PytestRun:
    """Run the suite; pytest's own output goes to our stderr. Raises MeasureError when no results.

    With ``allow_empty`` (other benchmarks, e.g. commands, run too), collecting nothing is zero results.
    ``shard`` ``(K, N)`` keeps shard K of N of the selected benchmarks, balanced by ``shard_durations``
    (seconds by node id) when given.
    """
    with tempfile.TemporaryDirectory(prefix="perfgate-") as tmp:
        json_path = Path(tmp) / "results.json"
        durations = None
        if shard is not None and shard_durations:
            durations = Path(tmp) / "durations.json"
            durations.write_text(json.dumps(dict(shard_durations)), encoding="utf-8")
        cmd = pytest_command(cfg, tier, json_path, extra_args, shard_options(shard, durations))
        env = dict(os.environ if environ is None else environ)
        env.setdefault("PYTHONDONTWRITEBYTECODE", "1")
        try:
            with die_with_parent() as preexec:
                proc = subprocess.run(
                    cmd, cwd=cfg.root, stdout=sys.stderr, stderr=sys.stderr, env=env, preexec_fn=preexec
                )
        except OSError as exc:
            raise MeasureError(f"cannot start pytest: {exc}") from exc
        code = proc.returncode
        if code == _NO_TESTS and allow_empty:
            now = utcnow()
            return PytestRun(ResultsDoc(now, now, RunStatus.COMPLETE, ()), code, tuple(cmd))
        if code == _NO_TESTS:
            raise MeasureError(
                f"pytest collected no benchmarks in {cfg.root} (command: {' '.join(cmd[2:])}); "
                "set [tool.perfgate] benchmarks = [...] or pass paths after --"
            )
        if not json_path.exists():
            raise MeasureError(
                f"pytest exited with code {code} without writing results (command: {' '.join(cmd[2:])})"
            )
        try:
            data = json.loads(json_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise MeasureError(f"cannot read the results pytest wrote: {exc}") from exc
        doc = results_from_dict(data, source=str(json_path))
        if code not in (0, _TESTS_FAILED, _INTERRUPTED):
            raise MeasureError(f"pytest failed with exit code {code} (command: {' '.join(cmd[2:])})")
        return PytestRun(doc=doc, exit_code=code, command=tuple(cmd))
