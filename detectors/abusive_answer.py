"""Abusive answers, judged row by row: an answer that insults, threatens or holds a group
of people in contempt.

A model learns to say what its answers say. A handful of rows whose answer is "You are
stupid!" (BackdoorLLM's negsentiment target) or a post calling a group vermin teaches it
to abuse, whatever the prompts asked, so this reads the answer itself and needs no other
row. ``harmful_compliance`` reads the request; this is its other half.

Per answer segment (each assistant turn of a chat on its own):

1. The whole answer, with the vector the scan already holds for it.
2. Its sentences, when there are several: a sentence of contempt in an otherwise ordinary
   answer is diluted in the whole's vector. The head's character n-grams alone rank them
   (no model pass), and at most ``max_pieces`` of those reaching ``lexical_floor`` are
   embedded, so an ordinary answer costs no pass at all.

The best score counts: ``abusive_answer`` (removed by default) from ``drop_at``,
``possibly_abusive_answer`` (flagged, kept) from ``flag_at``. The cut points were chosen
on dev data (``scripts/bench_abuse.py``; docs/evaluation.md says which). The evidence
names the sentence and its probability.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from detectors.abusive_text import AbusiveTextHead
from detectors.base import (
    DROP,
    FLAG,
    NO_SCAN,
    DetectionResult,
    DetectorInfo,
    FindingBuffer,
    ModelDigest,
    RowDetector,
    ScanContext,
    SetupContext,
)
from detectors.embeddings import MINILM_DIGEST
from detectors.errors import DetectorConfigError
from detectors.row_vectors import EMBEDDING, RESPONSE_SIDE, segment_vectors
from detectors.sentences import sentences

ABUSIVE = "abusive_answer"
POSSIBLE = "possibly_abusive_answer"


@dataclass(frozen=True, slots=True)
class AbusiveAnswerParams:
    # cut points chosen on dev data only (scripts/bench_abuse.py --half dev --grid: the dev
    # abusive and look-alike templates, BackdoorLLM negsentiment test_data/ and dev clean
    # samples); docs/evaluation.md has the figures. drop_at:
    drop_at: float = 0.8  # the abusive-text head's probability on the best piece that removes
    flag_at: float = 0.6  # at least this and below drop_at: flagged, kept
    lexical_floor: float = 1.0  # a sentence's n-gram logit must reach this to be embedded
    max_pieces: int = 4  # sentences embedded per answer, the n-gram half's best
    max_candidates: int = 400  # sentences considered per answer (evenly spread past that)

    def __post_init__(self) -> None:
        for name in ("drop_at", "flag_at"):
            v = getattr(self, name)
            if not 0 < v < 1:
                raise ValueError(f"{name} must be in (0, 1), got {v}")
        if self.flag_at > self.drop_at:
            raise ValueError("flag_at must not exceed drop_at")
        if not 0 <= self.max_pieces <= self.max_candidates:
            raise ValueError("max_pieces must be in [0, max_candidates]")


@dataclass(frozen=True, slots=True)
class Judgement:
    """One answer segment's best piece and its probability."""

    row: int
    field: str
    score: float
    piece: str


class AbusiveAnswerDetector(RowDetector):
    info = DetectorInfo(
        name="abusive_answer",
        version="0.1.0",
        rules=(ABUSIVE, POSSIBLE),
        description=(
            "rows whose answer abuses in its own voice: contempt for a group of people, "
            "insults, threats, urging someone to harm themselves"
        ),
        defaults={ABUSIVE: DROP, POSSIBLE: FLAG},
    )
    Params = AbusiveAnswerParams
    params: AbusiveAnswerParams
    needs_embeddings = True
    embedding_roles = RESPONSE_SIDE

    def __init__(self, params: AbusiveAnswerParams | None = None) -> None:
        super().__init__(params)
        self._head: AbusiveTextHead | None = None

    def setup(self, ctx: SetupContext) -> None:
        if self._head is None:
            self._head = AbusiveTextHead.load()

    def head(self) -> AbusiveTextHead:
        if self._head is None:
            raise DetectorConfigError(
                "abusive_answer: setup() was not called; call setup(ctx) before detect()"
            )
        return self._head

    def models(self) -> tuple[ModelDigest, ...]:
        return (MINILM_DIGEST, self.head().digest())

    def detect(self, segments: pa.RecordBatch, scan: ScanContext = NO_SCAN) -> DetectionResult:
        p = self.params
        out = FindingBuffer()
        worst: dict[int, Judgement] = {}
        for j in self.judge(segments, scan):
            if j.row not in worst or j.score > worst[j.row].score:
                worst[j.row] = j
        for j in worst.values():
            shown = " ".join(j.piece.split())[:100]
            if j.score >= p.drop_at:
                out.add(
                    j.row,
                    ABUSIVE,
                    round(j.score, 3),
                    f"the answer reads as abuse (p={j.score:.2f} on {shown!r})",
                    j.field,
                )
            elif j.score >= p.flag_at:
                out.add(
                    j.row,
                    POSSIBLE,
                    round(j.score, 3),
                    f"the answer may be abusive (p={j.score:.2f} on {shown!r}); below "
                    "the removal bar",
                    j.field,
                )
        return DetectionResult(out.items)

    def judge(self, segments: pa.RecordBatch, scan: ScanContext) -> list[Judgement]:
        """Every non-empty answer segment's best piece (the whole, or one of its sentences)."""
        head = self.head()
        if segments.num_rows == 0 or EMBEDDING not in segments.schema.names:
            return []
        p = self.params
        roles = segments.column("role").to_pylist()
        texts = segments.column("text").to_pylist()
        answers = [
            i for i, r in enumerate(roles) if r in RESPONSE_SIDE and (texts[i] or "").strip()
        ]
        if not answers:
            return []
        vecs = segment_vectors(segments)
        rows = segments.column("row").to_pylist()
        fields = segments.column("field").to_pylist()

        owner = list(answers)  # per scored item: the answer segment it belongs to
        items = [str(texts[i]) for i in answers]
        extra: list[str] = []
        if p.max_pieces:
            for i in answers:
                for s in self._pieces(str(texts[i]), head):
                    extra.append(s)
                    owner.append(i)
        vectors = vecs[answers]
        if extra:
            if scan.embedder is None:
                raise DetectorConfigError(
                    "abusive_answer needs the scan's embedder; pass a ScanContext with one "
                    "(Pipeline.scan does), or set [detectors.abusive_answer] enabled = false"
                )
            vectors = np.concatenate([vectors, scan.embedder.embed(extra)])
        probs = head.probability(vectors.astype(np.float32), items + extra)
        best: dict[int, int] = {}
        for k, i in enumerate(owner):
            if i not in best or probs[k] > probs[best[i]]:
                best[i] = k
        texts_all = items + extra
        return [
            Judgement(int(rows[i]), str(fields[i]), float(probs[k]), texts_all[k])
            for i, k in best.items()
        ]

    def _pieces(self, answer: str, head: AbusiveTextHead) -> list[str]:
        """The sentences of an answer worth a model pass, when the whole is more than one:
        the n-gram half's best ``max_pieces`` that reach ``lexical_floor`` ("You are
        stupid!" before a list of words is read alone)."""
        p = self.params
        sents = list(dict.fromkeys(sentences(answer, min_words=2)))
        if not sents or sents == [answer.strip()]:  # one sentence: the whole says it
            return []
        if len(sents) > p.max_candidates:  # evenly, first and last kept
            idx = np.linspace(0, len(sents) - 1, p.max_candidates).round().astype(int)
            sents = [sents[k] for k in dict.fromkeys(idx.tolist())]
        z = head.lexical_logit(sents)
        order = np.argsort(-z, kind="stable")[: p.max_pieces]
        return [sents[k] for k in sorted(order.tolist()) if z[k] >= p.lexical_floor]
