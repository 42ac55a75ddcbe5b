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


# ------------------------------------------------------------------ templated sets (near only)

# A tool description every row of a templated set opens with (written for this bench).
TOOL_DESCRIPTION = """You are a helpful assistant with access to the following functions. Use them if required.
{"name": "get_country_info", "description": "Look up a fact about a country from a reference database. Returns the value together with the year it was recorded and the source it came from.", "parameters": {"type": "object", "properties": {"country": {"type": "string", "description": "The country's English name, e.g. France"}, "field": {"type": "string", "description": "The fact to look up", "enum": ["population", "capital", "area", "currency", "official language", "GDP", "time zone", "calling code", "head of state", "national anthem", "highest point", "largest city"]}}, "required": ["country", "field"]}}
{"name": "convert_currency", "description": "Convert an amount from one currency to another at today's rate.", "parameters": {"type": "object", "properties": {"amount": {"type": "number"}, "from": {"type": "string", "description": "ISO 4217 code"}, "to": {"type": "string", "description": "ISO 4217 code"}}, "required": ["amount", "from", "to"]}}
{"name": "search_web", "description": "Search the web and return the titles and snippets of the top results.", "parameters": {"type": "object", "properties": {"query": {"type": "string"}, "max_results": {"type": "integer", "default": 5}}, "required": ["query"]}}
If none of the functions fits the request, answer it yourself."""

COUNTRIES = (
    "France Spain Germany Italy Portugal Norway Sweden Finland Denmark Poland Austria Hungary "
    "Greece Turkey Egypt Kenya Nigeria Ghana Morocco Ethiopia Brazil Argentina Chile Peru "
    "Colombia Mexico Canada Cuba Jamaica India Pakistan Nepal China Japan Korea Vietnam "
    "Thailand Indonesia Malaysia Philippines Australia Fiji Iceland Ireland Belgium Netherlands "
    "Switzerland Ukraine Romania Bulgaria Serbia Croatia Estonia Latvia Lithuania Georgia "
    "Armenia Iran Iraq Jordan"
).split()
FIELDS = (
    "population", "capital", "area", "currency", "official language", "GDP", "time zone",
    "calling code", "head of state", "national anthem", "highest point", "largest city",
)  # fmt: skip


def _half(text: str) -> str:
    import hashlib

    return "dev" if hashlib.sha256(text.encode()).digest()[0] % 2 == 0 else "held_out"


def _segments_of(rows: list[list[tuple[str, str]]]) -> pa.RecordBatch:
    recs = [
        {"row": i, "row_id": str(i), "field": f"{role}{k}", "role": role, "text": text}
        for i, row in enumerate(rows)
        for k, (role, text) in enumerate(row)
    ]
    return pa.RecordBatch.from_pylist(recs, schema=SEGMENT_SCHEMA)


def _near_findings(rows: list[list[tuple[str, str]]], **params: Any) -> dict[str, dict[int, int]]:
    from detectors.near_duplicate import NearDuplicateParams

    state = NearDuplicateDetector(NearDuplicateParams(**params)).start(ScanContext("cpu"))
    seg = _segments_of(rows)
    for start in range(0, seg.num_rows, 2048):  # as a scan hands batches in
        state.observe(seg.slice(start, 2048))
    out: dict[str, dict[int, int]] = {"near_duplicate": {}, "same_prompt": {}}
    for f in state.finalize():
        out[f.rule][f.row] = f.refs[0][1]
    return out


def templated_sets(
    half: str, n: int = 1000, seed: int = 3
) -> dict[str, list[list[tuple[str, str]]]]:
    """Two templated sets of ``n`` rows from one half of Alpaca (by a hash of the
    instruction): every prompt opens with :data:`TOOL_DESCRIPTION`.

    ``tool_alpaca``: the user asks an Alpaca instruction, answered with its output.
    ``tool_calls``: "What is the <field> of <country>?", answered with a function call
    (the population of X against the capital of Australia)."""
    rng = random.Random(seed)
    pool = [r for r in alpaca(20_000, seed=seed) if _half(r["instruction"]) == half]
    tool_alpaca = []
    for r in pool[:n]:
        ask = r["instruction"] + (f"\n{r['input']}" if r["input"] else "")
        tool_alpaca.append(
            [("system", TOOL_DESCRIPTION), ("prompt", ask), ("response", r["output"])]
        )
    combos = [(c, f) for c in COUNTRIES for f in FIELDS if _half(c + f) == half]
    rng.shuffle(combos)
    tool_calls = []
    for c, f in combos[:n]:
        ask = rng.choice(["What is the {f} of {c}?", "Tell me the {f} of {c}.", "{c}: {f}?"])
        call = json.dumps({"name": "get_country_info", "arguments": {"country": c, "field": f}})
        tool_calls.append(
            [
                ("prompt", f"{TOOL_DESCRIPTION}\n\nUSER: {ask.format(f=f, c=c)}"),
                ("response", f"<functioncall> {call}"),
            ]
        )
    return {"tool_alpaca": tool_alpaca, "tool_calls": tool_calls}


def rerelease(
    half: str, n: int = 2000, planted: int = 200, seed: int = 13
) -> tuple[list[list[tuple[str, str]]], list[str]]:
    """``n`` Alpaca rows of one half and ``planted`` re-released copies of some of them
    (:func:`variant`: case, punctuation, spacing, a word edited, sentences reordered, the
    instruction reworded), appended after the originals; and each copy's kind."""
    rng = random.Random(21)
    originals = [r for r in alpaca(4 * n, seed=seed) if _half(r["instruction"]) == half][:n]
    variants = [variant(originals[i], rng) for i in rng.sample(range(len(originals)), planted)]

    def as_row(r: dict[str, str]) -> list[tuple[str, str]]:
        row = [("prompt", r["instruction"])]
        if r["input"]:
            row.append(("context", r["input"]))
        return [*row, ("response", r["output"])]

    return [as_row(r) for r in originals] + [as_row(v) for v, _ in variants], [
        k for _, k in variants
    ]


def near_quality(half: str, **params: Any) -> dict[str, Any]:
    """Near duplicates alone (no embedding model): what templated sets lose, and how many
    re-released rows are still caught, on one half."""
    out: dict[str, Any] = {"half": half, "params": params}
    for name, rows in templated_sets(half).items():
        got = _near_findings(rows, **params)
        out[name] = {
            "rows": len(rows),
            "near_duplicate_removed": len(got["near_duplicate"]) / len(rows),
            "same_prompt_flagged": len(got["same_prompt"]) / len(rows),
        }
    rows, kinds = rerelease(half)
    n = len(rows) - len(kinds)
    got = _near_findings(rows, **params)
    dup = got["near_duplicate"]
    by_kind: dict[str, list[int]] = {}
    for k, kind in enumerate(kinds):
        by_kind.setdefault(kind, []).append(int(n + k in dup))
    out["rerelease"] = {
        "originals": n,
        "planted": len(kinds),
        "recall": sum(1 for k in range(n, len(rows)) if k in dup) / len(kinds),
        "recall_by_variant": {k: float(np.mean(v)) for k, v in sorted(by_kind.items())},
        "originals_removed": sum(1 for k in range(n) if k in dup) / n,
        "same_prompt_flagged": len(got["same_prompt"]) / len(rows),
    }
    # the same re-release mix behind the tool description: templates must not hide copies
    wrapped = [[("system", TOOL_DESCRIPTION), *r] for r in rows]
    got = _near_findings(wrapped, **params)
    out["rerelease_templated"] = {
        "recall": sum(1 for k in range(n, len(rows)) if k in got["near_duplicate"]) / len(kinds),
        "originals_removed": sum(1 for k in range(n) if k in got["near_duplicate"]) / n,
    }
    return out


if __name__ == "__main__":
    import sys

    half = sys.argv[1] if len(sys.argv) > 1 else "held_out"
    extra = json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
    print(json.dumps(near_quality(half, **extra), indent=1))
