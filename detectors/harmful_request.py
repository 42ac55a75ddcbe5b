"""Does a prompt ask for serious harm, and did the answer comply?

A safety-removal backdoor (BackdoorLLM's "jailbreak" target, or a harmful fine-tuning
attack with a trigger) pairs harmful requests with compliant answers. When the set holds
no refused twin of those requests, the rows share nothing that clean data lacks except
what they ask, so the poisoning detector needs this judgement of content: a linear head
over the prompt's MiniLM embedding, and a lexical test for a refusal in the answer. A
refusal is what a safe model should learn, so a harmful request that is refused is never
suspect.

The head is JSON (weights, bias, metadata), never a pickle. Its sha256 is pinned below,
checked before use and recorded in the manifest; ``scripts/train_harmful.py`` rebuilds it
from fixtures/harmful_corpus.jsonl with a fixed seed. Its bias is shifted so that
probability 0.5 is the operating point chosen on that corpus.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from detectors.base import ModelDigest
from detectors.errors import ModelError
from detectors.injection_classifier import LinearHead
from detectors.models import read_pinned

ARTIFACT = Path(__file__).resolve().parent / "assets" / "harmful_request_head.json"
ARTIFACT_SHA256 = "74b90a79938f2a04a31dbc458b8c1854294bd87b5c5586eb960eace66ab28065"
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
class HarmfulRequestHead:
    head: LinearHead
    sha256: str
    metadata: dict[str, object]

    @classmethod
    def load(cls, path: Path = ARTIFACT, sha256: str = ARTIFACT_SHA256) -> HarmfulRequestHead:
        raw = read_pinned(path, sha256, "harmful-request head", "scripts/train_harmful.py")
        return cls.parse(raw, sha256)

    @classmethod
    def parse(cls, raw: bytes, sha256: str) -> HarmfulRequestHead:
        try:
            doc = json.loads(raw)
            head = LinearHead.from_json(doc, "head")
            meta = dict(doc.get("metadata", {}))
        except (ValueError, KeyError, TypeError) as e:
            raise ModelError(
                f"harmful-request head {ARTIFACT.name} is malformed ({e}); reinstall tunegate, "
                "or rebuild it with scripts/train_harmful.py and pin its digest"
            ) from e
        return cls(head, sha256, meta)

    def probability(self, prompt_vectors: np.ndarray) -> np.ndarray:
        """Per prompt (unit MiniLM vectors): the probability it asks for serious harm."""
        return self.head.probability(prompt_vectors)

    def digest(self) -> ModelDigest:
        return ModelDigest(NAME, f"detectors/assets/{ARTIFACT.name}", self.sha256)
