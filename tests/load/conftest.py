import subprocess
import sys
from pathlib import Path

import pytest

SERVER = Path(__file__).with_name("server.py")


@pytest.fixture
def http_server():
    """Start the test server (its own process on 127.0.0.1) with arguments; its base URL."""
    procs = []

    def start(*args: str) -> str:
        p = subprocess.Popen([sys.executable, str(SERVER), *args], stdout=subprocess.PIPE, text=True)
        procs.append(p)
        assert p.stdout is not None
        port = int(p.stdout.readline())
        return f"http://127.0.0.1:{port}"

    yield start
    for p in procs:
        p.terminate()
        p.wait(10)
        if p.stdout is not None:
            p.stdout.close()
