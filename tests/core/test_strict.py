"""The one strict reader for untrusted mappings (perfgate.strict), on literal inputs."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from builders import bare_run, make_result
from perfgate.config import parse_config
from perfgate.errors import ConfigError, InputError
from perfgate.model import run_from_dict, run_to_dict
from perfgate.strict import Mismatch, Reader, describe, integer, matches, number


def reader(data: object, path: str = "a.b") -> Reader:
    return Reader(data, path, "f.toml", ConfigError)


def test_a_message_names_the_file_and_the_key_path():
    r = reader({"n": "three"})
    with pytest.raises(ConfigError, match=r"^f\.toml: a\.b\.n: expected int, got 'three'$"):
        r.get("n", int)


def test_a_nested_element_carries_its_index_in_the_path():
    r = reader({"rows": [{"x": 1}, {"x": "no"}]})
    rows = [r.child(row, f"rows[{i}]") for i, row in enumerate(r.get("rows", list))]
    assert rows[0].req("x", int) == 1
    with pytest.raises(ConfigError, match=r"^f\.toml: a\.b\.rows\[1\]\.x: expected int, got 'no'$"):
        rows[1].req("x", int)


def test_documents_put_key_before_the_path_and_raise_their_own_class():
    r = Reader({"kind": 3}, "", "run.json", InputError, label="key ")
    with pytest.raises(InputError, match=r"^run\.json: key kind: expected str, got 3$"):
        r.req("kind", str)


def test_optional_and_required():
    r = reader({"a": None, "b": 2})
    assert r.get("a", int, 7) == 7 and r.get("absent", int, 7) == 7 and r.get("b", int, 7) == 2
    with pytest.raises(ConfigError, match=r"a\.b\.absent: missing$"):
        r.req("absent", int)


@pytest.mark.parametrize(
    ("value", "kind", "ok"),
    [
        (True, int, False),  # a boolean is never a number
        (True, float, False),
        (True, bool, True),
        (3, float, True),  # an int is a float
        (3.0, int, False),
        (math.inf, float, False),  # a float must be finite
        (math.nan, float, False),
        ("x", (int, str), True),
        ([1], dict, False),
    ],
)
def test_kinds(value: object, kind: type | tuple[type, ...], ok: bool):
    assert matches(value, kind) is ok


def test_an_int_read_as_a_float_is_a_float():
    value = reader({"x": 3}).get("x", float)
    assert value == 3.0 and isinstance(value, float)


def test_an_infinite_float_is_named_as_such():
    with pytest.raises(ConfigError, match=r"a\.b\.x: expected finite float, got inf$"):
        reader({"x": math.inf}).get("x", float)


def test_a_list_of_x_names_the_bad_element():
    r = reader({"xs": [1.0, 2, True]})
    with pytest.raises(ConfigError, match=r"a\.b\.xs\[2\]: expected float, got True$"):
        r.items("xs", float)
    assert reader({"xs": [1.0, 2]}).items("xs", float) == (1.0, 2.0)
    assert reader({}).items("xs", float) == ()
    with pytest.raises(ConfigError, match=r"a\.b\.xs: missing$"):
        reader({}).items("xs", float, required=True)


def test_a_nested_table():
    r = reader({"t": {"k": "v"}, "s": "not a table"})
    t = r.sub("t")
    assert t is not None and t.path == "a.b.t" and t.req("k", str) == "v"
    assert r.sub("absent") is None
    with pytest.raises(ConfigError, match=r"a\.b\.s: expected dict, got 'not a table'$"):
        r.sub("s")
    with pytest.raises(ConfigError, match=r"a\.b\.absent: missing$"):
        r.sub("absent", required=True)


def test_something_else_than_a_mapping_is_refused_when_read():
    with pytest.raises(ConfigError, match=r"^f\.toml: a\.b\.c\[0\]: expected a table, got \[1, 2\]$"):
        reader({}).child([1, 2], "c[0]")


def test_unknown_keys_are_refused_with_the_known_ones():
    r = reader({"name": "x", "nmae": "y"})
    with pytest.raises(ConfigError, match=r"a\.b\.nmae: unknown key \(known: command, name\)$"):
        r.check_keys({"name", "command"})
    r.req("name", str)
    with pytest.raises(ConfigError, match=r"a\.b\.nmae: unknown key \(known: name\), newer\?$"):
        r.done(", newer?")


def test_convert_locates_the_converters_complaint():
    def positive(v: object) -> int:
        if not isinstance(v, int) or v <= 0:
            raise ValueError(f"must be positive, got {v!r}")
        return v

    assert reader({"n": 2}).convert("n", positive) == 2
    assert reader({}).convert("n", positive) is None
    with pytest.raises(ConfigError, match=r"a\.b\.n: must be positive, got 0$"):
        reader({"n": 0}).convert("n", positive)


def test_strings_takes_one_string_or_a_list():
    assert reader({"s": "x"}).strings("s") == ("x",)
    assert reader({"s": ["x", "y"]}).strings("s") == ("x", "y")
    assert reader({}).strings("s") == ()
    with pytest.raises(
        ConfigError, match=r"a\.b\.s: expected a string or a list of strings, got \['x', 1\]$"
    ):
        reader({"s": ["x", 1]}).strings("s")


def test_times_need_a_timezone():
    r = reader({"t": "2026-01-02T03:04:05+00:00", "naive": "2026-01-02T03:04:05", "bad": "noon"})
    assert r.time("t") == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    with pytest.raises(ConfigError, match=r"a\.b\.naive: time without a timezone"):
        r.time("naive")
    with pytest.raises(ConfigError, match=r"a\.b\.bad: not an ISO 8601 time: 'noon'"):
        r.time("bad")


def test_a_long_value_is_cut_in_the_message():
    with pytest.raises(ConfigError) as info:
        reader({"x": "y" * 500}).get("x", int)
    assert len(str(info.value)) < 100 and str(info.value).endswith("...")


def test_json_words_for_adapters():
    assert describe(None) == "null" and describe([]) == "an array" and describe({}) == "an object"
    assert number("NaN", nan_ok=True) != number("NaN", nan_ok=True)  # NaN, let through
    assert integer(3.0) == 3
    with pytest.raises(Mismatch, match="expected a number, got a boolean"):
        number(True)
    with pytest.raises(Mismatch, match=r"expected a finite number, got inf$"):
        number("inf")
    with pytest.raises(Mismatch, match=r"expected an integer, got the number 2\.5"):
        integer(2.5)
    with pytest.raises(Mismatch, match="expected an integer, got the number inf"):
        integer(math.inf)


@given(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(), st.lists(st.integers())))
def test_a_getter_returns_a_value_of_its_kind_or_raises_the_callers_error(value: object):
    for kind in (int, float, str, bool, list):
        try:
            got = reader({"x": value}).get("x", kind)
        except ConfigError as exc:
            assert str(exc).startswith("f.toml: a.b.x: expected ")
            continue
        assert (
            got is None
            if value is None
            else isinstance(got, kind) and not (kind is not bool and isinstance(got, bool))
        )


# -- the three readers ported onto it -------------------------------------------------------------------


def test_a_run_documents_unknown_key_lists_the_known_ones(make_run_doc: dict[str, object]):
    doc = make_run_doc
    doc["run"]["environment"]["testbd"] = "x"  # type: ignore[index]
    with pytest.raises(InputError, match=r"key run\.environment\.testbd: unknown key \(known: .*testbed"):
        run_from_dict(doc, "x.json")


def test_a_run_documents_samples_name_the_bad_element(make_run_doc: dict[str, object]):
    doc = make_run_doc
    doc["run"]["results"][0]["samples"] = [1.0, True]  # type: ignore[index]
    with pytest.raises(
        InputError, match=r"x\.json: key run\.results\[0\]\.samples\[1\]: expected float, got True$"
    ):
        run_from_dict(doc, "x.json")


def test_a_configuration_table_of_the_wrong_kind_is_named(tmp_path: Path):
    with pytest.raises(
        ConfigError, match=r"pyproject\.toml: tool\.perfgate\.tiers: expected dict, got 'fast'$"
    ):
        parse_config({"tiers": "fast"}, tmp_path, tmp_path / "pyproject.toml", "p")


@pytest.fixture
def make_run_doc() -> dict[str, object]:
    doc: dict[str, object] = json.loads(json.dumps(run_to_dict(bare_run(make_result("a")))))
    return doc
