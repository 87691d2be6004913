"""pytest-benchmark's saved runs: ``--benchmark-save``/``--benchmark-autosave`` write them,
``--benchmark-compare`` reads one back and ``--benchmark-compare-fail`` fails the session on it.

The storage layout is pytest-benchmark's, so its tooling (``pytest-benchmark compare``) and perfgate's
``pytest-benchmark`` adapter read what is saved here, and runs saved by pytest-benchmark itself can be
compared with: ``STORAGE/<machine id>/NNNN_<name>.json``, where the machine id is
``<system>-<implementation>-<major.minor>-<bits>`` (e.g. ``Linux-CPython-3.11-64bit``), NNNN counts up
from the highest number there, and autosave names a run ``<commit>_<YYYYmmdd_HHMMSS>`` (UTC) with
``_uncommitted-changes`` when the checkout is dirty (``unversioned`` outside git). Only ``file://``
storage (or a plain path) is supported.
"""

from __future__ import annotations

import math
import os
import platform
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from perfgate.model import Result, Summary, format_value

__all__ = [
    "CompareFail",
    "Compared",
    "NothingToCompare",
    "autosave_name",
    "comparison_lines",
    "load_compared",
    "machine_id",
    "parse_compare_fail",
    "save_name",
    "save_path",
    "shown_path",
    "storage_path",
]

FIELDS = ("min", "max", "mean", "median", "stddev", "iqr")
_EXPR = re.compile(
    r"^(?P<field>\w+):(?:(?P<pct>[0-9]+(?:\.[0-9]+)?)%|(?P<abs>[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?))$"
)
_NUMBERED = re.compile(r"^(\d{4})_")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _visible(text: str) -> str:
    """Control and bidi characters of a name shown as escapes, so a name cannot drive the terminal."""
    return _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


@dataclass(frozen=True, slots=True)
class CompareFail:
    """One ``--benchmark-compare-fail`` check: ``field`` may grow by ``percent`` % or by ``seconds``."""

    field: str
    percent: float | None = None
    seconds: float | None = None
    text: str = ""

    def __post_init__(self) -> None:
        if self.field not in FIELDS:
            raise ValueError(f"unknown field {self.field!r}, expected one of {', '.join(FIELDS)}")
        if (self.percent is None) == (self.seconds is None):
            raise ValueError("give either a percentage or a number of seconds")
        for value in (self.percent, self.seconds):
            if value is not None and not (math.isfinite(value) and value >= 0):
                raise ValueError(f"the limit must be a finite number >= 0, got {value}")

    def failure(self, saved: Summary, now: Summary) -> str | None:
        """Why ``now`` fails this check against ``saved``, or None when it passes (or cannot be told)."""
        before, after = _field(saved, self.field), _field(now, self.field)
        if before is None or after is None:
            return None
        if self.percent is not None:
            if before <= 0:
                return None if after <= 0 else f"{self.field} {format_value(after, 's')}, saved 0"
            growth = (after / before - 1) * 100
            if growth > self.percent:
                return f"{self.field} {growth:+.1f}% > {self.percent:g}%"
            return None
        assert self.seconds is not None
        grown = after - before
        if grown > self.seconds:
            return f"{self.field} +{format_value(grown, 's')} > {format_value(self.seconds, 's')}"
        return None


def _field(s: Summary, name: str) -> float | None:
    if name == "iqr":
        return s.q3 - s.q1 if s.q1 is not None and s.q3 is not None else None
    value: float = getattr(s, name)
    return value


def parse_compare_fail(text: str) -> CompareFail:
    """``min:5%`` (may grow by 5%) or ``mean:0.001`` (by a millisecond), as pytest-benchmark reads them."""
    m = _EXPR.match(text.strip())
    try:
        if m is None:
            raise ValueError("expected FIELD:PERCENT% or FIELD:SECONDS, e.g. median:5% or mean:0.001")
        pct, secs = m.group("pct"), m.group("abs")
        return CompareFail(
            m.group("field"),
            percent=float(pct) if pct is not None else None,
            seconds=float(secs) if secs is not None else None,
            text=text.strip(),
        )
    except ValueError as exc:
        raise pytest.UsageError(f"perfgate: --benchmark-compare-fail {text!r}: {exc}") from None


def save_name(text: str) -> str:
    """A ``--benchmark-save`` name: non-empty, no path or glob characters (it becomes a file name)."""
    bad = "".join(sorted({c for c in text if c in '\\/:*?<>|"' or not c.isprintable()}))
    if not text.strip() or bad:
        why = "is empty" if not text.strip() else f"must not contain {bad!r}"
        raise pytest.UsageError(f"perfgate: --benchmark-save {text!r}: the name {why}")
    return text


def storage_path(url: str, base: Path) -> Path:
    """``file://PATH`` or a plain path, relative to ``base`` (where pytest was invoked)."""
    if "://" in url:
        scheme, _, rest = url.partition("://")
        if scheme != "file":
            raise pytest.UsageError(
                f"perfgate: --benchmark-storage {url!r}: only file:// storage is supported "
                f"(perfgate keeps history in its own store: `perfgate run`)"
            )
        url = rest
    path = Path(url).expanduser()
    return path if path.is_absolute() else base / path


def machine_id() -> str:
    """pytest-benchmark's folder name for this machine and interpreter."""
    version = ".".join(platform.python_version_tuple()[:2])
    bits = platform.architecture()[0]
    return f"{platform.system()}-{platform.python_implementation()}-{version}-{bits}"


def autosave_name(commit: str | None, dirty: bool, when: datetime) -> str:
    parts = [commit or "unversioned", when.strftime("%Y%m%d_%H%M%S")]
    if dirty:
        parts.append("uncommitted-changes")
    return "_".join(parts)


def _numbered(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.json") if _NUMBERED.match(p.name))


def save_path(storage: Path, name: str) -> Path:
    """The next ``NNNN_<name>.json`` in this machine's folder of ``storage``."""
    folder = storage / machine_id()
    taken = [int(m.group(1)) for p in _numbered(folder) if (m := _NUMBERED.match(p.name))]
    return folder / f"{max(taken, default=0) + 1:04d}_{name}.json"


@dataclass(frozen=True, slots=True)
class Compared:
    """The saved run ``--benchmark-compare`` chose, and its ``time`` results by benchmark name."""

    path: Path
    shown: str  # the path as the user should read it
    results: Mapping[str, Result]


class NothingToCompare(Exception):
    """No saved run matches ``--benchmark-compare``: a warning, unless ``--benchmark-compare-fail``
    needs one (as pytest-benchmark has it; a fresh checkout has nothing saved yet)."""


def _choose(storage: Path, which: str | bool) -> Path:
    folder = storage / machine_id()
    where = shown_path(folder)
    if which is True:
        found = _numbered(folder)
        if not found:
            raise NothingToCompare(
                f"perfgate: --benchmark-compare: no saved run in {where} to compare with (save one first "
                "with --benchmark-save NAME or --benchmark-autosave)"
            )
        return found[-1]
    text = str(which)
    if Path(text).is_dir() or Path(text.partition("::")[0]).suffix == ".py":
        # argparse took the test path after a bare --benchmark-compare as its value
        raise pytest.UsageError(
            f"perfgate: --benchmark-compare {text!r} is a test path, not a saved run: write "
            "--benchmark-compare=NUM, or put the path before --benchmark-compare"
        )
    if Path(text).is_file():
        return Path(text)
    if text.isdigit():
        found = sorted(folder.glob(f"{int(text):04d}_*.json")) if folder.is_dir() else []
    elif "/" in text:  # pytest-benchmark's "machine-glob/name-glob"
        machine, _, name = text.partition("/")
        found = sorted(storage.glob(f"{machine}/{name.rstrip('*')}*.json"))
    else:
        found = sorted(folder.glob(f"{text.rstrip('*')}*.json")) if folder.is_dir() else []
    if not found:
        raise NothingToCompare(f"perfgate: --benchmark-compare {text!r}: no saved run in {where} matches")
    return found[-1]  # the latest of several matches, named in the output


def shown_path(path: Path) -> str:
    """``path`` relative to the working directory when it can be (as pytest-benchmark shows it)."""
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def load_compared(storage: Path, which: str | bool) -> Compared:
    """Choose the saved run (the latest, a number, a name prefix or a file) and read it.

    Raises :class:`NothingToCompare` naming the storage when nothing matches, and
    :class:`pytest.UsageError` naming the file and line when it cannot be read.
    """
    from perfgate.adapters.pytest_benchmark import PytestBenchmarkAdapter
    from perfgate.errors import PerfgateError

    path = _choose(storage, which)
    try:
        parsed = PytestBenchmarkAdapter().parse(path)
    except PerfgateError as exc:
        raise pytest.UsageError(f"perfgate: --benchmark-compare: {exc}") from None
    results = {r.benchmark.name: r for r in parsed.results if r.metric == "time"}
    return Compared(path, shown_path(path), results)


def comparison_lines(
    compared: Compared, current: Sequence[Result], checks: Sequence[CompareFail]
) -> tuple[list[str], list[str]]:
    """``(lines, failures)``: one line per benchmark (saved median -> now, change), and one line per
    benchmark that fails a ``--benchmark-compare-fail`` check."""
    lines = [f"perfgate: compared with {_visible(compared.shown)} (median per call, saved -> now):"]
    failures: list[str] = []
    now = {r.benchmark.name: r for r in current if r.metric == "time"}
    width = min(60, max((len(n) for n in now), default=0))
    for name in sorted(now):
        label = _visible(name).ljust(width)
        before, after = compared.results.get(name), now[name]
        if after.summary is None:
            lines.append(f"  {label}  failed now")
            continue
        if before is None or before.summary is None:
            lines.append(f"  {label}  new: {format_value(after.summary.median, 's')}")
            continue
        b, a = before.summary.median, after.summary.median
        change = f"{(a / b - 1) * 100:+.1f}%" if b > 0 else "n/a"
        lines.append(f"  {label}  {format_value(b, 's')} -> {format_value(a, 's')}  {change}")
        why = [f for c in checks if (f := c.failure(before.summary, after.summary)) is not None]
        if why:
            failures.append(f"{_visible(name)}: {'; '.join(why)}")
    gone = len(set(compared.results) - set(now))
    if gone:  # deselected (-k, a path) or removed: one line, not one per benchmark
        lines.append(f"  ({gone} saved benchmark(s) not run now)")
    return lines, failures
