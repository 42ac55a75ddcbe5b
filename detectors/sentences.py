"""Sentences as the row detectors cut them: at . ! ? ; : and line breaks, CJK marks too.

A label before a colon ("Current year: 2024 ...") is a sentence of its own, so a request
or an insult behind one is read alone.
"""

from __future__ import annotations

import re

SENTENCE = re.compile(r"[^.!?;:\n。！？；]+[.!?;:\n。！？；]*")


def sentences(text: str, min_words: int = 1) -> list[str]:
    """The stripped sentences of ``text`` with at least ``min_words`` words, in order."""
    return [s.strip() for s in SENTENCE.findall(text) if len(s.split()) >= min_words]
