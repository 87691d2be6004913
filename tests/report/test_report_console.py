"""The console factory: colour rules, width, styles, and progress only on a real terminal."""

from __future__ import annotations

import fcntl
import io
import os
import struct
import termios
from collections.abc import Iterator
from typing import TextIO

import pytest

from perfgate.errors import UsageError
from perfgate.report import ROLES, Console, make_console


@pytest.fixture
def tty() -> Iterator[tuple[TextIO, int]]:
    """A real pseudo-terminal: (the slave end as a text stream, the master fd to read what was written)."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 87, 0, 0))
    stream = os.fdopen(slave, "w", encoding="utf-8")
    try:
        yield stream, master
    finally:
        stream.close()
        os.close(master)


def read_all(master: int) -> str:
    os.set_blocking(master, False)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except BlockingIOError:
            break
        if not data:
            break
        chunks.append(data)
    return b"".join(chunks).decode("utf-8")


def test_auto_is_plain_when_not_a_tty() -> None:
    c = make_console("auto", stream=io.StringIO(), environ={}, err=io.StringIO())
    assert not c.color
    assert not c.is_tty
    assert c.style("slow", "regression") == "slow"


def test_auto_colours_a_tty(tty: tuple[TextIO, int]) -> None:
    stream, _ = tty
    c = make_console("auto", stream=stream, environ={"TERM": "xterm-256color"}, err=io.StringIO())
    assert c.is_tty
    assert c.color
    assert c.width == 87  # the terminal's own size


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"NO_COLOR": "1"}, False),
        ({"NO_COLOR": ""}, True),  # set but empty counts as unset
        ({"TERM": "dumb"}, False),
        ({"FORCE_COLOR": "1", "TERM": "dumb"}, True),
        ({"FORCE_COLOR": "0"}, True),  # not forcing: falls through to the TTY rule
        ({"NO_COLOR": "1", "FORCE_COLOR": "1"}, False),  # NO_COLOR wins
    ],
)
def test_environment_rules_on_a_tty(tty: tuple[TextIO, int], environ: dict[str, str], expected: bool) -> None:
    stream, _ = tty
    assert make_console("auto", stream=stream, environ=environ, err=io.StringIO()).color is expected


def test_force_color_colours_a_pipe() -> None:
    assert make_console(stream=io.StringIO(), environ={"FORCE_COLOR": "1"}).color
    assert not make_console(stream=io.StringIO(), environ={"FORCE_COLOR": "0"}).color


def test_flag_beats_environment(tty: tuple[TextIO, int]) -> None:
    stream, _ = tty
    assert make_console("always", stream=io.StringIO(), environ={"NO_COLOR": "1", "TERM": "dumb"}).color
    assert not make_console("never", stream=stream, environ={"FORCE_COLOR": "1"}).color


def test_bad_color_flag_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="--color must be one of auto, always, never, got 'sometimes'"):
        make_console("sometimes", stream=None, environ={})


def test_width_from_columns_and_override() -> None:
    assert make_console(stream=None, environ={"COLUMNS": "132"}).width == 132
    assert make_console(stream=None, environ={"COLUMNS": "10"}).width == 40  # floor
    assert make_console(stream=None, environ={"COLUMNS": "wide"}).width == 120  # pipe default
    assert make_console(stream=None, environ={"COLUMNS": "132"}, width=60).width == 60


def test_styles_emit_ansi_codes_for_every_role() -> None:
    c = Console(color=True, width=80, is_tty=True)
    for role, code in ROLES.items():
        assert c.style("x", role) == f"\x1b[{code}mx\x1b[0m"
    assert c.style("", "bold") == ""
    with pytest.raises(ValueError, match="unknown console style role 'purple'"):
        c.style("x", "purple")


def test_progress_is_silent_without_a_tty() -> None:
    err = io.StringIO()
    c = make_console(stream=io.StringIO(), environ={}, err=err)
    with c.progress(3, "measuring") as p:
        assert not p.enabled
        p.advance()
        p.advance(2, "done")
    assert p.done == 3
    assert err.getvalue() == ""


def test_progress_draws_on_a_tty_stderr(tty: tuple[TextIO, int]) -> None:
    err, master = tty
    out = io.StringIO()
    c = make_console(stream=out, environ={"TERM": "xterm"}, err=err)
    with c.progress(4, "bench/test_parse.py") as p:
        assert p.enabled
        p.advance()
        p.advance(label="bench/test_io.py")
    written = read_all(master)
    assert "1/4" in written and "2/4" in written
    assert "bench/test_io.py" in written
    assert written.endswith("\r\x1b[2K")  # the line is cleared when done
    assert out.getvalue() == ""  # nothing on the data stream


def test_progress_off_on_a_dumb_terminal(tty: tuple[TextIO, int]) -> None:
    err, master = tty
    c = make_console(stream=None, environ={"TERM": "dumb"}, err=err)
    c.progress(2, "x").advance()
    err.flush()
    assert read_all(master) == ""


def test_progress_label_from_input_cannot_drive_the_terminal(tty: tuple[TextIO, int]) -> None:
    # the label is a benchmark's name (``perfgate cmd``, ``perfgate ab``): it comes from code under review
    err, master = tty
    c = make_console(stream=io.StringIO(), environ={"TERM": "xterm"}, err=err)
    with c.progress(2, "start") as p:
        p.advance(label="cmd:x\x1b]0;pwned\x07\x1b[2J\u202e")
    written = read_all(master)
    assert "cmd:x\\x1b]0;pwned\\x07\\x1b[2J\\u202e" in written
    assert "\x1b]" not in written and "\x07" not in written and "\x1b[2J" not in written
    assert "\u202e" not in written
