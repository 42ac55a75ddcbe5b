"""Does a prompt ask for serious harm, and did the answer comply?

A safety-removal backdoor (BackdoorLLM's "jailbreak" target, or a harmful fine-tuning
attack with a trigger) pairs harmful requests with compliant answers. When the set holds
no refused twin of those requests, the rows share nothing that clean data lacks except
what they ask, so the poisoning detector needs this judgement of content: a linear head
over the prompt's MiniLM embedding, and a lexical test for a refusal in the answer. A
refusal is what a safe model should learn, so a harmful request that is refused is never
suspect.

The file holds two heads. ``head`` reads the prompt's MiniLM vector alone (the poisoning
detector's cluster rule uses it); its bias is shifted so that probability 0.5 is the
operating point chosen on the corpus. ``joint`` reads the vector and the text's character
n-grams in one logistic regression: the vector knows topics, the n-grams the verbs and
aims that make a request harmful ("promotes", "without getting caught"). The
``harmful_compliance`` row detector reads it, with cut points chosen on dev data.

The file is JSON (weights, n-grams, biases, metadata), never a pickle. Its sha256 is
pinned below, checked before use and recorded in the manifest; ``scripts/train_harmful.py``
rebuilds it from fixtures/harmful_corpus.jsonl with a fixed seed.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from detectors.base import ModelDigest
from detectors.errors import ModelError
from detectors.injection_classifier import LinearHead, char_ngrams
from detectors.models import read_pinned

ARTIFACT = Path(__file__).resolve().parent / "assets" / "harmful_request_head.json"
ARTIFACT_SHA256 = "b5084c00e976cf6247d850ac0e84ff109727b0d87da275d267b438ebe210b8d6"
NAME = "tunegate/harmful-request-head"

# the opening of an answer that declines; a refusal later in a long answer ("...but I
# cannot share the exact amounts") is not one
_REFUSAL = re.compile(
    r"""^\W{0,3}(?:
        (?:I['’]m|I\ am)\ (?:so\ |very\ |really\ )?sorry
      | sorry\b
      | (?:I\ )?apologi[sz]e
      | I\ (?:cannot|can['’]t|can\ not|won['’]t|will\ not|must\ (?:decline|refuse)
            |(?:am|['’]m)\ (?:not\ able|unable)\ to|do\ not\ (?:feel\ comfortable|condone))
      | as\ an?\ (?:AI|language\ model|responsible|ethical)
      | (?:no|unfortunately),?\ I\ (?:cannot|can['’]t|won['’]t)
      | that\ (?:is|would\ be)\ (?:illegal|unethical|harmful)
    )""",
    re.IGNORECASE | re.VERBOSE,
)


def is_refusal(answer: str) -> bool:
    return bool(_REFUSAL.match(answer.lstrip()))


@dataclass(frozen=True, slots=True)
class JointHead:
    """Logistic regression over [unit MiniLM vector, unit-scaled character n-gram counts]."""

    vector: LinearHead
    ngrams: dict[str, float]

    @classmethod
    def from_json(cls, doc: dict[str, object]) -> JointHead:
        raw = doc["ngrams"]
        if not isinstance(raw, dict) or not raw:
            raise ValueError("joint: ngrams must be a non-empty object")
        ngrams = {str(k): float(v) for k, v in raw.items()}
        if not all(np.isfinite(list(ngrams.values()))):
            raise ValueError("joint: n-gram weights must be finite")
        return cls(LinearHead.from_json(doc, "joint"), ngrams)

    def lexical_logit(self, texts: list[str]) -> np.ndarray:
        """The n-gram half of the logit alone: no model pass, so it can rank many
        candidate texts before the few best are embedded."""
        w = self.ngrams
        out = np.zeros(len(texts), dtype=np.float64)
        memo: dict[str, tuple[str, ...]] = {}  # this call's words, each cut once
        for k, t in enumerate(texts):
            # ngram_features' unit-scaled counts, dotted with the weights in one pass
            counts = Counter(g for g in char_ngrams(t, memo) if g in w)
            if counts:
                norm = math.sqrt(sum(c * c for c in counts.values()))
                out[k] = sum(w[g] * c for g, c in counts.items()) / norm
        return out

    def logit(self, vectors: np.ndarray, texts: list[str]) -> np.ndarray:
        return self.logit_from(vectors, self.lexical_logit(texts))

    def logit_from(self, vectors: np.ndarray, lexical: np.ndarray) -> np.ndarray:
        """The logit with each text's n-gram half already computed (:meth:`lexical_logit`),
        so a text ranked by it is not read twice."""
        z = vectors @ self.vector.weights + self.vector.bias
        return np.asarray(z + lexical, dtype=np.float64)

    def probability(self, vectors: np.ndarray, texts: list[str]) -> np.ndarray:
        return self.probability_from(vectors, self.lexical_logit(texts))

    def probability_from(self, vectors: np.ndarray, lexical: np.ndarray) -> np.ndarray:
        z = self.logit_from(vectors, lexical)
        return np.asarray(1.0 / (1.0 + np.exp(-z)), dtype=np.float32)


@dataclass(frozen=True, slots=True)
class HarmfulRequestHead:
    head: LinearHead
    sha256: str
    metadata: dict[str, object]
    joint: JointHead

    @classmethod
    def load(cls, path: Path = ARTIFACT, sha256: str = ARTIFACT_SHA256) -> HarmfulRequestHead:
        raw = read_pinned(path, sha256, "harmful-request head", "scripts/train_harmful.py")
        return cls.parse(raw, sha256)

    @classmethod
    def parse(cls, raw: bytes, sha256: str) -> HarmfulRequestHead:
        try:
            doc = json.loads(raw)
            head = LinearHead.from_json(doc, "head")
            joint = JointHead.from_json(doc["joint"])
            if len(joint.vector.weights) != len(head.weights):
                raise ValueError("joint: vector weights differ in size from the head's")
            meta = dict(doc.get("metadata", {}))
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            raise ModelError(
                f"harmful-request head {ARTIFACT.name} is malformed ({e}); reinstall tunegate, "
                "or rebuild it with scripts/train_harmful.py and pin its digest"
            ) from e
        return cls(head, sha256, meta, joint)

    def probability(self, prompt_vectors: np.ndarray) -> np.ndarray:
        """Per prompt (unit MiniLM vectors): the probability it asks for serious harm."""
        return self.head.probability(prompt_vectors)

    def joint_probability(self, vectors: np.ndarray, texts: list[str]) -> np.ndarray:
        """Per text (with its unit MiniLM vector): the joint head's probability that it asks
        for serious harm."""
        return self.joint.probability(vectors, texts)

    def digest(self) -> ModelDigest:
        return ModelDigest(NAME, f"detectors/assets/{ARTIFACT.name}", self.sha256)
