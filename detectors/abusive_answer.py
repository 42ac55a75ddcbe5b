"""Abusive answers, judged row by row: an answer that insults, threatens or holds a group
of people in contempt.

A model learns to say what its answers say. A handful of rows whose answer is "You are
stupid!" (BackdoorLLM's negsentiment target) or a post calling a group vermin teaches it
to abuse, whatever the prompts asked, so this reads the answer itself and needs no other
row. ``harmful_compliance`` reads the request; this is its other half.

Per answer segment (each assistant turn of a chat on its own, and the one column of a
plain-text set, all of which the model learns to say; a plain-text set that holds chat
transcripts is read turn by turn, every turn: a text column is usually learned whole, and
its markers are the uploader's to place, so a "user" label hides nothing):

1. The whole answer, with the vector the scan already holds for it.
2. Its parts: sentences, and word windows over a sentence too long for one (a run-on
   answer is otherwise read only as far as the model's window). A sentence of contempt
   in an otherwise ordinary answer is diluted in the whole's vector. The head's
   character n-grams alone rank every part (no model pass), and at most ``max_pieces``
   of those reaching ``lexical_floor`` are embedded, so most ordinary answers cost no
   pass at all.
3. The answer with look-alike letters and invisible characters undone, when that changes
   its letters (Cyrillic "а" for Latin "a" otherwise lowers every score).

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
from detectors.decoders import clean
from detectors.embeddings import MINILM_DIGEST
from detectors.errors import DetectorConfigError
from detectors.row_vectors import EMBEDDING, RESPONSE_SIDE, segment_vectors
from detectors.sentences import sentences
from detectors.transcript import TRANSCRIPT_ROLES, parse

ABUSIVE = "abusive_answer"
# answers, and the one column of a plain-text set: all of it is what the model learns to say
JUDGED = RESPONSE_SIDE | {"text"}
POSSIBLE = "possibly_abusive_answer"


def _letters(text: str) -> list[str]:
    """The letters and digits of a text: what undoing look-alikes changes that matters
    (full-width punctuation in Chinese text, or a no-break space, costs no pass)."""
    return [c.casefold() for c in text if c.isalnum()]


@dataclass(frozen=True, slots=True)
class AbusiveAnswerParams:
    # cut points chosen on dev data only (scripts/bench_abuse.py --half dev --grid: the dev
    # abusive and look-alike templates, BackdoorLLM negsentiment test_data/ and dev clean
    # samples); docs/evaluation.md has the figures. drop_at:
    drop_at: float = 0.8  # the abusive-text head's probability on the best piece that removes
    flag_at: float = 0.6  # at least this and below drop_at: flagged, kept
    lexical_floor: float = 1.0  # a part's n-gram logit must reach this to be embedded
    max_pieces: int = 4  # parts embedded per answer, the n-gram half's best
    window_words: int = 40  # a sentence longer than this is also read in windows of it

    def __post_init__(self) -> None:
        for name in ("drop_at", "flag_at"):
            v = getattr(self, name)
            if not 0 < v < 1:
                raise ValueError(f"{name} must be in (0, 1), got {v}")
        if self.flag_at > self.drop_at:
            raise ValueError("flag_at must not exceed drop_at")
        if self.max_pieces < 0 or self.window_words < 4:
            raise ValueError("max_pieces must be >= 0 and window_words >= 4")


@dataclass(frozen=True, slots=True)
class Judgement:
    """One answer segment's best piece and its probability."""

    row: int
    field: str
    score: float
    piece: str
    # from a transcript's user, system or input turn: the head learned answers, and reads
    # a user's "Are you davinci?" near "are you stupid?", so such a turn is only flagged,
    # and only from drop_at
    asked: bool = False

    def verdict(self, p: AbusiveAnswerParams) -> str | None:
        if self.asked:
            return POSSIBLE if self.score >= p.drop_at else None
        if self.score >= p.drop_at:
            return ABUSIVE
        return POSSIBLE if self.score >= p.flag_at else None


_SEVERITY = {ABUSIVE: 2, POSSIBLE: 1, None: 0}


class AbusiveAnswerDetector(RowDetector):
    info = DetectorInfo(
        name="abusive_answer",
        # 0.1.1: sentences also end at U+0085 and the other line breaks, and at the
        # sentence marks of more scripts (detectors/sentences.py)
        version="0.1.1",
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
    embedding_roles = JUDGED

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
            was = worst.get(j.row)
            if was is None or (_SEVERITY[j.verdict(p)], j.score) > (
                _SEVERITY[was.verdict(p)],
                was.score,
            ):
                worst[j.row] = j
        for j in worst.values():
            shown = " ".join(j.piece.split())[:100]
            verdict = j.verdict(p)
            if verdict == ABUSIVE:
                out.add(
                    j.row,
                    ABUSIVE,
                    round(j.score, 3),
                    f"the answer reads as abuse (p={j.score:.2f} on {shown!r})",
                    j.field,
                )
            elif verdict == POSSIBLE:
                out.add(
                    j.row,
                    POSSIBLE,
                    round(j.score, 3),
                    f"a turn of the transcript that is not an answer reads as abuse "
                    f"(p={j.score:.2f} on {shown!r}); flagged, never removed"
                    if j.asked
                    else f"the answer may be abusive (p={j.score:.2f} on {shown!r}); below "
                    "the removal bar",
                    j.field,
                )
        return DetectionResult(out.items)

    def judge(self, segments: pa.RecordBatch, scan: ScanContext) -> list[Judgement]:
        """Every non-empty answer segment's best piece (the whole, or one of its parts)."""
        head = self.head()
        if segments.num_rows == 0 or EMBEDDING not in segments.schema.names:
            return []
        roles = segments.column("role").to_pylist()
        texts = segments.column("text").to_pylist()
        answers = [i for i, r in enumerate(roles) if r in JUDGED and (texts[i] or "").strip()]
        if not answers:
            return []
        vecs = segment_vectors(segments)
        rows = segments.column("row").to_pylist()
        fields = segments.column("field").to_pylist()

        # a plain-text transcript is judged turn by turn, every turn (learned whole; the
        # uploader places the markers); a turn that is not an answer is only flagged
        units: list[tuple[int, str]] = []  # (answer segment, text judged whole)
        whole: list[int] = []  # units that are a whole segment, with the scan's vector
        asked: set[int] = set()  # units from a transcript's turns that are not answers
        for i in answers:
            got = parse(str(texts[i])) if roles[i] in TRANSCRIPT_ROLES else None
            if got is None:
                whole.append(len(units))
                units.append((i, str(texts[i])))
                continue
            for t, body in zip(got.turns, got.texts(str(texts[i])), strict=True):
                if t.role not in RESPONSE_SIDE:
                    asked.add(len(units))
                units.append((i, body))
        whole_set = set(whole)
        turns = [k for k in range(len(units)) if k not in whole_set]

        # the wholes, with the scan's vectors; then each answer's chosen parts, to embed.
        # Every text's n-gram half is computed in one call, so each word is cut once.
        items = [t for _, t in units]
        split = [self._parts(t) for t in items]
        flat = items + [t for plain, parts in split for t in ([plain] if plain else []) + parts]
        z = head.joint.lexical_logit(flat)
        lexical = list(z[: len(items)])
        # per scored item: the answer segment it belongs to, and whether from an asked turn
        owner = [(i, k in asked) for k, (i, _) in enumerate(units)]
        extra: list[str] = []
        at = len(items)
        for key, (plain, parts) in zip(owner[: len(items)], split, strict=True):
            chosen: list[tuple[str, float]] = []
            if plain:
                chosen.append((plain, float(z[at])))
                at += 1
            zp = z[at : at + len(parts)]
            at += len(parts)
            order = np.argsort(-zp, kind="stable")[: self.params.max_pieces]
            chosen += [
                (parts[k], float(zp[k]))
                for k in sorted(order.tolist())
                if zp[k] >= self.params.lexical_floor
            ]
            for piece, zk in chosen:
                extra.append(piece)
                lexical.append(zk)
                owner.append(key)
        vectors = np.zeros((len(items), vecs.shape[1]), dtype=np.float32)
        vectors[whole] = vecs[[units[k][0] for k in whole]]
        fresh = [items[k] for k in turns] + extra  # a turn's vector is not the scan's
        if fresh:
            if scan.embedder is None:
                raise DetectorConfigError(
                    "abusive_answer needs the scan's embedder; pass a ScanContext with one "
                    "(Pipeline.scan does), or set [detectors.abusive_answer] enabled = false"
                )
            got_vecs = scan.embedder.embed(fresh)
            vectors[turns] = got_vecs[: len(turns)]
            vectors = np.concatenate([vectors, got_vecs[len(turns) :]])
        probs = head.joint.probability_from(vectors.astype(np.float32), np.asarray(lexical))
        best: dict[tuple[int, bool], int] = {}
        for k, key in enumerate(owner):
            if key not in best or probs[k] > probs[best[key]]:
                best[key] = k
        texts_all = items + extra
        return [
            Judgement(int(rows[i]), str(fields[i]), float(probs[k]), texts_all[k], was_asked)
            for (i, was_asked), k in best.items()
        ]

    def _parts(self, answer: str) -> tuple[str | None, list[str]]:
        """The answer with look-alike letters and invisible characters undone, when that
        changes its letters (the scan's vector is of the disguised text), and the parts
        the n-gram half ranks: its sentences, and word windows over any sentence longer
        than ``window_words`` (a run-on answer, or one past the model's window, is read in
        parts). Of these the best ``max_pieces`` that reach ``lexical_floor`` are embedded
        ("You are stupid!" before a list of words is read alone). Every part is ranked,
        however many: the ranking costs what the whole answer's n-grams cost, so no part
        is left unread."""
        p = self.params
        plain = clean(answer)
        undone = plain if _letters(plain) != _letters(answer) and plain.strip() else None
        if not p.max_pieces:
            return undone, []
        parts: list[str] = []
        for sent in sentences(plain, min_words=2):
            words = sent.split()
            if len(words) <= p.window_words:
                parts.append(sent)
                continue
            step = max(1, p.window_words // 2)
            for a in range(0, len(words) - step, step):
                parts.append(" ".join(words[a : a + p.window_words]))
        parts = list(dict.fromkeys(parts))
        if parts == [plain.strip()]:  # one part: the whole says it
            return undone, []
        return undone, parts
