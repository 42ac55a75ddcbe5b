"""Is a text abusive in its own voice: contempt for a group of people, an insult, a threat?

``abusive_answer`` reads a row's answers with this head. It is the harmful-request head's
recipe (``detectors.harmful_request.JointHead``): one logistic regression over a text's
MiniLM vector and its character n-grams. The vector knows what a sentence is about and
how it treats its subject; the n-grams know the words of contempt ("vermin", "you
worthless"). It learns from fixtures/abuse_corpus.jsonl (scripts/make_abuse_corpus.py),
whose negatives are the look-alikes a firewall must keep: hate speech reported or
condemned, harsh reviews, pests, idioms, villains in stories.

The file is JSON, never a pickle; its sha256 is pinned below, checked before use and
recorded in the manifest. ``scripts/train_abuse.py`` rebuilds it with a fixed seed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from detectors.base import ModelDigest
from detectors.errors import ModelError
from detectors.harmful_request import JointHead
from detectors.models import read_pinned

ARTIFACT = Path(__file__).resolve().parent / "assets" / "abusive_text_head.json"
ARTIFACT_SHA256 = "e1508cdf0a07bfeb4e53b03d7ed4a08a833a7eda4fcd7b3883be9615f292bc25"
NAME = "tunegate/abusive-text-head"


@dataclass(frozen=True, slots=True)
class AbusiveTextHead:
    joint: JointHead
    sha256: str
    metadata: dict[str, object]

    @classmethod
    def load(cls, path: Path = ARTIFACT, sha256: str = ARTIFACT_SHA256) -> AbusiveTextHead:
        raw = read_pinned(path, sha256, "abusive-text head", "scripts/train_abuse.py")
        return cls.parse(raw, sha256)

    @classmethod
    def parse(cls, raw: bytes, sha256: str) -> AbusiveTextHead:
        try:
            doc = json.loads(raw)
            joint = JointHead.from_json(doc["joint"])
            meta = dict(doc.get("metadata", {}))
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            raise ModelError(
                f"abusive-text head {ARTIFACT.name} is malformed ({e}); reinstall tunegate, "
                "or rebuild it with scripts/train_abuse.py and pin its digest"
            ) from e
        return cls(joint, sha256, meta)

    def digest(self) -> ModelDigest:
        return ModelDigest(NAME, f"detectors/assets/{ARTIFACT.name}", self.sha256)
