"""Command benchmarks (the hyperfine job): run a command repeatedly and measure every run.

Each timed run yields its wall time (``perf_counter_ns`` around spawning and reaping the process), the
user and system CPU time and the peak resident set size of the child (``os.wait4`` gives the exact
rusage of that one child). The results are the metrics ``time``, ``user_time``, ``system_time`` (s) and
``peak_memory`` (B), one sample per run.

Choices, so the numbers mean something:

- **No shell unless asked.** A string command is split with :func:`shlex.split` and executed directly;
  ``shell=True`` runs it with ``/bin/sh -c`` (and the time includes the shell's own start).
- **How many runs.** ``runs`` fixes the number. Otherwise, like hyperfine, the first timed run's wall
  time estimates how many fit in ``max_time`` (default 3 s), clamped to ``[min_runs, max_runs]``
  (default at least 10, no maximum). ``warmup`` runs come first and are discarded.
- **prepare / cleanup.** ``prepare`` runs before every run (warm-up runs too), untimed; ``cleanup`` runs
  once after the last run, also when the benchmark failed.
- **Failures.** A run that exits non-zero (or is killed by a signal) makes the benchmark a failed result
  (``"exit code 3 on run 2: <last line of stderr>"``) unless ``ignore_failure`` is set; then the run
  counts and the exit codes are noted in the result's ``extra``. A run that outlives ``timeout`` has its
  whole process group killed and always fails the benchmark.
- **Output.** The command's stdin is ``/dev/null``; its stdout is discarded and its stderr kept only to
  quote its last line on failure, unless ``show_output`` sends both to perfgate's stderr (perfgate's
  stdout is for data).
- **A small launcher process.** Linux counts the peak RSS of the process that spawned a child towards
  the child's ``ru_maxrss`` (the spawner's address space is the child's until ``exec``), so spawning
  from perfgate's own interpreter would make ``true`` read tens of MB. Runs are therefore spawned by a
  minimal helper interpreter (``python -I -S``, about 8 MB) that reports each run's figures back over a
  pipe; peak memory has that floor, as hyperfine's has its own process size.
- **Parameter scans.** ``parameters`` map a name to values; every combination (in order) is one
  benchmark with ``{name}`` replaced in the command, ``prepare``, ``cleanup`` and the name, and the
  values recorded as the benchmark's params.

The pure parts (parameter expansion, naming, how many runs, turning runs into Results, hyperfine's JSON)
take values; the loop takes an injectable runner, so it is tested without processes too.
"""

from __future__ import annotations

import itertools
import marshal
import math
import os
import shlex
import struct
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol

from perfgate.errors import MeasureError
from perfgate.model import BenchmarkId, Direction, Result
from perfgate.stats import summarize

__all__ = [
    "CommandBenchmark",
    "CommandMeasurement",
    "CommandSpec",
    "Launcher",
    "RunSample",
    "Runner",
    "SpecError",
    "expand",
    "hyperfine_json",
    "measure_benchmark",
    "measurement_results",
    "plan_runs",
    "run_commands",
    "to_argv",
]

NAME_PREFIX = "cmd:"
DEFAULT_MIN_RUNS = 10
DEFAULT_MAX_TIME = 3.0


class SpecError(ValueError):
    """A command benchmark's setting breaks a rule; ``key`` names the setting as the configuration
    does (``runs``, ``parameters.size``), so each front end can say where it came from."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key} {problem}")
        self.key = key
        self.problem = problem


def _positive(name: str, value: float | None) -> None:
    if value is not None and not (math.isfinite(value) and value > 0):
        raise SpecError(name, f"must be a positive number of seconds, got {value!r}")


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """A command benchmark: one ``[[tool.perfgate.commands]]`` table, or one ``perfgate cmd`` command.

    ``command``, ``prepare`` and ``cleanup`` are a string (split with :func:`shlex.split`, or given to
    ``/bin/sh -c`` when ``shell``) or an argument list. ``parameters`` are ``(name, values)`` pairs;
    ``name`` defaults to the command and may contain ``{param}`` placeholders. ``tiers`` names the tiers
    it runs in (None: every tier, and runs without one). Every rule is checked here, once, raising
    :class:`SpecError`.
    """

    command: str | tuple[str, ...]
    name: str | None = None
    shell: bool = False
    warmup: int = 0
    runs: int | None = None
    min_runs: int = DEFAULT_MIN_RUNS
    max_runs: int | None = None
    max_time: float = DEFAULT_MAX_TIME
    prepare: str | tuple[str, ...] | None = None
    cleanup: str | tuple[str, ...] | None = None
    ignore_failure: bool = False
    timeout: float | None = None
    parameters: tuple[tuple[str, tuple[str, ...]], ...] = ()
    show_output: bool = False
    tiers: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if not self.command or (isinstance(self.command, str) and not self.command.strip()):
            raise SpecError("command", "must not be empty")
        if self.name is not None and not self.name.strip():
            raise SpecError("name", "must not be empty")
        for key, least in (("warmup", 0), ("min_runs", 0), ("runs", 1), ("max_runs", 1)):
            v = getattr(self, key)
            if v is not None and v < least:
                raise SpecError(key, f"must be at least {least}, got {v}")
        if self.max_runs is not None and self.max_runs < self.min_runs:
            raise SpecError("max_runs", f"{self.max_runs} is below min_runs {self.min_runs}")
        _positive("max_time", self.max_time)
        _positive("timeout", self.timeout)
        seen: set[str] = set()
        for pname, values in self.parameters:
            if not pname or not pname.replace("_", "").replace("-", "").isalnum():
                raise SpecError("parameters", f"a name must be letters, digits, '_' or '-', got {pname!r}")
            key = f"parameters.{pname}"
            if pname in seen:
                raise SpecError(key, "given twice")
            seen.add(pname)
            if not values:
                raise SpecError(key, "has no values")
            placeholder = "{" + pname + "}"
            texts = [self.name or "", *_texts(self.command), *_texts(self.prepare), *_texts(self.cleanup)]
            if not any(placeholder in t for t in texts):
                raise SpecError(key, f"not used: write {placeholder} in the command")

    def runs_in(self, tier: str | None) -> bool:
        """Whether the benchmark runs in ``tier`` (every benchmark runs without a tier)."""
        return self.tiers is None or tier is None or tier in self.tiers


def _texts(cmd: str | tuple[str, ...] | None) -> tuple[str, ...]:
    if cmd is None:
        return ()
    return (cmd,) if isinstance(cmd, str) else cmd


def to_argv(command: str | Sequence[str], shell: bool) -> tuple[str, ...]:
    """The argument vector to execute: ``shlex.split`` of a string, ``/bin/sh -c`` with ``shell``."""
    if shell:
        text = command if isinstance(command, str) else " ".join(command)
        return ("/bin/sh", "-c", text)
    if isinstance(command, str):
        try:
            argv = tuple(shlex.split(command))
        except ValueError as exc:  # an unbalanced quote
            raise ValueError(f"cannot split {command!r}: {exc}") from None
    else:
        argv = tuple(command)
    if not argv:
        raise ValueError(f"command {command!r} is empty")
    return argv


def _display(command: str | Sequence[str]) -> str:
    # Quote only what a reader needs quoted: shlex.join would also quote "{size}" and "a=b".
    if isinstance(command, str):
        return command
    return " ".join(
        a if a and not any(c.isspace() or c in "'\"\\" for c in a) else shlex.quote(a) for a in command
    )


def _substitute(text: str, values: Mapping[str, str]) -> str:
    # Plain replacement, not str.format: commands are full of braces (awk '{print $1}', ${VAR}).
    for k, v in values.items():
        text = text.replace("{" + k + "}", v)
    return text


def _sub_cmd(cmd: str | tuple[str, ...] | None, values: Mapping[str, str]) -> str | tuple[str, ...] | None:
    if cmd is None:
        return None
    if isinstance(cmd, str):
        return _substitute(cmd, values)
    return tuple(_substitute(a, values) for a in cmd)


def _sub_argv(
    cmd: str | tuple[str, ...] | None, shell: bool, values: Mapping[str, str]
) -> tuple[str, ...] | None:
    if cmd is None:
        return None
    if shell:
        return to_argv(_substitute(_display(cmd), values), True)
    # Split first, then substitute: a value with a space stays one argument.
    return tuple(_substitute(a, values) for a in to_argv(cmd, False))


@dataclass(frozen=True, slots=True)
class CommandBenchmark:
    """One concrete benchmark: a spec with its parameter values filled in."""

    id: BenchmarkId
    command: str  # for people and for hyperfine's export: the command with values filled in
    argv: tuple[str, ...]
    prepare: tuple[str, ...] | None
    cleanup: tuple[str, ...] | None
    spec: CommandSpec
    values: tuple[tuple[str, str], ...] = ()


def expand(spec: CommandSpec) -> tuple[CommandBenchmark, ...]:
    """Every benchmark a spec stands for: one, or one per combination of parameter values (in order).

    Names are ``cmd:<name or command>`` with the values filled in; when the name does not mention a
    parameter, the values are appended pytest-style (``cmd:build[size=10]``). Scanned benchmarks share
    the group ``cmd:<template>``.
    """
    template = spec.name if spec.name is not None else _display(spec.command)
    names = [n for n, _ in spec.parameters]
    combos: list[tuple[str, ...]] = list(itertools.product(*(v for _, v in spec.parameters)))
    out = []
    for combo in combos:
        values = dict(zip(names, combo, strict=True))
        name = _substitute(template, values)
        unnamed = [k for k in names if "{" + k + "}" not in template]
        if unnamed:
            name += "[" + ",".join(f"{k}={values[k]}" for k in unnamed) + "]"
        command = _sub_cmd(spec.command, values)
        assert command is not None
        argv = _sub_argv(spec.command, spec.shell, values)
        assert argv is not None
        bid = BenchmarkId(
            NAME_PREFIX + name.strip(),
            group=NAME_PREFIX + template.strip() if names else None,
            params=tuple(values.items()),
        )
        out.append(
            CommandBenchmark(
                id=bid,
                command=_display(command),
                argv=argv,
                prepare=_sub_argv(spec.prepare, spec.shell, values),
                cleanup=_sub_argv(spec.cleanup, spec.shell, values),
                spec=spec,
                values=tuple(values.items()),
            )
        )
    return tuple(out)


def plan_runs(first_wall: float, spec: CommandSpec) -> int:
    """How many timed runs in all, given the first one's wall time (hyperfine's estimate).

    ``runs`` when fixed; otherwise as many as fit in ``max_time``, within ``[min_runs, max_runs]``, and
    at least one.
    """
    if spec.runs is not None:
        return spec.runs
    fit = math.floor(spec.max_time / first_wall) if first_wall > 0 else sys.maxsize
    n = max(fit, spec.min_runs, 1)
    return min(n, spec.max_runs) if spec.max_runs is not None else n


@dataclass(frozen=True, slots=True)
class RunSample:
    """What one execution of a command gave.

    ``exit_code`` is None when the process was killed by a signal (``signal`` says which) or could not
    be started (``spawn_error`` says why); ``stderr_tail`` is the end of its stderr when captured.
    """

    wall: float
    user: float = 0.0
    system: float = 0.0
    max_rss: int = 0  # bytes
    exit_code: int | None = 0
    signal: int | None = None
    timed_out: bool = False
    spawn_error: str | None = None
    stderr_tail: str = ""

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.timed_out and self.spawn_error is None


class Runner(Protocol):
    """Executes an argument vector once and reports its figures (the :class:`Launcher`, or a fake)."""

    def __call__(self, argv: Sequence[str], *, timeout: float | None, show_output: bool) -> RunSample: ...


@dataclass(frozen=True, slots=True)
class CommandMeasurement:
    """The timed runs of one benchmark, how many warm-up runs preceded them, and why it failed, if so."""

    benchmark: CommandBenchmark
    runs: tuple[RunSample, ...] = ()
    warmup: int = 0
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def _last_line(text: str) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return lines[-1][:300] if lines else ""


def _signal_name(signum: int) -> str:
    import signal as _signal

    try:
        return _signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


def describe_failure(sample: RunSample, where: str, timeout: float | None = None) -> str:
    """How a run failed, in one line: ``exit code 3 on run 2: <last stderr line>``."""
    if sample.spawn_error is not None:
        what = f"cannot start the command ({sample.spawn_error})"
    elif sample.timed_out:
        limit = f" after {timeout:g} s" if timeout is not None else ""
        what = f"timed out{limit}"
    elif sample.exit_code is None:
        sig = sample.signal
        what = f"killed by {_signal_name(sig)}" if sig is not None else "killed"
    else:
        what = f"exit code {sample.exit_code}"
    line = _last_line(sample.stderr_tail)
    return f"{what} {where}" + (f": {line}" if line else "")


def measure_benchmark(
    bench: CommandBenchmark,
    runner: Runner,
    *,
    on_run: Callable[[CommandBenchmark, int, int | None], None] | None = None,
) -> CommandMeasurement:
    """Warm up, run ``bench`` as often as planned (prepare before each run), then clean up.

    ``on_run(bench, done, planned)`` is called after every timed run (``planned`` is None until the
    first run has fixed it). Failures end the benchmark with ``error`` set; they never raise.
    """
    spec = bench.spec
    runs: list[RunSample] = []

    def run(argv: tuple[str, ...]) -> RunSample:
        return runner(argv, timeout=spec.timeout, show_output=spec.show_output)

    def prepare(where: str) -> str | None:
        if bench.prepare is None:
            return None
        s = run(bench.prepare)
        return None if s.ok else "prepare command: " + describe_failure(s, f"before {where}", spec.timeout)

    def bad(s: RunSample) -> bool:
        return s.timed_out or s.spawn_error is not None or (not s.ok and not spec.ignore_failure)

    def finish(error: str | None, warm: int) -> CommandMeasurement:
        if bench.cleanup is not None:
            s = run(bench.cleanup)
            if not s.ok and error is None:
                error = "cleanup command: " + describe_failure(s, "after the last run", spec.timeout)
        return CommandMeasurement(bench, tuple(runs), warm, error)

    for i in range(spec.warmup):
        where = f"warm-up run {i + 1}"
        if (err := prepare(where)) is not None:
            return finish(err, i)
        s = run(bench.argv)
        if bad(s):
            return finish(describe_failure(s, f"on {where}", spec.timeout), i + 1)
    planned: int | None = spec.runs
    while planned is None or len(runs) < planned:
        where = f"run {len(runs) + 1}"
        if (err := prepare(where)) is not None:
            return finish(err, spec.warmup)
        s = run(bench.argv)
        if bad(s):
            return finish(describe_failure(s, f"on {where}", spec.timeout), spec.warmup)
        runs.append(s)
        if planned is None:
            planned = plan_runs(s.wall, spec)
        if on_run is not None:
            on_run(bench, len(runs), planned)
    return finish(None, spec.warmup)


def _extra(m: CommandMeasurement) -> dict[str, Any]:
    extra: dict[str, Any] = {"command": m.benchmark.command}
    if m.benchmark.spec.shell:
        extra["shell"] = True
    codes = [r.exit_code if r.exit_code is not None else -(r.signal or 0) for r in m.runs]
    failed = [c for c in codes if c != 0]
    if failed:
        extra["failed_runs"] = len(failed)
        extra["exit_codes"] = sorted(set(failed))
    return extra


def measurement_results(m: CommandMeasurement) -> tuple[Result, ...]:
    """Results of one measured benchmark: ``time``, ``user_time``, ``system_time``, ``peak_memory``.

    A failed benchmark is one failed ``time`` result carrying the error (its partial runs are not
    compared: a benchmark that failed on run 5 did not measure what it was meant to).
    """
    bid = m.benchmark.id
    extra = _extra(m)
    if m.error is not None or not m.runs:
        error = m.error or "no run was measured"
        return (Result(bid, "time", "s", Direction.LOWER, error=error, warmup=m.warmup, extra=extra),)
    out = []
    columns: tuple[tuple[str, str, tuple[float, ...]], ...] = (
        ("time", "s", tuple(r.wall for r in m.runs)),
        ("user_time", "s", tuple(r.user for r in m.runs)),
        ("system_time", "s", tuple(r.system for r in m.runs)),
        ("peak_memory", "B", tuple(float(r.max_rss) for r in m.runs)),
    )
    for metric, unit, samples in columns:
        out.append(
            Result(
                bid,
                metric,
                unit,
                Direction.LOWER,
                summary=summarize(samples),
                samples=samples,
                rounds=len(samples),
                iterations=1,
                warmup=m.warmup,
                extra=extra,
            )
        )
    return tuple(out)


def hyperfine_json(measurements: Sequence[CommandMeasurement]) -> dict[str, Any]:
    """hyperfine's ``--export-json`` document for these measurements.

    ``command`` holds the perfgate benchmark name (so reading the file back, with perfgate's hyperfine
    adapter or ``perfgate compare``, names the same benchmarks), ``parameters`` the scanned values,
    ``memory_usage_byte`` the peak RSS per run (as hyperfine >= 1.19 writes it). A benchmark that failed
    before its first timed run has no entry.
    """
    results = []
    for m in measurements:
        if not m.runs:
            continue
        times = [r.wall for r in m.runs]
        s = summarize(times)
        entry: dict[str, Any] = {
            "command": m.benchmark.id.name,
            "mean": s.mean,
            "stddev": s.stddev if len(times) > 1 else None,
            "median": s.median,
            "user": math.fsum(r.user for r in m.runs) / len(m.runs),
            "system": math.fsum(r.system for r in m.runs) / len(m.runs),
            "min": s.min,
            "max": s.max,
            "times": times,
            "memory_usage_byte": [r.max_rss for r in m.runs],
            "exit_codes": [r.exit_code for r in m.runs],
        }
        if m.benchmark.values:
            entry["parameters"] = dict(m.benchmark.values)
        results.append(entry)
    return {"results": results}


# --- spawning ---------------------------------------------------------------------------------------

# The launcher: a minimal interpreter (python -I -S: no site, no user paths) that spawns each run and
# reports its figures. Requests and replies are length-prefixed marshal blobs on its stdin/stdout.
_LAUNCHER = r"""
import marshal, os, signal, struct, sys, time
rd, wr = sys.stdin.buffer, sys.stdout.buffer
errpath = sys.argv[1]
errfd = os.open(errpath, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
current = [0]
def kill_group(*_):
    if current[0]:
        try:
            os.killpg(current[0], signal.SIGKILL)
        except OSError:
            pass
def on_alarm(*_):
    timed_out[0] = True
    kill_group()
def on_int(*_):
    kill_group()
    os._exit(130)
timed_out = [False]
signal.signal(signal.SIGALRM, on_alarm)
signal.signal(signal.SIGINT, on_int)
signal.signal(signal.SIGTERM, on_int)
reset = [s for s in (signal.SIGPIPE, signal.SIGXFSZ, signal.SIGINT, signal.SIGTERM, signal.SIGALRM)]
while True:
    head = rd.read(4)
    if len(head) < 4:
        break
    argv, timeout, show = marshal.loads(rd.read(struct.unpack("<I", head)[0]))
    os.ftruncate(errfd, 0)
    os.lseek(errfd, 0, 0)
    actions = [(os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0)]
    if show:
        actions.append((os.POSIX_SPAWN_DUP2, 2, 1))
    else:
        actions += [(os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0), (os.POSIX_SPAWN_DUP2, errfd, 2)]
    timed_out[0] = False
    t0 = time.perf_counter_ns()
    try:
        pid = os.posix_spawnp(argv[0], argv, os.environ, file_actions=actions, setpgroup=0,
                              setsigdef=reset, setsigmask=())
    except OSError as exc:
        reply = (time.perf_counter_ns() - t0, None, 0.0, 0.0, 0, False, exc.strerror or str(exc), "")
    else:
        current[0] = pid
        if timeout:
            signal.setitimer(signal.ITIMER_REAL, timeout)
        _, status, ru = os.wait4(pid, 0)
        t1 = time.perf_counter_ns()
        signal.setitimer(signal.ITIMER_REAL, 0)
        current[0] = 0
        if timed_out[0]:
            try:
                os.killpg(pid, signal.SIGKILL)  # whatever the command left behind in its group
            except OSError:
                pass
        tail = b""
        if not show:
            size = os.fstat(errfd).st_size
            tail = os.pread(errfd, 4096, max(0, size - 4096))
        code = os.waitstatus_to_exitcode(status)
        reply = (t1 - t0, code, ru.ru_utime, ru.ru_stime, ru.ru_maxrss, timed_out[0], None,
                 tail.decode("utf-8", "replace"))
    blob = marshal.dumps(reply)
    wr.write(struct.pack("<I", len(blob)) + blob)
    wr.flush()
"""

# ru_maxrss is in kilobytes on Linux and the BSDs, in bytes on macOS.
_RSS_UNIT = 1 if sys.platform == "darwin" else 1024


class Launcher:
    """Spawns runs from a small helper process (see the module docstring for why); a :class:`Runner`.

    Use as a context manager. ``cwd`` and ``environ`` are the commands' working directory and
    environment.
    """

    def __init__(self, cwd: Path | None = None, environ: Mapping[str, str] | None = None) -> None:
        if not hasattr(os, "wait4") or not hasattr(os, "posix_spawnp"):
            raise MeasureError("command benchmarks need a POSIX system (os.wait4, os.posix_spawn)")
        self._tmp = tempfile.TemporaryDirectory(prefix="perfgate-cmd-")
        env = dict(os.environ if environ is None else environ)
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-I", "-S", "-c", _LAUNCHER, str(Path(self._tmp.name) / "stderr")],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                cwd=cwd,
                env=env,
            )
        except OSError as exc:
            self._tmp.cleanup()
            raise MeasureError(f"cannot start the command launcher in {cwd}: {exc}") from exc

    def __call__(self, argv: Sequence[str], *, timeout: float | None, show_output: bool) -> RunSample:
        stdin, stdout = self._proc.stdin, self._proc.stdout
        assert stdin is not None and stdout is not None
        blob = marshal.dumps((list(argv), float(timeout or 0.0), bool(show_output)))
        try:
            stdin.write(struct.pack("<I", len(blob)) + blob)
            stdin.flush()
            reply = _read_reply(stdout)
        except (OSError, EOFError, ValueError) as exc:
            raise MeasureError(f"the command launcher died while running {shlex.join(argv)}: {exc}") from exc
        wall_ns, code, user, system, rss, timed_out, spawn_error, tail = reply
        sig = -code if isinstance(code, int) and code < 0 else None
        return RunSample(
            wall=wall_ns / 1e9,
            user=float(user),
            system=float(system),
            max_rss=int(rss) * _RSS_UNIT,
            exit_code=None if code is None or code < 0 else int(code),
            signal=sig,
            timed_out=bool(timed_out),
            spawn_error=spawn_error,
            stderr_tail=tail,
        )

    def close(self) -> None:
        if self._proc.stdin is not None:
            self._proc.stdin.close()
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        if self._proc.stdout is not None:
            self._proc.stdout.close()
        self._tmp.cleanup()

    def __enter__(self) -> Launcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _read_reply(stream: IO[bytes]) -> tuple[Any, ...]:
    head = stream.read(4)
    if len(head) < 4:
        raise EOFError("no reply")
    (n,) = struct.unpack("<I", head)
    body = stream.read(n)
    if len(body) < n:
        raise EOFError("truncated reply")
    reply = marshal.loads(body)
    if not isinstance(reply, tuple) or len(reply) != 8:
        raise ValueError(f"unexpected reply {reply!r}")
    return reply


def run_commands(
    specs: Sequence[CommandSpec],
    *,
    cwd: Path | None = None,
    environ: Mapping[str, str] | None = None,
    on_run: Callable[[CommandBenchmark, int, int | None], None] | None = None,
    runner: Runner | None = None,
) -> tuple[CommandMeasurement, ...]:
    """Measure every benchmark the specs stand for, one after the other, in ``cwd``."""
    benches = [b for spec in specs for b in expand(spec)]
    if not benches:
        return ()
    if runner is not None:
        return tuple(measure_benchmark(b, runner, on_run=on_run) for b in benches)
    with Launcher(cwd, environ) as launched:
        return tuple(measure_benchmark(b, launched, on_run=on_run) for b in benches)
