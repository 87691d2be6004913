"""The exception tree of perfgate.

Every error perfgate raises on purpose derives from :class:`PerfgateError`; the CLI catches it once,
prints its message as one line on stderr and exits with code 2::

    PerfgateError
    ├── UsageError          bad command-line arguments or a combination that makes no sense
    ├── ConfigError         a broken or inconsistent configuration (names the file and key)
    ├── InputError          a file perfgate was asked to read is malformed (names file and line)
    │   └── ParseError      an adapter could not parse a harness's output
    ├── SchemaError         persisted data of a schema version this perfgate does not understand
    ├── StoreError          the result store cannot be opened, read or written
    │   └── NotFoundError   no run matches an id, prefix or git ref
    │       └── AmbiguousError  several runs match an id prefix (the message lists them)
    ├── ContextError        git / CI / environment information could not be read
    ├── ForgeError          a forge (GitHub, GitLab) could not be told: no token, refused, unreachable
    └── MeasureError        a benchmark could not be measured (not a benchmark that raised: that is a
                            failed Result, not an exception)
"""

from __future__ import annotations

__all__ = [
    "AmbiguousError",
    "ConfigError",
    "ContextError",
    "ForgeError",
    "InputError",
    "MeasureError",
    "NotFoundError",
    "ParseError",
    "PerfgateError",
    "SchemaError",
    "StoreError",
    "UsageError",
]


class PerfgateError(Exception):
    """Root of every error perfgate raises deliberately. ``str(exc)`` is a complete one-line message."""


class UsageError(PerfgateError):
    """The command line asks for something impossible or contradictory."""


class ConfigError(PerfgateError):
    """The configuration is invalid; the message names the file and the key."""


class InputError(PerfgateError):
    """An input file is malformed; the message names the file and, when known, the line."""


class ParseError(InputError):
    """An adapter could not parse a harness's output.

    Build it with :meth:`at` so the message reads ``file:line: what is wrong``.
    """

    @classmethod
    def at(cls, source: str, line: int | None, message: str) -> ParseError:
        where = f"{source}:{line}" if line is not None else source
        return cls(f"{where}: {message}")


class SchemaError(PerfgateError):
    """Persisted data (JSON or database) has a schema version this perfgate cannot read."""


class StoreError(PerfgateError):
    """The store cannot be opened, read or written."""


class NotFoundError(StoreError):
    """No run matches the given id, id prefix or git ref."""


class AmbiguousError(NotFoundError):
    """Several runs match an id prefix; the message names them, so it is not "no run matches"."""


class ContextError(PerfgateError):
    """Git, CI or environment information could not be read."""


class ForgeError(PerfgateError):
    """A pull-request comment or commit status could not be posted; the message names the cause and
    the fix, and never the token."""


class MeasureError(PerfgateError):
    """Measurement itself failed (not the benchmarked code)."""
