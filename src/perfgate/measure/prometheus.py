"""Chosen metrics a service exposes in the Prometheus text format, scraped before and after a run's
suites: ``metrics = { url = "http://127.0.0.1:9090/metrics", names = ["process_resident_memory_bytes"] }``
on a service.

The text is parsed with ``prometheus_client.parser`` (the ``load`` extra). A name is a sample name as
exposed (``process_cpu_seconds_total``, ``http_requests_total``); a name exposed with several label sets
is their sum. Each name gives two results of ``service:<name>``: ``<metric>`` (the value after the
suites) and ``<metric>_delta`` (after minus before), in ``B`` for ``*_bytes``, ``s`` for ``*_seconds``
(and ``*_seconds_total``), else ``count``; a delta may be negative, so its unit is the same followed by
`` delta`` (a custom unit, not a canonical one). Their direction is the spec's (``lower`` by default).
"""

from __future__ import annotations

import math
import re
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass

from perfgate.errors import MeasureError
from perfgate.escape import visible
from perfgate.measure.command import SpecError
from perfgate.model import BenchmarkId, Direction, Result, Summary

__all__ = ["PrometheusSpec", "prometheus_results", "scrape"]

_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_TIMEOUT = 5.0
_MAX_BYTES = 16 * 1024 * 1024
# the service itself is asked: an http_proxy in the environment must not stand in between
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass(frozen=True, slots=True)
class PrometheusSpec:
    """Where a service's metrics are (``url``), which to record (``names``), and which way is better."""

    url: str
    names: tuple[str, ...]
    direction: Direction = Direction.LOWER

    def __post_init__(self) -> None:
        if not re.match(r"^https?://[^/\s]+", self.url):
            raise SpecError("metrics.url", f"expected an http:// or https:// URL, got {self.url!r}")
        if not self.names:
            raise SpecError("metrics.names", "is empty: name the metrics to record")
        for n in self.names:
            if not _NAME.fullmatch(n):
                raise SpecError("metrics.names", f"not a Prometheus metric name: {n!r}")


def scrape(spec: PrometheusSpec, service: str) -> dict[str, float | None]:
    """The value of each of ``spec.names`` now (None: not exposed); a service that does not answer, or
    answers what is not the text format, is a :class:`MeasureError` naming the service and the URL."""
    where = f"service {service!r}: metrics {spec.url}"
    try:
        from prometheus_client.parser import text_string_to_metric_families
    except ImportError:  # pragma: no cover (the load extra brings it)
        raise MeasureError(f"{where}: needs the load extra: pip install 'perfgate[load]'") from None

    try:
        with _DIRECT.open(spec.url, timeout=_TIMEOUT) as resp:
            text = resp.read(_MAX_BYTES).decode("utf-8", "replace")
    except (OSError, ValueError) as exc:
        raise MeasureError(f"{where}: cannot scrape: {visible(str(exc))}") from None
    found: dict[str, float] = {}
    try:
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name in spec.names and math.isfinite(sample.value):
                    found[sample.name] = found.get(sample.name, 0.0) + float(sample.value)
    except (ValueError, IndexError, KeyError, TypeError) as exc:
        raise MeasureError(f"{where}: not the Prometheus text format: {visible(str(exc))}") from None
    return {n: found.get(n) for n in spec.names}


def _unit(name: str) -> str:
    if name.endswith("_bytes"):
        return "B"
    if name.endswith(("_seconds", "_seconds_total")):
        return "s"
    return "count"


def prometheus_results(
    service: str,
    spec: PrometheusSpec,
    before: Mapping[str, float | None],
    after: Mapping[str, float | None] | str,
) -> tuple[Result, ...]:
    """``<name>`` (after) and ``<name>_delta`` (after - before) per name. A name the service did not
    expose after the suites, or every name when ``after`` is the error of the scrape, is a failed
    result: the gate fails rather than lose a metric silently."""
    bid = BenchmarkId(f"service:{service}", group="service")
    out: list[Result] = []
    for name in spec.names:
        unit = _unit(name)
        extra = {"source": "prometheus", "url": spec.url}
        a = None if isinstance(after, str) else after.get(name)
        b = before.get(name)
        if a is None:
            error = (
                after if isinstance(after, str) else f"service {service!r}: {spec.url} does not expose {name}"
            )
            out.append(Result(bid, name, unit, spec.direction, error=error, extra=extra))
            continue
        # a negative gauge: no canonical unit holds it
        out.append(_value(bid, name, unit if a >= 0 else "value", spec.direction, a, extra))
        if b is not None:
            out.append(_value(bid, f"{name}_delta", f"{unit} delta", spec.direction, a - b, extra))
    return tuple(out)


def _value(
    bid: BenchmarkId, metric: str, unit: str, direction: Direction, v: float, extra: dict[str, str]
) -> Result:
    summary = Summary(n=1, mean=v, median=v, min=v, max=v)
    return Result(bid, metric, unit, direction, summary=summary, samples=(v,), extra=dict(extra))
