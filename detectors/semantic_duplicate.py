"""Semantic duplicates: rows whose meaning (embedding) is nearly identical to an earlier row's.

Rows attach in order to a representative they are themselves similar to, as near
duplicates do. Similarity is computed in blocks on the engine's device, never as an N×N
matrix in memory: each block of rows is compared with the representatives so far.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from detectors.base import (
    DROP,
    CorpusDetector,
    CorpusState,
    DetectorInfo,
    Finding,
    ModelDigest,
    ScanContext,
)
from detectors.embeddings import MINILM_DIGEST
from detectors.row_vectors import RowVectors


@dataclass(frozen=True, slots=True)
class SemanticDuplicateParams:
    threshold: float = 0.95
    block: int = 2048
    partition_above: int = 200_000  # rows; past this, k-means partitions first (SemDeDup)
    partition_size: int = 20_000  # target rows per partition
    seed: int = 0

    def __post_init__(self) -> None:
        if not 0 < self.threshold <= 1:
            raise ValueError("threshold must be in (0, 1]")


def semantic_leaders(
    vecs: np.ndarray, threshold: float, block: int, device: str
) -> tuple[np.ndarray, np.ndarray]:
    import torch

    n = len(vecs)
    rep = np.arange(n)
    best = np.zeros(n, dtype=np.float32)
    x = torch.from_numpy(vecs.astype(np.float32)).to(device)
    lead_idx: list[int] = []
    leads = x[:0]
    for s in range(0, n, block):
        b = x[s : s + block]
        to_leads = (
            (b @ leads.T).cpu().numpy() if len(lead_idx) else np.zeros((len(b), 0), np.float32)
        )
        within = (b @ b.T).cpu().numpy()
        new_leads: list[int] = []
        for r in range(len(b)):
            cand_s, cand_i = -1.0, -1
            if to_leads.shape[1]:
                k = int(to_leads[r].argmax())
                cand_s, cand_i = float(to_leads[r, k]), lead_idx[k]
            for q in new_leads:
                if within[r, q] > cand_s:
                    cand_s, cand_i = float(within[r, q]), s + q
            if cand_s >= threshold:
                rep[s + r], best[s + r] = cand_i, cand_s
            else:
                new_leads.append(r)
        if new_leads:
            lead_idx.extend(s + q for q in new_leads)
            leads = torch.cat([leads, b[new_leads]])
    return rep, best


def kmeans_partitions(
    vecs: np.ndarray, k: int, device: str, seed: int, iters: int = 10
) -> np.ndarray:
    """Cluster ids from spherical k-means fitted on a sample, assigned to every row in blocks.

    Near-identical rows land in the same partition; pairs split across a boundary can be
    missed, the trade SemDeDup makes to stay linear in the number of rows.
    """
    import torch

    rng = np.random.default_rng(seed)
    sample = vecs[rng.choice(len(vecs), size=min(len(vecs), k * 50), replace=False)]
    x = torch.from_numpy(sample).to(device)
    cent = x[torch.from_numpy(rng.choice(len(sample), size=k, replace=False)).to(device)].clone()
    for _ in range(iters):
        assign = (x @ cent.T).argmax(dim=1)
        for c in range(k):
            members = x[assign == c]
            if len(members):
                cent[c] = torch.nn.functional.normalize(members.mean(dim=0), dim=0)
    out = np.empty(len(vecs), dtype=np.int64)
    for s in range(0, len(vecs), 65536):
        block = torch.from_numpy(vecs[s : s + 65536]).to(device)
        out[s : s + len(block)] = (block @ cent.T).argmax(dim=1).cpu().numpy()
    return out


class SemanticDuplicateDetector(CorpusDetector):
    info = DetectorInfo(
        name="semantic_duplicate",
        version="1.0.0",
        rules=("semantic_duplicate",),
        description="rows whose embedding is nearly identical to an earlier row's",
        defaults={"semantic_duplicate": DROP},
    )
    Params = SemanticDuplicateParams
    params: SemanticDuplicateParams
    needs_embeddings = True
    uses_device = True

    def models(self) -> tuple[ModelDigest, ...]:
        return (MINILM_DIGEST,)

    def start(self, scan: ScanContext) -> SemanticDuplicateState:
        return SemanticDuplicateState(self.params, scan)


class SemanticDuplicateState(CorpusState):
    """One scan's row vectors."""

    def __init__(self, params: SemanticDuplicateParams, scan: ScanContext) -> None:
        self.params = params
        self.scan = scan
        self._vecs = RowVectors()

    def observe(self, segments: pa.RecordBatch) -> list[Finding]:
        self._vecs.add(segments)
        return []

    def finalize(self) -> list[Finding]:
        rows, vecs = self._vecs.take()
        if len(rows) == 0:
            return []
        p = self.params
        if len(rows) <= p.partition_above:
            rep, best = semantic_leaders(vecs, p.threshold, p.block, self.scan.device)
        else:
            parts = kmeans_partitions(
                vecs, max(2, len(rows) // p.partition_size), self.scan.device, p.seed
            )
            rep, best = np.arange(len(rows)), np.zeros(len(rows), dtype=np.float32)
            groups = [
                np.flatnonzero(parts == c) for c in np.unique(parts)
            ]  # ascending: row order is kept
            found = self.scan.partition_map(
                semantic_leaders,
                [(vecs[idx], p.threshold, p.block, self.scan.device) for idx in groups],
            )
            for idx, (r, b) in zip(groups, found, strict=True):
                rep[idx], best[idx] = idx[r], b
        return [
            Finding(
                int(rows[j]),
                "semantic_duplicate",
                round(float(best[j]), 3),
                f"cosine similarity {best[j]:.3f} of MiniLM embeddings",
                refs=(("duplicate_of", int(rows[rep[j]])),),
            )
            for j in np.flatnonzero(rep != np.arange(len(rows)))
        ]
