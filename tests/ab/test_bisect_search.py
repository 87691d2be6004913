"""The search of `perfgate bisect` on canned verdicts: no measuring, no git."""

from __future__ import annotations

import math
from collections.abc import Callable

from hypothesis import given
from hypothesis import strategies as st

from perfgate.ab.bisect import Mark, bisect_commits


def _judge(first_bad: int, skip: frozenset[int] = frozenset()) -> tuple[list[int], Callable[[int], Mark]]:
    asked: list[int] = []

    def judge(c: int) -> Mark:
        asked.append(c)
        if c in skip:
            return Mark.SKIP
        return Mark.BAD if c >= first_bad else Mark.GOOD

    return asked, judge


def test_the_culprit_in_the_middle_of_fifteen_commits_in_five_steps() -> None:
    commits = list(range(15))  # good is before 0; 14 is bad
    asked, judge = _judge(7)
    found = bisect_commits(commits, judge)
    assert found.culprit == 7
    assert found.suspects == (7,)
    assert asked[0] == 14  # bad is judged first
    assert len(asked) == 1 + math.ceil(math.log2(15))
    assert [c for c, _ in found.judged] == asked


def test_bad_not_bad_stops_after_one_step() -> None:
    asked, judge = _judge(99)
    found = bisect_commits(list(range(15)), judge)
    assert found.culprit is None and found.suspects == ()
    assert asked == [14]
    assert found.judged == ((14, Mark.GOOD),)


def test_an_inconclusive_bad_is_no_regression() -> None:
    asked, judge = _judge(0, frozenset({14}))
    found = bisect_commits(list(range(15)), judge)
    assert found.suspects == () and asked == [14]


def test_the_first_and_the_last_commit_can_be_the_culprit() -> None:
    for first_bad in (0, 14):
        _, judge = _judge(first_bad)
        assert bisect_commits(list(range(15)), judge).culprit == first_bad
    _, judge = _judge(0)
    assert bisect_commits([0], judge).culprit == 0
    assert bisect_commits([], judge).suspects == ()


def test_a_skipped_middle_is_stepped_around() -> None:
    _, judge = _judge(7, frozenset({7}))  # the culprit itself cannot be judged
    found = bisect_commits(list(range(15)), judge)
    assert found.culprit is None
    assert found.suspects == (7, 8)  # 6 good, 8 bad, 7 skipped: it is 7 or 8
    assert (7, Mark.SKIP) in found.judged
    _, judge = _judge(9, frozenset({7}))
    found = bisect_commits(list(range(15)), judge)
    assert found.culprit == 9  # a skip away from the culprit costs one step, not the answer


@given(
    n=st.integers(min_value=1, max_value=200),
    data=st.data(),
)
def test_without_skips_the_culprit_is_found_in_about_log2_steps(n: int, data: st.DataObject) -> None:
    first_bad = data.draw(st.integers(min_value=0, max_value=n - 1))
    asked, judge = _judge(first_bad)
    found = bisect_commits(list(range(n)), judge)
    assert found.culprit == first_bad
    assert len(asked) <= 1 + math.ceil(math.log2(n)) if n > 1 else len(asked) == 1
    assert len(set(asked)) == len(asked)  # no commit is judged twice


@given(n=st.integers(min_value=2, max_value=60), data=st.data())
def test_with_skips_the_culprit_is_always_among_the_suspects(n: int, data: st.DataObject) -> None:
    first_bad = data.draw(st.integers(min_value=0, max_value=n - 1))
    skip = data.draw(st.frozensets(st.integers(min_value=0, max_value=n - 2)))
    asked, judge = _judge(first_bad, skip)
    found = bisect_commits(list(range(n)), judge)
    assert first_bad in found.suspects
    assert set(found.suspects[:-1]) <= skip  # all but the last suspect were skipped
    assert found.suspects[-1] not in skip
    assert len(set(asked)) == len(asked)
