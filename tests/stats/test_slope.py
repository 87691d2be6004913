"""The least-squares slope and its interval (perfgate.stats.slope), on literal inputs."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from perfgate.stats import linear_fit


def test_points_on_a_line_give_its_slope_with_no_doubt() -> None:
    fit = linear_fit([0, 1, 2, 3, 4], [1, 3, 5, 7, 9])
    assert fit is not None
    assert fit.slope == pytest.approx(2.0)
    assert fit.stderr == pytest.approx(0.0, abs=1e-12)
    assert fit.low == pytest.approx(2.0) and fit.high == pytest.approx(2.0)
    assert fit.n == 5


def test_noise_around_a_line_widens_the_interval_by_students_t() -> None:
    # y = x + (+1, -1, +1, -1): Sxy 3, Sxx 5 -> slope 0.6; the line 0.6 + 0.6x leaves residuals
    # (.4, -1.2, 1.2, -.4), whose squares sum to 3.2 -> stderr sqrt(3.2 / (4 - 2) / 5)
    fit = linear_fit([0, 1, 2, 3], [1, 0, 3, 2])
    assert fit is not None
    assert fit.slope == pytest.approx(0.6)
    stderr = math.sqrt(3.2 / 2 / 5)
    assert fit.stderr == pytest.approx(stderr)
    # t(0.975, df=2) = 4.302652...
    assert fit.low == pytest.approx(0.6 - 4.302652729749464 * stderr)
    assert fit.high == pytest.approx(0.6 + 4.302652729749464 * stderr)
    assert fit.low < 0 < fit.high  # four noisy points do not show a rise


def test_too_few_points_or_one_x_is_no_fit() -> None:
    assert linear_fit([0, 1], [0, 1]) is None
    assert linear_fit([2, 2, 2], [0, 1, 2]) is None
    with pytest.raises(ValueError, match="3 x values but 2 y values"):
        linear_fit([0, 1, 2], [0, 1])


@given(
    st.floats(-1e6, 1e6),
    st.floats(-1e6, 1e6),
    st.lists(st.integers(0, 10_000), min_size=3, max_size=40, unique=True),
)
def test_the_slope_of_an_exact_line_is_found_and_inside_its_interval(
    a: float, b: float, xs: list[int]
) -> None:
    fit = linear_fit([float(x) for x in xs], [a * x + b for x in xs])
    assert fit is not None
    assert fit.slope == pytest.approx(a, rel=1e-6, abs=1e-6)
    assert fit.low <= fit.slope <= fit.high
