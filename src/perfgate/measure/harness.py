"""Harness suites: another benchmark harness's command (``go test -bench``, ``cargo bench``...) run by
``perfgate run``, its output read by the adapter named, its results joined to the run.

One ``[[tool.perfgate.suites]]`` table is one :class:`HarnessSpec`; :func:`run_harness` runs it for a
tier and returns Results. The choices:

- **No shell unless asked.** ``command`` is an argument list executed directly; a string only with
  ``shell = true`` (``/bin/sh -c``). The tier's ``args`` are appended (quoted, under a shell).
- **Where.** The command runs in ``cwd`` (relative to the project root) with the workspace's
  environment plus ``env``; its stdin is ``/dev/null``. ``output`` (a file, a directory or a glob) is
  relative to that ``cwd``.
- **Only what this run wrote.** A file or directory whose contents did not change while the command ran
  is not read: an old result file left from an earlier run must not stand in for a suite that wrote
  nothing (it would pass, unchanged, what no longer runs).
- **Names.** Every result's name gets the suite's name as a prefix (``go:example.com/m.BenchmarkX``),
  and its group too, so two suites (or a suite and the pytest benchmarks) never collide and a
  threshold glob ``"go:*"`` picks one suite.
- **Failures become results, never exceptions.** A command that cannot start, exits non-zero, is killed,
  outlives ``timeout`` (its whole process group is killed) or leaves no results to read becomes a failed
  result named after the suite alone (``go``), whose error names the suite and quotes the last lines
  of its stderr (escaped and redacted). Results it did produce are kept. The gate fails on it, and the
  baseline's benchmarks it no longer produced are missing; the other suites still run.
- **Output.** The command's stdout and stderr are captured to files (stdout to parse when it is the
  output, stderr to quote on failure) and echoed as they grow, line by line with control characters
  escaped, on perfgate's stderr: a long suite shows its progress, and perfgate's stdout stays data.
"""

from __future__ import annotations

import contextlib
import glob
import math
import os
import re
import shlex
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO

from perfgate.errors import InputError
from perfgate.escape import visible
from perfgate.measure.children import die_with_parent
from perfgate.measure.command import SpecError
from perfgate.model import BenchmarkId, Direction, Result

__all__ = ["STDOUT", "Execution", "HarnessSpec", "execute", "run_harness", "suite_result_name"]

#: ``output`` value meaning the command's standard output
STDOUT = "stdout"
#: how many of the last lines of stderr a failure quotes
TAIL_LINES = 5
_TAIL_BYTES = 16 * 1024
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# names whose prefix another kind of result already uses: command benchmarks are ``cmd:<name>``, and a
# service that died during the run is ``service:<name>`` (perfgate.measure.services)
_RESERVED = {
    "cmd": "command benchmarks are named cmd:...",
    "service": "failed services are named service:...",
}


@dataclass(frozen=True, slots=True)
class HarnessSpec:
    """A harness suite: one ``[[tool.perfgate.suites]]`` table.

    ``command`` is an argument list, or a string when ``shell``. ``format`` is an adapter name or
    ``"auto"``; ``output`` is :data:`STDOUT`, a path or a glob relative to ``cwd``; ``cwd`` is relative
    to the project root. ``env`` pairs are added to the environment. ``tiers`` names the tiers the
    suite runs in (None: every tier, and runs without one); ``args`` pairs a tier with the arguments
    appended in it. Every rule is checked here, once, raising :class:`SpecError` naming the key.
    """

    name: str
    command: str | tuple[str, ...]
    format: str = "auto"
    output: str = STDOUT
    cwd: str = "."
    env: tuple[tuple[str, str], ...] = ()
    timeout: float | None = None
    shell: bool = False
    tiers: tuple[str, ...] | None = None
    args: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def __post_init__(self) -> None:
        if not _NAME.fullmatch(self.name):
            what = "must be letters, digits, '_', '-' or '.' (not first)"
            raise SpecError("name", f"{what}, got {self.name!r}")
        if self.name in _RESERVED:
            raise SpecError("name", f"{self.name!r} is reserved ({_RESERVED[self.name]})")
        self._check_command()
        if not self.format:
            raise SpecError("format", "must not be empty (an adapter name, or 'auto')")
        if self.format != "auto":
            from perfgate.adapters.registry import available

            known = available()
            if self.format not in known:
                names = ", ".join(sorted(known))
                raise SpecError("format", f"unknown format {self.format!r} (known: auto, {names})")
        for key, value in (("output", self.output), ("cwd", self.cwd)):
            if not value.strip() or "\0" in value:
                raise SpecError(key, f"must be a non-empty path, got {value!r}")
        seen: set[str] = set()
        for k, _ in self.env:
            if not _ENV_NAME.fullmatch(k):
                raise SpecError("env", f"expected environment variable names, got {k!r}")
            if k in seen:
                raise SpecError(f"env.{k}", "given twice")
            seen.add(k)
        if self.timeout is not None and not (math.isfinite(self.timeout) and self.timeout > 0):
            raise SpecError("timeout", f"must be a positive number of seconds, got {self.timeout!r}")
        if self.tiers is not None and not self.tiers:
            raise SpecError("tiers", "is empty: the suite would never run (name its tiers, or leave it out)")
        tiers_seen: set[str] = set()
        for tier, extra in self.args:
            if tier in tiers_seen:
                raise SpecError(f"args.{tier}", "given twice")
            tiers_seen.add(tier)
            if self.tiers is not None and tier not in self.tiers:
                runs_in = ", ".join(self.tiers)
                raise SpecError(f"args.{tier}", f"the suite does not run in tier {tier!r} (tiers: {runs_in})")
            if not all(isinstance(a, str) for a in extra):
                raise SpecError(f"args.{tier}", f"expected a list of strings, got {extra!r}")

    def _check_command(self) -> None:
        if isinstance(self.command, str):
            if not self.shell:
                raise SpecError("command", "a string runs only with shell = true; give a list of arguments")
            if not self.command.strip():
                raise SpecError("command", "must not be empty")
            return
        if not self.command or not self.command[0]:
            raise SpecError("command", "must not be empty")
        if self.shell:
            raise SpecError("command", "with shell = true, give the command as one string")

    def runs_in(self, tier: str | None) -> bool:
        """Whether the suite runs in ``tier`` (every suite runs without a tier)."""
        return self.tiers is None or tier is None or tier in self.tiers

    def tier_args(self, tier: str | None) -> tuple[str, ...]:
        return next((extra for t, extra in self.args if t == tier), ()) if tier is not None else ()

    def argv(self, tier: str | None) -> tuple[str, ...]:
        """What runs in ``tier``: the command with the tier's arguments appended."""
        extra = self.tier_args(tier)
        if isinstance(self.command, str):
            return ("/bin/sh", "-c", " ".join((self.command, *(shlex.quote(a) for a in extra))))
        return (*self.command, *extra)

    def display(self, tier: str | None) -> str:
        argv = self.argv(tier)
        return argv[2] if isinstance(self.command, str) else shlex.join(argv)


def suite_result_name(suite: str, name: str) -> str:
    """The name a suite's benchmark gets in the run: ``<suite>:<name as the harness names it>``."""
    return f"{suite}:{name}"


@dataclass(frozen=True, slots=True)
class Execution:
    """How one run of a suite's command ended. ``exit_code`` is None when it was killed (``signal``
    says by what), timed out, or could not start (``spawn_error`` says why)."""

    exit_code: int | None
    seconds: float
    signal: int | None = None
    timed_out: bool = False
    spawn_error: str | None = None

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.timed_out and self.spawn_error is None

    def describe(self, timeout: float | None) -> str:
        if self.spawn_error is not None:
            return f"cannot start the command ({self.spawn_error})"
        if self.timed_out:
            return f"timed out after {timeout:g} s (its process group was killed)"
        if self.exit_code is None:
            sig = self.signal
            try:
                what = signal.Signals(sig).name if sig is not None else "a signal"
            except ValueError:
                what = f"signal {sig}"
            return f"killed by {what}"
        return f"exit code {self.exit_code}"


def _kill_group(pid: int) -> None:
    with contextlib.suppress(OSError):  # already gone
        os.killpg(pid, signal.SIGKILL)


class _Echo:
    """Copies what a command writes into its capture files onto ``sink`` as the files grow, whole lines
    only, each escaped (:func:`perfgate.escape.visible`): the command's output is input, and must not
    drive the terminal or the CI log."""

    INTERVAL = 0.25  # seconds between looks: progress for people, no load worth measuring

    def __init__(self, paths: Sequence[Path], sink: IO[str]) -> None:
        self._paths = list(paths)
        self._offsets = [0] * len(paths)
        self._partial = [b""] * len(paths)
        self._sink = sink
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="perfgate-suite-echo", daemon=True)

    def __enter__(self) -> _Echo:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._copy(final=True)

    def _loop(self) -> None:
        while not self._stop.wait(self.INTERVAL):
            self._copy(final=False)

    def _copy(self, *, final: bool) -> None:
        for i, path in enumerate(self._paths):
            try:
                with path.open("rb") as f:
                    f.seek(self._offsets[i])
                    chunk = f.read()
            except OSError:
                continue
            self._offsets[i] += len(chunk)
            lines = (self._partial[i] + chunk).split(b"\n")
            self._partial[i] = b"" if final else lines.pop()
            for line in lines:
                if line or not final:
                    # tabs (go test's columns) are expanded: they cannot act, and a spelled-out \t reads badly
                    text = line.decode("utf-8", "replace").rstrip("\r").expandtabs()
                    self._write(visible(text) + "\n")

    def _write(self, text: str) -> None:
        with contextlib.suppress(OSError, ValueError):  # a closed or broken stderr stops the echo only
            self._sink.write(text)
            self._sink.flush()


def execute(
    argv: Sequence[str],
    *,
    cwd: Path,
    environ: Mapping[str, str],
    timeout: float | None,
    stdout: IO[bytes],
    stderr: IO[bytes],
) -> Execution:
    """Run ``argv`` once in its own process group, which is killed whole on timeout or interruption.

    The child dies with perfgate (:func:`die_with_parent`).
    """
    t0 = time.perf_counter()
    try:
        with die_with_parent() as preexec:
            try:
                proc = subprocess.Popen(
                    list(argv),
                    cwd=cwd,
                    env=dict(environ),
                    stdin=subprocess.DEVNULL,
                    stdout=stdout,
                    stderr=stderr,
                    preexec_fn=preexec,
                    process_group=0,
                )
            except OSError as exc:
                return Execution(None, time.perf_counter() - t0, spawn_error=exc.strerror or str(exc))
            try:
                code = proc.wait(timeout)
            except subprocess.TimeoutExpired:
                _kill_group(proc.pid)
                proc.wait()
                return Execution(None, time.perf_counter() - t0, timed_out=True)
            except BaseException:  # Ctrl-C, or perfgate being stopped: take the suite with us
                _kill_group(proc.pid)
                proc.wait()
                raise
    except OSError as exc:  # die_with_parent's pipe
        return Execution(None, time.perf_counter() - t0, spawn_error=exc.strerror or str(exc))
    seconds = time.perf_counter() - t0
    if code < 0:
        return Execution(None, seconds, signal=-code)
    return Execution(code, seconds)


def _tail(path: Path) -> str:
    """The last :data:`TAIL_LINES` non-blank lines of a captured stream, escaped, as one line."""
    try:
        with path.open("rb") as f:
            size = f.seek(0, os.SEEK_END)
            f.seek(max(0, size - _TAIL_BYTES))
            raw = f.read()
    except OSError:
        return ""
    lines = [ln.strip() for ln in raw.decode("utf-8", "replace").splitlines() if ln.strip()]
    return " | ".join(visible(ln[:300]) for ln in lines[-TAIL_LINES:])


# --- finding what the command wrote ---------------------------------------------------------------

Stamp = tuple[int, int]  # (newest mtime in ns, number of files) of a file or a tree


def _stamp(path: Path) -> Stamp | None:
    try:
        if not path.is_dir():
            return (path.stat().st_mtime_ns, 1)
        newest, count = 0, 0
        for folder, _, files in os.walk(path):
            for f in files:
                try:
                    newest = max(newest, os.stat(os.path.join(folder, f)).st_mtime_ns)
                except OSError:
                    continue
                count += 1
        return (newest, count)
    except OSError:
        return None


def _matches(cwd: Path, pattern: str) -> list[Path]:
    target = os.path.join(cwd, pattern)  # an absolute pattern stays absolute
    if any(c in pattern for c in "*?["):
        return [Path(p) for p in sorted(glob.glob(target, recursive=True))]
    return [Path(target)] if os.path.lexists(target) else []


def snapshot(cwd: Path, pattern: str) -> dict[Path, Stamp | None]:
    """What ``pattern`` (a file, a directory, a glob under ``cwd``) matches now, and how it looks."""
    return {p: _stamp(p) for p in _matches(cwd, pattern)}


def written(cwd: Path, pattern: str, before: Mapping[Path, Stamp | None]) -> tuple[list[Path], str | None]:
    """What ``pattern`` matches that is new or changed since ``before``; when nothing, why not."""
    now = _matches(cwd, pattern)
    if not now:
        return [], f"wrote no output at {pattern!r} (in {cwd})"
    fresh = [p for p in now if p not in before or _stamp(p) != before[p]]
    if not fresh:
        return [], f"did not write {pattern!r} (in {cwd}): what is there is older than this run"
    return fresh, None


# --- running a suite -------------------------------------------------------------------------------


def _prefixed(suite: str, r: Result) -> Result:
    b = r.benchmark
    group = suite_result_name(suite, b.group) if b.group else suite
    return replace(r, benchmark=replace(b, name=suite_result_name(suite, b.name), group=group))


def _failure(spec: HarnessSpec, tier: str | None, problems: Sequence[str], tail: str) -> Result:
    message = f"suite {spec.name!r}: {'; '.join(problems)}"
    if tail:
        message += f"; stderr: {tail}"
    return Result(
        BenchmarkId(spec.name, group=spec.name),
        "time",
        "s",
        Direction.LOWER,
        error=message,
        extra={"suite": spec.name, "command": visible(spec.display(tier))},
    )


def run_harness(
    spec: HarnessSpec,
    tier: str | None,
    root: Path,
    environ: Mapping[str, str],
    redact: Callable[[str], str],
) -> list[Result]:
    """Run ``spec``'s command for ``tier`` and read its results (names prefixed with the suite's).

    Never raises for what the command does: see the module docstring. ``redact`` keeps the
    environment's secrets out of the failure message (the workspace's Redactor).
    """
    from perfgate.adapters.registry import parse_inputs

    cwd = root / spec.cwd
    env = {**environ, **dict(spec.env)}
    problems: list[str] = []
    results: list[Result] = []
    tail = ""
    if not cwd.is_dir():
        problems.append(f"its working directory {cwd} does not exist")
        return [_failure(spec, tier, problems, tail)]
    with tempfile.TemporaryDirectory(prefix="perfgate-suite-") as tmp, ExitStack() as files:
        out_path, err_path = Path(tmp) / "stdout", Path(tmp) / "stderr"
        err = files.enter_context(err_path.open("wb"))
        out = files.enter_context(out_path.open("wb"))
        to_stdout = spec.output == STDOUT
        before = {} if to_stdout else snapshot(cwd, spec.output)
        with _Echo((out_path, err_path), sys.stderr):
            ran = execute(spec.argv(tier), cwd=cwd, environ=env, timeout=spec.timeout, stdout=out, stderr=err)
        files.close()
        tail = _tail(err_path)
        if not ran.ok:
            problems.append(ran.describe(spec.timeout))
        if ran.spawn_error is None:  # what a killed or failing command printed before it ended counts
            if to_stdout:
                inputs = [out_path] if out_path.stat().st_size else []
                missing = None if inputs else "printed nothing on stdout"
            else:
                inputs, missing = written(cwd, spec.output, before)
            if missing is not None:
                problems.append(missing)
            else:
                try:
                    parsed = parse_inputs(inputs, spec.format)
                except InputError as exc:  # ParseError among them: not the output expected
                    why = str(exc).replace(str(out_path), f"<stdout of {spec.name}>")
                    problems.append(f"no results perfgate can read in its output: {why}")
                else:
                    results = [_prefixed(spec.name, r) for r in parsed.results]
    if problems:
        results.append(_failure(spec, tier, problems, tail))
    return [_redacted(r, redact) for r in results]


def _redacted(r: Result, redact: Callable[[str], str]) -> Result:
    return r if r.error is None else replace(r, error=redact(r.error))
