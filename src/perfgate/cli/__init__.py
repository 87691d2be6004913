"""The command-line front end (``perfgate``)."""

from perfgate.cli.main import build_parser, main

__all__ = ["build_parser", "main"]


def _entry() -> None:  # pragma: no cover - thin wrapper for the console script
    raise SystemExit(main())
