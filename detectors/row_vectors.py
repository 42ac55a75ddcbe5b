"""Per-row embeddings held as one growing float16 array (768 bytes a row: 1M rows, 768 MB)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

EMBEDDING = "embedding"
# roles whose text a prompt is made of, and the answer's: what a row asks and what it is
# taught to reply (the poisoning and harmful-compliance detectors pair them)
PROMPT_SIDE = frozenset({"prompt", "context", "system", "text"})
RESPONSE_SIDE = frozenset({"response"})


def unit(x: np.ndarray) -> np.ndarray:
    """Rows (or one vector) scaled to length 1; a zero vector stays zero. Keeps the dtype."""
    n = np.linalg.norm(x, axis=-1, keepdims=True)
    n[n == 0] = 1
    return np.asarray(x / n)


def segment_vectors(segments: pa.RecordBatch) -> np.ndarray:
    """The ``embedding`` column as a (segments, dim) float32 array."""
    col = segments.column(EMBEDDING)
    flat = col.flatten().to_numpy(zero_copy_only=False)
    return np.asarray(flat, dtype=np.float32).reshape(segments.num_rows, col.type.list_size)


def row_means(
    segments: pa.RecordBatch, roles: set[str] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Unit-length mean of each row's non-empty segment embeddings (optionally some roles only)."""
    rows = segments.column("row").to_numpy()
    emb = segment_vectors(segments)
    keep = np.asarray([bool(t) for t in segments.column("text").to_pylist()], dtype=bool)
    if roles is not None:
        keep &= np.isin(np.asarray(segments.column("role").to_pylist()), list(roles))
    rows, emb = rows[keep], emb[keep]
    if len(rows) == 0:
        return np.zeros(0, np.int64), np.zeros(
            (0, emb.shape[1] if emb.ndim == 2 else 0), np.float32
        )
    uniq, inverse = np.unique(rows, return_inverse=True)
    sums = np.zeros((len(uniq), emb.shape[1]), dtype=np.float64)
    np.add.at(sums, inverse, emb)
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    norms[norms == 0] = 1
    return uniq, (sums / norms).astype(np.float32)


class RowVectors:
    def __init__(self, roles: set[str] | None = None) -> None:
        self.roles = roles
        self._rows: list[np.ndarray] = []
        self._vecs: list[np.ndarray] = []

    def add(self, segments: pa.RecordBatch) -> None:
        if segments.num_rows == 0:
            return
        rows, vecs = row_means(segments, self.roles)
        self._rows.append(rows)
        self._vecs.append(vecs.astype(np.float16))

    def take(self) -> tuple[np.ndarray, np.ndarray]:
        if not self._rows:
            return np.zeros(0, np.int64), np.zeros((0, 0), np.float32)
        rows = np.concatenate(self._rows)
        vecs = np.concatenate(self._vecs).astype(np.float32)
        self._rows, self._vecs = [], []
        return rows, vecs
