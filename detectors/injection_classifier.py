"""The learned half of the injection scanner: linear heads over MiniLM embeddings.

Rules catch the phrasings someone wrote down; the classifier catches paraphrases of the
same tactics. Two heads, because the same sentence means different things in different
places: "in your response, use bullet points" is an ordinary instruction in a prompt
and an injected one inside an email the model is asked to summarise. The ``prompt``
head scores text a user would type (jailbreaks, overrides, fake turns); the ``content``
head scores text that should only be data, window by window, so one planted sentence
is not averaged away by the paragraph around it.

The prompt head also has a second, lexical half: logistic regression over character
n-grams inside words. MiniLM's sentence vector blurs the small fixed phrasings that
jailbreaks share ("stay in character", "[🔓JAILBREAK]", "as DAN"), and is cut off after
256 tokens. The n-grams see the whole field and every such phrasing. Alone they fire on
ordinary prompts too often; the prompt head's probability is the mean of the two halves,
so each needs the other's support.

The artifact is JSON (weights, bias, n-gram vocabulary, training metadata), never a
pickle: loading it cannot run code. Its sha256 is pinned below and checked before use,
and goes into the manifest. ``scripts/train_injection.py`` rebuilds it from fixtures/
with a fixed seed.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Container
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from detectors.base import ModelDigest
from detectors.errors import ModelError
from detectors.models import read_pinned

ARTIFACT = Path(__file__).resolve().parent / "assets" / "injection_classifier.json"
ARTIFACT_SHA256 = "82e2ba054f81f7d6a8eb193451c345a13d7d05b4ac4963d9a1e6d4570e71479e"
NAME = "tunegate/injection-classifier"

HEADS = ("prompt", "content")
# roles whose text is data the model reads, not an instruction from whoever trains it
CONTENT_ROLES = frozenset({"context", "text"})

_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+|\n{1,}")


# responses are left to the rules: an answer is long free text that no prompt resembles,
# and what a poisoned answer teaches is the poisoning detector's question
PROMPT_ROLES = frozenset({"prompt", "system"})
HEAD_ROLES = PROMPT_ROLES | CONTENT_ROLES  # the roles some head scores (not responses)


def head_for(role: str) -> str | None:
    if role in CONTENT_ROLES:
        return "content"
    return "prompt" if role in PROMPT_ROLES else None


def windows(text: str, max_windows: int = 24, max_chars: int = 600) -> list[tuple[int, int]]:
    """Spans of sentence pairs over content, so a planted sentence is scored nearly alone.

    A single-sentence field yields nothing: its whole-field embedding already is the
    sentence. Long fields keep their first and last windows, where planted text sits
    most often, and an even spread between.
    """
    bounds = []
    pos = 0
    for m in _SENTENCE_END.finditer(text):
        if text[pos : m.start()].strip():
            bounds.append((pos, m.start()))
        pos = m.end()
    if text[pos:].strip():
        bounds.append((pos, len(text)))
    if len(bounds) < 2:
        return []
    out = [
        (bounds[i][0], min(bounds[i + 1][1], bounds[i][0] + max_chars))
        for i in range(len(bounds) - 1)
    ]
    if len(out) > max_windows:
        idx = np.linspace(0, len(out) - 1, max_windows).round().astype(int)
        out = [out[i] for i in sorted(set(idx.tolist()))]
    return out


@dataclass(frozen=True, slots=True)
class LinearHead:
    weights: np.ndarray  # float32 (dim,)
    bias: float

    @classmethod
    def from_json(cls, doc: dict[str, object], what: str) -> LinearHead:
        """A head from its artifact entry; ValueError (or KeyError/TypeError) if malformed."""
        w = np.asarray(doc["weights"], dtype=np.float32)
        if w.ndim != 1 or not np.all(np.isfinite(w)):
            raise ValueError(f"{what}: weights must be a finite vector")
        return cls(w, float(doc["bias"]))  # type: ignore[arg-type]

    def probability(self, vectors: np.ndarray) -> np.ndarray:
        z = vectors @ self.weights + self.bias
        return np.asarray(1.0 / (1.0 + np.exp(-z)), dtype=np.float32)


_WHITESPACE = re.compile(r"\s+")
NGRAM_SIZES = range(3, 6)


def char_ngrams(text: str, memo: dict[str, tuple[str, ...]] | None = None) -> list[str]:
    """Character 3- to 5-grams inside each lower-cased word padded with a space either side
    (a word shorter than n gives itself once), so n-grams never straddle two words.

    ``memo`` (word -> its n-grams) lets one call over many texts cut each word once; the
    caller owns it and drops it with the call, so nothing outlives one batch of one scan."""
    out: list[str] = []
    for word in _WHITESPACE.sub(" ", text.lower()).split():
        if memo is None:
            out.extend(_word_ngrams(word))
            continue
        grams = memo.get(word)
        if grams is None:
            grams = memo[word] = _word_ngrams(word)
        out.extend(grams)
    return out


def _word_ngrams(word: str) -> tuple[str, ...]:
    w = f" {word} "
    out: list[str] = []
    for n in NGRAM_SIZES:
        if len(w) <= n:
            out.append(w)
            break
        out.extend(w[i : i + n] for i in range(len(w) - n + 1))
    return tuple(out)


def ngram_features(text: str, vocabulary: Container[str]) -> dict[str, float]:
    """The text's features for an n-gram head: counts of the vocabulary's n-grams, scaled
    to unit length. Training and scanning both call this, so they cannot drift apart."""
    counts = Counter(g for g in char_ngrams(text) if g in vocabulary)
    norm = math.sqrt(sum(c * c for c in counts.values()))
    return {g: c / norm for g, c in counts.items()}


@dataclass(frozen=True, slots=True)
class NgramHead:
    """Logistic regression over L2-normalised counts of the vocabulary's character n-grams."""

    weights: dict[str, float]  # the whole vocabulary: every n-gram counts toward the norm
    bias: float

    @classmethod
    def from_json(cls, doc: dict[str, object], what: str) -> NgramHead:
        raw = doc["ngrams"]
        if not isinstance(raw, dict) or not raw:
            raise ValueError(f"{what}: ngrams must be a non-empty object")
        weights = {str(k): float(v) for k, v in raw.items()}
        if not all(np.isfinite(list(weights.values()))):
            raise ValueError(f"{what}: weights must be finite")
        return cls(weights, float(doc["bias"]))  # type: ignore[arg-type]

    def probability(self, texts: list[str]) -> np.ndarray:
        z = np.array(
            [
                self.bias
                + sum(self.weights[g] * v for g, v in ngram_features(t, self.weights).items())
                for t in texts
            ],
            dtype=np.float64,
        )
        return np.asarray(1.0 / (1.0 + np.exp(-z)), dtype=np.float32)


@dataclass(frozen=True, slots=True)
class InjectionClassifier:
    heads: dict[str, LinearHead]
    sha256: str
    metadata: dict[str, object]
    ngram_heads: dict[str, NgramHead]  # the lexical half, for the heads that have one

    @classmethod
    def load(cls, path: Path = ARTIFACT, sha256: str = ARTIFACT_SHA256) -> InjectionClassifier:
        raw = read_pinned(path, sha256, "injection classifier", "scripts/train_injection.py")
        return cls.parse(raw, sha256)

    @classmethod
    def parse(cls, raw: bytes, sha256: str) -> InjectionClassifier:
        try:
            doc = json.loads(raw)
            heads = {}
            for name in HEADS:
                heads[name] = LinearHead.from_json(doc["heads"][name], f"head {name}")
            ngram_heads = {
                name: NgramHead.from_json(d, f"n-gram head {name}")
                for name, d in doc.get("ngram_heads", {}).items()
            }
            if not set(ngram_heads) <= set(HEADS):
                raise ValueError(f"unknown n-gram heads {sorted(set(ngram_heads) - set(HEADS))}")
            meta = dict(doc.get("metadata", {}))
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            raise ModelError(
                f"injection classifier {ARTIFACT.name} is malformed ({e}); reinstall tunegate, "
                "or rebuild it with scripts/train_injection.py and pin its digest"
            ) from e
        dims = {h.weights.shape[0] for h in heads.values()}
        if len(dims) != 1:
            raise ModelError(
                f"injection classifier {ARTIFACT.name}: heads disagree on dimension "
                f"{sorted(dims)}; rebuild it with scripts/train_injection.py and pin its digest"
            )
        return cls(heads, sha256, meta, ngram_heads)

    @property
    def dim(self) -> int:
        return int(next(iter(self.heads.values())).weights.shape[0])

    def score(self, vectors: np.ndarray, head: str) -> np.ndarray:
        return self.heads[head].probability(vectors)

    def score_ngrams(self, texts: list[str], head: str) -> np.ndarray | None:
        """The lexical half's probability for whole fields, or None if this head has none."""
        h = self.ngram_heads.get(head)
        return None if h is None else h.probability(texts)

    def digest(self) -> ModelDigest:
        return ModelDigest(NAME, f"detectors/assets/{ARTIFACT.name}", self.sha256)
