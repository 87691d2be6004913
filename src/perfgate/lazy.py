"""Packages that re-export their modules' names and import each module on first use (PEP 562).

A command imports what it uses: ``from perfgate.app import list_runs`` loads ``perfgate.app.history``
(and what it imports), not the modules of every other use case with SQLAlchemy, httpx and the load
engine behind them (docs/scale.md, "Start-up"). A package does::

    import typing

    if typing.TYPE_CHECKING:  # what type checkers and readers see: the names and where they live
        from perfgate.app.history import History, list_runs
    else:
        from perfgate.lazy import lazy_package as _lazy_package

        _lazy_package(__name__, {"history": ("History", "list_runs")})

    __all__ = ["History", "list_runs"]

``tests/core/test_lazy_packages.py`` checks that the table, the imports and ``__all__`` agree.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Mapping, Sequence
from types import ModuleType

__all__ = ["lazy_package"]


def lazy_package(package: str, exports: Mapping[str, Sequence[str]]) -> None:
    """Make the names ``exports`` lists (submodule -> names) attributes of ``package`` that import
    their submodule when first read. ``package`` is the package's ``__name__``, already being imported.
    """
    where = {name: f"{package}.{module}" for module, names in exports.items() for name in names}
    sys.modules[package].__class__ = type(
        "LazyPackage", (_LazyPackage,), {"_where": where, "__module__": __name__}
    )


class _LazyPackage(ModuleType):
    _where: dict[str, str]

    def __getattr__(self, name: str) -> object:
        module = self._where.get(name)
        if module is None:
            raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        ModuleType.__setattr__(self, name, value)  # read once: the next read is a plain attribute
        return value

    def __setattr__(self, name: str, value: object) -> None:
        # Importing a submodule binds it on its package; a submodule named as one of the package's
        # names (perfgate.app.history and perfgate.app.history()) must not hide that name, as the
        # name bound after the submodule did when the package imported them all.
        if isinstance(value, ModuleType) and name in self._where:
            return
        ModuleType.__setattr__(self, name, value)

    def __dir__(self) -> list[str]:
        return sorted({*vars(self), *self._where})
