"""The four benchmarks both tools run, written against pytest-benchmark's fixture API (no perfgate import)."""


def _ten_us() -> int:
    return sum(i * i for i in range(170))


def _one_ms() -> int:
    return sum(i * i for i in range(17_000))


def test_noop(benchmark):
    benchmark(lambda: None)


def test_sum_range_100(benchmark):
    benchmark(lambda: sum(range(100)))


def test_ten_us(benchmark):
    benchmark(_ten_us)


def test_one_ms(benchmark):
    benchmark(_one_ms)
