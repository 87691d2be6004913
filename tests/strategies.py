"""Hypothesis strategies shared by the tests: any valid Run, any valid set of Results.

Imported as ``from strategies import runs`` (``tests/`` is on ``sys.path`` for the test packages).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import strategies as st

from perfgate.model import (
    BenchmarkId,
    CIInfo,
    Direction,
    Environment,
    GitInfo,
    Result,
    Run,
    RunStatus,
    new_run_id,
)
from perfgate.stats import summarize

_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
_name = _text.map(str.strip).filter(bool)
_finite = st.floats(allow_nan=False, allow_infinity=False, width=64)
_json_scalar = st.none() | st.booleans() | st.integers(-(2**63), 2**63) | _finite | _text
_json = st.recursive(
    _json_scalar,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
    max_leaves=8,
)
_tz = st.sampled_from([UTC, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-8))])
_time = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2090, 1, 1), timezones=_tz)


@st.composite
def results(draw: st.DrawFn) -> tuple[Result, ...]:
    out: dict[tuple[str, str], Result] = {}
    for _ in range(draw(st.integers(0, 4))):
        name = draw(_name)
        metric = draw(st.sampled_from(["time", "peak_memory", "custom"]))
        unit = draw(st.sampled_from(["s", "B", "count", "weird unit"]))
        # times, sizes and counts are never negative; a custom unit may be
        values = _finite.filter(lambda x: abs(x) < 1e100)
        samples = draw(st.lists(values if unit == "weird unit" else values.map(abs), max_size=6))
        error = None if samples else draw(_text.filter(bool))
        out[(name, metric)] = Result(
            benchmark=BenchmarkId(
                name, draw(st.none() | _text), tuple(draw(st.lists(st.tuples(_text, _text), max_size=2)))
            ),
            metric=metric,
            unit=unit,
            direction=draw(st.sampled_from(list(Direction))),
            summary=summarize(samples) if samples else None,
            samples=tuple(samples),
            rounds=draw(st.none() | st.integers(0, 10**6)),
            error=error,
            extra=draw(st.dictionaries(_text, _json, max_size=3)),
        )
    return tuple(out.values())


@st.composite
def runs(draw: st.DrawFn) -> Run:
    started = draw(_time)
    finished = draw(st.none() | st.just(started + timedelta(seconds=draw(st.integers(0, 10**6)))))
    git = draw(
        st.none()
        | st.builds(
            GitInfo,
            commit=st.text("0123456789abcdef", min_size=7, max_size=40),
            branch=st.none() | _name,
            dirty=st.booleans(),
            parents=st.lists(st.text("0123456789abcdef", min_size=40, max_size=40), max_size=2).map(tuple),
            commit_time=st.none() | _time,
            subject=st.none() | _text,
        )
    )
    ci = draw(st.none() | st.builds(CIInfo, provider=_name, pr_number=st.none() | st.integers(1, 10**6)))
    return Run(
        id=new_run_id(now=started, rand=draw(st.binary(min_size=10, max_size=10))),
        project=draw(_name),
        started=started,
        finished=finished,
        source=draw(_name),
        environment=Environment(
            testbed=draw(_name),
            cores=draw(st.none() | st.integers(1, 512)),
            load_avg=draw(st.none() | st.tuples(_finite, _finite, _finite)),
            extra=draw(st.dictionaries(_text, _json, max_size=3)),
        ),
        results=draw(results()),
        status=draw(st.sampled_from(list(RunStatus))),
        tier=draw(st.none() | _name),
        tags=tuple(draw(st.lists(_text, max_size=3))),
        git=git,
        ci=ci,
    )
