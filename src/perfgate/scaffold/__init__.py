"""``perfgate init``: detect a project's benchmarks and CI, write its configuration and workflows.

Detection (:mod:`perfgate.scaffold.detect`) reads the project; the renderers
(:mod:`~perfgate.scaffold.config_text`, :mod:`~perfgate.scaffold.github`,
:mod:`~perfgate.scaffold.gitlab`) are pure text; :mod:`perfgate.scaffold.files` decides what to write
and refuses to overwrite.
"""

from __future__ import annotations

from perfgate.scaffold.detect import Detected, HarnessSuite, detect
from perfgate.scaffold.files import Options, Planned, plan, write

__all__ = ["Detected", "HarnessSuite", "Options", "Planned", "detect", "plan", "write"]
