import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import strategies
from perfgate.errors import InputError, SchemaError
from perfgate.model import (
    SCHEMA_VERSION,
    BenchmarkId,
    CIInfo,
    Direction,
    Environment,
    GitInfo,
    NegativeValueError,
    Result,
    Run,
    RunStatus,
    Status,
    Summary,
    Verdict,
    dumps_run,
    format_value,
    loads_run,
    new_run_id,
    normalize,
    results_from_dict,
    results_to_dict,
    run_from_dict,
    run_to_dict,
)
from perfgate.stats import summarize

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def make_run(**kw):
    res = (
        Result(
            BenchmarkId("bench/test_a.py::test_x[10]", "g", (("n", "10"),)),
            "time",
            "s",
            Direction.LOWER,
            summarize([1e-6, 1.1e-6, 0.9e-6, 1.05e-6, 1e-6, 1.2e-6]),
            samples=(1e-6, 1.1e-6, 0.9e-6, 1.05e-6, 1e-6, 1.2e-6),
            rounds=6,
            iterations=1000,
            warmup=2,
            extra={"extra_info": {"k": [1, 2, {"x": None}]}},
        ),
        Result(
            BenchmarkId("bench/test_a.py::test_fail"), "time", "s", Direction.LOWER, error="ValueError: boom"
        ),
    )
    base = dict(
        id=new_run_id(T0),
        project="proj",
        started=T0,
        finished=T0 + timedelta(seconds=3.5),
        source="perfgate",
        environment=Environment(
            "ci-large", "abc", os="Linux", cores=2, load_avg=(0.5, 0.25, 0.1), extra={"x": 1}
        ),
        results=res,
        status=RunStatus.PARTIAL,
        tier="fast",
        tags=("nightly",),
        git=GitInfo("a" * 40, "main", True, ("b" * 40,), T0 - timedelta(hours=1), "subject", True),
        ci=CIInfo("github", "123", "bench", "pull_request", 7, "main", "feature", "https://x/y"),
    )
    base.update(kw)
    return Run(**base)


def test_json_round_trip_is_exact():
    run = make_run()
    assert run_from_dict(run_to_dict(run)) == run
    assert loads_run(dumps_run(run)) == run
    bare = make_run(git=None, ci=None, finished=None, tier=None)
    assert loads_run(dumps_run(bare)) == bare


def test_results_document_round_trip():
    run = make_run()
    doc = results_from_dict(results_to_dict(run.results, started=T0, finished=None, status=RunStatus.PARTIAL))
    assert doc.results == run.results and doc.status is RunStatus.PARTIAL and doc.started == T0


def test_newer_schema_is_refused_with_upgrade_message():
    doc = run_to_dict(make_run())
    doc["perfgate_schema"] = SCHEMA_VERSION + 1
    with pytest.raises(SchemaError, match="upgrade perfgate"):
        run_from_dict(doc, "x.json")


def test_malformed_document_names_the_key():
    doc = run_to_dict(make_run())
    doc["run"]["results"][0]["summary"]["median"] = "fast"
    with pytest.raises(InputError, match=r"x.json: key run.results\[0\].summary.median: expected float"):
        run_from_dict(doc, "x.json")
    doc = run_to_dict(make_run())
    doc["run"]["bogus"] = 1
    with pytest.raises(InputError, match=r"key run\.bogus: unknown key"):
        run_from_dict(doc, "x.json")
    with pytest.raises(InputError, match=r"y.json:1: invalid JSON"):
        loads_run("{", "y.json")


def test_validation():
    with pytest.raises(ValueError, match="summary or an error"):
        Result(BenchmarkId("a"), "time", "s", Direction.LOWER)
    with pytest.raises(ValueError, match="not finite"):
        Result(BenchmarkId("a"), "time", "s", Direction.LOWER, summarize([1.0]), samples=(float("nan"),))
    with pytest.raises(ValueError, match="timezone-aware"):
        make_run(started=datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="duplicate result"):
        r = make_run().results[0]
        make_run(results=(r, r))
    with pytest.raises(ValueError, match="min"):
        Summary(n=1, mean=1, median=1, min=2, max=1)
    with pytest.raises(ValueError):
        BenchmarkId(" padded ")


def test_run_ids_sort_by_time_and_are_unique():
    a = new_run_id(T0)
    b = new_run_id(T0 + timedelta(milliseconds=1))
    assert len(a) == 26 and a < b
    assert len({new_run_id(T0) for _ in range(100)}) == 100


def test_clock_run_ids_made_together_differ_in_their_time_part():
    # the first 10 characters are the millisecond: the short form reports print
    made = [new_run_id() for _ in range(200)]
    assert len({i[:10] for i in made}) == 200
    assert made == sorted(made)


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (1500.0, "ns", (1.5e-6, "s")),
        (2.0, "ms", (2e-3, "s")),
        (3.0, "µs", (3e-6, "s")),
        (2.0, "ops/ms", (2000.0, "ops/s")),
        (10.0, "MB/s", (1e7, "B/s")),
        (5.0, "allocs/op", (5.0, "count")),
        (64.0, "B/op", (64.0, "B")),
        (12.5, "ns/op", (12.5e-9, "s")),
        (1.0, "KiB", (1024.0, "B")),
        (50.0, "%", (0.5, "ratio")),
        (7.0, "widgets", (7.0, "widgets")),
    ],
)
def test_normalize(value, unit, expected):
    got = normalize(value, unit)
    assert got[1] == expected[1] and got[0] == pytest.approx(expected[0])


def test_format_value():
    assert format_value(1.234e-6, "s") == "1.234 µs"
    assert format_value(0.5, "s") == "500.0 ms"
    assert format_value(3 * 1024**2, "B") == "3.000 MiB"
    assert format_value(12345.0, "req/s") == "12.35k req/s"
    assert format_value(None, "s") == "-"


def test_format_value_of_a_growth_per_hour_and_a_delta():
    assert format_value(5 * 1024**2, "B/h") == "5.000 MiB/h"
    assert format_value(-3 * 1024**2, "B delta") == "-3.000 MiB"
    assert format_value(1500.0, "count delta") == "1.500k"


finite = st.floats(min_value=1e-12, max_value=1e6, allow_nan=False, allow_infinity=False)


@given(
    st.lists(finite, min_size=1, max_size=40), st.text(min_size=1, max_size=20).map(str.strip).filter(bool)
)
def test_any_run_round_trips(samples, name):
    r = Result(BenchmarkId(name), "time", "s", Direction.LOWER, summarize(samples), samples=tuple(samples))
    run = make_run(results=(r,))
    assert loads_run(json.dumps(run_to_dict(run))) == run


def test_format_value_of_zero():
    assert format_value(0.0, "s") == "0 s"
    assert format_value(0.0, "B") == "0 B"
    assert format_value(0.0, "count") == "0"


def _one(value: float, unit: str, metric: str = "time") -> Result:
    return Result(
        BenchmarkId("b"), metric, unit, Direction.LOWER, Summary(1, value, value, value, value), (value,)
    )


@pytest.mark.parametrize(
    ("unit", "kind"),
    [("s", "time"), ("B", "size"), ("count", "count"), ("ratio", "ratio"), ("req/s", "rate")],
)
def test_negative_times_sizes_counts_and_rates_are_refused(unit: str, kind: str) -> None:
    with pytest.raises(
        ValueError, match=rf"^b \[time\]: samples\[0\] is negative \(-5.0 {unit}\); a {kind} cannot be"
    ):
        _one(-5.0, unit)
    with pytest.raises(ValueError, match=r"summary\.min is negative"):
        Result(BenchmarkId("b"), "time", unit, Direction.LOWER, Summary(1, 1.0, 1.0, -1.0, 1.0))
    assert _one(0.0, unit).summary is not None  # zero is a value (a no-op, no allocations)


def test_a_custom_unit_may_be_negative() -> None:
    assert _one(-5.0, "degC", metric="temperature").summary is not None


def test_negative_value_in_a_document_names_the_key() -> None:
    doc = run_to_dict(make_run())
    doc["run"]["results"][0]["samples"][2] = -1e-6
    with pytest.raises(InputError, match=r"^r.json: run.results\[0\]: .*samples\[2\] is negative"):
        run_from_dict(doc, "r.json")


@given(st.datetimes(max_value=datetime(1969, 12, 31, 23, 59), timezones=st.just(UTC)))
def test_a_time_before_1970_cannot_make_a_run_id(when: datetime) -> None:
    with pytest.raises(ValueError, match="cannot date a run"):
        new_run_id(when)
    with pytest.raises(ValueError, match="cannot date a run"):
        make_run(id="r", started=when, finished=None)


def test_a_run_document_from_year_1_is_refused_naming_the_key() -> None:
    doc = run_to_dict(make_run())
    doc["run"]["started"] = "0001-01-01T00:00:00+00:00"
    doc["run"]["finished"] = None
    with pytest.raises(
        InputError, match=r"^r.json: run: run .*: started 0001-01-01T00:00:00\+00:00 cannot date a run"
    ):
        run_from_dict(doc, "r.json")


_canonical = st.sampled_from(["s", "B", "count", "ratio", "B/s", "ops/s", "items/s", "req/s"])


@given(st.lists(st.floats(min_value=0, max_value=1e300), min_size=1, max_size=30), _canonical)
def test_any_non_negative_samples_are_accepted(samples: list[float], unit: str) -> None:
    r = Result(BenchmarkId("b"), "m", unit, Direction.LOWER, summarize(samples), samples=tuple(samples))
    assert r.samples == tuple(samples)


@given(
    st.lists(st.floats(min_value=0, max_value=1e300), max_size=30),
    st.floats(max_value=-1e-300, allow_infinity=False),
    st.integers(0, 30),
    _canonical,
)
def test_one_negative_sample_anywhere_is_refused_by_index(
    samples: list[float], negative: float, at: int, unit: str
) -> None:
    at = min(at, len(samples))
    samples.insert(at, negative)
    with pytest.raises(NegativeValueError, match=rf"samples\[{at}\] is negative") as info:
        Result(BenchmarkId("b"), "m", unit, Direction.LOWER, error="x", samples=tuple(samples))
    assert info.value.key == f"samples[{at}]" and info.value.benchmark == BenchmarkId("b")


def test_a_sample_that_is_not_finite_is_named_even_among_huge_ones() -> None:
    with pytest.raises(ValueError, match=r"sample inf is not finite"):
        Result(BenchmarkId("b"), "m", "s", Direction.LOWER, error="x", samples=(1e308, float("inf")))
    # two huge finite samples overflow their sum, and are still valid
    huge = (1e308, 1e308)
    assert Result(BenchmarkId("b"), "m", "s", Direction.LOWER, error="x", samples=huge).samples == huge


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(strategies.runs())
def test_any_valid_run_round_trips_through_json(run):
    assert loads_run(dumps_run(run)) == run


def test_a_verdict_checks_every_number_with_one_sum_and_names_the_one_that_is_not_finite():
    def verdict(**numbers):
        return Verdict(BenchmarkId("a"), "time", "s", Direction.LOWER, Status.UNCHANGED, **numbers)

    big = 1.7e308  # two of them sum to infinity, yet each is a finite number
    assert verdict(change=big, change_high=big, threshold=0.05).change_high == big
    for name, value in [
        ("change_low", float("-inf")),
        ("p_value", float("nan")),
        ("threshold", float("inf")),
    ]:
        with pytest.raises(ValueError, match=f"^{name} must be finite"):
            verdict(change=0.1, **{name: value})
    with pytest.raises(ValueError, match="p_value must be in"):
        verdict(p_value=1.5)


def test_a_run_names_its_first_duplicate_result():
    a, b = make_run().results[:2]
    with pytest.raises(ValueError, match=f"duplicate result {b.benchmark.name} \\[time\\]$"):
        make_run(results=(a, b, b, a))
