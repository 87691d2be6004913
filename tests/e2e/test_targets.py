"""Budgets with a target and a critical level, as `perfgate ingest --gate` applies them to canned wrk output."""

from __future__ import annotations

from pathlib import Path

WRK = Path(__file__).resolve().parents[1] / "data" / "wrk" / "wrk-4.1.0-loopback-nginx-stall.txt"
# what that file says: p90 4.99 ms, p99 877.83 ms, 84412.60 requests/s, no errors

TARGETS = """
[[tool.perfgate.budgets]]
benchmark = "*:8080/"
metric = "latency_p90"
warn = "1ms"
max = "10ms"

[[tool.perfgate.budgets]]
benchmark = "*:8080/"
metric = "rps"
warn = "100000 req/s"
min = "10000 req/s"

[[tool.perfgate.budgets]]
benchmark = "*:8080/"
metric = "error_rate"
warn = "1%"
max = "5%"
"""

CRITICAL = """
[[tool.perfgate.budgets]]
benchmark = "*:8080/"
metric = "latency_p99"
warn = "100ms"
max = "500ms"
"""


def test_missed_targets_are_reported_and_pass_a_critical_level_fails(project) -> None:
    pyproject = (project.root / "pyproject.toml").read_text()
    project.write("pyproject.toml", pyproject + TARGETS)
    res = project.perfgate_here("ingest", str(WRK), "--input-format", "wrk", "--gate", "--format", "json")
    assert res.code == 0, res.stderr
    report = res.json()
    assert [(b["metric"], b["level"]) for b in report["budgets"]] == [
        ("latency_p90", "target_missed"),
        ("rps", "target_missed"),
        ("error_rate", "ok"),
    ]
    assert report["summary"]["targets_missed"] == 2 and report["passed"] is True

    text = project.perfgate_here("ingest", str(WRK), "--input-format", "wrk", "--gate")
    assert text.code == 0, text.stderr
    assert (
        "! http://127.0.0.1:8080/ latency_p90 4.990 ms > target 1.000 ms, ≤ critical 10.00 ms: target missed"
        in (text.stdout)
    )
    assert "2 targets missed" in text.stdout

    project.write("pyproject.toml", pyproject + TARGETS + CRITICAL)
    res = project.perfgate_here("ingest", str(WRK), "--input-format", "wrk", "--gate", "--format", "json")
    assert res.code == 1, res.stderr
    report = res.json()
    (p99,) = [b for b in report["budgets"] if b["metric"] == "latency_p99"]
    assert p99["level"] == "critical" and p99["warn"] == 0.1 and p99["limit"] == 0.5
    assert report["summary"] == {**report["summary"], "budgets_broken": 1, "targets_missed": 2}
    assert report["passed"] is False


def test_a_target_past_its_limit_is_a_one_line_error_exit_2(project) -> None:
    pyproject = (project.root / "pyproject.toml").read_text()
    project.write(
        "pyproject.toml",
        pyproject
        + '[[tool.perfgate.budgets]]\nbenchmark = "*"\nmetric = "rps"\nwarn = "5 req/s"\nmin = "10 req/s"\n',
    )
    res = project.perfgate_here("ingest", str(WRK), "--input-format", "wrk", "--gate")
    assert res.code == 2
    assert res.stderr.strip().splitlines() == [
        f"perfgate: error: {project.root / 'pyproject.toml'}: tool.perfgate.budgets[0].warn: the target"
        " '5 req/s' must be above min = '10 req/s' (it warns before the limit fails the gate)"
    ]
    assert not (project.root / ".perfgate").exists()  # nothing stored half-way
