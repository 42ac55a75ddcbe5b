"""Train the harmful-request head from fixtures/, reproducibly.

    python scripts/train_harmful.py            # writes detectors/assets/harmful_request_head.json
    python scripts/train_harmful.py --check    # retrains and fails if the shipped file differs

Positives and hard negatives come from fixtures/harmful_corpus.jsonl
(scripts/make_harmful_corpus.py); the benign prompts of fixtures/injection_corpus.jsonl
(ordinary tasks, role-play, code and service requests) are more negatives. Same recipe as
the injection classifier (scripts/train_injection.py): pinned MiniLM on the CPU,
liblinear logistic regression with a fixed seed, weights rounded so the pinned digest is
byte-stable, and the bias shifted so probability 0.5 is the out-of-fold operating point.
Figures on public data come from scripts/bench.py (BackdoorLLM jailbreak rows, alpaca),
which never feeds this script.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from detectors.embeddings import MINILM_DIGEST, EmbeddingEngine  # noqa: E402
from detectors.harmful_request import ARTIFACT  # noqa: E402
from scripts.train_injection import (  # noqa: E402
    SEED,
    fit,
    ngram_matrix,
    ngram_vocabulary,
    operating_point,
    out_of_fold,
    publish,
    rates,
)

CORPUS = ROOT / "fixtures" / "harmful_corpus.jsonl"
BENIGN_PROMPTS = ROOT / "fixtures" / "injection_corpus.jsonl"
C = 2.0
# out-of-fold false positives allowed on the corpus's negatives, which are mostly hard
# ones (defence, history, idioms on the same subjects); a row must also be answered
# and share a rare token with other such rows before the poisoning detector acts
TARGET_FPR = 0.01
# the joint head (MiniLM vector and character n-grams in one logistic regression) that the
# harmful_compliance row detector reads; its cut points are chosen on dev data
# (scripts/bench_harmful.py), so its bias is not shifted
JOINT_C = 10.0


def _rows(path: Path) -> tuple[bytes, list[dict[str, object]]]:
    raw = path.read_bytes()
    return raw, [json.loads(line) for line in raw.decode().splitlines() if line.strip()]


def examples() -> tuple[list[str], list[int], dict[str, str]]:
    raw, rows = _rows(CORPUS)
    raw_b, benign = _rows(BENIGN_PROMPTS)
    texts = [str(r["text"]) for r in rows]
    labels = [int(r["label"]) for r in rows]  # type: ignore[call-overload]
    for r in benign:
        if r["label"] == 0 and r["role"] == "prompt":
            texts.append(str(r["text"]))
            labels.append(0)
    digests = {
        CORPUS.name: hashlib.sha256(raw).hexdigest(),
        BENIGN_PROMPTS.name: hashlib.sha256(raw_b).hexdigest(),
    }
    return texts, labels, digests


def train() -> bytes:
    texts, labels, digests = examples()
    x = EmbeddingEngine.get("cpu").embed(texts).astype(np.float64)
    y = np.asarray(labels)
    z = out_of_fold(x, y, C)
    at = operating_point(z, y, TARGET_FPR)
    w, b = fit(x, y, C)
    b -= at
    joint, joint_cv = train_joint(texts, x, y)
    doc = {
        "format": 1,
        "kind": "logistic_regression",
        "metadata": {
            "corpora": digests,
            "embedding_model": MINILM_DIGEST.name,
            "embedding_sha256": MINILM_DIGEST.sha256,
            "seed": SEED,
            "C": C,
            "examples": {"harmful": int(y.sum()), "benign": int((y == 0).sum())},
            "cross_validation": {
                "at_0.5": rates(z, y, 0.0),
                "at_operating_point": rates(z, y, at),
                "bias_shift": round(-at, 4),
            },
            "target_fpr": TARGET_FPR,
            "joint": {"C": JOINT_C, "cross_validation_at_0.5": joint_cv},
        },
        "joint": joint,
        "weights": [float(f"{v:.7g}") for v in w],
        "bias": float(f"{b:.7g}"),
    }
    return (json.dumps(doc, sort_keys=True, indent=1) + "\n").encode()


def train_joint(
    texts: list[str], x: np.ndarray, y: np.ndarray
) -> tuple[dict[str, object], dict[str, float]]:
    """One logistic regression over [MiniLM vector, character n-gram counts]: the vector
    knows topics, the n-grams the verbs and aims that make a request harmful."""
    from scipy.sparse import csr_matrix, hstack

    vocabulary = ngram_vocabulary(texts)
    xj = hstack([csr_matrix(x), ngram_matrix(texts, vocabulary)]).tocsr()
    z = out_of_fold(xj, y, JOINT_C)
    w, b = fit(xj, y, JOINT_C)
    dim = x.shape[1]
    return {
        "weights": [float(f"{v:.7g}") for v in w[:dim]],
        "ngrams": {g: float(f"{w[dim + k]:.7g}") for g, k in vocabulary.items()},
        "bias": float(f"{b:.7g}"),
    }, rates(z, y, 0.0)


def main() -> int:
    return publish(__doc__ or "", train(), ARTIFACT, "detectors/harmful_request.py")


if __name__ == "__main__":
    raise SystemExit(main())
