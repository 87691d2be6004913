"""compare_specs pauses Python's cyclic garbage collector while it builds its values, and only then."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from perfgate import app
from perfgate.errors import UsageError

from .conftest import Repo


@pytest.fixture
def gc_on() -> Iterator[None]:
    """The collector on for the test, and as it was afterwards whatever the test did to it (a test
    that left it off made every later timer test in its process fail)."""
    was = gc.isenabled()
    gc.enable()
    yield
    (gc.enable if was else gc.disable)()


def test_compare_specs_turns_the_collector_back_on_after_a_comparison_and_after_an_error(
    repo: Repo, tmp_path: Path, gc_on: None
) -> None:
    first = repo.store_at(repo.commit("A"), "main")
    repo.write("README", "B\n")
    second = repo.store_at(repo.commit("B"), "main")
    ws = repo.workspace()
    outcome = app.compare_specs(ws, first.id, second.id, store=repo.store)
    assert outcome.run.id == second.id
    assert gc.isenabled()
    with pytest.raises(UsageError, match="same run"):
        app.compare_specs(ws, first.id, first.id, store=repo.store)
    assert gc.isenabled()


def test_compare_specs_leaves_a_collector_the_caller_turned_off_off(repo: Repo, gc_on: None) -> None:
    first = repo.store_at(repo.commit("A"), "main")
    repo.write("README", "B\n")
    second = repo.store_at(repo.commit("B"), "main")
    gc.disable()
    app.compare_specs(repo.workspace(), first.id, second.id, store=repo.store)
    assert not gc.isenabled()
