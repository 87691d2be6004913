"""The one console factory: colour, width and progress decided once from the flags and the environment.

Rules, in order (the same as no-color.org and force-color.org, with the command line winning):

1. ``--color always`` / ``--color never`` decide outright.
2. ``auto``: ``NO_COLOR`` (non-empty) turns colour off; else ``FORCE_COLOR`` (non-empty, not ``0``)
   turns it on; else ``TERM=dumb`` turns it off; else colour only when the output stream is a TTY.

Progress indicators go to stderr and only when stderr is a TTY whose ``TERM`` is not ``dumb``; everywhere
else (CI logs, pipes, tests) they are silent no-ops, so nothing but data ever reaches stdout.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from types import TracebackType
from typing import TextIO

from perfgate.errors import UsageError
from perfgate.escape import visible
from perfgate.frozen import Frozen

__all__ = ["ROLES", "Console", "Progress", "make_console"]

COLOR_CHOICES = ("auto", "always", "never")

# SGR parameters for each role. Reports style by meaning, never by colour name, so a theme lives here.
ROLES: Mapping[str, str] = {
    "regression": "1;31",
    "failed": "1;31",
    "improvement": "32",
    "ok": "32",
    "unchanged": "2",
    "inconclusive": "33",
    "warn": "33",
    "new": "36",
    "missing": "35",
    "bold": "1",
    "dim": "2",
}

DEFAULT_WIDTH = 100
# Logs (CI, files) are read in wide viewers; truncating names there loses information for nothing.
DEFAULT_PIPE_WIDTH = 120
MIN_WIDTH = 40


def _isatty(stream: TextIO | None) -> bool:
    if stream is None:
        return False
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):  # closed or exotic streams
        return False


class Progress:
    """A one-line progress indicator on a TTY's stderr; every method is a no-op when disabled.

    Use as a context manager (``with console.progress(10, "measuring") as p: p.advance()``); the line
    is cleared when it closes so the next output starts on a clean line.
    """

    __slots__ = ("_done", "_stream", "_width", "label", "total")

    def __init__(self, total: int, label: str, stream: TextIO | None, width: int = DEFAULT_WIDTH) -> None:
        if total < 0:
            raise ValueError(f"progress total must be >= 0, got {total}")
        self.total = total
        self.label = label
        self._stream = stream
        self._width = width
        self._done = 0

    @property
    def enabled(self) -> bool:
        return self._stream is not None

    @property
    def done(self) -> int:
        return self._done

    def advance(self, n: int = 1, label: str | None = None) -> None:
        """Count ``n`` more steps done (and optionally change the label) and redraw."""
        self._done = min(self.total, self._done + n) if self.total else self._done + n
        if label is not None:
            self.label = label
        self._draw()

    def _draw(self) -> None:
        if self._stream is None:
            return
        counter = f"{self._done}/{self.total}" if self.total else f"{self._done}"
        bar_len = 20
        if self.total:
            filled = round(bar_len * self._done / self.total)
            bar = "[" + "#" * filled + " " * (bar_len - filled) + "] "
        else:
            bar = ""
        room = max(0, self._width - len(bar) - len(counter) - 2)
        text = visible(self.label)  # a benchmark's name: shown, never acted on
        label = text if len(text) <= room else text[: max(0, room - 1)] + "…"
        # \r and "erase line" keep it to one line however often it is redrawn.
        self._stream.write(f"\r\x1b[2K{bar}{counter} {label}")
        self._stream.flush()

    def close(self) -> None:
        """Erase the indicator line."""
        if self._stream is None:
            return
        self._stream.write("\r\x1b[2K")
        self._stream.flush()
        self._stream = None

    def __enter__(self) -> Progress:
        self._draw()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class Console(Frozen):
    """How to render for one output: whether to colour, how wide, and where progress goes.

    Renderers take a Console and return strings; they never write to it. ``err`` is the stream for
    progress, kept only when progress should show (a TTY on stderr). ``fit``: tables are fitted to
    ``width`` by cutting long names, as on a terminal; when False (a pipe or file, read in a wide viewer
    or by a script) names are never cut and ``width`` only wraps prose. A frozen value
    (:class:`perfgate.frozen.Frozen`: every command builds one as it starts).
    """

    _fields = ("color", "width", "is_tty", "err", "fit")
    __slots__ = _fields
    color: bool
    width: int
    is_tty: bool
    err: TextIO | None
    fit: bool

    def __init__(
        self, color: bool, width: int, is_tty: bool, err: TextIO | None = None, fit: bool = True
    ) -> None:
        if width < 1:
            raise ValueError(f"console width must be >= 1, got {width}")
        self._fill(color, width, is_tty, err, fit)

    def style(self, text: str, role: str) -> str:
        """``text`` wrapped in the ANSI codes of ``role`` (see :data:`ROLES`), or unchanged without colour."""
        code = ROLES.get(role)
        if code is None:
            raise ValueError(f"unknown console style role {role!r}; known: {', '.join(sorted(ROLES))}")
        if not self.color or not text:
            return text
        return f"\x1b[{code}m{text}\x1b[0m"

    def progress(self, total: int, label: str) -> Progress:
        """A progress indicator for ``total`` steps; a silent no-op unless stderr is an interactive TTY."""
        return Progress(total, label, self.err, self.width)


def _env_flag(environ: Mapping[str, str], name: str) -> str | None:
    value = environ.get(name)
    return value if value else None  # set-but-empty counts as unset, as no-color.org says


def _want_color(color: str, is_tty: bool, environ: Mapping[str, str]) -> bool:
    if color == "always":
        return True
    if color == "never":
        return False
    if _env_flag(environ, "NO_COLOR") is not None:
        return False
    force = _env_flag(environ, "FORCE_COLOR")
    if force is not None and force.strip().lower() not in ("0", "false", "no"):
        return True
    if environ.get("TERM") == "dumb":
        return False
    return is_tty


def _width(stream: TextIO | None, is_tty: bool, environ: Mapping[str, str]) -> int:
    columns = environ.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) > 0:
        return max(MIN_WIDTH, int(columns))
    if is_tty and stream is not None:
        try:
            columns_n = os.get_terminal_size(stream.fileno()).columns
        except (AttributeError, ValueError, OSError):
            columns_n = 0
        if columns_n > 0:  # a fresh pseudo-terminal reports 0 until someone sets its size
            return max(MIN_WIDTH, columns_n)
    return DEFAULT_WIDTH if is_tty else DEFAULT_PIPE_WIDTH


def make_console(
    color: str = "auto",
    *,
    stream: TextIO | None,
    environ: Mapping[str, str],
    err: TextIO | None = None,
    width: int | None = None,
) -> Console:
    """Build the Console for ``stream`` (where the report goes; None for "not a terminal").

    ``color`` is the ``--color`` flag (``auto``, ``always``, ``never``); ``environ`` is the process
    environment (tests pass a literal dict); ``err`` is where progress goes (default ``sys.stderr``);
    ``width`` overrides ``COLUMNS`` and the terminal size.
    """
    if color not in COLOR_CHOICES:
        raise UsageError(f"--color must be one of {', '.join(COLOR_CHOICES)}, got {color!r}")
    is_tty = _isatty(stream)
    err_stream = sys.stderr if err is None else err
    show_progress = _isatty(err_stream) and environ.get("TERM") != "dumb"
    return Console(
        color=_want_color(color, is_tty, environ),
        width=width if width is not None else _width(stream, is_tty, environ),
        is_tty=is_tty,
        err=err_stream if show_progress else None,
        fit=is_tty,  # a cut name in a log or a pipe loses information for nothing
    )
