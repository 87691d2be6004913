"""How fast `perfgate load` drives a fast local server, next to wrk and Locust, in one run.

Starts nginx (Debian's, serving a 5-byte static file from a temporary directory, one worker process,
access log off) on 127.0.0.1, then against it, one after the other for the same time each:

- wrk (Debian): ``wrk -t<CPUs> -c50 -dNs URL`` (one thread per CPU, as perfgate has a worker per CPU);
- Locust (PyPI) with a FastHttpUser, headless: ``locust --headless -u 50 -r 50 -t Ns``;
- perfgate, closed model: ``perfgate load URL --users 50 --duration Ns`` (one worker process per CPU);
- perfgate, open model: ``perfgate load URL --rate 20000/s --duration Ns``: the rate it held.

Prints requests/s and CPU seconds per request of each tool (user + system time of the tool's whole
process tree, from the kernel's accounting of the children this script waited for), the ratios the
targets are about (perfgate >= 0.5x wrk, >= 4x Locust; the open rate within 0.5%), and a Markdown
table for docs/load.md.

    python bench/load_speed.py [--seconds 10] [--users 50] [--rate 20000] [--json results.json]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

NGINX_CONF = """\
worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    keepalive_requests 10000000;
    server {{
        listen 127.0.0.1:{port};
        root {tmp}/www;
        location / {{ }}
    }}
}}
"""

LOCUSTFILE = """\
from locust import task
from locust.contrib.fasthttp import FastHttpUser


class User(FastHttpUser):
    @task
    def hello(self):
        self.client.get("/hello.txt")
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def timed(cmd: list[str], **kw: object) -> tuple[subprocess.CompletedProcess[str], float]:
    before = children_cpu()
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=600, **kw)  # type: ignore[call-overload]
    return r, children_cpu() - before


def run_wrk(url: str, seconds: int, users: int) -> dict[str, float]:
    # one thread per CPU, as perfgate runs one worker process per CPU
    r, cpu = timed(["wrk", f"-t{os.cpu_count()}", f"-c{users}", f"-d{seconds}s", url])
    m = re.search(r"^\s*(\d+) requests in", r.stdout, re.M)
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", r.stdout, re.M)
    if not (m and rps) or "Non-2xx" in r.stdout or "Socket errors" in r.stdout:
        raise SystemExit(f"wrk: errors or unexpected output:\n{r.stdout}\n{r.stderr}")
    return {"rps": float(rps.group(1)), "requests": int(m.group(1)), "cpu": cpu}


def run_locust(url: str, seconds: int, users: int, tmp: Path) -> dict[str, float]:
    locust = shutil.which("locust", path=str(Path(sys.executable).parent)) or shutil.which("locust")
    if locust is None:
        raise SystemExit("locust is not installed: pip install locust")
    (tmp / "locustfile.py").write_text(LOCUSTFILE)
    prefix = tmp / "locust"
    cmd = [locust, "-f", str(tmp / "locustfile.py"), "--headless", "-u", str(users), "-r", str(users)]
    cmd += ["-t", f"{seconds}s", "--host", url.rsplit("/", 1)[0], "--csv", str(prefix), "--only-summary"]
    r, cpu = timed(cmd, cwd=tmp)
    with open(f"{prefix}_stats.csv", newline="") as f:
        row = next(x for x in csv.DictReader(f) if x["Name"] == "Aggregated")
    n = int(row["Request Count"])
    if n == 0 or int(row["Failure Count"]):
        raise SystemExit(f"locust sent nothing:\n{r.stderr[-2000:]}")
    return {"rps": float(row["Requests/s"]), "requests": n, "cpu": cpu}


_SUMMARY = re.compile(r"(\d+) responses in ([\d.]+) s = ([\d,.]+) req/s \((\d+) sent")


def run_perfgate(url: str, args: list[str], tmp: Path) -> dict[str, float]:
    r, cpu = timed([sys.executable, "-m", "perfgate", "load", url, *args, "--format", "json"], cwd=tmp)
    m = _SUMMARY.search(r.stderr)
    if r.returncode != 0 or not m or "errors 0 (" not in r.stderr:
        raise SystemExit(f"perfgate load failed ({r.returncode}):\n{r.stderr}")
    errors = re.search(r"^\s*errors (\d+) \(", r.stderr, re.M)
    return {
        "rps": float(m.group(3).replace(",", "")),
        "requests": int(m.group(1)),
        "seconds": float(m.group(2)),
        "sent": int(m.group(4)),
        "errors": int(errors.group(1)) if errors else -1,
        "cpu": cpu,
        "summary": r.stderr[m.start() - 200 : m.end() + 400],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--rate", type=int, default=20000)
    ap.add_argument("--json", help="also write the numbers to this file")
    opts = ap.parse_args()
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists() or shutil.which("wrk") is None:
        raise SystemExit("needs nginx and wrk: apt-get install nginx-light wrk")
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        tmp.chmod(0o755)  # nginx's worker runs as nobody: it must read the file (else all 403)
        (tmp / "www").mkdir()
        (tmp / "www" / "hello.txt").write_text("hello")
        port = free_port()
        (tmp / "nginx.conf").write_text(NGINX_CONF.format(tmp=tmp, port=port))
        server = subprocess.Popen([nginx, "-c", str(tmp / "nginx.conf"), "-p", str(tmp)])
        url = f"http://127.0.0.1:{port}/hello.txt"
        try:
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.05)
            rows = {}
            rows["wrk"] = run_wrk(url, opts.seconds, opts.users)
            rows["locust"] = run_locust(url, opts.seconds, opts.users, tmp)
            closed = ["--users", str(opts.users), "--duration", f"{opts.seconds}s"]
            rows["perfgate"] = run_perfgate(url, closed, tmp)
            rows["perfgate_open"] = run_perfgate(
                url, ["--rate", f"{opts.rate}/s", "--duration", f"{opts.seconds}s"], tmp
            )
        finally:
            server.terminate()
            server.wait(10)
    for row in rows.values():
        row["cpu_per_request_us"] = row["cpu"] / row["requests"] * 1e6
    p, w, lo, op = rows["perfgate"], rows["wrk"], rows["locust"], rows["perfgate_open"]
    ratios = {
        "perfgate/wrk": p["rps"] / w["rps"],
        "perfgate/locust": p["rps"] / lo["rps"],
        "open_rate_error": op["rps"] / opts.rate - 1,
        "open_sent_exact": op["sent"] == opts.rate * opts.seconds,
    }
    print(
        f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f}; "
        f"{opts.seconds} s each, {opts.users} users"
    )
    print("| tool | requests/s | CPU per request |")
    print("|---|---:|---:|")
    names = {
        "wrk": f"wrk -t{os.cpu_count()} -c{opts.users}",
        "locust": f"Locust FastHttpUser, {opts.users} users",
        "perfgate": f"perfgate load --users {opts.users}",
        "perfgate_open": f"perfgate load --rate {opts.rate}/s",
    }
    for key, row in rows.items():
        print(f"| {names[key]} | {row['rps']:,.0f} | {row['cpu_per_request_us']:.1f} µs |")
    print(
        f"perfgate/wrk {ratios['perfgate/wrk']:.2f}x (target >= 0.5x); perfgate/Locust "
        f"{ratios['perfgate/locust']:.1f}x (target >= 4x); open model {op['rps']:,.1f} req/s for "
        f"{opts.rate}/s asked ({ratios['open_rate_error']:+.2%}, target within 0.5%), "
        f"{op['sent']} sent of {opts.rate * opts.seconds} scheduled, {op['errors']} errors"
    )
    if opts.json:
        Path(opts.json).write_text(json.dumps({"rows": rows, "ratios": ratios}, indent=2))


if __name__ == "__main__":
    main()
