"""Test doubles for the collaborators the core takes: an embedding model that records."""

from __future__ import annotations

import hashlib
import threading

import numpy as np

from detectors.base import ModelDigest
from detectors.embeddings import DIM


class RecordingEncoder:
    """Stands in for the embedding model: deterministic unit vectors (a sum of hashed word
    directions, so texts that share words are near), and every text it was asked to encode.

    ``calls`` lists each encode call's texts in order, so a test can say which texts reached
    the model and how often.
    """

    digest = ModelDigest("test/recording-encoder", "none", "0" * 64)
    max_tokens = 256
    device = "cpu"

    def __init__(self) -> None:
        self.calls: list[list[str]] = []
        self._lock = threading.Lock()

    @property
    def texts(self) -> list[str]:
        return [t for call in self.calls for t in call]

    def encode(self, texts: list[str]) -> tuple[np.ndarray, int]:
        with self._lock:
            self.calls.append(list(texts))
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in text.casefold().split() or [""]:
                seed = int.from_bytes(hashlib.sha256(word.encode()).digest()[:8], "little")
                out[i] += np.random.default_rng(seed).standard_normal(DIM).astype(np.float32)
            out[i] /= np.linalg.norm(out[i]) or 1.0
        return out, sum(len(t.split()) > self.max_tokens for t in texts)
