"""Adapters: other harnesses' output turned into perfgate results."""

from perfgate.adapters.base import Adapter, Parsed, read_text
from perfgate.adapters.registry import available, detect, get, parse_inputs

__all__ = ["Adapter", "Parsed", "available", "detect", "get", "parse_inputs", "read_text"]
