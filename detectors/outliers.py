"""Outliers: obvious garbage (dropped) and statistical outliers (flagged, with the statistic).

Garbage is judged per row from the text alone: mostly symbols that no language or code
uses, one token repeated, or no letter or digit at all. Statistical outliers are judged
against the dataset after the last batch, with robust z-scores (median and MAD), so a
few extreme rows cannot hide themselves by moving the mean: length, compressibility
(zlib), and isolation in embedding space (similarity to the k-th nearest neighbour).
"""

from __future__ import annotations

import zlib
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from detectors.base import (
    DROP,
    FLAG,
    CorpusDetector,
    CorpusState,
    DetectorInfo,
    Finding,
    FindingBuffer,
    ModelDigest,
    ScanContext,
)
from detectors.embeddings import MINILM_DIGEST
from detectors.row_vectors import RowVectors

_ORDINARY = set(" \t\n\r.,;:!?'\"()-[]{}=+*/<>_#%&@$|\\`~^")


@dataclass(frozen=True, slots=True)
class OutlierParams:
    min_ordinary_ratio: float = 0.5  # letters, digits, spaces and common punctuation
    max_top_token_share: float = 0.5  # for rows of at least 20 tokens
    robust_z: float = 5.0
    min_rows_for_stats: int = 50
    knn: int = 5


def robust_z(x: np.ndarray) -> np.ndarray:
    med = np.median(x)
    mad = np.median(np.abs(x - med)) * 1.4826
    return np.asarray((x - med) / (mad if mad > 1e-9 else 1e-9), dtype=np.float64)


def garbage(text: str, p: OutlierParams) -> tuple[str, str] | None:
    if len(text) >= 20:
        ordinary = sum(c.isalnum() or c in _ORDINARY for c in text) / len(text)
        if ordinary < p.min_ordinary_ratio:
            return "garbage_symbols", f"only {ordinary:.0%} letters, digits and common punctuation"
    tokens = text.split()
    if len(tokens) >= 20:
        _, n = Counter(tokens).most_common(1)[0]
        if n / len(tokens) > p.max_top_token_share:
            return "repeated_token", f"one token is {n / len(tokens):.0%} of {len(tokens)} tokens"
    return None


class OutlierDetector(CorpusDetector):
    info = DetectorInfo(
        name="outliers",
        version="1.0.0",
        rules=(
            "garbage_symbols",
            "repeated_token",
            "no_content",
            "length_outlier",
            "compression_outlier",
            "embedding_isolated",
        ),
        description="garbage rows, and rows far from the rest of the dataset",
        # what is garbage by itself drops; what is only unusual for this set is flagged
        defaults={
            "garbage_symbols": DROP,
            "repeated_token": DROP,
            "no_content": DROP,
            "length_outlier": FLAG,
            "compression_outlier": FLAG,
            "embedding_isolated": FLAG,
        },
    )
    Params = OutlierParams
    params: OutlierParams
    needs_embeddings = True
    uses_device = True

    def models(self) -> tuple[ModelDigest, ...]:
        return (MINILM_DIGEST,)

    def start(self, scan: ScanContext) -> OutlierState:
        return OutlierState(self.params, scan)


class OutlierState(CorpusState):
    """One scan's lengths, compression ratios and row vectors; garbage is found at once."""

    def __init__(self, params: OutlierParams, scan: ScanContext) -> None:
        self.params = params
        self.scan = scan
        self._vecs = RowVectors()
        self._rows: list[int] = []
        self._lengths: list[float] = []
        self._ratios: list[float] = []

    def observe(self, segments: pa.RecordBatch) -> list[Finding]:
        out = FindingBuffer()
        rows = segments.column("row").to_pylist()
        texts = segments.column("text").to_pylist()
        fields = segments.column("field").to_pylist()
        per_row: dict[int, list[str]] = {}
        for row, text, fld in zip(rows, texts, fields, strict=True):
            per_row.setdefault(row, []).append(text)
            g = garbage(text, self.params)
            if g is not None:
                out.add(row, g[0], 1.0, f"field {fld!r}: {g[1]}", fld)
        for row, parts in per_row.items():
            joined = "\n".join(parts)
            if not any(c.isalnum() for c in joined):
                out.add(row, "no_content", 1.0, "no letter or digit in any field")
            raw = joined.encode("utf-8")
            self._rows.append(row)
            self._lengths.append(np.log1p(len(raw)))
            self._ratios.append(
                len(zlib.compress(raw, 1)) / len(raw) if len(raw) >= 500 else np.nan
            )
        self._vecs.add(segments)
        return out.items

    def finalize(self) -> list[Finding]:
        out: list[Finding] = []
        rows = np.array(self._rows)
        p = self.params
        if len(rows) >= p.min_rows_for_stats:
            z = robust_z(np.array(self._lengths))
            for i in np.flatnonzero(np.abs(z) > p.robust_z):
                out.append(
                    Finding(
                        int(rows[i]),
                        "length_outlier",
                        float(abs(z[i])),
                        f"length robust z {z[i]:+.1f}",
                    )
                )
            ratios = np.array(self._ratios)
            ok = ~np.isnan(ratios)
            if ok.sum() >= p.min_rows_for_stats:
                zr = np.full(len(ratios), 0.0)
                zr[ok] = robust_z(ratios[ok])
                for i in np.flatnonzero(zr < -p.robust_z):
                    out.append(
                        Finding(
                            int(rows[i]),
                            "compression_outlier",
                            float(-zr[i]),
                            f"compresses to {ratios[i]:.0%} (robust z {zr[i]:+.1f})",
                        )
                    )
        vrows, vecs = self._vecs.take()
        if len(vrows) >= max(p.min_rows_for_stats, p.knn + 1):
            sim_k = knn_similarity(vecs, p.knn, self.scan.device)
            z = robust_z(sim_k)
            for i in np.flatnonzero(z < -p.robust_z):
                out.append(
                    Finding(
                        int(vrows[i]),
                        "embedding_isolated",
                        float(-z[i]),
                        f"{p.knn}th-nearest similarity {sim_k[i]:.2f} (robust z {z[i]:+.1f})",
                    )
                )
        return out


def knn_similarity(vecs: np.ndarray, k: int, device: str, block: int = 4096) -> np.ndarray:
    """Cosine similarity of each row to its k-th nearest other row, computed in blocks."""
    import torch

    x = torch.from_numpy(vecs).to(device)
    out = np.zeros(len(vecs), dtype=np.float32)
    for s in range(0, len(vecs), block):
        sims = x[s : s + block] @ x.T
        idx = torch.arange(s, min(s + block, len(vecs)), device=sims.device)
        sims[torch.arange(len(idx), device=sims.device), idx] = -2.0  # not itself
        out[s : s + len(idx)] = torch.topk(sims, k, dim=1).values[:, -1].cpu().numpy()
    return out
