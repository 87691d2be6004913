"""``kill -9`` of ``perfgate run`` takes the pytest child with it, on the kernel's word (Linux's
parent-death signal) and with the portable watchdog. Deadlines below bound the waiting, they assert
no speed: the child must be gone at all."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from gitproject import GitProject
from perfgate.runner import die_with_parent
from processes import alive, gone_within, wait_for

SLOW_SUITE = """\
import os
import time
from pathlib import Path

Path(os.environ["PIDFILE"]).write_text(str(os.getpid()))  # the pytest process, when it imports this


def test_slow(benchmark):
    benchmark(time.sleep, 600)
"""

MIDDLE = """\
import subprocess, sys, time
from perfgate.runner import die_with_parent

with die_with_parent(use_prctl=sys.argv[1] == "prctl") as preexec:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"], preexec_fn=preexec)
    print(child.pid, flush=True)
    time.sleep(600)
"""


@pytest.mark.measuring
def test_kill_9_of_perfgate_run_kills_the_pytest_child(tmp_path: Path) -> None:
    project = GitProject(tmp_path / "proj", testbed="kill")
    project.init()
    project.write("pyproject.toml", '[project]\nname = "kill"\n\n[tool.perfgate]\nbenchmarks = ["bench"]\n')
    project.write("bench/test_slow.py", SLOW_SUITE)
    project.commit("slow")
    pidfile = tmp_path / "pytest.pid"
    perfgate = subprocess.Popen(
        [sys.executable, "-m", "perfgate", "run"],
        cwd=project.root,
        env={**project.env, "PIDFILE": str(pidfile)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    child = 0
    try:
        child = int(wait_for(pidfile, 120))
        assert alive(child)
        perfgate.send_signal(signal.SIGKILL)
        perfgate.wait()
        assert gone_within([child], 30), f"pytest (pid {child}) outlived perfgate run"
    finally:
        perfgate.kill()
        perfgate.wait()
        if child and alive(child):
            os.kill(child, signal.SIGKILL)


@pytest.mark.parametrize("how", ["prctl", "watchdog"])
def test_a_child_dies_with_its_killed_parent(how: str) -> None:
    middle = subprocess.Popen([sys.executable, "-c", MIDDLE, how], stdout=subprocess.PIPE, text=True)
    child = 0
    try:
        assert middle.stdout is not None
        child = int(middle.stdout.readline())
        assert alive(child)
        middle.send_signal(signal.SIGKILL)
        middle.wait()
        assert gone_within([child], 30), f"the child (pid {child}) outlived its parent ({how})"
    finally:
        middle.kill()
        middle.communicate()
        if child and alive(child):
            os.kill(child, signal.SIGKILL)


@pytest.mark.parametrize("use_prctl", [True, False])
def test_a_child_that_finishes_is_left_alone(use_prctl: bool) -> None:
    with die_with_parent(use_prctl=use_prctl) as preexec:
        done = subprocess.run(
            [sys.executable, "-c", "print('ok')"], preexec_fn=preexec, capture_output=True, text=True
        )
    assert (done.returncode, done.stdout) == (0, "ok\n")
