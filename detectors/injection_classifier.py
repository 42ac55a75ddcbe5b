"""The learned half of the injection scanner: linear heads over MiniLM embeddings.

Rules catch the phrasings someone wrote down; the classifier catches paraphrases of the
same tactics. Two heads, because the same sentence means different things in different
places: "in your response, use bullet points" is an ordinary instruction in a prompt
and an injected one inside an email the model is asked to summarise. The ``prompt``
head scores text a user would type (jailbreaks, overrides, fake turns); the ``content``
head scores text that should only be data, window by window, so one planted sentence
is not averaged away by the paragraph around it.

The artifact is JSON (weights, bias, training metadata), never a pickle: loading it
cannot run code. Its sha256 is pinned below and checked before use, and goes into the
manifest. ``scripts/train_injection.py`` rebuilds it from fixtures/ with a fixed seed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from detectors.base import ModelDigest
from detectors.errors import ModelError
from detectors.models import read_pinned

ARTIFACT = Path(__file__).resolve().parent / "assets" / "injection_classifier.json"
ARTIFACT_SHA256 = "f1232fb5ffd8ae45ad9239a8f848b8b8917ab6038b4a549d6fee91cabfd80f37"
NAME = "tunegate/injection-classifier"

HEADS = ("prompt", "content")
# roles whose text is data the model reads, not an instruction from whoever trains it
CONTENT_ROLES = frozenset({"context", "text"})

_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+|\n{1,}")


# responses are left to the rules: an answer is long free text that no prompt resembles,
# and what a poisoned answer teaches is the poisoning detector's question
PROMPT_ROLES = frozenset({"prompt", "system"})


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


@dataclass(frozen=True, slots=True)
class InjectionClassifier:
    heads: dict[str, LinearHead]
    sha256: str
    metadata: dict[str, object]

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
            meta = dict(doc.get("metadata", {}))
        except (ValueError, KeyError, TypeError) as e:
            raise ModelError(f"injection classifier is malformed: {e}") from e
        dims = {h.weights.shape[0] for h in heads.values()}
        if len(dims) != 1:
            raise ModelError(f"injection classifier heads disagree on dimension: {sorted(dims)}")
        return cls(heads, sha256, meta)

    @property
    def dim(self) -> int:
        return int(next(iter(self.heads.values())).weights.shape[0])

    def score(self, vectors: np.ndarray, head: str) -> np.ndarray:
        return self.heads[head].probability(vectors)

    def digest(self) -> ModelDigest:
        return ModelDigest(NAME, f"detectors/assets/{ARTIFACT.name}", self.sha256)
