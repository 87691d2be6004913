"""Child processes that die with their parent: ``kill -9`` of perfgate must not leave a suite (pytest,
a harness command) measuring with nobody to read its results."""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

__all__ = ["die_with_parent", "sigterm_interrupts"]

_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _linux_prctl() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        prctl: Callable[..., int] = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    return prctl


def _max_fd() -> int:
    try:
        return max(int(os.sysconf("SC_OPEN_MAX")), 256)
    except (OSError, ValueError):
        return 65536


@contextmanager
def die_with_parent(*, use_prctl: bool = True) -> Iterator[Callable[[], None]]:
    """A ``preexec_fn`` that makes the child die when this process dies, even by SIGKILL.

    ``kill -9`` of ``perfgate run`` must not leave the suite measuring with nobody to read its results.
    On Linux the child asks the kernel for SIGKILL when its parent dies (``PR_SET_PDEATHSIG``), and
    kills itself if the parent died before it asked. Elsewhere (or with ``use_prctl=False``) the child
    forks a watchdog holding the read end of a pipe whose only writer is this process: when this
    process dies the kernel closes the write end, the read returns, and the watchdog kills the child
    if it is still the child's (a watchdog whose child has exited has been reparented and does nothing).
    """
    parent = os.getpid()
    prctl = _linux_prctl() if use_prctl else None
    if prctl is not None:

        def pdeathsig() -> None:
            prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
            if os.getppid() != parent:  # the parent died before the request: too late to be told
                os.kill(os.getpid(), signal.SIGKILL)

        yield pdeathsig
        return
    read_end, write_end = os.pipe()  # not inheritable: exec closes both in the child

    def watchdog() -> None:
        child = os.getpid()
        if os.fork() != 0:
            return
        try:  # the watchdog: a fork of the child, before exec; only system calls from here on
            # Keep nothing but the read end: a copy of the write end would keep the pipe open, and a
            # copy of subprocess's exec-status pipe or of the child's stdout would block their readers.
            os.closerange(0, read_end)
            os.closerange(read_end + 1, _max_fd())
            while True:
                try:
                    if not os.read(read_end, 1):
                        break
                except InterruptedError:
                    continue
            if os.getppid() == child:
                os.kill(child, signal.SIGKILL)
        finally:
            os._exit(0)

    try:
        yield watchdog
    finally:
        os.close(read_end)
        os.close(write_end)


@contextmanager
def sigterm_interrupts() -> Iterator[None]:
    """SIGTERM (a cancelled CI job) unwinds like Ctrl-C while inside: what was started is stopped on the
    way out. Only the main thread can set a handler; elsewhere this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)
