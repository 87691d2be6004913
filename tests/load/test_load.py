"""perfgate load against real servers on 127.0.0.1 (see server.py), started by the tests."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from perfgate.errors import MeasureError
from perfgate.load import ClosedModel, OpenModel, Scenario, load_results, run_load
from perfgate.load.results import describe
from processes import alive


def perfgate(*args, **kw):
    return subprocess.run(
        [sys.executable, "-m", "perfgate", *args], capture_output=True, text=True, timeout=120, **kw
    )


def test_the_open_model_sends_exactly_the_scheduled_requests(http_server):
    url = http_server()
    report = run_load(Scenario(url + "/"), OpenModel(rate=500, duration=3), workers=2)
    assert report.sent == 1500  # a fixed schedule: 500/s for 3 s, whatever the server does
    assert report.responses == 1500
    assert report.errors == 0
    assert report.statuses == {200: 1500}
    assert report.nbytes > 1500 * len(b"hello")
    assert len(report.windows) == 3  # each second one sample
    assert sum(w.responses for w in report.windows) == 1500


def test_a_warm_up_is_sent_but_not_recorded(http_server):
    url = http_server()
    report = run_load(Scenario(url + "/"), OpenModel(rate=200, duration=1, warmup=1), workers=2)
    assert report.sent == 400
    assert report.responses == 200


def test_the_open_model_p99_shows_a_one_second_stall(http_server):
    url = http_server("--stall-after", "100")
    report = run_load(Scenario(url + "/"), OpenModel(rate=200, duration=3), workers=2)
    assert report.sent == 600
    # the requests due during the stall wait for it, and their latency is timed from when they were due
    assert report.latency["p99"] >= 0.9
    assert not report.closed_loop


def test_the_closed_model_report_says_it_is_closed_loop(http_server):
    url = http_server("--stall-after", "50")
    r = perfgate("load", url + "/", "--users", "4", "--requests", "100", "--workers", "2", "--format", "json")
    assert r.returncode == 0, r.stderr
    assert "closed-loop" in r.stderr  # the summary goes to stderr when stdout has JSON
    verdicts = json.loads(r.stdout)["verdicts"]
    assert {v["metric"] for v in verdicts} >= {"rps", "latency_p99", "error_rate"}
    assert "400 responses" in r.stderr
    text = perfgate("load", url + "/", "--users", "2", "--requests", "10", "--workers", "1")
    assert text.returncode == 0, text.stderr
    assert "note: closed-loop" in text.stdout


def test_a_non_2xx_response_is_an_error(http_server):
    url = http_server("--status", "503")
    report = run_load(Scenario(url + "/"), ClosedModel(users=2, requests=20), workers=1)
    assert report.statuses == {503: 40}
    assert report.errors == 40
    assert report.error_rate == 1.0
    results = {r.metric: r for r in load_results(report)}
    assert results["rps"].error == "no expected answer (503: 40)"  # a failed benchmark: the gate fails
    assert results["latency_p99"].error == "no expected answer (503: 40)"
    assert results["error_rate"].summary.median == 1.0
    expected = run_load(Scenario(url + "/", expect=frozenset({503})), ClosedModel(users=2, requests=20))
    assert expected.errors == 0
    assert all(r.error is None for r in load_results(expected))


def test_a_scenario_without_one_expected_answer_fails_the_gate(http_server, tmp_path):
    url = http_server("--status", "500")
    r = perfgate("load", url + "/", "--users", "1", "--requests", "5", "--format", "json", cwd=tmp_path)
    assert r.returncode == 1, r.stderr
    verdicts = {v["metric"]: v for v in json.loads(r.stdout)["verdicts"]}
    assert verdicts["rps"]["status"] == "failed"


def test_the_results_carry_the_wrk_and_k6_metric_names_with_per_second_samples(http_server):
    url = http_server()
    report = run_load(Scenario(url + "/x", name="health"), OpenModel(rate=300, duration=2), workers=2)
    results = {r.metric: r for r in load_results(report)}
    assert set(results) == {
        "rps",
        "latency_p50",
        "latency_p90",
        "latency_p95",
        "latency_p99",
        "latency_p99.9",
        "latency_max",
        "error_rate",
        "throughput",
    }
    assert results["rps"].direction == "higher" and results["rps"].unit == "req/s"
    assert results["latency_p99"].direction == "lower" and results["latency_p99"].unit == "s"
    assert results["error_rate"].unit == "ratio"
    assert len(results["rps"].samples) == 2
    assert {r.benchmark.name for r in results.values()} == {"health"}
    assert results["rps"].extra["sent"] == 600
    assert results["rps"].extra["model"] == "open"
    closed = run_load(Scenario(url + "/"), ClosedModel(users=2, requests=5), workers=1)
    extra = load_results(closed)[0].extra
    assert extra["model"] == "closed" and extra["closed_loop"] is True and "closed-loop" in extra["note"]


def test_a_post_with_a_json_body_is_answered(http_server, tmp_path):
    url = http_server()
    body = tmp_path / "body.json"
    body.write_text('{"event": "push"}')
    r = perfgate("load", url + "/webhook", "--json", str(body), "--users", "5", "--requests", "10")
    assert r.returncode == 0, r.stderr
    assert f"POST {url}/webhook: closed model, 5 users, 10 requests each" in r.stdout
    assert "errors 0 (0.00%); statuses 200: 50" in r.stdout


def test_nothing_listening_is_a_one_line_error_exit_2(tmp_path):
    import socket

    with socket.socket() as s:  # a port that was free a moment ago, with nothing listening now
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    r = perfgate("load", f"http://127.0.0.1:{port}/", "--rate", "10/s", "--duration", "1s", cwd=tmp_path)
    assert r.returncode == 2
    assert r.stdout == ""
    lines = r.stderr.splitlines()
    assert len(lines) == 1, r.stderr
    assert f"nothing listening at 127.0.0.1:{port}" in lines[0]


def test_nothing_listening_raises_before_any_worker_starts():
    with pytest.raises(MeasureError, match="nothing listening"):
        run_load(Scenario("http://127.0.0.1:9/"), OpenModel(rate=10, duration=1))


def test_a_remote_target_needs_allow_remote(tmp_path):
    r = perfgate("load", "http://example.org/", "--rate", "10/s", "--duration", "1s", cwd=tmp_path)
    assert r.returncode == 2
    assert "--allow-remote" in r.stderr and len(r.stderr.splitlines()) == 1


def _children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(x) for x in f.read().split()]
    except FileNotFoundError:
        return []


@pytest.mark.skipif(not os.path.exists("/proc/self/task"), reason="reads /proc")
def test_ctrl_c_during_a_load_run_leaves_no_worker_behind(http_server, tmp_path):
    url = http_server()
    p = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "perfgate",
            "load",
            url + "/",
            "--rate",
            "100/s",
            "--duration",
            "60s",
            "--workers",
            "2",
        ],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    workers = []
    deadline = time.monotonic() + 60
    while len(workers) < 2 and time.monotonic() < deadline:
        workers = _children(p.pid)
        time.sleep(0.1)
    assert len(workers) == 2
    time.sleep(1.0)  # the workers are loading the server
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=30)
    assert p.returncode == 130, err
    assert "interrupted" in err
    assert [w for w in workers if alive(w)] == []


def test_describe_escapes_the_scenario_name(http_server):
    url = http_server()
    report = run_load(
        Scenario(url + "/", name="evil\x1b[2Jname"), ClosedModel(users=1, requests=1), workers=1
    )
    assert "\x1b" not in describe(report)


def test_a_request_waiting_for_a_free_connection_counts_its_wait(http_server):
    url = http_server("--delay", "0.05")
    # one connection, answers after 50 ms each: 100 requests due within a second are answered one by
    # one, the last no sooner than 5 s after the start, about 4 s after it was due
    report = run_load(Scenario(url + "/"), OpenModel(rate=100, duration=1, connections=1), workers=1)
    assert report.sent == 100
    assert report.responses == 100
    assert report.latency["max"] >= 3.9


def test_a_request_past_its_timeout_is_an_error(http_server):
    url = http_server("--delay", "5")
    report = run_load(Scenario(url + "/", timeout=0.3), ClosedModel(users=1, requests=2), workers=1)
    assert report.error_kinds == {"timeout": 2}
    assert report.responses == 0
    assert report.error_rate == 1.0
    results = {r.metric: r for r in load_results(report)}
    assert results["latency_p99"].error == "no expected answer (timeout: 2)"
    assert results["error_rate"].summary.median == 1.0


def test_the_gate_fails_a_slower_load_run(http_server, tmp_path):
    fast, slow = http_server(), http_server("--delay", "0.03")
    args = ["--rate", "50/s", "--duration", "6s", "--workers", "1", "--name", "health"]
    first = perfgate("load", fast + "/", *args, "--store-run", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    run_id = first.stderr.split("stored run ")[1].split()[0]
    second = perfgate("load", slow + "/", *args, "--baseline", run_id, "--format", "json", cwd=tmp_path)
    assert second.returncode == 1, second.stderr
    verdicts = {v["metric"]: v for v in json.loads(second.stdout)["verdicts"]}
    assert verdicts["latency_p50"]["status"] == "regression"
    assert verdicts["error_rate"]["status"] != "regression"
