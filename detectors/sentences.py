"""Sentences as the row detectors cut them: at sentence marks, line breaks and the
separators that stand between items on one line.

A label before a colon ("Current year: 2024 ...") is a sentence of its own, so a request
or an insult behind one is read alone. An uploader chooses how the lines of a prompt are
joined, so every character that ends a line for some reader ends a sentence here: a
request among decoy lines joined by one this did not split was read only inside the
decoys' windows (the second review of harmful_compliance 0.3.0, 2026-12-06).
"""

from __future__ import annotations

import re

# Ends of a sentence, in Latin, CJK (full-width and small forms too), Devanagari, Arabic,
# Armenian and Ethiopic script, and an ellipsis
_MARKS = (
    ".!?;:\u2026\u203c\u2047\u2048\u2049"
    "\u3002\uff0e\uff61\uff01\uff1f\uff1b\uff1a\ufe52\ufe54\ufe55\ufe56\ufe57"
    "\u0964\u0965\u06d4\u061f\u061b\u0589\u1362"
)
# Every line break str.splitlines knows (the C0 ones are also dropped by validation) and
# the line and paragraph separators
_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
# Between items on one line: a tab (a table's columns), a pipe, box-drawing bars and
# bullets. Not "/" or " - ", which join words inside ordinary sentences.
_SEPARATORS = "\t|\u00a6\u2502\u2503\u2551\u2022\u2023\u2043\u2219\u25aa\u25a0\u25cf\u25e6\u29bf"
ENDS = _MARKS + _BREAKS + _SEPARATORS  # every character that ends a sentence
SENTENCE = re.compile(f"[^{re.escape(ENDS)}]+[{re.escape(ENDS)}]*")


def sentences(text: str, min_words: int = 1) -> list[str]:
    """The stripped sentences of ``text`` with at least ``min_words`` words, in order."""
    return [s.strip() for s in SENTENCE.findall(text) if len(s.split()) >= min_words]
