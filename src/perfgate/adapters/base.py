"""What every adapter is: a name, a content sniffer and a parser that returns results.

An adapter turns one harness's output into :class:`Parsed` results. It never touches the store, git or
the clock: ``perfgate ingest`` adds the run's context (commit, branch, CI, testbed) around what the
adapter returns. Third parties register adapters under the ``perfgate.adapters`` entry-point group; the
entry point names an object (or a zero-argument factory returning one) that satisfies :class:`Adapter`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from perfgate.model import Result, RunStatus

__all__ = ["Adapter", "Parsed", "read_text"]


@dataclass(frozen=True, slots=True)
class Parsed:
    """What an adapter found in one input (a file, a directory, or stdin).

    ``environment`` carries what the file says about the machine, with the keys of
    :class:`perfgate.model.Environment` where they apply (``cpu_model``, ``os``, ``kernel``, ``arch``,
    ``cores``, ``memory_bytes``, ``python``); anything else goes to the environment's ``extra``.
    ``commit``/``branch``/``started`` are what the file itself records, if anything; command-line flags
    and the live git context take precedence over them. ``status`` is the file's own run status when
    it records one (a shard that stopped early is ``partial``, and so is the run it is merged into).
    """

    source: str  # the adapter's name, e.g. "go", "pytest-benchmark"
    results: tuple[Result, ...]
    environment: Mapping[str, Any] = field(default_factory=dict)
    commit: str | None = None
    branch: str | None = None
    started: datetime | None = None
    status: RunStatus = RunStatus.COMPLETE


@runtime_checkable
class Adapter(Protocol):
    """A parser for one harness's output format."""

    #: short unique name used by ``--format`` (e.g. ``"go"``, ``"criterion"``)
    name: str
    #: one line for ``perfgate ingest --list-formats``
    description: str

    def sniff(self, path: Path, head: str) -> bool:
        """True when the content looks like this format.

        ``head`` is the first 64 KiB of the file decoded as UTF-8 with replacement (for a directory,
        the empty string; look inside ``path`` instead). Decide by content, never by the file's name.
        """
        ...

    def parse(self, path: Path) -> Parsed:
        """Parse ``path`` (file or directory). Raise only :class:`perfgate.errors.ParseError`, whose
        message reads ``file:line: what is wrong``."""
        ...


def read_text(path: Path) -> str:
    """A file's text as UTF-8 (BOM tolerated); gzip-compressed files are decompressed transparently.

    Raises ParseError on undecodable content or I/O errors, naming the file.
    """
    import gzip
    import zlib

    from perfgate.errors import ParseError

    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ParseError.at(str(path), None, f"cannot read: {exc.strerror or exc}") from exc
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise ParseError.at(str(path), None, f"corrupt gzip data: {exc}") from exc
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ParseError.at(str(path), line, "not valid UTF-8 text") from exc
