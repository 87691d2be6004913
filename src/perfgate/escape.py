"""Strings from input made inert for the places reports go: terminals, CI logs, JSON readers.

Benchmark names, parameters, error messages and branch names come from code under review, so a report
must never let them act: move the cursor, clear the screen, set the terminal title, reorder the text
around them (bidi overrides), break a line and start a CI workflow command (``::error ...`` on GitHub
Actions, ``##vso[...]`` on Azure Pipelines). :func:`visible` spells such characters out as escapes a
reader sees (``\\n``, ``\\x1b``, ``\\u202e``); :func:`inert_lines` guards the lines a renderer assembles;
:func:`json_inert` escapes, inside a JSON text, what JSON itself leaves raw.

Backslashes are left as they are, so names with backslashes stay readable and :func:`visible` is
idempotent: escaping an escaped string changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import repeat

__all__ = ["inert_join", "inert_lines", "json_inert", "printable", "visible"]

# Bidirectional formatting: marks, embeddings, overrides and isolates (Unicode's Bidi_Control set).
_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
# The patterns are texts that ``re`` compiles on first use (and caches): most reports never need one,
# and every command imports this module.
# C0 controls, DEL, C1 controls (U+009B is a one-character CSI), line/paragraph separators, bidi.
_UNSAFE = "[\x00-\x1f\x7f-\x9f\u2028\u2029" + _BIDI + "]"
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# CI log commands that act anywhere in a line: Azure Pipelines' ``##vso[`` and the runner's ``##[``.
_LOG_COMMAND = r"(?i)##(?=(?:vso)?\[)"
# GitHub Actions runs a line as a workflow command when it starts with ``::`` after leading whitespace.
# (Leading colour codes count as blanks here: a line may begin with perfgate's own styling.)
_WORKFLOW_COMMAND = r"(?m)^((?:[ \t]|\x1b\[[0-9;]*m)*):(?=:)"


def _escape(m: re.Match[str]) -> str:
    c = m.group()
    named = _NAMED.get(c)
    if named is not None:
        return named
    code = ord(c)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


_PRINTABLE_ASCII = bytes(range(0x20, 0x7F))


def printable(text: str) -> bool:
    """``text.isprintable()``, four times faster for ASCII text (a table column joined: what is left
    once the printable bytes are deleted, nothing when all are)."""
    if text.isascii():  # (a flag of the string: no pass)
        return not text.encode("ascii").translate(None, _PRINTABLE_ASCII)
    return text.isprintable()


def visible(text: str) -> str:
    """``text`` with every control character spelled out, so it shows but never acts.

    C0/C1 controls and DEL become ``\\n``, ``\\r``, ``\\t`` or ``\\xNN``; line separators and bidi
    controls ``\\uNNNN``; the ``#`` that starts a ``##vso[``/``##[`` log command ``\\x23``.
    """
    if printable(text) and "##" not in text:  # the common case, at C speed (controls are not printable)
        return text
    out = re.sub(_UNSAFE, _escape, text)
    return re.sub(_LOG_COMMAND, "#\\\\x23", out) if "#" in out else out


def inert_lines(text: str) -> str:
    """``text`` with no line that a CI runner would take for a workflow command (``::name ...``).

    A line starting (after blanks) with ``::`` gets its first colon spelled ``\\x3a``. Apply it to what a
    renderer assembled: wrapping can move input that was harmless mid-line to the start of a line.
    """
    return re.sub(_WORKFLOW_COMMAND, r"\1\\x3a", text)


_LINE_STARTS = (" ", "\t", "\x1b", ":")  # what a line must start with for _WORKFLOW_COMMAND to match


def inert_join(lines: Sequence[str]) -> str:
    """``inert_lines("\n".join(lines) + "\n")``: the lines of a report, none a workflow command.

    A report of 10,000 lines is checked line by line at C speed: when no line holds a newline and
    none starts with a blank, an escape or a colon, none can be a command, and the regular expression
    need not scan the text (a pass over a megabyte)."""
    text = "\n".join(lines) + "\n"
    if text.count("\n") == len(lines) and not any(map(str.startswith, lines, repeat(_LINE_STARTS))):
        return text
    return inert_lines(text)


_JSON_RAW = "[\x7f-\x9f\u2028\u2029" + _BIDI + "]"


def json_inert(json_text: str) -> str:
    """A JSON text with DEL, C1 controls, line separators, bidi controls and the ``#`` that starts a
    ``##vso[`` log command as ``\\uNNNN`` escapes.

    JSON escapes C0 controls itself, but with ``ensure_ascii=False`` leaves these raw, and a terminal or
    viewer showing the JSON would act on them. Outside strings JSON is ASCII, so every match is inside a
    string, and the escaped text parses back to the same values.
    """
    out = re.sub(_JSON_RAW, lambda m: f"\\u{ord(m.group()):04x}", json_text)
    # a "#" is always inside a string in JSON, and "\u0023" reads back as "#"
    return re.sub(_LOG_COMMAND, "\\\\u0023#", out) if "#" in out else out
