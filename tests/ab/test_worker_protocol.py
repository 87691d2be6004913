"""The worker side of the perfgate ab protocol, driven over real pipes from this process (no pytest child)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any, BinaryIO

import pytest

from perfgate.measure import TimerSettings
from perfgate.pytest_plugin.worker import Worker, WorkerProtocolError, parse_fds


class Controller:
    """The controller's end of two pipes; commands are queued up front (the worker reads them in order)."""

    def __init__(self) -> None:
        c2w_r, c2w_w = os.pipe()
        w2c_r, w2c_w = os.pipe()
        self.to_worker: BinaryIO = os.fdopen(c2w_w, "wb", buffering=0)
        self.from_worker: BinaryIO = os.fdopen(w2c_r, "rb")
        self.worker = Worker(os.fdopen(c2w_r, "rb", buffering=0), os.fdopen(w2c_w, "wb", buffering=0))

    def send(self, **message: Any) -> None:
        self.to_worker.write(json.dumps(message).encode() + b"\n")

    def messages(self) -> list[dict[str, Any]]:
        self.worker._w.close()  # everything the worker said is in the pipe now
        return [json.loads(line) for line in self.from_worker.read().splitlines()]


@pytest.fixture
def ctl() -> Iterator[Controller]:
    c = Controller()
    yield c
    for f in (c.to_worker, c.from_worker, c.worker._r, c.worker._w):
        f.close()


FAST = TimerSettings(min_time=0.0, max_time=0.01, resolution_factor=1)


def test_serve_answers_each_run_with_that_many_samples(ctl: Controller) -> None:
    calls = []
    ctl.send(cmd="run", rounds=3, iterations=4)
    ctl.send(cmd="run", rounds=2, iterations=4)
    ctl.send(cmd="done")
    m = ctl.worker.serve("b::t", lambda: calls.append(1) or 42, FAST)
    assert m.value == 42
    assert m.iterations == 4 and m.rounds == 5
    assert all(s > 0 for s in m.samples)
    msgs = ctl.messages()
    assert msgs[0]["type"] == "ready" and msgs[0]["id"] == "b::t" and msgs[0]["iterations"] >= 1
    assert [len(m["values"]) for m in msgs[1:]] == [3, 2]
    assert [m["type"] for m in msgs[1:]] == ["samples", "samples"]
    # calibration calls, then exactly rounds x iterations measured calls
    assert len(calls) >= 5 * 4


def test_an_exception_is_reported_then_raised(ctl: Controller) -> None:
    state = {"n": 0}

    def flaky() -> None:
        state["n"] += 1
        if state["n"] > 50:
            raise ValueError("broken\nsecond line")

    ctl.send(cmd="run", rounds=1000, iterations=1)
    with pytest.raises(ValueError, match="broken"):
        ctl.worker.serve("b::flaky", flaky, TimerSettings(min_time=0.0, max_time=0.0, resolution_factor=1))
    msgs = ctl.messages()
    assert msgs[-1] == {"type": "error", "id": "b::flaky", "error": "ValueError: broken"}


def test_an_error_in_calibration_is_reported(ctl: Controller) -> None:
    def boom() -> None:
        raise KeyError("k")

    with pytest.raises(KeyError):
        ctl.worker.serve("b::boom", boom, FAST)
    assert ctl.messages() == [{"type": "error", "id": "b::boom", "error": "KeyError: 'k'"}]


def test_unknown_commands_and_a_closed_pipe_are_protocol_errors(ctl: Controller) -> None:
    ctl.send(cmd="dance")
    with pytest.raises(WorkerProtocolError, match="dance"):
        ctl.worker.serve("b::t", lambda: None, FAST)
    ctl.to_worker.close()
    with pytest.raises(WorkerProtocolError, match="closed"):
        ctl.worker.receive()


def test_parse_fds() -> None:
    assert parse_fds("5:6") == (5, 6)
    for bad in ("5", "a:b", "-1:3", "1:2:3"):
        with pytest.raises(pytest.UsageError):
            parse_fds(bad)


def test_again_starts_a_new_episode_with_a_fresh_calibration(ctl: Controller) -> None:
    calls = []
    ctl.send(cmd="run", rounds=2, iterations=3)
    ctl.send(cmd="again", shift=100)
    ctl.send(cmd="run", rounds=1, iterations=5)
    ctl.send(cmd="again", shift=0)
    ctl.send(cmd="done")
    m = ctl.worker.serve("b::t", lambda: calls.append(1), FAST)
    msgs = ctl.messages()
    assert [x["type"] for x in msgs] == ["ready", "samples", "ready", "samples", "ready"]
    assert all(x["id"] == "b::t" for x in msgs if x["type"] == "ready")
    assert [len(x["values"]) for x in msgs if x["type"] == "samples"] == [2, 1]
    assert m.rounds == 3 and m.iterations == 5
    assert m.calibration_rounds >= 3  # one calibration per episode
    assert len(calls) >= 2 * 3 + 5 + 3  # measured calls plus at least one calibration call per episode


@pytest.mark.skipif(not hasattr(os, "fork"), reason="forked episodes need os.fork")
def test_forked_episodes_pass_their_samples_back_and_the_value_comes_from_the_parent(ctl: Controller) -> None:
    parent = os.getpid()
    seen: list[int] = []
    ctl.worker.fork_episodes = True
    ctl.send(cmd="run", rounds=2, iterations=3)
    ctl.send(cmd="again", shift=7)
    ctl.send(cmd="run", rounds=3, iterations=2)
    ctl.send(cmd="done")

    def fn() -> int:
        seen.append(os.getpid())
        return 42

    m = ctl.worker.serve("b::t", fn, FAST)
    msgs = ctl.messages()
    assert [x["type"] for x in msgs] == ["ready", "samples", "ready", "samples"]
    assert [len(x["values"]) for x in msgs if x["type"] == "samples"] == [2, 3]
    assert m.value == 42 and m.rounds == 5 and m.iterations == 2
    assert m.samples == tuple(msgs[1]["values"] + msgs[3]["values"])
    assert seen == [parent]  # the measured calls ran in the children; one untimed call here


@pytest.mark.skipif(not hasattr(os, "fork"), reason="forked episodes need os.fork")
def test_an_error_in_a_forked_episode_is_reported_and_fails_the_test(ctl: Controller) -> None:
    def boom() -> None:
        raise KeyError("k")

    ctl.worker.fork_episodes = True
    with pytest.raises(RuntimeError, match="forked episode"):
        ctl.worker.serve("b::boom", boom, FAST)
    assert ctl.messages() == [{"type": "error", "id": "b::boom", "error": "KeyError: 'k'"}]
