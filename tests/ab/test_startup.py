"""Both workers start with environments and arguments of the same size (stack alignment)."""

from __future__ import annotations

import os

from perfgate.ab.run import PAD_VAR, equalize_startup


def _size(env: dict[str, str], argv: list[str]) -> int:
    return sum(len(os.fsencode(k)) + len(os.fsencode(v)) + 2 for k, v in env.items()) + sum(
        len(os.fsencode(a)) + 1 for a in argv
    )


def test_environments_are_padded_to_the_same_size() -> None:
    envs = {
        "base": {"PYTHONPATH": "/tmp/perfgate-ab-x/base/src:/tmp/perfgate-ab-x/base", "A": "1"},
        "head": {"PYTHONPATH": "/home/user/project/src:/home/user/project", "A": "1"},
    }
    args = {"base": ["-q", "bench"], "head": ["-q", "bench", "-k", "é"]}
    equalize_startup(envs, args)
    assert _size(envs["base"], args["base"]) == _size(envs["head"], args["head"])
    assert list(envs["base"]) == list(envs["head"]) == ["PYTHONPATH", "A", PAD_VAR]  # same count, order
    assert min(len(e[PAD_VAR]) for e in envs.values()) == 0  # the larger side is not padded


def test_equal_sides_get_an_empty_pad() -> None:
    envs = {"base": {"X": "ab"}, "head": {"X": "cd"}}
    equalize_startup(envs, {"base": ["a"], "head": ["b"]})
    assert envs["base"][PAD_VAR] == envs["head"][PAD_VAR] == ""
