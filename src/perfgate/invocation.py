"""The pytest command lines perfgate starts, built in one place.

``perfgate run`` starts pytest once, ``perfgate ab`` starts one worker per side, and the plugin's
``--perfgate-processes`` starts more pytest processes of its own. They all measure the same project with
the same tier, so they are built here, and a tier setting added once reaches all of them. What the
processes do with a setting is theirs to decide (an ``ab`` worker leaves the budget, passes and processes
to its controller and applies the timeout to each round it runs).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only attributes are read: importing the config (and its statistics) costs time
    from perfgate.config import Config, Tier

__all__ = ["ONE_FIXTURE_OWNER", "QUIET", "pytest_args", "pytest_argv", "shard_options", "tier_options"]

ONE_FIXTURE_OWNER = ("-p", "no:benchmark", "-p", "no:codspeed")
"""Under perfgate's own commands the ``benchmark`` fixture is perfgate's, not pytest-benchmark's or
pytest-codspeed's."""

QUIET = ("-p", "no:cacheprovider", "-q")
"""For a pytest process whose output nobody reads and which must not touch the project's cache."""


def tier_options(tier: Tier | None) -> list[str]:
    """The plugin options that carry ``tier``'s measuring settings (none for no tier)."""
    if tier is None:
        return []
    out: list[str] = []
    if tier.timeout is not None:
        out += ["--perfgate-timeout", repr(tier.timeout)]
    if tier.budget is not None:
        out += ["--perfgate-budget", repr(tier.budget)]
    if tier.max_time is not None:
        out += ["--benchmark-max-time", repr(tier.max_time)]
    if tier.passes is not None:
        out += ["--perfgate-passes", str(tier.passes)]
    if tier.processes is not None:
        out += ["--perfgate-processes", str(tier.processes)]
    return out


def shard_options(shard: tuple[int, int] | None, durations: Path | None = None) -> list[str]:
    """The plugin options that keep shard ``(K, N)`` of the selected benchmarks, balanced by the
    ``durations`` file (node id -> seconds) when there is one; none for no shard."""
    if shard is None:
        return []
    # one argument each: a separate path argument would count in pytest's choice of rootdir, and
    # the node ids (the benchmarks' names) would change with it
    out = [f"--perfgate-shard={shard[0]}/{shard[1]}"]
    if durations is not None:
        out.append(f"--perfgate-shard-durations={durations}")
    return out


def pytest_args(
    cfg: Config, tier: Tier | None, extra: Sequence[str] = (), *, mode: Sequence[str], cwd: Path | None = None
) -> list[str]:
    """pytest's arguments for measuring ``cfg``'s benchmarks in ``tier``.

    ``mode`` (how the process reports: ``--perfgate-json PATH``, ``--perfgate-worker``...) comes first,
    then the tier's settings, the project's ``pytest_args``, the tier's ``select`` and ``extra``; the
    project's ``benchmarks`` paths close the line unless ``extra`` names a path that exists under ``cwd``
    (the project root by default).
    """
    root = cfg.root if cwd is None else cwd
    args = [*mode, *ONE_FIXTURE_OWNER, *tier_options(tier), *cfg.pytest_args]
    if tier is not None:
        args += tier.select
    args += extra
    if not any(not a.startswith("-") and (root / a.split("::")[0]).exists() for a in extra):
        args += cfg.benchmarks
    return args


def pytest_argv(args: Sequence[str]) -> list[str]:
    """The command that runs pytest with ``args`` in this interpreter."""
    return [sys.executable, "-m", "pytest", *args]
