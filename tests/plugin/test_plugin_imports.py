"""What the pytest plugin costs a session that measures nothing: pytest loads it in every session of a
user who has perfgate installed (a ``pytest11`` entry point), so it imports what a benchmark needs
only when one runs. Each case runs in a new interpreter and reads ``sys.modules``; nothing here
measures a time."""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = """
import json, sys
import pytest
before = set(sys.modules)
import perfgate.pytest_plugin
print(json.dumps(sorted(set(sys.modules) - before)))
"""


def test_loading_the_plugin_imports_no_event_loop_and_no_heavy_library() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True)
    added = set(json.loads(done.stdout))
    assert "perfgate.pytest_plugin" in added  # (the probe really loaded it)
    # asyncio is imported when a coroutine benchmark makes its loop; the store, SQLAlchemy, httpx,
    # numpy and the application never (the plugin hands its results on as a document)
    unwanted = {"asyncio", "sqlalchemy", "httpx", "numpy", "scipy", "perfgate.store", "perfgate.app"}
    assert added & unwanted == set()
