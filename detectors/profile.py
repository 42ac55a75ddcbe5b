"""What a drift comparison needs from one set of rows, built batch by batch.

Its own module because a scan builds the reference's profile before it starts and hands
it to the drift detector through the scan's context (detectors/base.py).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from detectors.row_vectors import row_means

_WORD = re.compile(r"[^\W\d_]{3,}")


@dataclass(slots=True)
class Profile:
    """What the comparison needs from one set, built batch by batch."""

    lengths: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    rows: list[np.ndarray] = field(default_factory=list)
    vecs: list[np.ndarray] = field(default_factory=list)
    df: Counter[str] = field(default_factory=Counter)
    n: int = 0

    def add(self, segments: pa.RecordBatch) -> None:
        if segments.num_rows == 0:
            return
        words: dict[int, set[str]] = defaultdict(set)
        for row, fld, text in zip(
            segments.column("row").to_pylist(),
            segments.column("field").to_pylist(),
            segments.column("text").to_pylist(),
            strict=True,
        ):
            if text:
                self.lengths[re.sub(r"\[\d+\]", "[]", fld)].append(len(text))
                words[row].update(w.casefold() for w in _WORD.findall(text[:5000]))
        for ws in words.values():
            self.df.update(ws)
        rows, vecs = row_means(segments)
        self.rows.append(rows)
        self.vecs.append(vecs.astype(np.float16))
        self.n += len(rows)

    def matrix(self) -> np.ndarray:
        if not self.vecs:
            return np.zeros((0, 0), np.float32)
        return np.concatenate(self.vecs).astype(np.float32)
