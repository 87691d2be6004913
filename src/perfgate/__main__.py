"""``python -m perfgate``: the same as the ``perfgate`` command."""

from perfgate.cli import _entry

_entry()
