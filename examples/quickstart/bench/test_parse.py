import pytest

from textstats import parse, stem

SENTENCE = "The quick brown fox jumps over the lazy dog, and the dog sleeps. "


def test_small(benchmark):
    counts = benchmark(parse, SENTENCE)
    assert counts["the"] == 3


@pytest.mark.parametrize("repeat", [10, 100])
def test_scaling(benchmark, repeat):
    text = SENTENCE * repeat
    counts = benchmark(parse, text)
    assert counts["dog"] == 2 * repeat


def test_cache_hit(benchmark):
    stem("jumping")
    assert benchmark(stem, "jumping") == "jump"


@pytest.mark.benchmark(group="whole-body")
def test_parse_and_rank():
    # No fixture: the marker alone measures the whole test body.
    top = parse(SENTENCE * 20).most_common(3)
    assert top[0][0] == "the"


@pytest.mark.slow
def test_large(benchmark):
    counts = benchmark(parse, SENTENCE * 5000)
    assert counts["fox"] == 5000
