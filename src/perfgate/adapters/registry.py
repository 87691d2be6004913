"""Finding adapters and turning input paths into one :class:`Parsed`.

Built-in adapters are the modules of :mod:`perfgate.adapters` that define a module-level
``ADAPTERS`` tuple; third parties add more under the ``perfgate.adapters`` entry-point group (an entry
point names an :class:`Adapter`, a tuple of them, or a zero-argument factory returning either)::

    # pyproject.toml of a plugin
    [project.entry-points."perfgate.adapters"]
    mytool = "perfgate_mytool:ADAPTER"

Format detection is by content only (see :func:`detect`); a file two adapters both claim is refused
rather than guessed.
"""

from __future__ import annotations

import functools
import gzip
import importlib
import pkgutil
import warnings
import zlib
from collections.abc import Iterable, Sequence
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from perfgate.adapters.base import Adapter, Parsed
from perfgate.errors import ConfigError, ParseError, UsageError
from perfgate.model import Result, RunStatus

__all__ = ["HEAD_BYTES", "available", "detect", "get", "parse_inputs", "read_head"]

#: how much of a file the sniffers see
HEAD_BYTES = 64 * 1024
ENTRY_POINT_GROUP = "perfgate.adapters"


def _as_adapters(obj: object, origin: str) -> tuple[Adapter, ...]:
    """An entry point's object as adapters: an Adapter, a tuple/list of them, or a factory of either."""
    if isinstance(obj, Adapter):
        return (obj,)
    if isinstance(obj, tuple | list):
        out = tuple(obj)
        if out and all(isinstance(a, Adapter) for a in out):
            return out
        raise TypeError(f"{origin} holds something that is not an Adapter")
    if callable(obj):
        return _as_adapters(obj(), origin)
    raise TypeError(f"{origin} is not an Adapter, a tuple of Adapters or a factory")


@functools.cache
def _builtins() -> tuple[tuple[str, Adapter], ...]:
    """(module name, adapter) for every built-in module defining ``ADAPTERS``, in module order."""
    import perfgate.adapters as pkg

    found: list[tuple[str, Adapter]] = []
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        if info.name in ("base", "registry") or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{pkg.__name__}.{info.name}")
        adapters = getattr(module, "ADAPTERS", None)
        if adapters is None:
            continue
        for adapter in adapters:
            found.append((module.__name__, adapter))
    return tuple(found)


def _entry_points() -> Iterable[tuple[str, Adapter]]:
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        origin = f"entry point '{ep.name} = {ep.value}'"
        try:
            adapters = _as_adapters(ep.load(), origin)
        except Exception as exc:  # a broken plugin must not take perfgate down with it
            warnings.warn(
                f"ignoring adapter {origin}: {type(exc).__name__}: {exc} (fix or uninstall the plugin)",
                UserWarning,
                stacklevel=3,
            )
            continue
        for adapter in adapters:
            yield origin, adapter


def available() -> dict[str, Adapter]:
    """Every adapter by name: built-ins first, then entry points of the ``perfgate.adapters`` group.

    A broken entry point is skipped with a one-line warning; two adapters with one name raise
    :class:`ConfigError` naming both.
    """
    out: dict[str, Adapter] = {}
    origins: dict[str, str] = {}
    for origin, adapter in (*_builtins(), *_entry_points()):
        name = adapter.name
        if name in out:
            raise ConfigError(f"two adapters are named {name!r}: {origins[name]} and {origin}")
        out[name] = adapter
        origins[name] = origin
    return out


def get(name: str) -> Adapter:
    """The adapter called ``name``; :class:`UsageError` listing the known names otherwise."""
    adapters = available()
    try:
        return adapters[name]
    except KeyError:
        known = ", ".join(sorted(adapters))
        raise UsageError(f"unknown format {name!r}; known formats: {known}") from None


def read_head(path: Path, size: int = HEAD_BYTES) -> str:
    """The first ``size`` bytes of a file as text (gzip undone, UTF-8 with replacement, BOM dropped).

    Returns "" for a directory or a file that cannot be read: a sniffer then simply says no.
    """
    if path.is_dir():
        return ""
    try:
        with path.open("rb") as fh:
            raw = fh.read(size)
        if raw[:2] == b"\x1f\x8b":
            with gzip.open(path, "rb") as gz:
                raw = gz.read(size)
    except (OSError, EOFError, zlib.error):
        return ""
    text = raw.decode("utf-8", errors="replace")
    return text.removeprefix("\ufeff")


def _sniffs(adapter: Adapter, path: Path, head: str) -> bool:
    try:
        return bool(adapter.sniff(path, head))
    except Exception:  # a sniffer that raises (third-party) just does not claim the file
        return False


def _claimants(path: Path, adapters: dict[str, Adapter]) -> list[Adapter]:
    head = read_head(path)
    return [a for a in adapters.values() if _sniffs(a, path, head)]


def _ambiguous(path: Path, claimants: Sequence[Adapter]) -> ParseError:
    names = ", ".join(sorted(a.name for a in claimants))
    return ParseError.at(str(path), None, f"ambiguous format: it looks like {names} (use --format NAME)")


def detect(path: Path) -> Adapter:
    """The one adapter whose sniffer claims ``path``; ParseError when none or several do."""
    adapters = available()
    claimants = _claimants(path, adapters)
    if not claimants:
        known = ", ".join(sorted(adapters))
        raise ParseError.at(
            str(path), None, f"unrecognised format; known formats: {known} (use --format NAME)"
        )
    if len(claimants) > 1:
        raise _ambiguous(path, claimants)
    return claimants[0]


def _walk(
    directory: Path, adapters: dict[str, Adapter], forced: Adapter | None
) -> list[tuple[Path, Adapter]]:
    """Inputs found under ``directory``: sub-directories an adapter claims as a whole, else files.

    Files no adapter recognises are skipped here (a directory holds logs, READMEs...).
    """
    pool = {forced.name: forced} if forced is not None else adapters
    try:
        entries = sorted(directory.iterdir())
    except OSError as exc:
        raise ParseError.at(str(directory), None, f"cannot list directory: {exc.strerror or exc}") from exc
    found: list[tuple[Path, Adapter]] = []
    for entry in entries:
        if entry.is_dir():
            claim = [a for a in pool.values() if _sniffs(a, entry, "")]
            if len(claim) > 1:
                raise _ambiguous(entry, claim)
            found.extend([(entry, claim[0])] if claim else _walk(entry, adapters, forced))
        elif entry.is_file():
            claim = _claimants(entry, pool)
            if len(claim) > 1:
                raise _ambiguous(entry, claim)
            if claim:
                found.append((entry, claim[0]))
    return found


def _inputs(path: Path, adapters: dict[str, Adapter], forced: Adapter | None) -> list[tuple[Path, Adapter]]:
    if not path.exists():
        raise ParseError.at(str(path), None, "no such file or directory")
    if path.is_dir():
        pool = {forced.name: forced} if forced is not None else adapters
        claim = [a for a in pool.values() if _sniffs(a, path, "")]
        if len(claim) > 1:
            raise _ambiguous(path, claim)
        if claim:
            return [(path, claim[0])]
        found = _walk(path, adapters, forced)
        if not found:
            what = f"{forced.name} output" if forced is not None else "benchmark output of a known format"
            raise ParseError.at(str(path), None, f"no {what} found in this directory")
        return found
    if forced is not None:
        return [(path, forced)]  # the user said what it is: no sniffing for a named file
    claim = _claimants(path, adapters)
    if not claim:
        known = ", ".join(sorted(adapters))
        raise ParseError.at(
            str(path), None, f"unrecognised format; known formats: {known} (use --format NAME)"
        )
    if len(claim) > 1:
        raise _ambiguous(path, claim)
    return [(path, claim[0])]


def _merge(parts: Sequence[tuple[Path, Parsed]]) -> Parsed:
    results: list[Result] = []
    where: dict[tuple[str, str], tuple[Path, Result]] = {}
    environment: dict[str, Any] = {}
    commit: str | None = None
    branch: str | None = None
    started: datetime | None = None
    sources: set[str] = set()
    status = RunStatus.COMPLETE
    for path, parsed in parts:
        sources.add(parsed.source)
        status = max(status, parsed.status, key=_STATUS_RANK.index)
        for r in parsed.results:
            seen = where.get(r.key)
            if seen is not None:
                if seen[1] == r:
                    continue  # the same result reached twice (e.g. two files of one Criterion benchmark)
                raise ParseError.at(
                    str(path), None, f"duplicate result {r.key[0]} [{r.key[1]}], also in {seen[0]}"
                )
            where[r.key] = (path, r)
            results.append(r)
        for k, v in parsed.environment.items():
            environment.setdefault(k, v)
        commit = commit or parsed.commit
        branch = branch or parsed.branch
        if parsed.started is not None and (started is None or parsed.started < started):
            started = parsed.started
    source = sources.pop() if len(sources) == 1 else "mixed"
    return Parsed(
        source=source,
        results=tuple(results),
        environment=environment,
        commit=commit,
        branch=branch,
        started=started,
        status=status,
    )


#: the merged run's status is the worst of its parts'
_STATUS_RANK = (RunStatus.COMPLETE, RunStatus.PARTIAL, RunStatus.FAILED)


def parse_inputs(paths: Sequence[Path], fmt: str = "auto") -> Parsed:
    """Parse files and directories into one :class:`Parsed`.

    ``fmt`` is an adapter name or ``"auto"`` (detect each input by content). A directory an adapter
    claims as a whole (Criterion's ``target/criterion``) goes to that adapter; any other directory is
    scanned recursively in sorted order, skipping files no adapter recognises. A file named explicitly
    must be recognised. The same (benchmark, metric) from two inputs is an error naming both.
    """
    if not paths:
        raise UsageError("no input files given")
    adapters = available()
    forced = None if fmt == "auto" else get(fmt)
    parts: list[tuple[Path, Parsed]] = []
    for path in paths:
        for item, adapter in _inputs(Path(path), adapters, forced):
            parts.append((item, adapter.parse(item)))
    return _merge(parts)
