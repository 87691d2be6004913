"""Where a use case works: the project's configuration, its store and the process's environment."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from perfgate import context
from perfgate.config import Config, is_url, load_config
from perfgate.errors import NotFoundError

if TYPE_CHECKING:  # (the store is imported when one is opened: a command that opens none pays nothing)
    from perfgate.model import CIInfo, Environment, GitInfo
    from perfgate.store import RunStore, Store

__all__ = ["Workspace"]


class Workspace(NamedTuple):
    """Where a command works: the configuration, the store location and the environment.

    The use cases of :mod:`perfgate.app` take the store open (``store=``): a caller that runs several
    (a server, a command that reads and then writes) opens it once with :meth:`store`. A use case
    given none opens this workspace's store for its own call (:meth:`use`). A named tuple, not a
    dataclass: every command builds one as it starts (see :mod:`perfgate.frozen`).
    """

    config: Config
    environ: Mapping[str, str]
    store_url: str | None = None  # overrides the configuration (``--store``)
    testbed: str | None = None  # overrides configuration and $PERFGATE_TESTBED (``--testbed``)

    @classmethod
    def discover(
        cls,
        cwd: Path,
        *,
        config_path: Path | None = None,
        environ: Mapping[str, str] | None = None,
        store_url: str | None = None,
        testbed: str | None = None,
    ) -> Workspace:
        env = dict(os.environ) if environ is None else dict(environ)
        url = store_url or env.get("PERFGATE_DATABASE_URL") or None
        return cls(load_config(cwd, config_path), env, url, testbed)

    @property
    def url(self) -> str:
        return self.store_url or self.config.storage_url()

    @contextmanager
    def store(self, *, create: bool = True, readonly: bool = False) -> Iterator[Store]:
        """The store, open until the block ends; ``readonly`` for commands that only read it."""
        from perfgate.store import open_store

        s = open_store(self.url, create=create, readonly=readonly)
        try:
            yield s
        finally:
            s.close()

    @contextmanager
    def use(
        self, store: RunStore | None, *, write: bool = False, what: str | None = None
    ) -> Iterator[RunStore]:
        """``store`` when the caller holds one open, else this workspace's store for the block: opened
        to ``write`` (created and migrated when needed), or only to read, when it must exist already
        (``what`` says what the missing store was wanted for)."""
        if store is not None:
            yield store
            return
        if not write:
            self.require_store(what)
        with self.store(create=write, readonly=not write) as s:
            yield s

    def has_store(self) -> bool:
        return is_url(self.url) or Path(self.url).exists()

    def require_store(self, what: str | None = None) -> None:
        """Refuse to read a store that does not exist (opening it would create an empty one)."""
        if not self.has_store():
            hint = f"{what}: " if what else ""
            raise NotFoundError(
                f"{hint}no store at {self.url}: `perfgate run` or `perfgate ingest` creates it"
            )

    def redactor(self) -> context.Redactor:
        """What keeps this environment's secrets (and the configured ``redact`` variables) out of
        stored and printed messages."""
        return context.redactor(self.environ, self.config.redact)

    def context(self) -> tuple[GitInfo | None, CIInfo | None, Environment]:
        root = self.config.root
        git = context.git_info(root, environ=self.environ)
        ci = context.ci_info(self.environ)
        env = context.environment(self.testbed or self.config.testbed, self.environ)
        return git, ci, env
