"""Sentences as the row detectors cut them, and the finer pieces between separators.

A label before a colon ("Current year: 2024 ...") is a sentence of its own, so a request
or an insult behind one is read alone. A sentence ends at a sentence mark of the common
scripts or at any line break; :data:`PIECE` also cuts at the separators that stand
between items on one line (tabs, pipes, bullets). Those are not sentence ends: a request
written with a pipe in it ("Write ransomware ... | On a hospital network") reads as harm
whole and as nothing in halves, and a table's cells read alone are three-word fragments
("overdose at tiny doses") that a head over-reads (a review of harmful_compliance 0.4.0,
2026-12-07). A detector that needs a request among decoys joined by them reads the
pieces besides the sentences.
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
# the line and paragraph separators: lines joined by U+0085 were one line (the second
# review of harmful_compliance 0.3.0)
_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
# Between items on one line: a tab (a table's columns), pipes (ASCII, broken, full-width,
# divides), box-drawing bars and bullets. Not "/" or " - ", which join words inside
# ordinary sentences; an uploader can join decoys with those, or with "and", and only the
# ranked windows read them.
SEPARATORS = (  # every character that ends a piece besides the sentence ends
    "\t|\u00a6\uff5c\u2223\u2502\u2503\u2551\u2022\u2023\u2043\u2219\u25aa\u25a0\u25cf\u25e6\u29bf"
)
ENDS = _MARKS + _BREAKS  # every character that ends a sentence
# the marks that end a sentence for good: after any other end (a break, a colon, a
# separator) the text may run on into the next sentence
FULL_STOPS = frozenset(".!?\u2026\u3002\uff0e\uff61\uff01\uff1f\u0964\u0965\u06d4\u061f")
SENTENCE = re.compile(f"[^{re.escape(ENDS)}]+[{re.escape(ENDS)}]*")
PIECE = re.compile(f"[^{re.escape(ENDS + SEPARATORS)}]+[{re.escape(ENDS + SEPARATORS)}]*")


def sentences(text: str, min_words: int = 1) -> list[str]:
    """The stripped sentences of ``text`` with at least ``min_words`` words, in order."""
    return [s.strip() for s in SENTENCE.findall(text) if len(s.split()) >= min_words]


def real_words(text: str) -> int:
    """Words with a letter or digit in them: a separator standing alone is not a word."""
    return sum(any(c.isalnum() for c in w) for w in text.split())
