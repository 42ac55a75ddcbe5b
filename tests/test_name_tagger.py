"""The fine-tuned name tagger: pinned, read in windows, and finding the names of private
people that spaCy sm missed. Every sentence here was written for these tests."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detectors.errors import ModelError
from detectors.name_tagger import ARTIFACT, ARTIFACT_SHA256, NameTagger, decode


@cache
def tagger() -> NameTagger:
    return NameTagger.load("cpu")


def names(text: str) -> set[str]:
    return {text[a:b] for a, b in tagger().names([text])[0]}


@pytest.mark.parametrize(
    "text,name",
    [
        ("Patient: Sofia Haddad, SSN 123-45-6789, seen on Monday.", "Sofia Haddad"),
        ("Charge the card for Tomasz Romano before Friday.", "Tomasz Romano"),
        ("Customer Maria Raman wrote in about her refund.", "Maria Raman"),
        ("Hi Anneliese, can you meet me at the station at six?", "Anneliese"),
    ],
)
def test_names_beside_identifiers_and_greetings_are_found(text: str, name: str) -> None:
    assert name in names(text)


def test_common_nouns_and_chemistry_are_not_names() -> None:
    assert names("Name three elements: boron, carbon and oxygen.") == set()
    assert names("List four jobs: accountant, chef, surgeon and plumber.") == set()


def test_no_texts_no_names() -> None:
    """A batch where no text needed names once crashed the tokenizer."""
    assert tagger().names([]) == []
    assert tagger().names(["", "   "]) == [set(), set()]


def test_a_name_past_the_model_window_is_read() -> None:
    """A text longer than 256 word pieces is read in overlapping windows; a name in the
    last one is still found."""
    text = "The weather was mild and the garden was quiet that week. " * 40
    text += "Please forward the invoice to Helena Markovic at the main office."
    assert "Helena Markovic" in names(text)


def test_a_tampered_tagger_file_is_refused(tmp_path: Path) -> None:
    """A swapped weights file would decide which names leave the firewall: it must not
    load under the pinned digest."""
    bad = tmp_path / ARTIFACT.name
    raw = bytearray(ARTIFACT.read_bytes())
    raw[-1] ^= 1
    bad.write_bytes(bytes(raw))
    with pytest.raises(ModelError, match="refusing to load"):
        NameTagger.load("cpu", bad, ARTIFACT_SHA256)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_hostile_text_gives_spans_inside_it(text: str) -> None:
    for a, b in tagger().names([text])[0]:
        assert 0 <= a < b <= len(text)


def test_decode_joins_pieces_of_one_name_and_splits_two() -> None:
    text = "Ann Lee and Bo Chan"
    spans = [(0, 3), (4, 7), (8, 11), (12, 14), (15, 19)]
    assert decode(spans, np.array([1, 2, 0, 1, 2]), text) == {(0, 7), (12, 19)}


def test_a_zero_width_space_does_not_drop_the_surname() -> None:
    """An I piece after a gap the tokenizer dropped (a zero-width space) was discarded,
    so 'Haddad' stayed in the published text."""
    text = "Sofia\u200b Haddad"
    assert decode([(0, 5), (7, 13)], np.array([1, 2]), text) == {(0, 5), (7, 13)}


def test_the_tagger_never_shares_the_engine_tokenizer() -> None:
    """Each call sets truncation on the tokenizer it uses: shared, a tagger call in one
    scan's thread left the embedding engine of another scan truncating (it under-counted
    cut texts) and the engine left the tagger reading windows past the model's 512
    positions (the scan failed)."""
    from detectors.embeddings import EmbeddingEngine

    assert tagger().tokenizer is not EmbeddingEngine.get("cpu").model.tokenizer


def test_many_texts_are_tagged_a_chunk_at_a_time() -> None:
    text = "Please send the forms to Helena Markovic today. "
    got = tagger().names([text] * 5000)  # 240,000 characters: two chunks
    assert all("Helena Markovic" in {text[a:b] for a, b in g} for g in got)
