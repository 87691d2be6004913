from perfgate.model import BenchmarkId, Direction, Status, Verdict
from perfgate.report.formatting import inconclusive_reasons


def verdict(
    name: str, reason: str | None, status: Status = Status.INCONCLUSIVE, metric: str = "time"
) -> Verdict:
    return Verdict(BenchmarkId(name), metric, "s", Direction.LOWER, status, reason=reason)


def test_shared_reasons_are_said_once_and_own_reasons_stay_with_their_result():
    shift = "the whole run is 15% faster: the machine, not the code?"
    out = inconclusive_reasons(
        [
            verdict("a", f"{shift}; noisy: CV 30%"),
            verdict("b", shift),
            verdict("c", "only 3 samples in the current run, need 5", metric="cpu_time"),
            verdict("d", "ignored", status=Status.UNCHANGED),
            verdict("e", None),
        ]
    )
    assert out == [
        (("a [time]",), "noisy: CV 30%"),
        (("c [cpu_time]",), "only 3 samples in the current run, need 5"),
        (("a [time]", "b [time]"), shift),
    ]
