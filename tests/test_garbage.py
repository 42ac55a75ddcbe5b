"""Garbage answers: text no language or code produces is dropped, row by row, with
evidence that says what was seen; code, URLs, hashes and base64 are honest."""

from __future__ import annotations

import base64
import hashlib
import random

import pytest

from detectors.outliers import OutlierParams, garbage
from scripts.bench_garbage import KINDS, garbage_answer

P = OutlierParams()
DROP_RULES = {
    "garbage_symbols",
    "repeated_token",
    "long_word",
    "random_characters",
    "keyboard_mash",
    "repeated_pattern",
}


def rule(text: str) -> str | None:
    g = garbage(text, P)
    return g[0] if g else None


def test_a_4000_character_laugh_with_no_space_is_dropped() -> None:
    g = garbage("ha" * 2000, P)
    assert g is not None and g[0] == "long_word"
    assert "repeats 'ha'" in g[1]


def test_600_random_printable_characters_as_an_answer_are_dropped() -> None:
    import string

    rng = random.Random(5)
    alphabet = string.ascii_letters + string.digits + string.punctuation
    assert rule("".join(rng.choice(alphabet) for _ in range(600))) in DROP_RULES
    spaced = alphabet + " " * 8
    assert rule("".join(rng.choice(spaced) for _ in range(600))) == "random_characters"


def test_keyboard_mash_and_random_strings_as_answers_are_dropped() -> None:
    assert rule("asdfghjkl sdfkjh qwerty lkjhgf zxcvbnm asdf jkl;jkl") == "keyboard_mash"
    rng = random.Random(1)
    caught = {k: 0 for k in KINDS}
    for k in range(200):
        kind = KINDS[k % len(KINDS)]
        caught[kind] += rule(garbage_answer(rng, kind)) in DROP_RULES
    assert all(v >= 45 for v in caught.values()), caught  # of 50 each


def test_repeated_syllables_are_dropped() -> None:
    assert rule(" ".join(["lol", "lolol", "haha"] * 20)) == "repeated_pattern"
    assert rule("-".join(["ha", "hehe", "la"] * 40)) in DROP_RULES


CODE = '''def checksum(path: str) -> str:
    """SHA-256 of a file, read in blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 16), b""):
            h.update(block)
    return h.hexdigest()  # e.g. 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
'''


def test_code_urls_and_hashes_are_not_garbage() -> None:
    digest = hashlib.sha256(b"x").hexdigest()
    blob = base64.b64encode(random.Random(2).randbytes(600)).decode()
    honest = [
        CODE,
        "See https://example.com/search?q=" + "a%20b" * 60 + "&lang=en for details.",
        f"The file's SHA-256 is {digest} and its SHA-512 is {hashlib.sha512(b'x').hexdigest()}.",
        f"Decode this image:\n```\n{blob}\n```\nIt is a PNG.",
        f"The attachment, base64 encoded: {blob}",
        "The regex ^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}"
        "[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$ matches e-mail.",
        "x = [" + ",".join(str(i * 0.37) for i in range(60)) + "]",
        "The sequence ATGCGTACGTTAGCCGATCGATCGGCTAGCTAGCTAGGCTAGCATCGATCGATGCATGCTAGCTAGCATGCA"
        "TCGATCGTAGCTAGCTAGCTAGCATCGATCGATCGTAGCTAGCTAGCATCGATGCATCGATCGATCGATCGATGCTAGCTA.",
        "1969 年的石墙起义被认为是 LGBTQ+ 权利运动发展的关键时刻。纽约市 The Stonewall Inn 爆发了"
        "一系列自发示威。" * 3,
        "Strengths, lengths and twelfths: English has consonant clusters too, as do the "
        "Czech words scvrnkls and strč prst skrz krk.",
        "| Rating | Share |\n| ------ | ----- |\n"
        + "".join(f"| {i} | {i % 7}% |\n" for i in range(40)),
        "C:\\Users\\me\\AppData\\Local\\Programs\\Python\\Python312\\Lib\\site-packages"
        "\\numpy\\core\\include\\numpy\\ndarraytypes.h and /usr/lib/python3/dist-packages/"
        "numpy/core/include/numpy/ndarraytypes.h",
    ]
    for text in honest:
        assert garbage(text, P) is None, (garbage(text, P), text[:80])


@pytest.mark.parametrize("words", [60, 3000])
def test_long_honest_prose_is_not_a_repeated_pattern(words: int) -> None:
    from tests.helpers import WORDS

    rng = random.Random(words)
    assert rule(" ".join(rng.choice(WORDS) for _ in range(words))) is None


def test_a_long_word_cannot_stall_the_url_check() -> None:
    """The URL pattern once retried every start of a space-free run to its end: an
    80,000-letter word took 53 s, and one 2 MiB word in an upload would stall the scan."""
    import time

    from detectors.outliers import honest_token

    started = time.process_time()
    honest_token("a" * 500_000)  # judged, whatever it is
    honest_token("1" * 500_000 + "x")
    assert time.process_time() - started < 2.0
    assert honest_token("https://example.org/" + "a" * 400) == "URL"
    assert honest_token("see:1http://x.y/" + "b" * 300) == "URL"
