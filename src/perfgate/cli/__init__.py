"""The command-line front end (``perfgate``)."""

from perfgate.cli.main import build_parser, main

__all__ = ["build_parser", "main"]


def _entry() -> None:
    """The console script and ``python -m perfgate``: run, then exit with the code."""
    import gc

    try:
        code = main()
    finally:  # (also when argparse exits: --version, --help)
        # The process ends here: without this, the collector walks every object the command made and
        # every module's on the way out (about 30 ms after a 10,000-point history). What is left is
        # the command's garbage: its files and stores are closed and its streams flushed by then,
        # and finalizers registered with atexit or weakref.finalize still run.
        gc.freeze()
    raise SystemExit(code)
