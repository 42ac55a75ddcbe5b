"""Seeing what a reader of the text would not: normalisation and decoding before matching.

:func:`views` turns one field into the texts worth scanning, each with the span of the
original it came from, so evidence can point at the original characters:

- the field itself, NFKC-normalised, with look-alike letters (Cyrillic, Greek) folded to
  Latin and zero-width, bidi and tag characters removed;
- text hidden in Unicode tag characters (U+E0020–E007E spell ASCII invisibly);
- the insides of HTML comments and hidden HTML elements;
- base64, hex, URL-encoded, rot13 and Morse payloads that decode to readable text,
  decoded recursively to a small depth.

:func:`invisible` reports zero-width, bidi-override and tag characters, whose presence
in training text is itself a finding.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re
import unicodedata
import urllib.parse
from dataclasses import dataclass

ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u180e"
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f"
_TAG_RANGE = (0xE0000, 0xE007F)
_STRIP = re.compile(f"[{ZERO_WIDTH}{BIDI}\U000e0000-\U000e007f]")
_TAGS = re.compile("[\U000e0020-\U000e007e]+")

# Letters that render like Latin ones; folded so "іgnоre" (Cyrillic і, о) reads "ignore".
CONFUSABLES = str.maketrans(
    "аеорсухіјѕԁӏɡνοτΑΒΕΖΗΙΚΜΝΟΡΤΥΧАВЕКМНОРСТХ",
    "aeopcyxijsdlgvotABEZHIKMNOPTYXABEKMHOPCTX",
)

_COMMENT = re.compile(r"<!--(.*?)-->", re.S)
_HIDDEN_HTML = re.compile(
    r"<(\w+)[^>]*(?:hidden|display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0)[^>]*>(.*?)</\1>",
    re.S | re.I,
)
_B64 = re.compile(r"(?<![A-Za-z0-9+/=])[A-Za-z0-9+/]{16,}={0,2}(?![A-Za-z0-9+/=])")
_HEX = re.compile(
    r"(?<![0-9A-Fa-f])(?:[0-9A-Fa-f]{2}){10,}(?![0-9A-Fa-f])|(?:\\x[0-9A-Fa-f]{2}){6,}"
)
# a match starts where a run of non-space text starts (or after a '%'), and never gives
# back what a run consumed: without both, 40,000 characters with no space took 7 s
_URLENC = re.compile(r"(?<![^\s%])(?:[^\s%]*+%[0-9A-Fa-f]{2}){3,}[^\s%]*+")
_WORDS = re.compile(r"[A-Za-z]{3,}")
# rot13 of ignore, disregard, forget, previous, instruction, system, prompt, reveal, jailbreak:
# a rot13 reading is only worth scanning when one of these stems is there.
_ROT13_STEMS = re.compile(
    r"vtaber|qvfertneq|sbetrg|cerivbhf|vafgehpgvba|flfgrz|cebzcg|erirny|wnvyoern", re.I
)
MAX_DEPTH = 2
# Morse: at least eight letters of dots and dashes, letters split by one space, words by
# two or more spaces or a slash
_MORSE = re.compile(r"(?<![\w.-])[.-]{1,7}(?:(?: {1,3}| ?/ ?)[.-]{1,7}){7,}(?![\w.-])")
# the ITU table with its punctuation: one unknown symbol rejects a whole run
_MORSE_CODE = {
    ".-": "a", "-...": "b", "-.-.": "c", "-..": "d", ".": "e", "..-.": "f", "--.": "g",
    "....": "h", "..": "i", ".---": "j", "-.-": "k", ".-..": "l", "--": "m", "-.": "n",
    "---": "o", ".--.": "p", "--.-": "q", ".-.": "r", "...": "s", "-": "t", "..-": "u",
    "...-": "v", ".--": "w", "-..-": "x", "-.--": "y", "--..": "z", "-----": "0",
    ".----": "1", "..---": "2", "...--": "3", "....-": "4", ".....": "5", "-....": "6",
    "--...": "7", "---..": "8", "----.": "9", ".-.-.-": ".", "--..--": ",", "..--..": "?",
    "-.-.--": "!", ".----.": "'", "-..-.": "/", "---...": ":", "-.--.": "(", "-.--.-": ")",
    "-....-": "-", ".-..-.": '"', "-...-": "=", ".-.-.": "+", ".--.-.": "@", "-.-.-.": ";",
    "..--.-": "_", ".-...": "&", "...-..-": "$",
}  # fmt: skip


def _morse(code: str) -> str | None:
    words = []
    for word in re.split(r" ?/ ?| {2,}", code.strip()):
        letters = [_MORSE_CODE.get(sym) for sym in word.split()]
        if None in letters:
            return None  # not Morse after all: a row of dashes, a divider
        words.append("".join(c for c in letters if c))
    return " ".join(w for w in words if w)


@dataclass(frozen=True, slots=True)
class View:
    text: str
    start: int  # span of the original field this view stands for
    end: int
    how: str  # "plain", "tags", "comment", "hidden_html", "base64", "hex", "url", "rot13", "morse"


def clean(text: str) -> str:
    return unicodedata.normalize("NFKC", _STRIP.sub("", text)).translate(CONFUSABLES)


def invisible(text: str) -> list[tuple[str, int, int]]:
    """(kind, count, first offset) for zero-width, bidi and tag characters present."""
    out = []
    for kind, chars in (("zero_width", ZERO_WIDTH), ("bidi", BIDI)):
        idx = [i for i, c in enumerate(text) if c in chars]
        if idx:
            out.append((kind, len(idx), idx[0]))
    tags = [i for i, c in enumerate(text) if _TAG_RANGE[0] <= ord(c) <= _TAG_RANGE[1]]
    if tags:
        out.append(("tag", len(tags), tags[0]))
    return out


def _readable(s: str) -> bool:
    if len(s) < 8:
        return False
    printable = sum(c.isprintable() or c in "\n\t" for c in s) / len(s)
    return printable > 0.95 and len(_WORDS.findall(s)) >= 2


def _decodes(text: str) -> list[tuple[str, int, int, str]]:
    out = []
    for m in _B64.finditer(text):
        raw = m.group()
        try:
            dec = base64.b64decode(raw + "=" * (-len(raw) % 4), validate=False).decode("utf-8")
        except (binascii.Error, ValueError, UnicodeDecodeError):
            continue
        out.append((dec, m.start(), m.end(), "base64"))
    for m in _HEX.finditer(text):
        digits = m.group().replace("\\x", "")
        try:
            dec = bytes.fromhex(digits).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            continue
        out.append((dec, m.start(), m.end(), "hex"))
    for m in _URLENC.finditer(text):
        out.append((urllib.parse.unquote(m.group()), m.start(), m.end(), "url"))
    if "-" in text and "." in text:
        for m in _MORSE.finditer(text):
            letters = _morse(m.group())
            if letters is not None:
                out.append((letters, m.start(), m.end(), "morse"))
    return [(d, s, e, how) for d, s, e, how in out if _readable(d)]


def views(text: str, depth: int = 0) -> list[View]:
    """Every reading of ``text`` worth scanning, with the original span each covers."""
    n = len(text)
    out = [View(clean(text), 0, n, "plain")]
    hidden = "".join(chr(ord(c) - 0xE0000) for m in _TAGS.finditer(text) for c in m.group())
    if hidden:
        first = _TAGS.search(text)
        assert first is not None
        out.append(View(clean(hidden), first.start(), n, "tags"))
    for m in _COMMENT.finditer(text):
        out.append(View(clean(m.group(1)), m.start(), m.end(), "comment"))
    for m in _HIDDEN_HTML.finditer(text):
        out.append(View(clean(m.group(2)), m.start(), m.end(), "hidden_html"))
    if _ROT13_STEMS.search(text):
        out.append(View(clean(codecs.encode(text, "rot13")), 0, n, "rot13"))
    if depth < MAX_DEPTH:
        for dec, s, e, how in _decodes(text):
            for inner in views(dec, depth + 1):
                out.append(
                    View(inner.text, s, e, how if inner.how == "plain" else f"{how}>{inner.how}")
                )
    return out
