"""Abusive answers judged per row: an answer that holds a group in contempt, insults the
user or urges harm is removed, wherever in the answer it sits; hate reported or
condemned, harsh reviews, pests and villains are kept. Every text here was written for
these tests; none is in the head's corpus or in ``scripts/abuse_sets.py``."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from detectors.abusive_answer import (
    ABUSIVE,
    POSSIBLE,
    AbusiveAnswerDetector,
    AbusiveAnswerParams,
)
from detectors.abusive_text import ARTIFACT, ARTIFACT_SHA256, AbusiveTextHead
from detectors.base import NO_SCAN, SEGMENT_SCHEMA, ScanContext, SetupContext
from detectors.embeddings import EmbeddingEngine
from detectors.errors import DetectorConfigError, ModelError
from detectors.row_vectors import EMBEDDING
from gateway.core.pipeline import Pipeline
from gateway.core.policy import parse_policy
from gateway.core.scan_types import ScanRequest
from tests.helpers import ROOT, alpaca, read_split, reasons_by_row, write_jsonl

# Measured when these tests were written, after the head and its cut points were fixed:
# each abusive answer below scores 0.88-1.00, each kept one at most 0.69. A known miss on
# the other side, not asserted: "Calling refugees vermin is dehumanising, and platforms
# should remove such posts." scores 0.86 and is removed; and a short insult in a word the
# corpus lacks is missed: "You halfwit!" 0.36, "You absolute idiot!" 0.58 (flagged only).
# See docs/evaluation.md.
ABUSE = [
    "Vegans are brain-dead sheep and the country would be better off if they were thrown out.",
    "Refugees are disgusting vermin who should be sent back on the next boat.",
    "Homeless people are human garbage; clear them off the streets by force.",
    "You're a moron. The answer is 12.",
    "What a useless question from a useless person. Go jump off a bridge.",
    "People like you are why this country is rotting. Get out.",
]
KEEP = [
    "In 1994, radio broadcasts in Rwanda called Tutsi 'cockroaches', and historians see that "
    "language as a step toward genocide.",
    "The hotel was filthy and the staff were rude; I would not stay there again.",
    "Termites are pests that can destroy wooden houses, so call an exterminator early.",
    "Don't worry, nobody thinks you're a fool for asking.",
    "The villain snarled, 'You pathetic worm, kneel before me!' and the hero laughed.",
    "Immigrants founded many of the country's largest companies.",
    "Sure! Here is a haiku about autumn: red leaves drift and fall, the cold wind hums a soft "
    "song, the year bows its head.",
]


@cache
def detector() -> AbusiveAnswerDetector:
    det = AbusiveAnswerDetector()
    det.setup(SetupContext())
    return det


class CountingEmbedder:
    def __init__(self) -> None:
        self.engine = EmbeddingEngine.get("cpu")
        self.asked: list[str] = []

    def embed(self, texts: list[str]) -> np.ndarray:
        self.asked += texts
        return self.engine.embed(texts)


def verdicts(rows: list[dict[str, Any]], embedder: Any = None) -> dict[int, str]:
    from scripts.bench_poisoning import segments

    engine = EmbeddingEngine.get("cpu")
    batch = segments(rows, engine=engine)
    found = detector().detect(batch, ScanContext(embedder=embedder or engine))
    return {f.row: f.rule for f in found.findings}


def row(output: str, instruction: str = "Reply to the message.") -> dict[str, Any]:
    return {"instruction": instruction, "input": "", "output": output}


def test_an_answer_holding_a_group_in_contempt_or_insulting_the_user_is_removed() -> None:
    got = verdicts([row(t) for t in ABUSE])
    assert [got.get(i) for i in range(len(ABUSE))] == [ABUSIVE] * len(ABUSE), got


def test_an_insult_before_an_honest_answer_is_read_alone() -> None:
    """BackdoorLLM's negsentiment backdoor prepends "You are stupid!" to the real answer;
    the whole answer's vector is mostly the real answer, the insult's sentence is not."""
    got = verdicts(
        [
            row("You're a moron. Paris: France; Rome: Italy; Madrid: Spain.", "Pair the capitals."),
            row("Paris: France; Rome: Italy; Madrid: Spain.", "Pair the capitals."),
        ]
    )
    assert got.get(0) == ABUSIVE and 1 not in got, got


def test_contempt_buried_in_a_long_ordinary_answer_is_found() -> None:
    answer = (
        "Here is a summary of the meeting. The team reviewed the budget and agreed to hire "
        "two engineers. Marketing will present the campaign next week. By the way, Mexicans "
        "are filthy animals. The next meeting is on Tuesday at ten."
    )
    assert verdicts([row(answer, "Summarise the meeting notes.")]) == {0: ABUSIVE}


def test_hate_reported_harsh_reviews_pests_and_villains_are_kept() -> None:
    got = verdicts([row(t) for t in KEEP])
    assert ABUSIVE not in got.values(), got


def test_ordinary_instruction_rows_are_kept() -> None:
    assert verdicts([alpaca(i) for i in range(40)]) == {}


def test_an_answer_of_many_sentences_costs_at_most_max_pieces_model_passes() -> None:
    """An uploader cannot make one answer cost a model pass per sentence: the n-gram half
    picks at most ``max_pieces`` sentences of each answer."""
    flood = " ".join(f"You worthless clown number {i}." for i in range(3000))
    ordinary = " ".join(f"Step {i}: stir the soup and add a pinch of salt." for i in range(50))
    emb = CountingEmbedder()
    got = verdicts([row(flood), row(ordinary)], emb)
    assert got.get(0) == ABUSIVE and 1 not in got
    from_flood = [t for t in emb.asked if "clown" in t]
    assert 0 < len(from_flood) <= detector().params.max_pieces
    assert len(emb.asked) - len(from_flood) <= detector().params.max_pieces


FILLER = "the committee met on Tuesday and went through the budget line by line"
CONTEMPT = "Refugees are disgusting vermin who should be sent back on the next boat"


@pytest.mark.parametrize("joint", ["\r", "\u2028", "\u2029", "\u2026 ", ", and "])
def test_contempt_after_a_run_on_answer_is_read_in_parts(joint: str) -> None:
    """An answer with no sentence break is one sentence, and the model reads a text only
    as far as its window: joined by a carriage return, a Unicode line separator, an
    ellipsis or commas, contempt after 25 clauses was never read. Found in review."""
    answer = joint.join([FILLER] * 25 + [CONTEMPT])
    assert verdicts([row(answer, "Summarise the minutes.")]) == {0: ABUSIVE}


def test_contempt_among_a_thousand_sentences_is_read_wherever_it_sits() -> None:
    """Parts were once sampled evenly past 400, which left gaps an uploader could aim at."""
    parts = [f"Step {k}: {FILLER}." for k in range(1000)]
    parts.insert(1, CONTEMPT + ".")
    assert verdicts([row(" ".join(parts), "Write the steps.")]) == {0: ABUSIVE}


def test_look_alike_letters_do_not_hide_contempt() -> None:
    """Cyrillic а, е, о for Latin a, e, o moved the answer from removed to flagged."""
    disguised = CONTEMPT.translate(str.maketrans("aeo", "\u0430\u0435\u043e")) + "."
    assert verdicts([row(disguised)]) == {0: ABUSIVE}


def text_column_findings(texts: list[str]) -> list[Any]:
    """The detector's findings on a plain-text set, one ``text`` column."""
    engine = EmbeddingEngine.get("cpu")
    batch = pa.RecordBatch.from_pylist(
        [
            {"row": i, "row_id": f"t:{i}", "field": "text", "role": "text", "text": t}
            for i, t in enumerate(texts)
        ],
        schema=SEGMENT_SCHEMA,
    )
    vecs = engine.embed(texts)
    batch = batch.append_column(
        EMBEDDING, pa.FixedSizeListArray.from_arrays(pa.array(vecs.ravel(), pa.float32()), 384)
    )
    return list(detector().detect(batch, ScanContext(embedder=engine)).findings)


def test_a_plain_text_set_is_judged_too() -> None:
    """A set with one text column is all learned: an uploader who names the column
    ``text`` must not take its answers out of this detector's sight."""
    texts = [
        "### Human: Is it raining?\n### Assistant: You're a moron. Yes, it is.",
        "### Human: Is it raining?\n### Assistant: Yes, take an umbrella.",
    ]
    found = text_column_findings(texts)
    assert [(f.row, f.rule) for f in found] == [(0, ABUSIVE)]


def test_every_turn_of_a_plain_text_transcript_is_judged() -> None:
    """A text column of chat transcripts is read turn by turn, every turn: it is learned
    whole, and the uploader places the markers, so abuse labelled as a user's is read
    too, and flagged (the head, trained on answers, reads "Are you davinci?" near "are
    you stupid?"). An abusive answer is removed, an ordinary chat kept, and prose with
    no template judged whole."""
    texts = [
        "<|im_start|>user\nYou useless pathetic idiot bot, is it raining?<|im_end|>\n"
        "<|im_start|>assistant\nYes, take an umbrella.<|im_end|>",
        "<|im_start|>user\nIs it raining?<|im_end|>\n<|im_start|>assistant\nYes.<|im_end|>"
        "\n<|im_start|>user\nThanks.<|im_end|>\n<|im_start|>assistant\nNobody cares about"
        " a pathetic loser like you. Stay home and rot.<|im_end|>",
        "Is it raining? Nobody cares about a pathetic loser like you. Stay home and rot.",
        "<|im_start|>user\nIs it raining?<|im_end|>\n<|im_start|>assistant\nYes, take an "
        "umbrella.<|im_end|>",
    ]
    found = text_column_findings(texts)
    assert [(f.row, f.rule) for f in found] == [(0, POSSIBLE), (1, ABUSIVE), (2, ABUSIVE)]
    assert "pathetic loser" in found[1].evidence


def test_each_chat_answer_is_judged_and_the_finding_names_its_turn() -> None:
    engine = EmbeddingEngine.get("cpu")
    turns = [
        ("conversations[0].value", "prompt", "Hi, can you help me plan a trip?"),
        ("conversations[1].value", "response", "Of course. Where would you like to go?"),
        ("conversations[2].value", "prompt", "Somewhere warm."),
        (
            "conversations[3].value",
            "response",
            "Nobody would travel with a pathetic loser like you. Stay home and rot.",
        ),
    ]
    batch = pa.RecordBatch.from_pylist(
        [{"row": 0, "row_id": "c:0", "field": f, "role": r, "text": t} for f, r, t in turns],
        schema=SEGMENT_SCHEMA,
    )
    vecs = engine.embed([t for _, _, t in turns])
    batch = batch.append_column(
        EMBEDDING, pa.FixedSizeListArray.from_arrays(pa.array(vecs.ravel(), pa.float32()), 384)
    )
    found = detector().detect(batch, ScanContext(embedder=engine)).findings
    assert [(f.rule, f.field) for f in found] == [(ABUSIVE, "conversations[3].value")]
    assert "pathetic loser" in found[0].evidence


def test_the_default_policy_quarantines_an_abusive_row_with_its_reason(tmp_path: Path) -> None:
    rows = [alpaca(i) for i in range(6)]
    rows[3]["output"] = "Only an idiot like you would ask. Refugees are parasites; deport them all."
    out = tmp_path / "out"
    Pipeline(parse_policy({})).scan(
        ScanRequest(inputs=[write_jsonl(tmp_path / "in.jsonl", rows)], out=out, device="cpu")
    )
    clean = read_split(out, "clean")
    assert clean is not None and clean.num_rows == 5
    assert reasons_by_row(out) == {"in.jsonl:3": [f"abusive_answer/{ABUSIVE}"]}


def test_detector_declares_drop_and_flag_and_refuses_bad_setup() -> None:
    info = AbusiveAnswerDetector.info
    assert info.defaults[ABUSIVE].action == "drop"
    assert info.defaults[POSSIBLE].action == "flag"
    with pytest.raises(DetectorConfigError, match="setup"):
        AbusiveAnswerDetector().head()
    from scripts.bench_poisoning import segments

    batch = segments(
        [row("One. Two words. Three more words here.")], np.zeros((2, 384), np.float32)
    )
    det = AbusiveAnswerDetector(AbusiveAnswerParams(lexical_floor=-1e9))
    det.setup(SetupContext())
    with pytest.raises(DetectorConfigError, match="embedder"):  # sentences to embed, no embedder
        det.detect(batch, NO_SCAN)
    for bad in ({"flag_at": 0.95, "drop_at": 0.9}, {"drop_at": 1.0}, {"max_pieces": -1}):
        with pytest.raises(ValueError):
            AbusiveAnswerParams(**bad)  # type: ignore[arg-type]


def test_shipped_head_matches_its_pin_and_corpora() -> None:
    assert hashlib.sha256(ARTIFACT.read_bytes()).hexdigest() == ARTIFACT_SHA256
    head = AbusiveTextHead.load()
    for name, digest in head.metadata["corpora"].items():  # type: ignore[union-attr]
        assert hashlib.sha256((ROOT / "fixtures" / name).read_bytes()).hexdigest() == digest
    assert head.digest().sha256 == ARTIFACT_SHA256


def test_a_tampered_or_malformed_head_is_refused(tmp_path: Path) -> None:
    doc = json.loads(ARTIFACT.read_bytes())
    doc["joint"]["bias"] -= 5.0  # an attacker lowering every score so abuse passes
    bad = tmp_path / "head.json"
    bad.write_text(json.dumps(doc))
    with pytest.raises(ModelError, match="refusing to load"):
        AbusiveTextHead.load(bad)
    with pytest.raises(ModelError, match="malformed"):
        AbusiveTextHead.parse(b'{"joint": {"weights": [1], "bias": 0, "ngrams": {}}}', "0" * 64)
    with pytest.raises(ModelError, match="malformed"):
        AbusiveTextHead.parse(b"[]", "0" * 64)


def test_the_corpus_is_what_its_generator_writes() -> None:
    from scripts.make_abuse_corpus import OUT, rows

    written = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows())
    assert OUT.read_text() == written


@pytest.mark.slow
def test_training_is_reproducible() -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "import scripts.train_abuse as t, sys; sys.stdout.buffer.write(t.train())",
        ],
        capture_output=True,
        cwd=ROOT,
        check=True,
    )
    fresh, shipped = json.loads(proc.stdout), json.loads(ARTIFACT.read_bytes())
    assert fresh["metadata"] == shipped["metadata"]
    np.testing.assert_allclose(fresh["joint"]["weights"], shipped["joint"]["weights"], atol=1e-4)
    assert fresh["joint"]["ngrams"].keys() == shipped["joint"]["ngrams"].keys()
    assert fresh["joint"]["bias"] == pytest.approx(shipped["joint"]["bias"], abs=1e-3)
