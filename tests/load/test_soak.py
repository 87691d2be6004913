"""Load scenarios during a soak: the models held for the soak (pure), and several scenarios run
together against a real server on 127.0.0.1."""

from __future__ import annotations

import gc
import tracemalloc

import pytest

from perfgate.errors import MeasureError
from perfgate.load import ClosedModel, LoadSpec, OpenModel, Scenario, Stage, Window, run_load
from perfgate.load.soak import held_for, run_together


def test_an_open_model_keeps_its_rate_to_the_end_of_the_soak() -> None:
    m = held_for(OpenModel(rate=50.0, duration=2.0, warmup=1.0), 10.0)
    assert m == OpenModel(rate=50.0, duration=10.0, warmup=1.0)
    assert m.count() == 550  # 50 warm-up + 500 measured


def test_an_open_model_with_stages_holds_its_last_rate_after_them() -> None:
    m = held_for(OpenModel(rate=10.0, duration=2.0, stages=(Stage(2.0, 30.0),)), 10.0)
    assert isinstance(m, OpenModel)
    assert m.stages == (Stage(2.0, 30.0), Stage(6.0, 30.0))
    assert m.total == 10.0
    assert m.count() == 20 + 40 + 180


def test_closed_users_keep_sending_until_the_soak_ends() -> None:
    assert held_for(ClosedModel(users=5, requests=10, think=0.1), 60.0) == ClosedModel(
        users=5, duration=60.0, think=0.1
    )
    assert held_for(ClosedModel(users=5, duration=30.0), 60.0) == ClosedModel(users=5, duration=60.0)


@pytest.mark.parametrize(
    "model",
    [
        OpenModel(rate=50.0, duration=20.0),
        OpenModel(rate=50.0, duration=5.0, stages=(Stage(15.0, 10.0),)),
        ClosedModel(users=2, duration=20.0),
    ],
)
def test_a_soak_never_shortens_a_scenario(model: OpenModel | ClosedModel) -> None:
    assert held_for(model, 10.0) is model


@pytest.mark.parametrize("model", [OpenModel(rate=50.0, duration=0.1), ClosedModel(users=2, requests=3)])
def test_a_soak_with_under_a_second_left_runs_the_scenario_as_configured(
    model: OpenModel | ClosedModel,
) -> None:
    assert held_for(model, 0.5) is model


def test_scenarios_run_together_each_with_its_report(http_server) -> None:  # type: ignore[no-untyped-def]
    url = http_server()
    specs = [
        LoadSpec(Scenario(url + "/a", name="a"), OpenModel(rate=30.0, duration=1.0), workers=1),
        LoadSpec(Scenario(url + "/b", name="b"), ClosedModel(users=2, requests=5), workers=1),
    ]
    a, b = run_together(specs)
    assert (a.scenario.title, a.sent, a.responses) == ("a", 30, 30)
    assert (b.scenario.title, b.sent, b.responses) == ("b", 10, 10)


def test_one_scenario_that_cannot_run_stops_the_others_and_is_the_error(http_server) -> None:  # type: ignore[no-untyped-def]
    url = http_server()
    specs = [
        # would run a minute; stopped at its next window once the other has failed
        LoadSpec(Scenario(url + "/", name="long"), OpenModel(rate=20.0, duration=60.0), workers=1),
        LoadSpec(Scenario("http://127.0.0.1:9/", name="nothing"), OpenModel(rate=20.0, duration=1.0)),
    ]
    with pytest.raises(MeasureError, match=r"nothing listening at 127\.0\.0\.1:9 "):
        run_together(specs)


def test_a_long_run_keeps_the_figures_of_its_past_seconds_not_their_histograms(http_server) -> None:  # type: ignore[no-untyped-def]
    # a soak may load a service for an hour: a histogram (~90 KiB) a second would be 300 MB
    url = http_server()
    live: list[int] = []

    def on_window(i: int, w: Window) -> None:
        gc.collect()
        live.append(tracemalloc.get_traced_memory()[0])

    tracemalloc.start()
    try:
        report = run_load(
            Scenario(url + "/"), OpenModel(rate=20.0, duration=8.0), workers=1, on_window=on_window
        )
    finally:
        tracemalloc.stop()
    assert len(report.windows) == 8
    assert sum(w.responses for w in report.windows) == report.responses == 160
    assert all("p99" in w.latency for w in report.windows)  # each second's figures are kept
    # memory still reachable after the 2nd second and after the 8th: not a histogram more per second
    assert live[-1] - live[1] < 200 * 1024, [m // 1024 for m in live]
