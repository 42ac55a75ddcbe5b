"""The tagger's sentences in seven languages: names marked where they are, nothing else
marked, and nothing taken from the benchmark that judges the tagger."""

from __future__ import annotations

import re

import pytest

from scripts import name_tagger_synth as synth
from scripts.pii_multilingual import TEMPLATES

SENTENCES = synth.generate(1400, seed=3)


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W\d_]+", text.casefold())


def test_the_same_seed_gives_the_same_sentences() -> None:
    assert synth.generate(200, seed=3) == SENTENCES[:200]
    assert synth.generate(200, seed=4) != SENTENCES[:200]


def test_every_span_is_a_name_from_the_lists() -> None:
    known = synth.names_in_lists()
    for text, spans in SENTENCES:
        for a, b in spans:
            value = text[a:b]
            assert value == value.strip(), (text, value)
            assert value[0].isupper() or value.split()[0] in ("de", "van"), (text, value)
            assert all(w in known for w in _words(value) if w not in ("de", "van", "der"))


def test_no_listed_name_is_left_unmarked() -> None:
    """A name from the lists outside every span would teach the tagger that it is none."""
    known = synth.names_in_lists()
    for text, spans in SENTENCES:
        for m in re.finditer(r"[^\W\d_]+", text):
            if m.group().casefold() in known and m.group()[0].isupper():
                assert any(a <= m.start() and m.end() <= b for a, b in spans), (text, m.group())


def test_a_third_of_the_sentences_name_no_one_and_every_language_is_there() -> None:
    empty = sum(not spans for _, spans in SENTENCES)
    assert 0.3 < empty / len(SENTENCES) < 0.37
    for lang in synth.LANGUAGES:
        assert synth.people(lang)


@pytest.mark.parametrize(
    ("nom", "woman", "forms"),
    [
        ("Zieliński", False, ("Zielińskiego", "Zielińskiemu", "Zielińskim")),
        ("Zieliński", True, ("Zielińskiej", "Zielińskiej", "Zielińską")),
        ("Sikora", False, ("Sikory", "Sikorze", "Sikorą")),
        ("Duda", True, ("Dudy", "Dudzie", "Dudą")),
        ("Kubiak", False, ("Kubiaka", "Kubiakowi", "Kubiakiem")),
        ("Kubiak", True, ("Kubiak", "Kubiak", "Kubiak")),
        ("Król", False, ("Króla", "Królowi", "Królem")),
    ],
)
def test_polish_surnames_are_declined(nom: str, woman: bool, forms: tuple[str, ...]) -> None:
    got = synth._pl_surname(nom, woman)
    assert (got["gen"], got["dat"], got["ins"]) == forms


def test_no_frame_shares_five_words_with_the_benchmark() -> None:
    """The benchmark (scripts/pii_multilingual) judges the tagger; a frame copied from it
    would make its figures a test on training data."""

    def runs(text: str) -> set[tuple[str, ...]]:
        out: set[tuple[str, ...]] = set()
        for part in re.split(r"\{[^{}]*\}", text):  # a slot breaks a run
            w = _words(part)
            out |= {tuple(w[k : k + 5]) for k in range(len(w) - 4)}
        return out

    bench: set[tuple[str, ...]] = set()
    for halves in TEMPLATES.values():
        for named in halves.values():
            for template in named.values():
                bench |= runs(template)
    frames = [f for pool in (synth._FRAMES, synth._NO_PERSON) for fs in pool.values() for f in fs]
    shared = {f: runs(f) & bench for f in frames if runs(f) & bench}
    assert not shared


def test_a_post_keeps_its_names_where_they_are() -> None:
    posts = [(t, s) for t, s in SENTENCES if "#" in t]
    assert posts
    for text, spans in posts:
        assert all(text[a:b] and not re.search(r"[#\s]$", text[a:b]) for a, b in spans)
