"""The code under test: a tiny word-frequency parser and a memoised lookup."""

from __future__ import annotations

import functools
from collections import Counter


def parse(text: str) -> Counter[str]:
    """Word frequencies of ``text``, case-folded, punctuation stripped."""
    words = (w.strip(".,;:!?\"'()").casefold() for w in text.split())
    return Counter(w for w in words if w)


@functools.lru_cache(maxsize=128)
def stem(word: str) -> str:
    """A crude suffix stripper, memoised."""
    for suffix in ("ing", "edly", "ed", "ly", "es", "s"):
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            return word[: -len(suffix)]
    return word
