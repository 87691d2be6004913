"""Three workloads whose amount of work is scaled by $GATE_FACTOR (1.0 or 1.1), for gate.py."""

import os

F = float(os.environ.get("GATE_FACTOR", "1"))
N_SUM = round(100 * F)
N_TEN = round(170 * F)
N_ONE = round(17_000 * F)


def test_sum_range(benchmark):
    benchmark(lambda: sum(range(N_SUM)))


def test_ten_us(benchmark):
    benchmark(lambda: sum(i * i for i in range(N_TEN)))


def test_one_ms(benchmark):
    benchmark(lambda: sum(i * i for i in range(N_ONE)))
