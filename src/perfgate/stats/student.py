"""Student's t distribution: the three functions the statistics use, from ``scipy.special``.

``scipy.stats.t`` computes exactly these (its ``ppf``, ``cdf`` and ``sf`` call ``stdtrit`` and
``stdtr``), but importing ``scipy.stats`` took seconds, the larger part of a ``perfgate compare``;
``scipy.special`` is a third of that. Imported on first use.
"""

from __future__ import annotations

from typing import Any

__all__ = ["t_cdf", "t_ppf", "t_sf"]


def _special() -> Any:
    from scipy import special  # type: ignore[import-untyped]  # scipy ships no stubs

    return special


def t_ppf(q: float, df: float) -> float:
    """The ``q`` quantile of Student's t with ``df`` degrees of freedom."""
    return float(_special().stdtrit(df, q))


def t_cdf(x: float, df: float) -> float:
    """P(T <= x)."""
    return float(_special().stdtr(df, x))


def t_sf(x: float, df: float) -> float:
    """P(T > x)."""
    return float(_special().stdtr(df, -x))
