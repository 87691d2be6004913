"""The load scenario and models as values: literal inputs, known answers."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from perfgate.load import ClosedModel, OpenModel, Scenario, Stage, parse_rate


@pytest.mark.parametrize(
    ("text", "rate"), [("2000/s", 2000.0), ("120/min", 2.0), ("5/ms", 5000.0), ("50", 50.0), ("1.5/s", 1.5)]
)
def test_parse_rate(text, rate):
    assert parse_rate(text) == rate


@pytest.mark.parametrize("text", ["", "fast", "0/s", "-5/s", "10/day"])
def test_parse_rate_refuses(text):
    with pytest.raises(ValueError, match="rate"):
        parse_rate(text)


def test_a_constant_rate_schedule_is_exact():
    m = OpenModel(rate=500, duration=3)
    assert m.count() == 1500
    assert m.due(0) == 0.0
    assert m.due(500) == 1.0
    assert m.due(1499) == pytest.approx(2.998)


def test_warm_up_comes_first_at_the_rate():
    m = OpenModel(rate=100, duration=2, warmup=1)
    assert m.count() == 300
    assert m.warmup_count() == 100
    assert m.due(100) == 1.0


def test_a_ramp_stage_adds_its_average_rate():
    # 1 s at 100/s, then a ramp to 300/s over 2 s: 100 + (100 + 300) / 2 * 2 = 500 requests
    m = OpenModel(rate=100, duration=1, stages=(Stage(2, 300),))
    assert m.count() == 500
    assert m.due(100) == pytest.approx(1.0)
    # halfway through the ramp (t = 2 s) 100 + (100 + 200) / 2 = 250 requests were due
    assert m.due(250) == pytest.approx(2.0)


@given(st.floats(1, 5000), st.floats(0.1, 5), st.floats(0, 5000), st.floats(0.1, 5))
def test_due_times_never_go_backwards(rate, duration, to, length):
    m = OpenModel(rate=rate, duration=duration, stages=(Stage(length, to),))
    due = m.schedule()
    times = [due(k) for k in range(0, m.count(), max(1, m.count() // 200))]
    assert times == sorted(times)
    assert all(0 <= t <= m.total + 1e-9 for t in times)


def test_the_request_is_formatted_once():
    sc = Scenario("http://127.0.0.1:8080/webhook?x=1", method="POST", headers=(("X-Key", "v"),), body=b"{}")
    assert sc.request_bytes() == (
        b"POST /webhook?x=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: perfgate\r\nX-Key: v\r\n"
        b"Content-Length: 2\r\n\r\n{}"
    )
    assert sc.title == "POST http://127.0.0.1:8080/webhook?x=1"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"url": "http://example.org/"}, "--allow-remote"),
        ({"url": "https://127.0.0.1/"}, "only http://"),
        ({"url": "http://127.0.0.1/", "headers": (("X", "a\r\nInjected: 1"),)}, "line breaks"),
        ({"url": "http://127.0.0.1/", "headers": (("Content-Length", "5"),)}, "writes it itself"),
        ({"url": "http://127.0.0.1/", "method": "get"}, "method"),
        ({"url": "http://127.0.0.1/", "expect": frozenset({999})}, "expect"),
        ({"url": "http://127.0.0.1/", "timeout": 0.0}, "timeout"),
    ],
)
def test_a_bad_scenario_is_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Scenario(**kwargs)


def test_a_remote_target_with_allow_remote():
    assert Scenario("http://example.org/", allow_remote=True).port == 80


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"users": 0, "requests": 1}, "users"),
        ({"users": 1}, "either requests"),
        ({"users": 1, "requests": 1, "duration": 1.0}, "either requests"),
        ({"users": 1, "requests": 1, "think": -1.0}, "think"),
    ],
)
def test_a_bad_closed_model_is_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ClosedModel(**kwargs)


def test_an_open_model_needs_a_duration():
    with pytest.raises(ValueError, match="duration"):
        OpenModel(rate=10)
