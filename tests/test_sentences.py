"""The sentence splitter the row detectors share: untrusted text, so property tests."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from detectors.sentences import ENDS, SENTENCE, sentences

TEXT = st.text(alphabet=st.sampled_from(f"ab c,'-/{ENDS}"), max_size=80) | st.text(max_size=80)


@given(TEXT)
def test_sentences_lose_nothing_but_leading_separators(text: str) -> None:
    assert "".join(SENTENCE.findall(text)) == text.lstrip(ENDS)


@given(TEXT)
def test_no_sentence_runs_past_an_end(text: str) -> None:
    for s in SENTENCE.findall(text):
        body = s.rstrip(ENDS)
        assert body and not any(c in ENDS for c in body)


@pytest.mark.parametrize("end", list(ENDS))
def test_every_line_end_a_reader_knows_splits_a_line(end: str) -> None:
    """An uploader picks how a prompt's lines are joined: each of these hid a request
    among decoys when it did not split (harmful_compliance's second review of 0.3.0)."""
    assert sentences(f"one two three{end}four five six", 3)[1] == "four five six"


@pytest.mark.parametrize("joined", ["and/or", "well-known", "x - y", "l'eau", "1,000"])
def test_words_joined_inside_a_sentence_stay_one(joined: str) -> None:
    assert len(sentences(f"a b {joined} c d")) == 1
