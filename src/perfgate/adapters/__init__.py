"""Adapters: other harnesses' output turned into perfgate results."""

from perfgate.adapters.base import Adapter, Parsed, read_text

__all__ = ["Adapter", "Parsed", "read_text"]
