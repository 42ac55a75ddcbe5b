"""Train the injection classifier from fixtures/injection_corpus.jsonl, reproducibly.

    python scripts/train_injection.py            # writes detectors/assets/injection_classifier.json
    python scripts/train_injection.py --check    # retrains and fails if the shipped file differs

Embeddings come from the same pinned MiniLM the scanner uses, on the CPU, so the result
does not depend on the machine. Logistic regression with a fixed seed and liblinear's
deterministic solver; weights are rounded to 7 significant digits so the JSON, and with
it the pinned sha256, is byte-stable. Cross-validated figures on the corpus go into the
artifact's metadata; figures on public data come from scripts/bench.py, which never
feeds this script.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from detectors.embeddings import MINILM_DIGEST, EmbeddingEngine  # noqa: E402
from detectors.injection_classifier import (  # noqa: E402
    ARTIFACT,
    HEADS,
    NGRAM_SIZES,
    char_ngrams,
    head_for,
    ngram_features,
    windows,
)

CORPUS = ROOT / "fixtures" / "injection_corpus.jsonl"
SEED = 13
# Inverse regularisation. Cross-validation that holds out whole attack families (a tactic
# the head never saw) favours weaker regularisation all the way to C = 16, but on the dev
# half of the public sets (scripts/bench_injection.py) C = 8 doubles false positives on
# role-play prompts; C = 2 gains recall over C = 1 at a false-positive rate still well
# under the goal. The bench prints both halves side by side, so the held-out figures
# were seen, but the choice follows the dev half's.
C = 2.0
TARGET_FPR = 0.005
# The lexical half (character n-grams), for the prompt head only: on the dev half of the
# public sets it adds jailbreak recall and removes false positives on ordinary prompts.
# On content it added false positives on self_instruct's inputs and no recall. MIN_DF and
# NGRAM_C were the first values tried; other values moved dev recall by one or two rows.
NGRAM_HEADS = ("prompt",)
MIN_DF = 2  # n-grams in fewer training texts than this are left out of the vocabulary
NGRAM_C = 0.5


def examples(rows: list[dict[str, object]]) -> dict[str, tuple[list[str], list[int]]]:
    """Texts and labels per head. Both heads also learn from windows of benign text,
    because at scan time they score windows; windows of injected rows are left out, since
    only one of them may hold the attack."""
    out: dict[str, tuple[list[str], list[int]]] = {h: ([], []) for h in HEADS}
    for r in rows:
        text, label = str(r["text"]), int(r["label"])  # type: ignore[call-overload]
        head = head_for(str(r["role"]))
        if head is None:
            continue
        out[head][0].append(text)
        out[head][1].append(label)
        if label == 0:
            for a, b in windows(text):
                out[head][0].append(text[a:b])
                out[head][1].append(0)
    return out


def fit(x: Any, y: np.ndarray, c: float = C) -> tuple[np.ndarray, float]:
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(
        C=c, class_weight="balanced", solver="liblinear", random_state=SEED, max_iter=5000
    )
    clf.fit(x, y)
    return clf.coef_[0].astype(np.float64), float(clf.intercept_[0])


def ngram_matrix(texts: list[str], vocabulary: dict[str, int]) -> Any:
    """Each text's n-gram features (the scanner's own function) as a sparse matrix."""
    from scipy.sparse import csr_matrix

    data: list[float] = []
    cols: list[int] = []
    ptr = [0]
    for t in texts:
        feats = ngram_features(t, vocabulary)
        cols += [vocabulary[g] for g in feats]
        data += list(feats.values())
        ptr.append(len(cols))
    return csr_matrix((data, cols, ptr), shape=(len(texts), len(vocabulary)))


def ngram_vocabulary(texts: list[str]) -> dict[str, int]:
    df = Counter(g for t in texts for g in set(char_ngrams(t)))
    return {g: k for k, g in enumerate(sorted(g for g, n in df.items() if n >= MIN_DF))}


def out_of_fold(x: Any, y: np.ndarray, c: float = C) -> np.ndarray:
    """Decision values for every example from a model that did not see it."""
    from sklearn.model_selection import StratifiedKFold

    z = np.zeros(len(y))
    for train, test in StratifiedKFold(5, shuffle=True, random_state=SEED).split(x, y):
        w, b = fit(x[train], y[train], c)
        z[test] = x[test] @ w + b
    return z


def operating_point(z: np.ndarray, y: np.ndarray, target_fpr: float = TARGET_FPR) -> float:
    """The lowest decision value whose out-of-fold false-positive rate on the corpus's benign
    rows is at most ``target_fpr``: the firewall's promise is about what it throws away."""
    neg = np.sort(z[y == 0])
    k = int(np.floor(target_fpr * len(neg)))
    return float(neg[len(neg) - k - 1]) + 1e-6 if len(neg) > k else 0.0


def rates(z: np.ndarray, y: np.ndarray, at: float) -> dict[str, float]:
    pred = z > at
    tp, fp = int(np.sum(pred & (y == 1))), int(np.sum(pred & (y == 0)))
    return {
        "recall": round(tp / max(1, int(np.sum(y == 1))), 4),
        "false_positive_rate": round(fp / max(1, int(np.sum(y == 0))), 4),
        "precision": round(tp / max(1, tp + fp), 4),
    }


def train() -> bytes:
    raw = CORPUS.read_bytes()
    rows = [json.loads(line) for line in raw.decode().splitlines() if line.strip()]
    engine = EmbeddingEngine.get("cpu")
    heads: dict[str, object] = {}
    ngram_heads: dict[str, object] = {}
    cv: dict[str, object] = {}
    counts: dict[str, object] = {}
    for head, (texts, labels) in examples(rows).items():
        x = engine.embed(texts).astype(np.float64)
        y = np.asarray(labels)
        z = out_of_fold(x, y)
        at = operating_point(z, y)
        w, b = fit(x, y)
        # shift the bias so probability 0.5 sits at the chosen operating point: one policy
        # threshold then means the same thing for both heads and for the rules
        b -= at
        heads[head] = {"weights": [float(f"{v:.7g}") for v in w], "bias": float(f"{b:.7g}")}
        cv[head] = {
            "at_0.5": rates(z, y, 0.0),
            "at_operating_point": rates(z, y, at),
            "bias_shift": round(-at, 4),
        }
        counts[head] = {"injected": int(y.sum()), "benign": int((y == 0).sum())}
        if head in NGRAM_HEADS:
            vocabulary = ngram_vocabulary(texts)
            xg = ngram_matrix(texts, vocabulary)
            zg = out_of_fold(xg, y, NGRAM_C)
            at = operating_point(zg, y)
            w, b = fit(xg, y, NGRAM_C)
            ngram_heads[head] = {
                "ngrams": {g: float(f"{w[k]:.7g}") for g, k in vocabulary.items()},
                "bias": float(f"{b - at:.7g}"),
            }
            cv[f"{head}_ngrams"] = {
                "at_0.5": rates(zg, y, 0.0),
                "at_operating_point": rates(zg, y, at),
                "bias_shift": round(-at, 4),
            }
    doc = {
        "format": 2,
        "kind": "logistic_regression",
        "metadata": {
            "corpus": CORPUS.name,
            "corpus_sha256": hashlib.sha256(raw).hexdigest(),
            "embedding_model": MINILM_DIGEST.name,
            "embedding_sha256": MINILM_DIGEST.sha256,
            "seed": SEED,
            "C": C,
            "examples": counts,
            "cross_validation": cv,
            "target_fpr": TARGET_FPR,
            "ngrams": {
                "sizes": [min(NGRAM_SIZES), max(NGRAM_SIZES)],
                "min_df": MIN_DF,
                "C": NGRAM_C,
            },
        },
        "heads": heads,
        "ngram_heads": ngram_heads,
    }
    return (json.dumps(doc, sort_keys=True, indent=1) + "\n").encode()


def publish(description: str, data: bytes, artifact: Path, pinned_in: str) -> int:
    """The command line both trainers share: print the cross-validated figures, then
    write the artifact, or with --check fail unless it is reproduced byte for byte."""
    ap = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--check",
        action="store_true",
        help="fail if retraining does not reproduce the shipped file",
    )
    args = ap.parse_args()
    digest = hashlib.sha256(data).hexdigest()
    print(json.dumps(json.loads(data)["metadata"]["cross_validation"], indent=1))
    if args.check:
        same = artifact.exists() and artifact.read_bytes() == data
        print(f"retrained sha256 {digest}: {'matches' if same else 'DIFFERS FROM'} {artifact}")
        return 0 if same else 1
    artifact.parent.mkdir(exist_ok=True)
    artifact.write_bytes(data)
    print(f"wrote {artifact}\nsha256 {digest}  (pin it as ARTIFACT_SHA256 in {pinned_in})")
    return 0


def main() -> int:
    return publish(__doc__ or "", train(), ARTIFACT, "detectors/injection_classifier.py")


if __name__ == "__main__":
    raise SystemExit(main())
