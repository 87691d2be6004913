"""Multiplicity control across a suite: with 200 benchmarks, 10 would cross p < 0.05 by chance alone."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["holm"]


def holm(p_values: Sequence[float]) -> tuple[float, ...]:
    """Holm's step-down adjusted p-values, in the input order.

    Rejecting every hypothesis whose adjusted p is below alpha controls the family-wise error rate at
    alpha under any dependence between the tests. Ties keep their input order (stable), so the result is
    deterministic.
    """
    m = len(p_values)
    if not all(0.0 <= p <= 1.0 for p in p_values):
        bad = next(p for p in p_values if not 0.0 <= p <= 1.0)
        raise ValueError(f"p-values must be in [0, 1], got {bad!r}")
    order = sorted(range(m), key=p_values.__getitem__)
    adjusted = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        # running = max(running, min(1.0, (m - rank) * p)), without two calls per p-value
        v = (m - rank) * p_values[i]
        if v > 1.0:
            v = 1.0
        if v > running:
            running = v
        adjusted[i] = running
    return tuple(adjusted)
