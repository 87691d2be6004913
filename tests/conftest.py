"""Settings for the whole suite.

A test session started in the background by a shell without job control (``cmd &`` in a script)
runs with SIGINT ignored, and an ignored signal stays ignored across ``exec``: pytest-xdist's workers,
and every ``perfgate`` a test starts from them, would ignore the Ctrl-C a test sends (as a program
should when its caller ignores it on purpose). The tests of Ctrl-C need a child that hears it, as in a
terminal, so the session gets Python's usual handler back (a handler, unlike "ignore", is reset to the
default in a child). Found when `.ci/run` was started with ``&``: the four Ctrl-C tests timed out.

Hypothesis' default deadline (200 ms per example) measures wall time, which on a shared CI machine
says more about the neighbours than about the code: a test fails with ``DeadlineExceeded`` or
``Flaky`` on an example that passes alone. The suite is about correctness, never timing, so no
deadline and no "too slow" health check. ``HYPOTHESIS_PROFILE=thorough`` runs every property with
many more examples (for hunting, not for CI).

The pytest a test starts through ``pytester`` leaves out the plugins its tiny projects never use
(``gitproject.CHILD_PYTEST_ADDOPTS``, as `GitProject` does for `perfgate run`'s pytest): pytester clears
``PYTEST_ADDOPTS`` when it is set up, so the suite's ``pytester`` sets it afterwards.
"""

from __future__ import annotations

import os
import signal

import pytest
from hypothesis import HealthCheck, settings

from gitproject import CHILD_PYTEST_ADDOPTS

settings.register_profile("perfgate", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", parent=settings.get_profile("perfgate"), max_examples=5000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "perfgate"))

if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture
def pytester(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    monkeypatch.setenv("PYTEST_ADDOPTS", CHILD_PYTEST_ADDOPTS)
    return pytester
