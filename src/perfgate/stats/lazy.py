"""numpy, loaded when a statistic first uses it rather than when :mod:`perfgate.stats` is imported.

Commands that only read the store (``perfgate history``, ``runs``, ``show``) import the configuration,
which imports the gate's policy and so this package; loading numpy for them took a third of their
start-up. The modules here write ``np = numpy()`` (under ``TYPE_CHECKING`` a plain import, so the
types stay checked); the first attribute looked up on it loads numpy for real.
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

__all__ = ["numpy"]


def numpy() -> ModuleType:
    """The numpy module, loaded on first attribute access (:class:`importlib.util.LazyLoader`)."""
    name = "numpy"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ImportError("perfgate's statistics need numpy: pip install numpy")
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
