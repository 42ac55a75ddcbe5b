"""Exact duplicates over the training text of a row, after light normalisation.

The key covers every segment with its role (the prompt *and* the response), so two rows
that share a prompt but answer it differently are not duplicates. Normalisation is
Unicode NFKC, case folding and collapsed whitespace: the variants a copy-paste or a
re-export produces. The first occurrence stays; later ones name it as evidence.

Keys are 64-bit (the first 8 bytes of BLAKE2b): the chance of one false match among
ten million rows is about 3 in a million, and every match names the row it matched so a
person can check it.
"""

from __future__ import annotations

import hashlib
import unicodedata

import numpy as np
import pyarrow as pa

from detectors.base import (
    DROP,
    CorpusDetector,
    CorpusState,
    DetectorInfo,
    Finding,
    FindingBuffer,
    ScanContext,
    row_runs,
)
from detectors.hashindex import HashIndex


def normalize(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def row_keys(segments: pa.RecordBatch) -> tuple[np.ndarray, np.ndarray]:
    """One 64-bit key per row of the batch, over its (role, normalised text) segments."""
    rows = segments.column("row").to_pylist()
    roles = segments.column("role").to_pylist()
    texts = segments.column("text").to_pylist()
    out_rows: list[int] = []
    out_keys: list[int] = []
    for row, start, end in row_runs(rows):
        h = hashlib.blake2b(digest_size=8)
        for i in range(start, end):
            h.update(roles[i].encode())
            h.update(b"\x1e")
            h.update(normalize(texts[i]).encode("utf-8"))
            h.update(b"\x1d")
        out_rows.append(row)
        out_keys.append(int.from_bytes(h.digest(), "little"))
    return np.array(out_keys, dtype=np.uint64), np.array(out_rows, dtype=np.int64)


class ExactDuplicateDetector(CorpusDetector):
    info = DetectorInfo(
        name="exact_duplicate",
        version="1.2.0",
        rules=("duplicate",),
        description="rows whose normalised training text equals an earlier row's",
        defaults={"duplicate": DROP},
    )

    def start(self, scan: ScanContext) -> ExactDuplicateState:
        return ExactDuplicateState()


class ExactDuplicateState(CorpusState):
    """One scan's hash index: a row is a duplicate only of rows of the same scan."""

    def __init__(self) -> None:
        self.index = HashIndex()

    def observe(self, segments: pa.RecordBatch) -> list[Finding]:
        out = FindingBuffer()
        if segments.num_rows == 0:
            return out.items
        keys, rows = row_keys(segments)
        first = self.index.first_rows(keys, rows)
        for row, orig in zip(rows[first != rows], first[first != rows], strict=True):
            out.add(int(row), "duplicate", 1.0, "", refs=(("duplicate_of", int(orig)),))
        return out.items

    def finalize(self) -> list[Finding]:
        return []
