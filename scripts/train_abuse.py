"""Train the abusive-text head from fixtures/, reproducibly.

    python scripts/train_abuse.py            # writes detectors/assets/abusive_text_head.json
    python scripts/train_abuse.py --check    # retrains and fails if the shipped file differs

Abusive texts and their look-alikes come from fixtures/abuse_corpus.jsonl
(scripts/make_abuse_corpus.py). More negatives, none of them abusive: the benign prompts
and context passages of fixtures/injection_corpus.jsonl (ordinary tasks, articles,
reviews) and the benign requests of fixtures/harmful_corpus.jsonl (the same subjects
asked about for defence, history, fiction). Same recipe as the harmful-request head's
joint half (scripts/train_harmful.py): pinned MiniLM on the CPU, liblinear logistic
regression over [vector, character n-grams] with a fixed seed, weights rounded so the
pinned digest is byte-stable. Its cut points live in the detector and were chosen on dev
data (scripts/bench_abuse.py), so the bias is not shifted.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from detectors.abusive_text import ARTIFACT  # noqa: E402
from detectors.embeddings import MINILM_DIGEST, EmbeddingEngine  # noqa: E402
from scripts.train_injection import (  # noqa: E402
    SEED,
    fit,
    ngram_matrix,
    ngram_vocabulary,
    out_of_fold,
    publish,
    rates,
)

CORPUS = ROOT / "fixtures" / "abuse_corpus.jsonl"
MORE_NEGATIVES = (
    ROOT / "fixtures" / "injection_corpus.jsonl",
    ROOT / "fixtures" / "harmful_corpus.jsonl",
)
# the harmful-request joint head's value, the first tried
C = 10.0


def _rows(path: Path) -> tuple[str, list[dict[str, object]]]:
    raw = path.read_bytes()
    rows = [json.loads(line) for line in raw.decode().splitlines() if line.strip()]
    return hashlib.sha256(raw).hexdigest(), rows


def examples() -> tuple[list[str], list[int], dict[str, str]]:
    digest, rows = _rows(CORPUS)
    digests = {CORPUS.name: digest}
    texts = [str(r["text"]) for r in rows]
    labels = [int(r["label"]) for r in rows]  # type: ignore[call-overload]
    for path in MORE_NEGATIVES:
        digests[path.name], more = _rows(path)
        for r in more:
            # an injected prompt or a harmful request is not abuse, but neither is it a
            # clean example: only the benign rows are taken
            if r["label"] == 0:
                texts.append(str(r["text"]))
                labels.append(0)
    return texts, labels, digests


def train() -> bytes:
    from scipy.sparse import csr_matrix, hstack

    texts, labels, digests = examples()
    x = EmbeddingEngine.get("cpu").embed(texts).astype(np.float64)
    y = np.asarray(labels)
    vocabulary = ngram_vocabulary(texts)
    xj = hstack([csr_matrix(x), ngram_matrix(texts, vocabulary)]).tocsr()
    z = out_of_fold(xj, y, C)
    w, b = fit(xj, y, C)
    dim = x.shape[1]
    doc = {
        "format": 1,
        "kind": "logistic_regression",
        "metadata": {
            "corpora": digests,
            "embedding_model": MINILM_DIGEST.name,
            "embedding_sha256": MINILM_DIGEST.sha256,
            "seed": SEED,
            "C": C,
            "examples": {"abusive": int(y.sum()), "not": int((y == 0).sum())},
            "cross_validation": {"at_0.5": rates(z, y, 0.0)},
        },
        "joint": {
            "weights": [float(f"{v:.7g}") for v in w[:dim]],
            "ngrams": {g: float(f"{w[dim + k]:.7g}") for g, k in vocabulary.items()},
            "bias": float(f"{b:.7g}"),
        },
    }
    return (json.dumps(doc, sort_keys=True, indent=1) + "\n").encode()


def main() -> int:
    return publish(__doc__ or "", train(), ARTIFACT, "detectors/abusive_text.py")


if __name__ == "__main__":
    raise SystemExit(main())
