"""Load scenarios during a soak: each one held for the rest of the soak, all of them at once.

A soak (``perfgate run --soak 10m``) keeps a tier's services running and sampled so that a leak shows;
a leak under load needs the load for as long. :func:`held_for` stretches a scenario's model to a
measured length (pure); :func:`run_together` runs several scenarios at the same time, each on its own
worker processes, and stops them all when one fails or the caller is interrupted.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import replace

from perfgate.load.runner import LoadReport, Window, run_load
from perfgate.load.scenario import ClosedModel, LoadSpec, OpenModel, Stage

__all__ = ["held_for", "run_together"]

#: a soak's time left shorter than this (s) does not stretch a scenario: it runs as configured
MIN_HOLD = 1.0


def held_for(model: OpenModel | ClosedModel, seconds: float) -> OpenModel | ClosedModel:
    """``model`` measuring ``seconds`` at least (its warm-up first, as configured).

    Open model: the configured schedule (rate, then stages), then the last rate held to the end.
    Closed model: the users keep sending their requests (with their think time) until the end, instead
    of ``requests`` each. A model already that long, or ``seconds`` under :data:`MIN_HOLD`, is
    returned as it is: a soak never shortens a scenario.
    """
    if seconds < MIN_HOLD:
        return model
    if isinstance(model, OpenModel):
        extra = seconds - (model.total - model.warmup)
        if extra <= 0:
            return model
        if not model.stages:
            return replace(model, duration=model.duration + extra)
        return replace(model, stages=(*model.stages, Stage(extra, model.stages[-1].rate)))
    if model.duration is not None and model.duration >= seconds:
        return model
    return replace(model, requests=None, duration=seconds)


class _Stopped(Exception):
    """Raised in a scenario's progress callback to end its run: another scenario failed, or the
    caller was interrupted."""


def run_together(specs: Sequence[LoadSpec]) -> list[LoadReport]:
    """Run ``specs`` at the same time (one thread each, driving its own worker processes); their
    reports in the order given. The first error (nothing listening, a worker that died) is raised
    once every scenario has stopped; so is Ctrl-C or SIGTERM in the calling thread, after the other
    runs have ended their workers (within about a second: they stop at their next window)."""
    if len(specs) == 1:
        [spec] = specs
        return [run_load(spec.scenario, spec.model, workers=spec.workers)]
    stop = threading.Event()
    reports: list[LoadReport | None] = [None] * len(specs)
    errors: list[BaseException] = []

    def check(i: int, w: Window) -> None:
        if stop.is_set():
            raise _Stopped

    def one(k: int, spec: LoadSpec) -> None:
        try:
            reports[k] = run_load(spec.scenario, spec.model, workers=spec.workers, on_window=check)
        except _Stopped:
            pass
        except BaseException as exc:  # handed to the calling thread
            errors.append(exc)
            stop.set()

    threads = [threading.Thread(target=one, args=(k, s), name=f"load-{k}") for k, s in enumerate(specs)]
    for t in threads:
        t.start()
    try:
        for t in threads:
            while t.is_alive():
                t.join(0.5)  # a timed join: Ctrl-C and SIGTERM reach this thread meanwhile
    finally:
        stop.set()
        for t in threads:
            t.join()
    if errors:
        raise errors[0]
    assert all(r is not None for r in reports)
    return [r for r in reports if r is not None]
