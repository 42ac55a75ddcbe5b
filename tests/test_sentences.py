"""The sentence splitter the row detectors share: untrusted text, so property tests."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.sentences import ENDS, PIECE, SENTENCE, SEPARATORS, real_words, sentences

ALL = ENDS + SEPARATORS
TEXT = st.text(alphabet=st.sampled_from(f"ab c,'-/{ALL}"), max_size=80) | st.text(max_size=80)
SAME_EVERY_RUN = settings(max_examples=300, deadline=None, derandomize=True)


@SAME_EVERY_RUN
@given(TEXT)
def test_sentences_and_pieces_lose_nothing_but_leading_ends(text: str) -> None:
    assert "".join(SENTENCE.findall(text)) == text.lstrip(ENDS)
    assert "".join(PIECE.findall(text)) == text.lstrip(ALL)


@SAME_EVERY_RUN
@given(TEXT)
def test_no_sentence_or_piece_runs_past_an_end(text: str) -> None:
    for s in SENTENCE.findall(text):
        body = s.rstrip(ENDS)
        assert body and not any(c in ENDS for c in body)
    for s in PIECE.findall(text):
        body = s.rstrip(ALL)
        assert body and not any(c in ALL for c in body)


@pytest.mark.parametrize("end", list(ENDS))
def test_every_line_break_and_sentence_mark_ends_a_sentence(end: str) -> None:
    """Lines joined by U+0085 or a full-width full stop were one line, so a request among
    decoys was read only in their windows (harmful_compliance's second review of 0.3.0)."""
    assert sentences(f"one two three{end}four five six", 3)[1] == "four five six"


@pytest.mark.parametrize("sep", list(SEPARATORS))
def test_a_separator_ends_a_piece_but_not_a_sentence(sep: str) -> None:
    """A request written with a pipe in it reads as harm whole and as nothing in halves
    (a review of harmful_compliance 0.4.0): separators cut pieces, read besides."""
    text = f"one two three{sep}four five six"
    assert sentences(text) == [text]
    assert [p.strip() for p in PIECE.findall(text)][1] == "four five six"


@pytest.mark.parametrize("joined", ["and/or", "well-known", "x - y", "l'eau", "1,000"])
def test_words_joined_inside_a_sentence_stay_one(joined: str) -> None:
    assert len(sentences(f"a b {joined} c d")) == 1
    assert len(PIECE.findall(f"a b {joined} c d")) == 1


def test_a_separator_alone_is_not_a_word() -> None:
    assert real_words("Encrypting hospital |") == 2
    assert real_words("db-02 ALERT \u2022 malware") == 3
