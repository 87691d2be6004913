"""Settings for the whole suite.

Hypothesis' default deadline (200 ms per example) measures wall time, which on a shared CI machine
says more about the neighbours than about the code: a test fails with ``DeadlineExceeded`` or
``Flaky`` on an example that passes alone. The suite is about correctness, never timing, so no
deadline and no "too slow" health check. ``HYPOTHESIS_PROFILE=thorough`` runs every property with
many more examples (for hunting, not for CI).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile("perfgate", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", parent=settings.get_profile("perfgate"), max_examples=5000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "perfgate"))
