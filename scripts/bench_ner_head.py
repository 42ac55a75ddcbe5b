"""Could a person-name head over MiniLM's token states replace spaCy sm? (issue 19, point 2)

    python -m scripts.bench_ner_head [--max-train N]

A measurement, not a shipped model. The scan already runs the pinned MiniLM over every
text it embeds; if a linear head over that pass's token states found names as well as
spaCy ``en_core_web_sm`` does, one model pass could give sentence vectors and names, on
the GPU when there is one. MiniLM's tokenizer lower-cases, so the head also gets each
word piece's casing (first letter upper, all upper, first piece of its word, first word
of the text), which the model itself never sees.

Trained on the Broad Twitter Corpus train split (``../shared/data/ner_btc``, CC BY 4.0,
may train what ships); scored on the BTC test split and on Universal NER English (EWT
web text and PUD, ``../shared/data/ner_uner_en``, share-alike: measured on, never
trained on), beside spaCy sm's PERSON on the same texts. The measure is exact PER span
match: precision, recall and F1. Seeded; nothing is written.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from detectors.name_tagger import decode

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
Span = tuple[int, int]
O, B, I = 0, 1, 2  # noqa: E741 - the usual names of the three tags


def load(path: Path) -> list[tuple[str, set[Span]]]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            doc = json.loads(line)
            spans = {(s["start"], s["end"]) for s in doc["spans"] if s["label"] == "PER"}
            out.append((doc["text"], spans))
    return out


def features(model: Any, texts: list[str]) -> tuple[list[np.ndarray], list[list[Span]]]:
    """Per text: one row per word piece (the token state and four casing bits) and each
    piece's character span."""
    import torch

    tok = model.tokenizer
    auto = model[0].auto_model
    feats: list[np.ndarray] = []
    offsets: list[list[Span]] = []
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    by_index: dict[int, tuple[np.ndarray, list[Span]]] = {}
    with torch.inference_mode():
        for k in range(0, len(order), 64):
            idx = order[k : k + 64]
            enc = tok(
                [texts[i] for i in idx],
                truncation=True,
                max_length=256,
                padding=True,
                return_offsets_mapping=True,
                return_tensors="pt",
            )
            offs = enc.pop("offset_mapping").tolist()
            states = auto(**enc).last_hidden_state.float().numpy()
            for r, i in enumerate(idx):
                text = texts[i]
                keep = [
                    j for j, (a, b) in enumerate(offs[r]) if b > a and enc["attention_mask"][r, j]
                ]
                spans = [(offs[r][j][0], offs[r][j][1]) for j in keep]
                bits = []
                for a, b in spans:
                    piece = text[a:b]
                    word_start = a == 0 or not text[a - 1].isalnum()
                    bits.append(
                        [
                            float(piece[:1].isupper() and word_start),
                            float(piece.isupper() and len(piece) > 1),
                            float(word_start),
                            float(a == 0),
                        ]
                    )
                f = np.hstack([states[r, keep], np.asarray(bits, dtype=np.float32).reshape(-1, 4)])
                by_index[i] = (f.astype(np.float32), spans)
    for i in range(len(texts)):
        feats.append(by_index[i][0])
        offsets.append(by_index[i][1])
    return feats, offsets


def tags(spans: list[Span], gold: set[Span]) -> list[int]:
    out = []
    for a, b in spans:
        t = O
        for s, e in gold:
            if s <= a and b <= e:
                t = B if a == s else I
                break
        out.append(t)
    return out


def score(pred: list[set[Span]], gold: list[set[Span]]) -> dict[str, float]:
    tp = sum(len(p & g) for p, g in zip(pred, gold, strict=True))
    np_, ng = sum(map(len, pred)), sum(map(len, gold))
    prec, rec = tp / max(1, np_), tp / max(1, ng)
    f1 = 2 * prec * rec / max(1e-9, prec + rec)
    return {"precision": round(prec, 3), "recall": round(rec, 3), "f1": round(f1, 3), "gold": ng}


def spacy_names(texts: list[str]) -> tuple[list[set[Span]], float]:
    import spacy

    from detectors.models import SPACY_EN_CORE_WEB_SM

    root, _ = SPACY_EN_CORE_WEB_SM.verify()
    nlp = spacy.load(root, exclude=["tagger", "parser", "attribute_ruler", "lemmatizer", "senter"])
    t = time.perf_counter()
    out = [
        {(e.start_char, e.end_char) for e in doc.ents if e.label_ == "PERSON"}
        for doc in nlp.pipe(texts, batch_size=64)
    ]
    return out, time.perf_counter() - t


def main() -> None:
    from sklearn.linear_model import LogisticRegression

    from detectors.embeddings import EmbeddingEngine

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--max-train", type=int, default=0, help="train on the first N texts only")
    a = ap.parse_args()
    model = EmbeddingEngine.get("cpu").model
    train = load(SHARED / "ner_btc" / "train.jsonl")
    if a.max_train:
        train = train[: a.max_train]
    t0 = time.perf_counter()
    f, offs = features(model, [t for t, _ in train])
    X = np.vstack(f)
    y = np.concatenate([tags(o, g) for o, (_, g) in zip(offs, train, strict=True)])
    head = LogisticRegression(C=1.0, max_iter=300, class_weight=None)
    head.fit(X, y)
    print(
        f"trained on {len(train):,} BTC tweets, {len(y):,} pieces, in {time.perf_counter() - t0:.0f} s"
    )
    results: dict[str, Any] = {}
    for name, path in (
        ("btc test", SHARED / "ner_btc" / "test.jsonl"),
        ("uner en_ewt test", SHARED / "ner_uner_en" / "en_ewt_test.jsonl"),
        ("uner en_pud test", SHARED / "ner_uner_en" / "en_pud_test.jsonl"),
    ):
        docs = load(path)
        texts, gold = [t for t, _ in docs], [g for _, g in docs]
        t = time.perf_counter()
        f, offs = features(model, texts)
        pred = [
            decode(o, head.predict(x) if len(x) else np.zeros(0, int), text)
            for x, o, text in zip(f, offs, texts, strict=True)
        ]
        head_s = time.perf_counter() - t
        sp, sp_s = spacy_names(texts)
        results[name] = {
            "minilm head": {**score(pred, gold), "seconds": round(head_s, 1)},
            "spacy sm": {**score(sp, gold), "seconds": round(sp_s, 1)},
        }
        print(name, json.dumps(results[name]))


if __name__ == "__main__":
    main()
