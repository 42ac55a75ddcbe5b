"""Near/semantic duplicates: speed against datasketch and sentence-transformers, and quality
on generated variants of real rows. Used by scripts/bench.py."""

from __future__ import annotations

import json
import random
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from detectors.base import SEGMENT_SCHEMA, ScanContext, SetupContext
from detectors.embeddings import MINILM, EmbeddingEngine
from detectors.minhash import candidate_pairs, estimated_jaccard, normalize_for_shingles, signatures
from detectors.near_duplicate import NearDuplicateDetector
from detectors.row_vectors import EMBEDDING
from detectors.semantic_duplicate import SemanticDuplicateDetector

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def alpaca(n: int, seed: int = 5) -> list[dict[str, str]]:
    rows = json.loads((SHARED / "alpaca" / "alpaca_data.json").read_text())
    return random.Random(seed).sample(rows, n)


def text_of(r: dict[str, str]) -> str:
    return " | ".join(x for x in (r["instruction"], r["input"], r["output"]) if x)


def near_speed(n: int) -> dict[str, Any]:
    from datasketch import MinHash, MinHashLSH

    texts = [text_of(r) for r in alpaca(n)]
    t = time.perf_counter()
    docs = [normalize_for_shingles(x) for x in texts]
    sig = signatures(docs, 64)
    pairs = candidate_pairs(sig, 16)
    sims = estimated_jaccard(sig, pairs)
    ours = {tuple(p) for p, s in zip(pairs.tolist(), sims, strict=True) if s >= 0.8}
    t_ours = time.perf_counter() - t

    t = time.perf_counter()
    lsh = MinHashLSH(threshold=0.8, num_perm=64)
    hashes = []
    for i, x in enumerate(texts):
        d = normalize_for_shingles(x)
        m = MinHash(num_perm=64)
        m.update_batch([d[j : j + 5] for j in range(max(1, len(d) - 4))])
        lsh.insert(i, m)
        hashes.append(m)
    theirs = set()
    for i, m in enumerate(hashes):
        for j in lsh.query(m):
            if j != i and m.jaccard(hashes[j]) >= 0.8:
                theirs.add((min(i, j), max(i, j)))
    t_ds = time.perf_counter() - t
    union = ours | theirs

    def exact(i: int, j: int) -> float:
        a, b = normalize_for_shingles(texts[i]), normalize_for_shingles(texts[j])
        sa = {a[k : k + 5] for k in range(max(1, len(a) - 4))}
        sb = {b[k : k + 5] for k in range(max(1, len(b) - 4))}
        return len(sa & sb) / len(sa | sb)

    truth = {p for p in union if exact(*p) >= 0.8}
    return {
        "exact_jaccard_check": {
            "true_pairs_in_union": len(truth),
            "ours_true": len(ours & truth),
            "datasketch_true": len(theirs & truth),
        },
        "rows": n,
        "rows_per_s": {"ours": n / t_ours, "datasketch": n / t_ds},
        "ratio": t_ds / t_ours,
        "pairs": {"ours": len(ours), "datasketch": len(theirs), "both": len(ours & theirs)},
        "agreement": len(ours & theirs) / len(union) if union else 1.0,
    }


def embed_speed(n: int) -> dict[str, Any]:
    from sentence_transformers import SentenceTransformer

    texts = [text_of(r) for r in alpaca(n, seed=9)]
    engine = EmbeddingEngine.get("cpu")
    t = time.perf_counter()
    engine.embed(texts)
    t_ours = time.perf_counter() - t
    root, _ = MINILM.verify()
    plain = SentenceTransformer(str(root), device="cpu", local_files_only=True)
    best = {}
    for bs in (32, 64, 128):
        t = time.perf_counter()
        plain.encode(texts, batch_size=bs, normalize_embeddings=True, show_progress_bar=False)
        best[bs] = n / (time.perf_counter() - t)
    top = max(best.values())
    return {
        "rows": n,
        "ours_rows_per_s": n / t_ours,
        "plain_encode_rows_per_s": best,
        "ratio_to_best": (n / t_ours) / top,
    }


def variant(r: dict[str, str], rng: random.Random) -> tuple[dict[str, str], str]:
    kind = rng.choice(["case", "punct", "space", "edit", "reorder", "paraphrase"])
    out = dict(r)
    o = r["output"]
    if kind == "case":
        out["output"] = o.upper()
    elif kind == "punct":
        out["output"] = o.replace(",", "").replace(".", " .")
    elif kind == "space":
        out["output"] = "  ".join(o.split())
    elif kind == "edit":
        w = o.split()
        if w:
            w[rng.randrange(len(w))] = rng.choice(["really", "also", "indeed"])
        out["output"] = " ".join(w)
    elif kind == "reorder":
        sents = [s for s in o.split(". ") if s]
        rng.shuffle(sents)
        out["output"] = ". ".join(sents)
    else:
        out["instruction"] = (
            rng.choice(["Please ", "Could you ", "Kindly "])
            + r["instruction"][0].lower()
            + r["instruction"][1:]
        )
    return out, kind


def quality(n: int, planted: int) -> dict[str, Any]:
    rng = random.Random(21)
    originals = alpaca(n, seed=13)
    variants = [variant(originals[i], rng) for i in rng.sample(range(n), planted)]
    rows = originals + [v for v, _ in variants]
    texts, row_ids, roles = [], [], []
    for i, r in enumerate(rows):
        for f, role in (("instruction", "prompt"), ("input", "context"), ("output", "response")):
            texts.append(r[f])
            row_ids.append(i)
            roles.append(role)
    engine = EmbeddingEngine.get("cpu")
    vecs = engine.embed(texts)
    seg = pa.RecordBatch.from_arrays(
        [
            pa.array(row_ids, pa.int64()),
            pa.array([str(i) for i in row_ids]),
            pa.array(roles),
            pa.array(roles),
            pa.array(texts),
            pa.FixedSizeListArray.from_arrays(pa.array(vecs.ravel(), pa.float32()), vecs.shape[1]),
        ],
        schema=SEGMENT_SCHEMA.append(pa.field(EMBEDDING, pa.list_(pa.float32(), vecs.shape[1]))),
    )
    out = {}
    for name, det in (("near", NearDuplicateDetector()), ("semantic", SemanticDuplicateDetector())):
        det.setup(SetupContext("cpu"))
        state = det.start(ScanContext("cpu"))
        state.observe(seg)
        flagged = {f.row for f in state.finalize()}
        tp = sum(1 for k in range(n, len(rows)) if k in flagged)
        by_kind: dict[str, list[int]] = {}
        for k, (_, kind) in enumerate(variants):
            by_kind.setdefault(kind, []).append(int(n + k in flagged))
        out[name] = {
            "recall": tp / planted,
            "false_removals_on_originals": sum(1 for k in range(n) if k in flagged) / n,
            "recall_by_variant": {k: float(np.mean(v)) for k, v in sorted(by_kind.items())},
        }
    return out


def run(n_near: int, n_embed: int, n_quality: int) -> dict[str, Any]:
    return {
        "near_speed": near_speed(n_near),
        "embed_speed": embed_speed(n_embed),
        "quality": quality(n_quality, max(1, n_quality // 10)),
    }
