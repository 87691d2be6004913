"""The plugin's pure parts on literal inputs: marker settings, error lines, the summary table."""

from __future__ import annotations

import enum

import pytest

from perfgate.measure import BenchmarkTimeout, TimerSettings
from perfgate.model import BenchmarkId, Direction, Result, Summary
from perfgate.pytest_plugin.options import marker_settings
from perfgate.pytest_plugin.report import summary_lines
from perfgate.pytest_plugin.session import _param_value, error_line


def test_marker_settings_override_the_session_settings() -> None:
    base = TimerSettings(max_time=1.0, min_rounds=5, warmup_time=0.1)
    settings, group, unknown = marker_settings(
        base, {"group": "io", "max_time": 0.5, "min_rounds": 9, "disable_gc": False, "cprofile": True}, "t"
    )
    assert group == "io"
    assert unknown == ("cprofile",)
    assert (settings.max_time, settings.min_rounds, settings.disable_gc) == (0.5, 9, False)
    assert settings.warmup_time == pytest.approx(0.05)  # warm-up follows the benchmark's own max_time
    off, _, _ = marker_settings(base, {"warmup": False}, "t")
    assert off.warmup_time == 0.0
    same, none_group, nothing = marker_settings(base, {}, "t")
    assert same is base and none_group is None and nothing == ()


def test_bad_marker_arguments_are_usage_errors_naming_the_test() -> None:
    with pytest.raises(pytest.UsageError, match=r"t\.py::x: bad benchmark marker argument: min_rounds"):
        marker_settings(TimerSettings(), {"min_rounds": 0}, "t.py::x")
    with pytest.raises(pytest.UsageError, match="group must be a string"):
        marker_settings(TimerSettings(), {"group": 3}, "t.py::x")


def test_error_line_is_type_and_first_line() -> None:
    assert error_line(ValueError("bad\nworse")) == "ValueError: bad"
    assert error_line(RuntimeError()) == "RuntimeError"
    assert error_line(KeyError("k")) == "KeyError: 'k'"
    assert error_line(BenchmarkTimeout(1.5)) == "timed out after 1.5s"


class Colour(enum.Enum):
    RED = "red"


def test_param_values_with_a_stable_text_are_kept() -> None:
    assert _param_value(100) == "100"
    assert _param_value("x") == "x"
    assert _param_value(None) == "None"
    assert _param_value(1.5) == "1.5"
    assert _param_value(Colour.RED) == "red"
    assert _param_value(object()) == "<object>"  # kept, without the address that changes every run


def _ok(name: str, median: float) -> Result:
    s = Summary(n=5, mean=median, median=median, min=median, max=median, stddev=0.0, q1=median, q3=median)
    return Result(BenchmarkId(name), "time", "s", Direction.LOWER, summary=s, samples=(median,) * 5,
                  rounds=5, iterations=1000)  # fmt: skip


def test_summary_table_rows_and_failures() -> None:
    failed = Result(BenchmarkId("t.py::test_bad"), "time", "s", Direction.LOWER, error="ValueError: no")
    lines = summary_lines([_ok("t.py::test_fast", 1.234e-6), failed], width=80)
    assert lines == [
        "benchmark          median  IQR  stddev  rounds  iterations",
        "t.py::test_fast  1.234 µs  0 s     0 s       5        1000",
        "t.py::test_bad   FAILED: ValueError: no",
    ]
    assert summary_lines([]) == []


def test_summary_table_shortens_long_names_from_the_left() -> None:
    name = "a/" * 40 + "test_x.py::test_long"
    lines = summary_lines([_ok(name, 2.0)], width=70)
    assert all(len(line) <= 70 for line in lines)
    assert lines[1].startswith("…") and "test_long" in lines[1]
