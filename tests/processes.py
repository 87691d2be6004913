"""Processes and ports for the tests of services, kills and interrupts: one copy of each helper.

``tests/`` is on ``sys.path`` for the test packages below it (as for ``gitproject``), so
``from processes import alive, gone_within`` works there.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterable
from pathlib import Path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def alive(pid: int) -> bool:
    """Whether process ``pid`` runs; a zombie nobody has reaped yet is dead."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process took the number: ours is gone
        return False
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True  # no /proc: os.kill found it


def gone_within(pids: Iterable[int], seconds: float) -> bool:
    """Whether every one of ``pids`` has ended within ``seconds`` (polled)."""
    pids = list(pids)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not any(alive(p) for p in pids):
            return True
        time.sleep(0.05)
    return not any(alive(p) for p in pids)


def pids_of(pidfile: Path) -> list[int]:
    """The process ids a test's service wrote to ``pidfile``, one or more, space separated."""
    return [int(x) for x in pidfile.read_text().split()]


def wait_for(path: Path, seconds: float) -> str:
    """The text of ``path`` once something has written it; AssertionError after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.exists() and path.read_text():
            return path.read_text()
        time.sleep(0.05)
    raise AssertionError(f"{path} was never written within {seconds:g}s")
