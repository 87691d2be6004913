"""Six workloads whose amount of work is scaled by $GATE_FACTOR (1.0 or 1.1), for gate.py."""

import os
import random

F = float(os.environ.get("GATE_FACTOR", "1"))
N_SUM = round(100 * F)
N_TEN = round(170 * F)
N_ONE = round(17_000 * F)
N_DICT = round(2_000 * F)
N_JOIN = round(1_000 * F)
WORDS = [f"w{i}" for i in range(N_JOIN)]
DATA = random.Random(1).sample(range(1_000_000), round(3_000 * F))


def test_sum_range(benchmark):
    benchmark(lambda: sum(range(N_SUM)))


def test_ten_us(benchmark):
    benchmark(lambda: sum(i * i for i in range(N_TEN)))


def test_one_ms(benchmark):
    benchmark(lambda: sum(i * i for i in range(N_ONE)))


def test_dict_build(benchmark):
    benchmark(lambda: {i: str(i) for i in range(N_DICT)})


def test_join(benchmark):
    benchmark(lambda: ",".join(WORDS))


def test_sort(benchmark):
    benchmark(sorted, DATA)
