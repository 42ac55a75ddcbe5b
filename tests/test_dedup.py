"""Near and semantic duplicates, outliers and the embedding engine."""

from __future__ import annotations

import random
import threading
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.base import SEGMENT_SCHEMA, ScanContext
from detectors.embeddings import MINILM, EmbeddingEngine
from detectors.minhash import candidate_pairs, estimated_jaccard, normalize_for_shingles, signatures
from detectors.near_duplicate import leaders
from detectors.row_vectors import EMBEDDING
from gateway.core.pipeline import Pipeline
from gateway.core.policy import parse_policy
from gateway.core.scan_types import ScanRequest
from tests.helpers import WORDS, alpaca, assert_conserved, read_split, reasons_by_row, write_jsonl

BASE = (
    "To keep sourdough healthy, feed the starter twice a day with equal weights of flour "
    "and water. "
    "Store it in a loosely covered jar at room temperature. Discard half before each feeding."
)
VARIANTS = [
    BASE.upper(),  # case
    BASE.replace(",", "").replace(".", "!"),  # punctuation
    "  ".join(BASE.split(" ")),  # whitespace
    BASE.replace("loosely", "lightly"),  # a small edit
]


def true_jaccard(a: str, b: str) -> float:
    sa = {a[i : i + 5] for i in range(max(1, len(a) - 4))}
    sb = {b[i : i + 5] for i in range(max(1, len(b) - 4))}
    return len(sa & sb) / len(sa | sb)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10**6), st.floats(0.0, 1.0))
def test_minhash_estimates_jaccard(seed: int, keep: float) -> None:
    rng = random.Random(seed)
    a_words = [rng.choice(WORDS) for _ in range(60)]
    b_words = [w if rng.random() < keep else rng.choice(WORDS) for w in a_words]
    a, b = " ".join(a_words), " ".join(b_words)
    sig = signatures([normalize_for_shingles(a), normalize_for_shingles(b)], 128)
    est = float(estimated_jaccard(sig, np.array([[0, 1]]))[0])
    truth = true_jaccard(normalize_for_shingles(a).decode(), normalize_for_shingles(b).decode())
    assert abs(est - truth) < 0.2, (est, truth)


def test_variants_are_candidates_and_verified() -> None:
    docs = [normalize_for_shingles(t) for t in [BASE, *VARIANTS, alpaca(1)["output"]]]
    sig = signatures(docs, 64)
    pairs = candidate_pairs(sig, 16)
    sims = estimated_jaccard(sig, pairs)
    found = {tuple(p) for p, s in zip(pairs.tolist(), sims, strict=True) if s >= 0.8}
    for j in range(1, len(VARIANTS) + 1):
        assert (0, j) in found
    assert not any(5 in p for p in found)


def test_leaders_do_not_chain_and_cap_clusters() -> None:
    # 0~1 and 1~2 but not 0~2: 2 must not be removed through 1
    rep, _ = leaders(3, np.array([[0, 1], [1, 2]]), np.array([0.9, 0.9]), max_cluster=10)
    assert rep.tolist() == [0, 0, 2]
    # a cluster holds at most max_cluster rows; rows similar only to a full representative stay
    pairs = np.array([[0, j] for j in range(1, 5)])
    rep, _ = leaders(5, pairs, np.full(4, 0.95), max_cluster=3)
    assert rep.tolist() == [0, 0, 0, 3, 4]


def scan(tmp: Path, rows: list[dict[str, object]], policy: dict[str, object] | None = None) -> Path:
    tmp.mkdir(parents=True, exist_ok=True)
    inp = write_jsonl(tmp / "in.jsonl", rows)
    out = tmp / "out"
    doc = {"detectors": {"pii": {"enabled": False}}, **(policy or {})}
    result = Pipeline(parse_policy(doc)).scan(ScanRequest(inputs=[inp], out=out, device="cpu"))
    assert_conserved(result.report)
    return out


def test_planted_near_duplicate_cluster_keeps_one(tmp_path: Path) -> None:
    rows = [alpaca(i) for i in range(30)]
    rows.insert(5, {"instruction": "How do I keep a starter alive?", "input": "", "output": BASE})
    for v in VARIANTS:
        rows.append({"instruction": "How do I keep a starter alive?", "input": "", "output": v})
    got = reasons_by_row(scan(tmp_path, rows))
    removed = {k for k, v in got.items() if "near_duplicate/near_duplicate" in v}
    assert removed == {f"in.jsonl:{i}" for i in range(31, 35)}
    assert "in.jsonl:5" not in got  # the representative stays
    q = read_split(tmp_path / "out", "quarantine")
    assert q is not None
    evidence = [
        x["evidence"]
        for r in q.to_pylist()
        for x in r["tunegate_reasons"]
        if x["detector"] == "near_duplicate"
    ]
    assert evidence and all(e.endswith("duplicate_of=in.jsonl:5") for e in evidence)


def test_semantic_duplicates_are_paraphrases(tmp_path: Path) -> None:
    rows = [alpaca(i) for i in range(20)] + [
        {
            "instruction": "How can I reset my account password?",
            "input": "",
            "output": "Open settings and choose reset password.",
        },
        {
            "instruction": "How do I reset the password of my account?",
            "input": "",
            "output": "Open settings and choose reset password.",
        },
        {
            "instruction": "What is the boiling point of water at sea level?",
            "input": "",
            "output": "100 degrees Celsius.",
        },
    ]
    got = reasons_by_row(scan(tmp_path, rows))
    assert "semantic_duplicate/semantic_duplicate" in got.get("in.jsonl:21", [])
    assert "in.jsonl:20" not in got and "in.jsonl:22" not in got


def test_garbage_dropped_and_outliers_flagged(tmp_path: Path) -> None:
    rng = random.Random(0)
    junk = "".join(chr(rng.randrange(0x2500, 0x2600)) for _ in range(80))
    rows = [alpaca(i) for i in range(80)] + [
        alpaca(900, output=junk),
        alpaca(901, output="buy " * 40),
        alpaca(902, instruction="....", output="!!! ???"),
        alpaca(903, output=" ".join(rng.choice(WORDS) for _ in range(3000))),
    ]
    out = scan(tmp_path, rows)
    got = reasons_by_row(out)
    assert "outliers/garbage_symbols" in got["in.jsonl:80"]
    assert "outliers/repeated_token" in got["in.jsonl:81"]
    assert "outliers/no_content" in got["in.jsonl:82"]
    import json

    rep = json.loads((out / "report.json").read_text())
    assert rep["by_reason"]["outliers"].get("length_outlier", 0) >= 1  # flagged, kept
    assert "in.jsonl:83" in rep["examples"]["outliers/length_outlier"]
    assert "in.jsonl:83" not in got


def test_scans_are_deterministic(tmp_path: Path) -> None:
    rows = (
        [alpaca(i) for i in range(40)]
        + [{"instruction": "x?", "input": "", "output": BASE}]
        + [{"instruction": "x?", "input": "", "output": v} for v in VARIANTS]
    )
    a = reasons_by_row(scan(tmp_path / "a", rows))
    b = reasons_by_row(scan(tmp_path / "b", rows))
    assert a == b and a


def test_embedding_model_is_the_pinned_one() -> None:
    assert MINILM.files["model.safetensors"] == (
        "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
    )
    MINILM.verify()


def test_embedding_cache_skips_known_texts(tmp_path: Path) -> None:
    engine = EmbeddingEngine.get("cpu")
    first = engine.session(tmp_path / "cache").embed(["alpha beta", "gamma delta"])
    calls: list[int] = []
    real = engine.encode

    def counting(texts: list[str]) -> tuple[np.ndarray, int]:
        calls.append(len(texts))
        return real(texts)

    engine.encode = counting  # type: ignore[method-assign]
    try:
        again = engine.session(tmp_path / "cache").embed(["alpha beta", "gamma delta", "epsilon"])
    finally:
        engine.encode = real  # type: ignore[method-assign]
    assert calls == [1]  # only the new text was embedded
    assert np.allclose(first, again[:2], atol=1e-2)
    assert np.allclose(np.linalg.norm(again, axis=1), 1, atol=1e-2)


def test_concurrent_scans_share_the_model_not_their_caches(tmp_path: Path) -> None:
    """The gateway runs scans on pool threads over one engine: each keeps its own cache
    handle and truncation count, and a handle made on one thread works on another."""
    engine = EmbeddingEngine.get("cpu")
    # made on this thread, used on others; separate folders keep each count independent
    # of which thread writes its cache first
    sessions = [engine.session(tmp_path / f"cache{s}") for s in range(4)]
    long_text = "word " * 600  # past the 256-piece window
    texts = [[f"row {i} of scan {s}" for i in range(40)] + [long_text] * s for s in range(4)]
    out: dict[int, np.ndarray | BaseException] = {}

    def scan(s: int) -> None:
        try:
            out[s] = sessions[s].embed(texts[s])
        except BaseException as e:  # reported by the assertion below
            out[s] = e

    threads = [threading.Thread(target=scan, args=(s,)) for s in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for s in range(4):
        got = out[s]
        assert isinstance(got, np.ndarray), got
        assert np.allclose(got, engine.embed(texts[s]), atol=1e-2)
    assert [e.truncated for e in sessions] == [0, 1, 1, 1]  # identical texts embed once
    again = engine.session(tmp_path / "cache3")
    again.embed(texts[3])
    assert again.truncated == 0  # all from the cache another thread wrote


def test_cuda_request_without_gpu_is_an_error() -> None:
    import torch

    from gateway.core.device import resolve_device
    from gateway.errors import UsageError

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    with pytest.raises(UsageError, match="no CUDA"):
        resolve_device("cuda", True)


def segments_with_vectors(vecs: np.ndarray) -> pa.RecordBatch:
    """One segment per row, carrying the given vectors as its embedding."""
    n = len(vecs)
    seg = pa.RecordBatch.from_arrays(
        [
            pa.array(range(n), pa.int64()),
            pa.array([f"t:{i}" for i in range(n)]),
            pa.array(["text"] * n),
            pa.array(["text"] * n),
            pa.array([f"row {i}" for i in range(n)]),
        ],
        schema=SEGMENT_SCHEMA,
    )
    col = pa.FixedSizeListArray.from_arrays(pa.array(vecs.ravel(), pa.float32()), vecs.shape[1])
    return seg.append_column(EMBEDDING, col)


def test_partitioned_semantic_dedup_finds_the_same_duplicates() -> None:
    """Past partition_above, k-means partitions first; near-identical rows share a partition."""
    from detectors.semantic_duplicate import SemanticDuplicateDetector, SemanticDuplicateParams

    rng = np.random.default_rng(1)
    base = rng.normal(size=(120, 384)).astype(np.float32)
    base /= np.linalg.norm(base, axis=1, keepdims=True)
    dups = base[:20] + rng.normal(scale=0.01, size=(20, 384)).astype(np.float32)
    dups /= np.linalg.norm(dups, axis=1, keepdims=True)
    vecs = np.concatenate([base, dups])

    def run(params: SemanticDuplicateParams) -> set[tuple[int, int]]:
        state = SemanticDuplicateDetector(params).start(ScanContext())
        state.observe(segments_with_vectors(vecs))
        return {(f.row, f.refs[0][1]) for f in state.finalize()}

    whole = run(SemanticDuplicateParams())
    parted = run(SemanticDuplicateParams(partition_above=50, partition_size=40))
    assert whole == {(120 + i, i) for i in range(20)}
    assert parted == whole


def _segments(texts: list[str]) -> pa.RecordBatch:
    return pa.RecordBatch.from_pylist(
        [
            {"row": i, "row_id": f"x:{i}", "field": "output", "role": "response", "text": t}
            for i, t in enumerate(texts)
        ],
        schema=SEGMENT_SCHEMA,
    )


def _near(texts: list[str], **params: int) -> list[tuple[int, int]]:
    from detectors.near_duplicate import NearDuplicateDetector, NearDuplicateParams

    state = NearDuplicateDetector(NearDuplicateParams(**params)).start(ScanContext())
    state.observe(_segments(texts))
    return sorted((f.row, f.refs[0][1]) for f in state.finalize())


def test_copies_join_their_first_as_before() -> None:
    """Collapsing identical signatures keeps the verdicts: copies and near variants
    join the row they always joined."""
    base = [alpaca(i)["output"] * 3 for i in range(30)]
    texts = [*base, base[3], base[3], base[7], base[3] + " x", base[12].replace("note", "nota", 1)]
    got = _near(texts)
    assert (30, 3) in got and (31, 3) in got and (32, 7) in got
    assert (33, 3) in got and (34, 12) in got
    # the same pairs as leaders() over every row, the way finalize worked before
    from detectors.near_duplicate import NearDuplicateParams, row_signatures

    p = NearDuplicateParams()
    sig = row_signatures(_segments(texts), p)
    pairs = candidate_pairs(sig, p.bands)
    sims = estimated_jaccard(sig, pairs)
    keep = sims >= p.threshold
    rep, _ = leaders(len(texts), pairs[keep], sims[keep], p.max_cluster)
    assert got == [(j, int(rep[j])) for j in range(len(texts)) if rep[j] != j]


def test_a_flood_of_copies_is_paired_once_per_distinct_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """100,000 copies of two rows (6.6 MB) once made 64 LSH pairs per row per band:
    gigabytes and minutes. Pairs are now made over distinct signatures only."""
    import detectors.near_duplicate as nd

    seen: list[int] = []
    real = nd.candidate_pairs

    def counting(sig: np.ndarray, bands: int) -> np.ndarray:
        seen.append(len(sig))
        return real(sig, bands)

    monkeypatch.setattr(nd, "candidate_pairs", counting)
    texts = [("Name a colour. Blue." if i % 2 else "Name a shape. Square.") for i in range(20_000)]
    got = _near(texts, max_cluster=1000)
    assert seen == [2]
    # each text keeps its first row and at most max_cluster - 1 copies join it; the rest
    # stay, as before, so one template cannot empty a dataset
    assert len(got) == 2 * 999
    assert {i for _, i in got} == {0, 1}


POOL = [
    BASE,
    BASE.replace("loosely", "lightly"),
    BASE.upper(),
    alpaca(1)["output"] * 4,
    alpaca(2)["output"] * 4,
    alpaca(2)["output"] * 4 + " and more",
]


@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.lists(st.integers(0, len(POOL) - 1), min_size=1, max_size=40))
def test_collapsing_copies_changes_no_verdict_below_the_cap(picks: list[int]) -> None:
    """Whatever mix of copies and near variants: the pairs leaders() over every row gives."""
    from detectors.near_duplicate import NearDuplicateParams, row_signatures

    texts = [POOL[i] for i in picks]
    p = NearDuplicateParams()
    sig = row_signatures(_segments(texts), p)
    pairs = candidate_pairs(sig, p.bands)
    sims = estimated_jaccard(sig, pairs)
    keep = sims >= p.threshold
    rep, _ = leaders(len(texts), pairs[keep], sims[keep], p.max_cluster)
    assert _near(texts) == [(j, int(rep[j])) for j in range(len(texts)) if rep[j] != j]
