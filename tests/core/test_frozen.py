"""perfgate.frozen: the value classes every command builds as it starts behave as the frozen, slotted
dataclasses they replace (equality, hash, repr, no assignment, copies, pickles, checked replacement)."""

from __future__ import annotations

import copy
import pickle
from dataclasses import FrozenInstanceError, dataclass
from datetime import UTC, datetime

import pytest

from perfgate.bulk import build
from perfgate.config import BaselineUpdate
from perfgate.context import Redactor
from perfgate.frozen import Frozen
from perfgate.model import Direction, Series, SeriesPoint
from perfgate.report import Console


class Pair(Frozen):
    _fields = ("left", "right")
    __slots__ = _fields
    left: int
    right: str

    def __init__(self, left: int, right: str = "r") -> None:
        if left < 0:
            raise ValueError(f"left must be >= 0, got {left}")
        self._fill(left, right)


@dataclass(frozen=True, slots=True)
class PairDataclass:
    left: int
    right: str = "r"


def test_a_frozen_value_compares_hashes_and_shows_as_the_dataclass_would() -> None:
    a, b, c = Pair(1, "x"), Pair(1, "x"), Pair(2, "x")
    assert a == b and hash(a) == hash(b) and a != c
    assert {a, b, c} == {a, c}
    assert (
        repr(a) == "Pair(left=1, right='x')" == repr(PairDataclass(1, "x")).replace("PairDataclass", "Pair")
    )
    assert a != (1, "x") and a != PairDataclass(1, "x")  # (instances of one class only, as a dataclass's)


def test_a_frozen_value_refuses_assignment_and_deletion() -> None:
    a = Pair(1)
    with pytest.raises(AttributeError, match="cannot assign to field 'left'"):
        a.left = 2  # type: ignore[misc]
    with pytest.raises(AttributeError, match="cannot delete field 'left'"):
        del a.left
    with pytest.raises(AttributeError):  # (slotted: no other attribute either)
        a.other = 1  # type: ignore[attr-defined]
    with pytest.raises(FrozenInstanceError):  # (what the dataclass raised is an AttributeError too)
        PairDataclass(1).left = 2  # type: ignore[misc]


def test_replace_builds_through_init_and_so_checks_again() -> None:
    a = Pair(1)
    assert a._replace(right="y") == Pair(1, "y") and a == Pair(1, "r")
    with pytest.raises(ValueError, match="left must be >= 0, got -1"):
        a._replace(left=-1)
    with pytest.raises(TypeError, match="no field 'nope'"):
        a._replace(nope=1)


def test_fill_refuses_a_wrong_number_of_values() -> None:
    class Broken(Pair):
        __slots__ = ()

        def __init__(self) -> None:
            self._fill(1)

    with pytest.raises(TypeError, match="Broken has 2 fields, got 1 values"):
        Broken()


def test_a_frozen_value_copies_and_pickles() -> None:
    point = SeriesPoint(
        run_id="r1",
        commit="a" * 40,
        branch="main",
        commit_time=None,
        started=datetime(2026, 1, 1, tzinfo=UTC),
        testbed="bed",
        summary=None,
        unit="s",
        direction=Direction.LOWER,
        error="boom",
    )
    series = Series("b", "time", (point,), branch="main")
    for value in (point, series, Redactor((("secret-value", "TOKEN"),)), BaselineUpdate(stable_runs=3)):
        assert pickle.loads(pickle.dumps(value)) == value
        assert copy.copy(value) == value and copy.deepcopy(value) == value


def test_the_converted_classes_still_check_their_values() -> None:
    with pytest.raises(ValueError, match="console width must be >= 1, got 0"):
        Console(color=False, width=0, is_tty=False)
    with pytest.raises(ValueError, match="secret TOKEN: empty value"):
        Redactor((("", "TOKEN"),))
    with pytest.raises(ValueError, match="stable_runs must be at least 1, got 0"):
        BaselineUpdate(stable_runs=0)
    with pytest.raises(ValueError, match="series point r: started must be timezone-aware"):
        SeriesPoint("r", None, None, None, datetime(2026, 1, 1), "bed", None, "s", Direction.LOWER, None)
    with pytest.raises(ValueError, match="comes after"):
        late = SeriesPoint(
            "r2", None, None, None, datetime(2026, 1, 2, tzinfo=UTC), "b", None, "s", Direction.LOWER, None
        )
        early = late._replace(run_id="r1", started=datetime(2026, 1, 1, tzinfo=UTC))
        Series("b", "time", (late, early))


def test_bulk_builds_frozen_values_as_their_init_would() -> None:
    built = build(Pair, 3, [[1, 2, 3], ["a", "b", "c"]])
    assert built == [Pair(1, "a"), Pair(2, "b"), Pair(3, "c")]
