"""The controller's handle on one persistent pytest worker process (see
:mod:`perfgate.pytest_plugin.worker` for the protocol).

The worker's stdout and stderr go to a log file (two workers writing to one terminal would interleave
into noise); the last lines of that log are quoted when a worker dies or stops answering.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import json
import os
import select
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from perfgate.errors import MeasureError
from perfgate.invocation import pytest_argv

__all__ = ["WorkerProcess", "pick_cpu"]


_ADDR_NO_RANDOMIZE = 0x0040000


def _pin(cpu: int | None) -> None:
    """In the child: run on ``cpu`` only. Both workers share one CPU, so a neighbour busy on it slows
    both alike; on two CPUs one side could sit next to the neighbour for the whole run."""
    if cpu is not None and hasattr(os, "sched_setaffinity"):
        with contextlib.suppress(OSError):
            os.sched_setaffinity(0, {cpu})


def pick_cpu() -> int | None:
    """The CPU both workers share: the last one this process may use (the first often takes interrupts)."""
    if not hasattr(os, "sched_getaffinity"):
        return None
    allowed = sorted(os.sched_getaffinity(0))
    return allowed[-1] if allowed else None


def _same_layout() -> None:
    """In the child, before exec: turn address-space randomisation off (Linux), so both workers get the
    same memory layout. With it on, each process lands on its own layout, and identical code measures
    a few percent apart between two processes, for the whole run: a bias interleaving cannot remove."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        current = libc.personality(0xFFFFFFFF)
        if current != -1:
            libc.personality(current | _ADDR_NO_RANDOMIZE)
    except (OSError, AttributeError):
        pass  # not allowed here (some containers): the layouts stay random


def _prepare_child(cpu: int | None) -> None:
    _same_layout()
    _pin(cpu)


class WorkerProcess:
    """One side's ``python -m pytest --perfgate-worker`` process, spoken to in JSON lines."""

    def __init__(
        self,
        side: str,
        args: Sequence[str],
        *,
        cwd: Path,
        env: Mapping[str, str],
        log: Path,
        timeout: float,
        cpu: int | None = None,
    ) -> None:
        self.side = side
        self.log = log
        self.timeout = timeout
        self._buf = bytearray()
        c2w_r, c2w_w = os.pipe()
        w2c_r, w2c_w = os.pipe()
        # Fixed-width descriptors: argv (and so the initial stack) must have the same size on both sides.
        cmd = pytest_argv(["--perfgate-worker", f"{c2w_r:05d}:{w2c_w:05d}", *args])
        self.command = tuple(cmd)
        try:
            with log.open("wb") as out:
                self.proc = subprocess.Popen(
                    cmd,
                    cwd=cwd,
                    env=dict(env),
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    pass_fds=(c2w_r, w2c_w),
                    preexec_fn=functools.partial(_prepare_child, cpu),
                )
        except OSError as exc:
            for fd in (c2w_r, c2w_w, w2c_r, w2c_w):
                os.close(fd)
            raise MeasureError(f"cannot start the {side} worker (pytest in {cwd}): {exc}") from exc
        os.close(c2w_r)
        os.close(w2c_w)
        self._w = c2w_w
        self._r = w2c_r

    def tail(self, lines: int = 5) -> str:
        """The last lines the worker printed, joined with `` | `` (for one-line error messages)."""
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        kept = [ln.strip() for ln in text.splitlines() if ln.strip()][-lines:]
        return " | ".join(kept)

    def _died(self, what: str) -> MeasureError:
        code = self.proc.poll()
        status = f"exit code {code}" if code is not None else "still running"
        return MeasureError(f"the {self.side} worker {what} ({status}); its last output: {self.tail()}")

    def send(self, message: Mapping[str, Any]) -> None:
        data = json.dumps(dict(message)).encode() + b"\n"
        try:
            while data:
                data = data[os.write(self._w, data) :]
        except OSError as exc:
            raise self._died(f"stopped listening ({exc.strerror or exc})") from None

    def receive(self, timeout: float | None = None) -> dict[str, Any]:
        """The next message; MeasureError when the worker exits or says nothing for ``timeout`` s."""
        limit = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + limit
        while b"\n" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise self._died(f"sent nothing for {limit:g}s")
            ready, _, _ = select.select([self._r], [], [], left)
            if not ready:
                continue
            chunk = os.read(self._r, 65536)
            if not chunk:
                raise self._died("exited")
            self._buf += chunk
        line, _, rest = self._buf.partition(b"\n")
        self._buf = bytearray(rest)
        try:
            message = json.loads(line)
        except json.JSONDecodeError:
            raise self._died(f"sent a malformed message {bytes(line[:80])!r}") from None
        if not isinstance(message, dict):
            raise self._died(f"sent a malformed message {bytes(line[:80])!r}")
        return message

    def finish(self, timeout: float = 60.0) -> None:
        """Wait for the worker's ``bye`` (its session is over), then stop it.

        What pytest does after its session (the summary, interpreter shutdown) takes seconds and is of
        no use to the controller, so the worker is not waited for beyond ``bye``.
        """
        while self.receive(timeout).get("type") != "bye":
            pass
        self.kill()

    def kill(self) -> None:
        """Stop the worker now (interrupt, error) and release the pipes."""
        if self.proc.poll() is None:
            self.proc.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(10)
        for fd in (self._r, self._w):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._r = self._w = -1
