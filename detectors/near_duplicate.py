"""Near duplicates: MinHash over character 5-grams, LSH candidates, verified edges.

Lessons from the field (DESIGN.md): transitive closure over LSH edges collapses templated
data, so every edge is verified against the threshold, and rows attach in order to a
*representative they are themselves similar to*, never through a chain. A representative
takes at most ``max_cluster`` members; past that, a row stays and starts its own cluster,
so one template cannot empty a dataset. The first row of every cluster always stays.
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
    ScanContext,
    row_runs,
)
from detectors.minhash import candidate_pairs, estimated_jaccard, normalize_for_shingles, signatures


@dataclass(frozen=True, slots=True)
class NearDuplicateParams:
    threshold: float = 0.8
    num_perm: int = 64
    bands: int = 16
    max_cluster: int = 1000

    def __post_init__(self) -> None:
        if self.num_perm & (self.num_perm - 1) or self.num_perm % self.bands:
            raise ValueError("num_perm must be a power of two divisible by bands")
        if not 0 < self.threshold <= 1:
            raise ValueError("threshold must be in (0, 1]")


def row_documents(segments: pa.RecordBatch) -> tuple[list[bytes], np.ndarray]:
    """One normalised document per row: its segments joined, roles kept as separators."""
    rows = segments.column("row").to_pylist()
    texts = segments.column("text").to_pylist()
    roles = segments.column("role").to_pylist()
    docs: list[bytes] = []
    ids: list[int] = []
    for row, start, end in row_runs(rows):
        parts = [roles[i] + " " + texts[i] for i in range(start, end) if texts[i]]
        docs.append(normalize_for_shingles(" | ".join(parts)))
        ids.append(row)
    return docs, np.array(ids, dtype=np.int64)


def leaders(
    n: int, pairs: np.ndarray, sims: np.ndarray, max_cluster: int
) -> tuple[np.ndarray, np.ndarray]:
    """For each row (in order): the representative it joins (or itself), and the similarity."""
    rep = np.arange(n)
    best = np.ones(n)
    size = np.ones(n, dtype=np.int64)
    order = np.lexsort((pairs[:, 0], pairs[:, 1])) if len(pairs) else np.zeros(0, np.int64)
    by_later: dict[int, list[tuple[int, float]]] = {}
    for k in order:
        by_later.setdefault(int(pairs[k, 1]), []).append((int(pairs[k, 0]), float(sims[k])))
    for j in sorted(by_later):
        choices = [(s, i) for i, s in by_later[j] if rep[i] == i and size[i] < max_cluster]
        if choices:
            s, i = max(choices)
            rep[j], best[j] = i, s
            size[i] += 1
    return rep, best


def _distinct(sig: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(index of each distinct signature's first row, in row order; each row's group)."""
    rows = np.ascontiguousarray(sig)
    keys = rows.view(np.dtype((np.void, rows.dtype.itemsize * rows.shape[1]))).ravel()
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    remap = np.empty_like(order)
    remap[order] = np.arange(len(order))
    return first[order], remap[np.ravel(inverse)]


class NearDuplicateDetector(CorpusDetector):
    info = DetectorInfo(
        name="near_duplicate",
        version="1.0.0",
        rules=("near_duplicate",),
        description="rows whose text is nearly identical to an earlier row's (MinHash LSH)",
        defaults={"near_duplicate": DROP},
    )
    Params = NearDuplicateParams
    params: NearDuplicateParams

    def start(self, scan: ScanContext) -> NearDuplicateState:
        return NearDuplicateState(self.params)


class NearDuplicateState(CorpusState):
    """One scan's MinHash signatures, in row order."""

    def __init__(self, params: NearDuplicateParams) -> None:
        self.params = params
        self._sigs: list[np.ndarray] = []
        self._rows: list[np.ndarray] = []

    def observe(self, segments: pa.RecordBatch) -> list[Finding]:
        if segments.num_rows:
            docs, rows = row_documents(segments)
            self._sigs.append(signatures(docs, self.params.num_perm))
            self._rows.append(rows)
        return []

    def finalize(self) -> list[Finding]:
        """Clusters over the distinct signatures, then every copy of a signature joins
        where its first copy went.

        Pairing every row made 100,000 copies of two rows (6.6 MB) cost gigabytes: LSH
        buckets of 50,000 identical rows give 64 pairs per row per band. Identical
        signatures are one node here, and a copy takes its group's seat in order, under
        the same ``max_cluster`` cap, so a flood of copies cannot empty a dataset either.
        """
        if not self._sigs:
            return []
        sig = np.concatenate(self._sigs)
        rows = np.concatenate(self._rows)
        first, group = _distinct(sig)
        usig = sig[first]
        pairs = candidate_pairs(usig, self.params.bands)
        sims = estimated_jaccard(usig, pairs)
        keep = sims >= self.params.threshold
        cap = self.params.max_cluster
        rep, best = leaders(len(first), pairs[keep], sims[keep], cap)
        size = np.bincount(rep, minlength=len(first))
        joins: list[tuple[int, int, float]] = [  # (row, representative row, similarity)
            (int(first[g]), int(first[rep[g]]), float(best[g]))
            for g in np.flatnonzero(rep != np.arange(len(first)))
        ]
        is_first = np.zeros(len(rows), dtype=bool)
        is_first[first] = True
        for j in np.flatnonzero(~is_first):
            g = int(group[j])
            t = int(rep[g])
            if size[t] < cap:
                size[t] += 1
                joins.append((int(j), int(first[t]), 1.0 if t == g else float(best[g])))
        return [
            Finding(
                int(rows[j]),
                "near_duplicate",
                round(sim, 3),
                f"estimated Jaccard {sim:.2f} over character 5-grams",
                refs=(("duplicate_of", int(rows[r])),),
            )
            for j, r, sim in sorted(joins)
        ]
