"""The row stage's order and the embedding cache: raw text reaches only the detectors that
must read it, and no vector of unredacted text is cached or computed twice.

The attack these stop: an uploader plants personal data and reads it back out of the
gateway's embedding cache (it held vectors keyed by a hash of the raw text), and
embeddings of unredacted text fed every corpus detector.
"""

from __future__ import annotations

import os
import sqlite3
from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from detectors.base import NO_SCAN, DetectionResult, DetectorInfo, Reads, RowDetector, ScanContext
from detectors.embeddings import CACHE_KEY_FILE, EmbeddingCache, EmbeddingEngine, ScanEmbedder
from detectors.errors import DetectorConfigError
from detectors.row_vectors import EMBEDDING
from gateway.core.pipeline import Pipeline
from gateway.core.policy import parse_policy
from gateway.core.scan_types import ScanRequest
from tests.fakes import RecordingEncoder
from tests.helpers import alpaca, read_split, report, write_jsonl

EMAIL = "zofia.nowak@example.org"
PHONE = "+44 20 7946 0958"
PLANTED = (EMAIL, PHONE)
RESPONSE_WITH_PII = f"Sure, write to {EMAIL} and they will answer."
LONG = " ".join(
    f"Step {i}: the courier checks the {w} manifest before noon." for i, w in enumerate("abcdefgh")
)


def rows() -> list[dict[str, str]]:
    """Rows with personal values in every role, a long multi-sentence context (windows),
    and texts repeated across batches."""
    out = [alpaca(i) for i in range(6)]
    out += [
        alpaca(6, input=f"Reach me at {EMAIL} or {PHONE}. I read mail daily. Thanks."),
        alpaca(7, instruction=f"Write to {EMAIL} about the invoice."),
        alpaca(8, input=LONG),
        alpaca(9, input=LONG + f" Questions go to {EMAIL}."),
        alpaca(10, output=RESPONSE_WITH_PII),
        alpaca(0),  # a duplicate, in a later batch
        alpaca(8, input=LONG),
    ]
    return out


class _Sees(RowDetector):
    """Records the text it is given, and whether vectors came with it."""

    info = DetectorInfo(name="sees", version="0", rules=())

    def __init__(self, reads: Reads) -> None:
        super().__init__()
        self.reads = reads  # type: ignore[misc]
        self.needs_embeddings = True
        self.texts: list[str] = []
        self.had_vectors: list[bool] = []

    def detect(self, segments: pa.RecordBatch, scan: ScanContext = NO_SCAN) -> DetectionResult:
        self.texts += segments.column("text").to_pylist()
        self.had_vectors.append(EMBEDDING in segments.schema.names)
        return DetectionResult([])


def scan_with(tmp: Path, *extra: RowDetector, cache: Path | None = None) -> RecordingEncoder:
    policy = parse_policy({"input": {"batch_rows": 4}})
    encoder = RecordingEncoder()
    src = write_jsonl(tmp / "in.jsonl", rows())
    pipe = Pipeline(policy, [*policy.build_detectors(), *extra], encoder=encoder)
    pipe.scan(ScanRequest(inputs=[src], out=tmp / "out", device="cpu", cache=cache))
    return encoder


def test_raw_readers_see_what_was_uploaded_and_the_rest_see_redacted_text(tmp_path: Path) -> None:
    raw, redacted = _Sees(Reads.RAW), _Sees(Reads.REDACTED)
    scan_with(tmp_path, raw, redacted)
    assert any(EMAIL in t for t in raw.texts) and any(PHONE in t for t in raw.texts)
    assert not any(p in t for t in redacted.texts for p in PLANTED)
    assert "<EMAIL_ADDRESS>" in " ".join(redacted.texts)
    assert all(raw.had_vectors) and all(redacted.had_vectors)


def test_no_vector_of_a_planted_personal_value_reaches_the_cache(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    encoder = scan_with(tmp_path, cache=cache)
    encoded = encoder.texts
    with_pii = [t for t in encoded if any(p in t for p in PLANTED)]
    assert with_pii, "the raw path (injection) must have embedded the planted rows"
    db = sqlite3.connect(cache / "embeddings.sqlite")
    stored = {k for (k,) in db.execute("SELECT key FROM vec32")}
    db.close()
    keys = EmbeddingCache(cache, RecordingEncoder.digest.sha256)
    assert stored, "redacted text is cached"
    assert not stored & {keys.key(t) for t in with_pii}
    assert stored <= {keys.key(t) for t in encoded if t not in with_pii}
    keys.close()
    # no raw reader reads a response's vector, so none is computed of its raw text
    assert RESPONSE_WITH_PII not in encoded


def test_each_distinct_text_is_embedded_once_per_scan(tmp_path: Path) -> None:
    encoded = scan_with(tmp_path).texts
    twice = [t for t, n in Counter(encoded).items() if n > 1]
    assert twice == []
    # windows of the long context were embedded (once), beside the whole field
    assert any(t in LONG and t != LONG for t in encoded)


def test_the_cache_key_is_secret_and_keyed(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    c = EmbeddingCache(cache, "digest")
    key_file = cache / CACHE_KEY_FILE
    assert key_file.stat().st_mode & 0o777 == 0o600
    import hashlib

    assert c.key("hello") != hashlib.sha256(b"digest\0hello").digest()
    c.close()
    assert EmbeddingCache(cache, "digest").key("hello") == c.key("hello")  # stable per folder
    os.chmod(key_file, 0o644)
    with pytest.raises(DetectorConfigError, match="readable by others"):
        EmbeddingCache(cache, "digest")


def test_cached_vectors_are_exactly_what_a_fresh_encode_returns(tmp_path: Path) -> None:
    engine = EmbeddingEngine.get("cpu")
    texts = ["The capital of France is Paris.", "Boron, carbon and oxygen.", "a b c"]
    fresh, _ = engine.encode(texts)
    ScanEmbedder(engine, tmp_path / "c").embed(texts)  # fills the cache
    again = ScanEmbedder(engine, tmp_path / "c")
    got = again.embed(texts)
    assert again.encoded == 0 and again.cache_hits == len(texts)
    assert got.dtype == np.float32 and np.array_equal(got, fresh)


def test_a_cached_scan_decides_exactly_as_an_uncached_one(tmp_path: Path) -> None:
    """Real model, default policy: cold cache, warm cache and no cache give one verdict."""
    data = [alpaca(i) for i in range(24)]
    data += [{**alpaca(i), "output": alpaca(i)["output"].replace(".", " indeed.")} for i in (3, 9)]
    src = write_jsonl(tmp_path / "in.jsonl", data)
    pipe = Pipeline(parse_policy({}))
    outs = {}
    for name, cache in (("none", None), ("cold", tmp_path / "c"), ("warm", tmp_path / "c")):
        out = tmp_path / name
        pipe.scan(ScanRequest(inputs=[src], out=out, device="cpu", cache=cache))
        clean = read_split(out, "clean")
        q = read_split(out, "quarantine")
        rep = report(out)
        outs[name] = (
            clean.to_pylist() if clean is not None else [],
            q.to_pylist() if q is not None else [],
            rep["by_reason"],
            rep["counts"],
        )
        assert rep["embeddings"]["cache"]["used"] is (cache is not None)
        if name == "warm":
            assert rep["embeddings"]["cache"]["encoded"] == 0
    assert outs["none"] == outs["cold"] == outs["warm"]


def test_a_detector_that_needs_embeddings_none_can_give_is_an_error() -> None:
    from gateway.core.row_stage import RowStage, plan_stages

    det = _Sees(Reads.REDACTED)
    stage = RowStage(parse_policy({}), plan_stages([det]))
    with pytest.raises(DetectorConfigError, match="sees"):
        stage.begin(ScanContext(), None)


def test_a_rewrite_is_applied_only_where_the_policy_says(tmp_path: Path) -> None:
    """Flag keeps the uploaded text; redact rewrites it; a dropped row's copy in quarantine
    is rewritten too, so quarantine holds no value a drop rule found."""
    policy = parse_policy(
        {"detectors": {"pii": {"actions": {"EMAIL_ADDRESS": "flag", "PHONE_NUMBER": "redact"}}}}
    )
    src = write_jsonl(
        tmp_path / "in.jsonl",
        [
            alpaca(0, input=f"Mail {EMAIL} or call {PHONE}."),
            alpaca(1, input="key AKIAIOSFODNN7EXAMPLE in the config"),
        ],
    )
    Pipeline(policy, encoder=RecordingEncoder()).scan(
        ScanRequest(inputs=[src], out=tmp_path / "out", device="cpu")
    )
    clean = read_split(tmp_path / "out", "clean")
    assert clean is not None
    [kept] = clean.to_pylist()
    assert EMAIL in kept["input"] and PHONE not in kept["input"]
    assert "<PHONE_NUMBER>" in kept["input"]
    rep = report(tmp_path / "out")
    assert rep["counts"]["rows_flagged"] == 1 and rep["counts"]["rows_redacted"] == 1
    quarantine = read_split(tmp_path / "out", "quarantine")
    assert quarantine is not None
    [dropped] = quarantine.to_pylist()
    assert "AKIA" not in dropped["input"] and "<SECRET_AWS_ACCESS_KEY>" in dropped["input"]
