"""A load test as perfgate results, and as the few lines a person reads after it.

One benchmark per scenario (named ``"METHOD URL"`` or by ``--name``, group ``load``), with the metric
names the wrk and k6 adapters use: ``rps`` (req/s, higher is better), ``latency_p50``, ``latency_p90``,
``latency_p95``, ``latency_p99``, ``latency_p99.9``, ``latency_max`` (seconds, lower is better),
``error_rate`` (ratio, lower is better) and ``throughput`` (bytes received per second, higher is better).

Each second of the run is one sample of each metric (that second's rps, p99...), so two load runs are
compared like any two sets of samples; the summary describes those per-second values. The whole run's
figures (the p99 of every request, the rps over the whole run) are in ``extra["overall"]`` and in
:func:`describe`.
"""

from __future__ import annotations

from collections.abc import Sequence

from perfgate.escape import visible
from perfgate.load.runner import PERCENTILES, LoadReport
from perfgate.load.scenario import OpenModel
from perfgate.model import BenchmarkId, Direction, Result, Summary, format_value
from perfgate.model.values import JSONValue
from perfgate.stats import summarize

__all__ = ["CLOSED_LOOP_NOTE", "describe", "load_results"]

CLOSED_LOOP_NOTE = (
    "closed-loop: each user waits for its answer before the next request, so a stalled server is sent "
    "fewer requests and its stall hides from the percentiles; use --rate (open model) to see it"
)


def _model_info(report: LoadReport) -> dict[str, JSONValue]:
    m = report.model
    if isinstance(m, OpenModel):
        return {
            "model": "open",
            "rate": m.rate,
            "duration": m.duration,
            "stages": [[s.duration, s.rate] for s in m.stages],
            "connections": m.connections,
            "warmup": m.warmup,
        }
    return {
        "model": "closed",
        "closed_loop": True,
        "note": CLOSED_LOOP_NOTE,
        "users": m.users,
        "requests_per_user": m.requests,
        "duration": m.duration,
        "think": m.think,
        "warmup": m.warmup,
    }


def _result(
    bid: BenchmarkId,
    metric: str,
    unit: str,
    direction: Direction,
    overall: float | None,
    samples: Sequence[float],
    extra: dict[str, JSONValue],
    failed: str | None = None,
) -> Result:
    if failed is not None or overall is None:
        error = failed or "no response to time"
        return Result(bid, metric, unit, direction, error=error, extra=extra)
    values = tuple(samples) or (overall,)
    summary: Summary = summarize(values)
    return Result(
        bid, metric, unit, direction, summary=summary, samples=values, extra={**extra, "overall": overall}
    )


def _failure(report: LoadReport) -> str | None:
    """Why the scenario failed, when not one request got an expected answer: then its rate and latency
    are failed results (the gate fails), not figures of a server that only said no."""
    expected = sum(n for s, n in report.statuses.items() if s in report.scenario.expect)
    if expected or not (report.responses or report.error_kinds):
        return None
    parts = [f"{s}: {n}" for s, n in report.statuses.items()]
    parts += [f"{k}: {n}" for k, n in report.error_kinds.items()]
    return f"no expected answer ({', '.join(parts)})"


def load_results(report: LoadReport) -> tuple[Result, ...]:
    """The load test's metrics as results of one benchmark, each second a sample."""
    sc = report.scenario
    bid = BenchmarkId(sc.title, group="load")
    extra: dict[str, JSONValue] = {
        **_model_info(report),
        "method": sc.method,
        "url": sc.url,
        "workers": report.workers,
        "sent": report.sent,
        "responses": report.responses,
        "errors": report.errors,
        "statuses": {str(k): v for k, v in report.statuses.items()},
        "error_kinds": dict(report.error_kinds),
        "bytes": report.nbytes,
        "seconds": report.seconds,
        "expect": sorted(sc.expect),
    }
    wins = report.windows
    lat = report.latency
    failed = _failure(report)
    out = [
        _result(bid, "rps", "req/s", Direction.HIGHER, report.rps, [w.rps for w in wins], extra, failed),
    ]
    for name in [n for n, _ in PERCENTILES] + ["max"]:
        samples = [w.latency[name] for w in wins if name in w.latency]
        out.append(
            _result(bid, f"latency_{name}", "s", Direction.LOWER, lat.get(name), samples, extra, failed)
        )
    out.append(
        _result(
            bid,
            "error_rate",
            "ratio",
            Direction.LOWER,
            report.error_rate,
            [w.error_rate for w in wins],
            extra,
        )
    )
    rate = report.nbytes / report.seconds if report.seconds > 0 else 0.0
    out.append(
        _result(bid, "throughput", "B/s", Direction.HIGHER, rate, [w.nbytes / w.seconds for w in wins], extra)
    )
    return tuple(out)


def describe(report: LoadReport) -> str:
    """A few lines on the whole run: rate, latency percentiles, errors, statuses (and the closed-loop
    warning). The scenario's name is escaped: it comes from the command line or a configuration."""
    sc = report.scenario
    m = report.model
    if isinstance(m, OpenModel):
        how = f"open model, {m.rate:g} req/s asked" + (f" then {len(m.stages)} stage(s)" if m.stages else "")
    else:
        each = f"{m.requests} requests each" if m.requests is not None else f"{m.duration:g} s"
        how = f"closed model, {m.users} users, {each}" + (
            f", think {format_value(m.think, 's')}" if m.think else ""
        )
    lines = [
        f"{visible(sc.title)}: {how}, {report.workers} worker(s)",
        f"  {report.responses} responses in {report.seconds:.3f} s = {report.rps:,.1f} req/s"
        f" ({report.sent} sent, warm-up included)",
    ]
    if report.latency:
        parts = [f"{n} {format_value(report.latency[n], 's')}" for n, _ in PERCENTILES]
        parts.append(f"max {format_value(report.latency['max'], 's')}")
        lines.append("  latency " + ", ".join(parts))
    statuses = ", ".join(f"{s}: {n}" for s, n in report.statuses.items()) or "none"
    lines.append(f"  errors {report.errors} ({report.error_rate:.2%}); statuses {statuses}")
    if report.error_kinds:
        lines.append("  no answer: " + ", ".join(f"{k} {n}" for k, n in report.error_kinds.items()))
    lines.append(f"  received {report.nbytes:,} bytes")
    if report.closed_loop:
        lines.append(f"  note: {CLOSED_LOOP_NOTE}")
    return "\n".join(lines) + "\n"
