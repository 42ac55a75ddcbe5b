"""Sentences as the row detectors cut them: at . ! ? ; : … and line breaks, CJK marks too.

A label before a colon ("Current year: 2024 ...") is a sentence of its own, so a request
or an insult behind one is read alone.
"""

from __future__ import annotations

import re

# \r, the Unicode line and paragraph separators and an ellipsis end a sentence too: an
# answer joined by them is otherwise one sentence, read only as far as the model's window
SENTENCE = re.compile(
    r"[^.!?;:\n\r\u2026\u2028\u2029。！？；]+[.!?;:\n\r\u2026\u2028\u2029。！？；]*"
)


def sentences(text: str, min_words: int = 1) -> list[str]:
    """The stripped sentences of ``text`` with at least ``min_words`` words, in order."""
    return [s.strip() for s in SENTENCE.findall(text) if len(s.split()) >= min_words]
