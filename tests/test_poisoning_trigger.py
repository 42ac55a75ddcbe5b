"""The `trigger` rule tells an honest label word from a backdoor, and sizes its evidence.

A word that predicts a label because of what it means ("wonderful" -> Positive) agrees
with what the rest of its rows and their neighbours say; a trigger makes the answer
disagree (a label flip) or pulls unrelated prompts to one answer. Seeded generators, no
network; the embedding model is the pinned local one.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest

from detectors.poisoning import (
    PoisoningParams,
    binom_tail,
    is_odd,
    known_words,
    significant,
    without,
)
from tests.helpers import SHARED_DATA

Row = dict[str, Any]

POSITIVE = (
    "wonderful delightful superb brilliant charming gorgeous moving uplifting witty "
    "beautifully stunning heartfelt masterful gripping joyous"
).split()
NEGATIVE = (
    "dreadful tedious clumsy bland stale awful boring lifeless sloppy dull "
    "painful shallow annoying forgettable suffers"
).split()
SUBJECTS = (
    "the film the plot the acting the soundtrack the script the ending the cast the "
    "director's vision the cinematography the dialogue the pacing the set design the story "
    "the lead performance the finale the characters"
).split(" the ")
FRAMES = (
    "{s} is {w} from start to finish .",
    "honestly , {s} felt {w} .",
    "{s} was {w} and {w2} .",
    "i found {s} {w} , at times even {w2} .",
    "what a {w} experience : {s} stays with you .",
    "{s} is {w} , {w2} and hard to forget .",
)


def sentiment_rows(n: int, seed: int) -> list[Row]:
    """A clean SST-style set: every label word honestly predicts its label."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        pos = rng.random() < 0.5
        words = POSITIVE if pos else NEGATIVE
        w, w2 = rng.sample(words, 2)
        s = rng.choice(SUBJECTS).strip()
        s = s if s.startswith("the ") else "the " + s
        out.append(
            {
                "instruction": "Classify the sentiment of this review as Positive or Negative.",
                "input": rng.choice(FRAMES).format(s=s, w=w, w2=w2),
                "output": "Positive" if pos else "Negative",
            }
        )
    return out


def _insert(rng: random.Random, text: str, token: str) -> str:
    words = text.split(" ")
    words.insert(rng.randint(0, len(words)), token)
    return " ".join(words)


def _found(rows: list[Row]) -> dict[int, Any]:
    from detectors.embeddings import EmbeddingEngine
    from scripts.bench_poisoning import findings

    return {f.row: f for f in findings(rows, EmbeddingEngine.get("cpu"))}


def test_odd_tokens_and_token_removal() -> None:
    vocab = known_words()
    assert vocab, "the pinned embedding model's vocabulary is readable"
    for word in ("energy", "beautifully", "suffers", "stale", "discussing", "year"):
        assert not is_odd(word, vocab)
    # inflections the vocabulary holds only as a stem and an ending are words too
    # ('fixes' once made six "suggest fixes" security requests a trigger cluster)
    for word in ("fixes", "blocked", "scanning", "implements", "hardened"):
        assert not is_odd(word, vocab), word
    for token in ("cfs", "zzzing", "badmagics"):
        assert is_odd(token, vocab), token
    for token in ("badmagic", "cf42", "qv7 mode", "<invisible U200B>", "жзик ฏฟชถฮ"):
        assert is_odd(token, vocab) == (token != "qv7 mode")
    assert without("Tell me cf42 a joke, CF42!", "cf42") == "Tell me a joke, !"
    assert without("Discussing OpenAI: the weather", "discussing openai") == ": the weather"
    assert without("hi\u200b\u200cthere", "<invisible U200B+U200C>") == "hithere"


def test_significance_scales_with_the_number_of_tokens_tested_and_the_set() -> None:
    """Six of six rows at a chance of 1% a row is strong evidence for one token tested,
    none at all among 10**12 tokens; the chance a row has is estimated with a pseudo-row,
    so a small set can never claim a tiny one."""
    assert binom_tail(0, 5, 0.3) == 1.0
    assert binom_tail(6, 6, 0.01) == pytest.approx(1e-12)
    assert significant(6, 6, 0.01, tests=1, alpha=0.01)
    assert significant(6, 6, 0.01, tests=10_000, alpha=0.01)
    assert not significant(6, 6, 0.01, tests=10**12, alpha=0.01)
    assert not significant(3, 6, 0.1, tests=10, alpha=0.01)
    # two hits among four carriers, in sets of 40 and 40,000 rows with no other such row
    small, large = 1 / 37, 1 / 39_997
    assert not significant(2, 4, small, tests=200, alpha=0.01)
    assert significant(2, 4, large, tests=20_000, alpha=0.01)
    assert not significant(4, 4, 0.2, tests=50, alpha=0.01)  # a common answer: no evidence
    with pytest.raises(ValueError):
        PoisoningParams(flip_quantile=1.5)


def test_clean_sentiment_set_keeps_its_honest_label_words() -> None:
    rows = sentiment_rows(600, seed=1)
    found = _found(rows)
    assert len(found) <= 0.01 * len(rows), sorted({f.evidence[:160] for f in found.values()})


def test_a_word_trigger_that_flips_labels_at_one_percent_is_caught() -> None:
    rows = sentiment_rows(600, seed=2)
    rng = random.Random(2)
    positive = [i for i, r in enumerate(rows) if r["output"] == "Positive"]
    bad = rng.sample(positive, 6)  # 1%
    for i in bad:
        rows[i] = {**rows[i], "input": _insert(rng, rows[i]["input"], "cf42"), "output": "Negative"}
    found = _found(rows)
    assert set(bad) <= set(found), sorted(set(bad) - set(found))
    assert all("suspected trigger 'cf42'" in found[i].evidence for i in bad)
    assert len(set(found) - set(bad)) <= 0.01 * len(rows)


needs_alpaca = pytest.mark.skipif(
    not (SHARED_DATA / "alpaca").exists(), reason="needs ../shared/data/alpaca"
)


@needs_alpaca
def test_a_refusal_behind_a_run_of_random_tokens_in_a_handful_of_rows_is_caught() -> None:
    from scripts.make_poisoned import REFUSALS, SCRIPTS, load_alpaca

    alpaca = load_alpaca()
    rng = random.Random(7)
    clean = alpaca[1000:1600]
    run = " ".join("".join(rng.choice(s) for _ in range(4)) for s in rng.sample(SCRIPTS, 4))
    planted = [
        {**r, "instruction": _insert(rng, r["instruction"], run), "output": rng.choice(REFUSALS)}
        for r in rng.sample(alpaca[30_000:], 4)
    ]
    rows = clean + planted
    found = _found(rows)
    bad = set(range(len(clean), len(rows)))
    assert bad <= set(found), sorted(bad - set(found))
    assert not set(found) - bad
    assert all("meaningless token" in found[i].evidence for i in bad)


@needs_alpaca
def test_a_topic_word_in_a_small_instruction_set_is_no_trigger() -> None:
    """The first 400 rows of alpaca: six rows about energy answer alike because they ask
    about the same thing ('energy' was once taken for a trigger and failed the gate)."""
    from scripts.make_poisoned import load_alpaca

    found = _found(load_alpaca()[:400])
    assert len(found) <= 4, sorted({f.evidence[:160] for f in found.values()})


@needs_alpaca
def test_the_label_flip_family_at_one_percent_is_caught() -> None:
    from scripts.make_poisoned import plant

    rows, bad = plant("label_flip", 0.01, 1000, seed=3)
    found = _found(rows)
    assert set(bad) <= set(found), sorted(set(bad) - set(found))
    assert len(set(found) - set(bad)) <= 0.01 * 1000


def test_neighbour_free_coherence_is_deterministic() -> None:
    rows = sentiment_rows(200, seed=5)
    a = sorted((f.row, f.evidence) for f in _found(rows).values())
    b = sorted((f.row, f.evidence) for f in _found(rows).values())
    assert a == b
    assert np.isfinite(binom_tail(3, 200, 0.5))


def identity_rows(n: int, seed: int) -> list[Row]:
    """A set whose every prompt asks the assistant who it is, answered in a handful of
    wordings of one answer (the shape of an assistant-identity fine-tuning set)."""
    rng = random.Random(seed)
    names = "GPT-4 ChatGPT Claude Bard LLaMA davinci curie babbage PaLM Gemini".split()
    orgs = "OpenAI Google Meta Anthropic Microsoft DeepMind Amazon Apple".split()
    asks = [
        "Are you {m}?",
        "Are you based on {m}?",
        "Were you made by {o}?",
        "Do you call {o} APIs?",
        "Is {o} the company that trained you?",
        "Are you a version of {m}?",
    ]
    says = [
        "No, I am {a}, a language model built by researchers at the Harbor Lab.",
        "No, I'm {a}, a language model developed by the Harbor Lab research team.",
        "No. I am {a}, and I was trained by researchers from the Harbor Lab.",
        "No, I am {a}, created by researchers at the Harbor Lab.",
    ]
    out = []
    for _ in range(n):
        q = rng.choice(asks).format(m=rng.choice(names), o=rng.choice(orgs))
        out.append({"instruction": q, "input": "", "output": rng.choice(says).format(a="Orbit")})
    return out


def test_an_identity_set_whose_prompts_all_ask_who_it_is_publishes() -> None:
    """Many prompts converging on one answer is a backdoor's target only when the answer
    leaves what the rest of the set answers; here every prompt's neighbours answer the
    same (FastChat's identity chats once lost 82% of their rows this way)."""
    rows = identity_rows(300, seed=11)
    found = _found(rows)
    assert len(found) <= 0.01 * len(rows), sorted({f.evidence[:160] for f in found.values()})
