"""Every adapter in the registry, fed damaged real files, raises ParseError or succeeds: nothing else."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perfgate.adapters import Adapter, Parsed
from perfgate.adapters.registry import available
from perfgate.errors import ParseError

DATA = Path(__file__).parent.parent / "data"
REAL = sorted(
    f for f in DATA.rglob("*") if f.is_file() and f.name != "PROVENANCE.md" and f.stat().st_size < 600_000
)
ADAPTERS = sorted(available().values(), key=lambda a: a.name)
IDS = [a.name for a in ADAPTERS]
SETTINGS = settings(
    max_examples=int(__import__("os").environ.get("PG_EXAMPLES", "6")),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _check(adapter: Adapter, path: Path) -> None:
    head = path.read_bytes()[: 64 * 1024].decode("utf-8", errors="replace")
    assert isinstance(adapter.sniff(path, head), bool)  # never raises
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            parsed = adapter.parse(path)
    except ParseError as exc:
        assert "\n" not in str(exc)
        assert str(path) in str(exc)
        return
    assert isinstance(parsed, Parsed)


def _write(tmp: Path, source: Path, data: bytes) -> Path:
    # keep the damaged file in a Criterion-like place when the original was, so siblings are looked up
    target = tmp / source.name
    target.write_bytes(data)
    return target


@pytest.mark.parametrize("adapter", ADAPTERS, ids=IDS)
@SETTINGS
@given(data=st.data())
def test_truncation(adapter: Adapter, data: st.DataObject, tmp_path_factory: pytest.TempPathFactory) -> None:
    src = data.draw(st.sampled_from(REAL))
    raw = src.read_bytes()
    cut = data.draw(st.integers(min_value=0, max_value=len(raw)))
    _check(adapter, _write(tmp_path_factory.mktemp("t"), src, raw[:cut]))


@pytest.mark.parametrize("adapter", ADAPTERS, ids=IDS)
@SETTINGS
@given(data=st.data())
def test_byte_flips(adapter: Adapter, data: st.DataObject, tmp_path_factory: pytest.TempPathFactory) -> None:
    src = data.draw(st.sampled_from(REAL))
    raw = bytearray(src.read_bytes())
    if raw:
        for _ in range(data.draw(st.integers(min_value=1, max_value=8))):
            i = data.draw(st.integers(min_value=0, max_value=len(raw) - 1))
            raw[i] = data.draw(st.integers(min_value=0, max_value=255))
    _check(adapter, _write(tmp_path_factory.mktemp("f"), src, bytes(raw)))


@pytest.mark.parametrize("adapter", ADAPTERS, ids=IDS)
@SETTINGS
@given(text=st.text(max_size=300))
def test_random_text(adapter: Adapter, text: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    _check(
        adapter,
        _write(tmp_path_factory.mktemp("r"), Path("random.txt"), text.encode("utf-8", "surrogatepass")),
    )


@pytest.mark.parametrize("adapter", ADAPTERS, ids=IDS)
def test_real_files_of_other_formats(adapter: Adapter) -> None:
    """Each adapter forced onto every real file (``--format X`` on the wrong file) fails cleanly."""
    for f in REAL:
        _check(adapter, f)
