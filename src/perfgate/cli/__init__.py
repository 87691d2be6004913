"""The command-line front end (``perfgate``)."""

import typing

if typing.TYPE_CHECKING:
    from perfgate.cli.main import build_parser, main
else:  # (the console script imports this package first: _entry pauses the collector before the imports)
    from perfgate.lazy import lazy_package as _lazy_package

    _lazy_package(__name__, {"main": ("build_parser", "main")})

__all__ = ["build_parser", "main"]


def _entry() -> None:
    """The console script and ``python -m perfgate``: run, then exit with the code."""
    import gc

    # Start-up (the imports, the parser, the command's module) makes some 100,000 objects that live
    # until the end, and the collector walked them all, about thirty times (2% of a 10,000-point
    # history). It is off until the command is loaded, then those objects are frozen (never walked
    # again, as gc.freeze's documentation advises for start-up objects) and it is on again.
    gc.disable()
    from perfgate.cli.main import main

    def started() -> None:
        gc.freeze()
        gc.enable()

    try:
        code = main(started=started)
    finally:  # (also when argparse exits: --version, --help)
        # The process ends here: without this, the collector walks every object the command made and
        # every module's on the way out (about 30 ms after a 10,000-point history). What is left is
        # the command's garbage: its files and stores are closed and its streams flushed by then,
        # and finalizers registered with atexit or weakref.finalize still run.
        gc.freeze()
    raise SystemExit(code)
