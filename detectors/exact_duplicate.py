"""Exact duplicates over the training text of a row, after light normalisation.

The key covers every segment with its role (the prompt *and* the response), so two rows
that share a prompt but answer it differently are not duplicates. Normalisation is
Unicode NFKC, case folding and collapsed whitespace: the variants a copy-paste or a
re-export produces. The first occurrence stays; later ones name it as evidence.
"""

from __future__ import annotations

import hashlib
import unicodedata

import pyarrow as pa

from detectors.base import DetectionResult, Detector, DetectorInfo, FindingBuffer


def normalize(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


class ExactDuplicateDetector(Detector):
    info = DetectorInfo(
        name="exact_duplicate",
        version="1.0.0",
        rules=("duplicate",),
        description="rows whose normalised training text equals an earlier row's",
    )

    def __init__(self, params: object = None) -> None:
        super().__init__(params)
        self._seen: dict[bytes, str] = {}

    def detect(self, segments: pa.RecordBatch) -> DetectionResult:
        out = FindingBuffer()
        rows = segments.column("row").to_pylist()
        ids = segments.column("row_id").to_pylist()
        roles = segments.column("role").to_pylist()
        texts = segments.column("text").to_pylist()
        i = 0
        n = len(rows)
        while i < n:
            row = rows[i]
            h = hashlib.blake2b(digest_size=16)
            while i < n and rows[i] == row:
                h.update(roles[i].encode())
                h.update(b"\x1e")
                h.update(normalize(texts[i]).encode("utf-8"))
                h.update(b"\x1d")
                i += 1
            key = h.digest()
            first = self._seen.get(key)
            if first is None:
                self._seen[key] = ids[i - 1]
            else:
                out.add(row, "duplicate", 1.0, f"duplicate_of={first}")
        return DetectionResult(out.items)
