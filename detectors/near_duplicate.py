"""Near duplicates: MinHash over character 5-grams, LSH candidates, verified edges.

Lessons from the field (DESIGN.md): transitive closure over LSH edges collapses templated
data, so every edge is verified against the threshold, and rows attach in order to a
*representative they are themselves similar to*, never through a chain. A representative
takes at most ``max_cluster`` members; past that, a row stays and starts its own cluster,
so one template cannot empty a dataset. The first row of every cluster always stays.

What rows share with many others says nothing about whether two rows are the same: a
5-gram found in more than ``common_fraction`` of the rows seen so far (and in at least
``common_min_rows`` of them) is left out of the signatures, so rows that open with one
long system prompt or tool description are compared on what they ask and answer. The
scan counts 5-grams in a fixed-size count-min sketch and hashes rows in blocks of
``block_rows`` (whatever batches the scan hands in, so the verdicts do not depend on
them); a 5-gram counts as common from the block in which it becomes common. A row with
fewer than ``min_rare_shingles`` other 5-grams (a row that is all template, or one of
many copies) keeps all of them.

Besides ``near_duplicate`` (the whole row again) it reports ``same_prompt``: a row whose
prompt side (every segment but the responses) nearly repeats an earlier row's while its
answer does not (flagged by default: the same question answered two ways, maybe a
conflicting label).
"""

from __future__ import annotations

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
    ScanContext,
    row_runs,
)
from detectors.minhash import (
    candidate_pairs,
    estimated_jaccard,
    normalize_for_shingles,
    shingle_hashes,
    signatures_of,
    with_occurrences,
)


@dataclass(frozen=True, slots=True)
class NearDuplicateParams:
    threshold: float = 0.8
    num_perm: int = 64
    bands: int = 16
    max_cluster: int = 1000
    # A 5-gram in more than this share of the rows seen so far is left out of signatures
    # (0 turns this off). Fixed on the dev half of scripts/bench_dedup.py's templated set
    # (a shared tool description, 1,000 rows) and its re-release mix of Alpaca rows.
    common_fraction: float = 0.1
    # ... and in at least this many rows, so a few copies of one row are never "common"
    common_min_rows: int = 50
    # Only a row at least this share of whose 5-grams are common is compared without
    # them (a row mostly made of a shared prompt); other rows keep every 5-gram, so an
    # edited copy of an ordinary row weighs as it always did
    template_share: float = 0.5
    # a row with fewer 5-grams than this left after that keeps all of its 5-grams
    min_rare_shingles: int = 3
    # rows hashed together, whatever the scan's batches (the common 5-grams grow by block)
    block_rows: int = 2048
    # estimated Jaccard of two prompt sides at which the later row is `same_prompt` when
    # its answer is below `threshold` of the earlier answer (1 turns the rule off)
    same_prompt: float = 0.9

    def __post_init__(self) -> None:
        if self.num_perm & (self.num_perm - 1) or self.num_perm % self.bands:
            raise ValueError("num_perm must be a power of two divisible by bands")
        if not 0 < self.threshold <= 1:
            raise ValueError("threshold must be in (0, 1]")
        if not 0 <= self.common_fraction < 1:
            raise ValueError("common_fraction must be in [0, 1)")
        if not 0 <= self.template_share <= 1:
            raise ValueError("template_share must be in [0, 1]")
        if not 0 < self.same_prompt <= 1:
            raise ValueError("same_prompt must be in (0, 1]")
        if self.block_rows < 1 or self.common_min_rows < 1 or self.min_rare_shingles < 0:
            raise ValueError("block_rows and common_min_rows must be positive")


def row_documents(segments: pa.RecordBatch) -> tuple[list[bytes], np.ndarray]:
    """One normalised document per row: its segments joined, roles kept as separators."""
    docs, _, _, ids = row_parts(segments)
    return docs, ids


def row_parts(
    segments: pa.RecordBatch,
) -> tuple[list[bytes], list[bytes], list[bytes], np.ndarray]:
    """Per row: the whole document, its prompt side (every segment but the responses) and
    its responses, each normalised; and the row indices."""
    rows = segments.column("row").to_pylist()
    texts = segments.column("text").to_pylist()
    roles = segments.column("role").to_pylist()
    docs: list[bytes] = []
    asks: list[bytes] = []
    answers: list[bytes] = []
    ids: list[int] = []
    for row, start, end in row_runs(rows):
        parts = [(roles[i], texts[i]) for i in range(start, end) if texts[i]]
        docs.append(normalize_for_shingles(" | ".join(f"{r} {t}" for r, t in parts)))
        asks.append(normalize_for_shingles(" | ".join(t for r, t in parts if r != "response")))
        answers.append(normalize_for_shingles(" | ".join(t for r, t in parts if r == "response")))
        ids.append(row)
    return docs, asks, answers, np.array(ids, dtype=np.int64)


class CommonShingles:
    """Document frequencies of 5-grams over one scan, in a count-min sketch of fixed size
    (2 x 2^20 counters, 8 MB): a 5-gram's count is never under its true count."""

    WIDTH_BITS = 20

    def __init__(self) -> None:
        self.counts = np.zeros((2, 1 << self.WIDTH_BITS), dtype=np.uint32)
        self.rows = 0

    def _cells(self, h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        mask = np.uint64((1 << self.WIDTH_BITS) - 1)
        return (h & mask).astype(np.int64), ((h >> np.uint64(32)) & mask).astype(np.int64)

    def add(self, h: np.ndarray, doc: np.ndarray, n_docs: int) -> None:
        """Count each distinct 5-gram of each of ``n_docs`` docs once."""
        self.rows += n_docs
        if not h.size:
            return
        pairs = np.unique(np.stack([doc.astype(np.uint64), h], axis=1), axis=0)
        uniq, df = np.unique(pairs[:, 1], return_counts=True)
        for d, cells in enumerate(self._cells(uniq)):
            add = np.bincount(cells, weights=df, minlength=self.counts.shape[1])
            self.counts[d] += add.astype(np.uint32)

    def common(self, h: np.ndarray, fraction: float, min_rows: int) -> np.ndarray:
        """Whether each hash is in more than ``fraction`` of the rows counted so far."""
        if fraction <= 0 or not h.size:
            return np.zeros(len(h), dtype=bool)
        a, b = self._cells(h)
        df = np.minimum(self.counts[0, a], self.counts[1, b])
        return np.asarray((df >= min_rows) & (df > fraction * self.rows), dtype=bool)


def row_signatures(segments: pa.RecordBatch, p: NearDuplicateParams) -> np.ndarray:
    """The whole-row signatures a scan that found no common 5-gram would keep."""
    docs, _ = row_documents(segments)
    return _block_signatures(docs, CommonShingles(), p, count=False)


def _block_signatures(
    docs: list[bytes], sketch: CommonShingles, p: NearDuplicateParams, count: bool
) -> np.ndarray:
    """Signatures without the scan's common 5-grams (all of them for a row left with too
    few); ``count`` adds the docs to the sketch first."""
    h, doc = shingle_hashes(docs)
    h = with_occurrences(h, doc)
    if count:
        sketch.add(h, doc, len(docs))
    common = sketch.common(h, p.common_fraction, p.common_min_rows)
    if common.any():
        total = np.bincount(doc, minlength=len(docs))
        rare = np.bincount(doc[~common], minlength=len(docs))
        shared = (total - rare) >= p.template_share * np.maximum(total, 1)
        filtered = shared & (rare >= p.min_rare_shingles)
        keep = ~common | ~filtered[doc]
        h, doc = h[keep], doc[keep]
    return signatures_of(h, doc, len(docs), p.num_perm)


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
        version="1.1.0",
        rules=("near_duplicate", "same_prompt"),
        description="rows whose text is nearly identical to an earlier row's (MinHash LSH)",
        defaults={"near_duplicate": DROP, "same_prompt": FLAG},
    )
    Params = NearDuplicateParams
    params: NearDuplicateParams

    def start(self, scan: ScanContext) -> NearDuplicateState:
        return NearDuplicateState(self.params)


class NearDuplicateState(CorpusState):
    """One scan's MinHash signatures (whole row, prompt side, answer), in row order, and
    its 5-gram counts."""

    def __init__(self, params: NearDuplicateParams) -> None:
        self.params = params
        self._sketch = CommonShingles()
        self._pending: list[tuple[int, bytes, bytes, bytes]] = []
        self._sigs: list[np.ndarray] = []
        self._ask_sigs: list[np.ndarray] = []
        self._answer_sigs: list[np.ndarray] = []
        self._has_both: list[np.ndarray] = []
        self._rows: list[np.ndarray] = []

    def observe(self, segments: pa.RecordBatch) -> list[Finding]:
        if segments.num_rows:
            docs, asks, answers, rows = row_parts(segments)
            self._pending.extend(zip(rows.tolist(), docs, asks, answers, strict=True))
            while len(self._pending) >= self.params.block_rows:
                self._hash_block(self._pending[: self.params.block_rows])
                del self._pending[: self.params.block_rows]
        return []

    def _hash_block(self, block: list[tuple[int, bytes, bytes, bytes]]) -> None:
        p = self.params
        rows, docs, asks, answers = (list(x) for x in zip(*block, strict=True))
        self._sigs.append(_block_signatures(docs, self._sketch, p, count=True))
        self._ask_sigs.append(_block_signatures(asks, self._sketch, p, count=False))
        self._answer_sigs.append(_block_signatures(answers, self._sketch, p, count=False))
        self._has_both.append(np.array([bool(a and b) for a, b in zip(asks, answers, strict=True)]))
        self._rows.append(np.array(rows, dtype=np.int64))

    def finalize(self) -> list[Finding]:
        """Clusters over the distinct signatures, then every copy of a signature joins
        where its first copy went.

        Pairing every row made 100,000 copies of two rows (6.6 MB) cost gigabytes: LSH
        buckets of 50,000 identical rows give 64 pairs per row per band. Identical
        signatures are one node here, and a copy takes its group's seat in order, under
        the same ``max_cluster`` cap, so a flood of copies cannot empty a dataset either.
        """
        if self._pending:
            self._hash_block(self._pending)
            self._pending = []
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
        found = [
            Finding(
                int(rows[j]),
                "near_duplicate",
                round(sim, 3),
                f"estimated Jaccard {sim:.2f} over character 5-grams",
                refs=(("duplicate_of", int(rows[r])),),
            )
            for j, r, sim in sorted(joins)
        ]
        if self.params.same_prompt < 1:
            dup = np.zeros(len(rows), dtype=bool)
            dup[[j for j, _, _ in joins]] = True
            found += self._same_prompt(rows, dup)
        return found

    def _same_prompt(self, rows: np.ndarray, dup: np.ndarray) -> list[Finding]:
        """Rows whose prompt side nearly repeats an earlier row's while the answer does not."""
        p = self.params
        ask = np.concatenate(self._ask_sigs)
        answer = np.concatenate(self._answer_sigs)
        both = np.concatenate(self._has_both)
        idx = np.flatnonzero(both)
        if len(idx) < 2:
            return []
        first, group = _distinct(ask[idx])
        earlier: dict[int, list[tuple[int, float]]] = {}  # group -> (earlier group, sim)
        pairs = candidate_pairs(ask[idx][first], p.bands)
        sims = estimated_jaccard(ask[idx][first], pairs)
        for (a, b), s in zip(pairs.tolist(), sims.tolist(), strict=True):
            if s >= p.same_prompt:
                earlier.setdefault(b, []).append((a, s))
        out: list[Finding] = []
        seen_first = np.zeros(len(first), dtype=bool)
        for k, j in enumerate(idx.tolist()):
            g = int(group[k])
            options = sorted(earlier.get(g, []))[:8]
            if seen_first[g]:
                options.insert(0, (g, 1.0))
            seen_first[g] = True
            if dup[j] or not options:
                continue
            cands = [(int(idx[first[h]]), s) for h, s in options]
            cands = [(i, s) for i, s in cands if i < j]
            if not cands:
                continue
            ans = estimated_jaccard(answer, np.array([[i, j] for i, _ in cands]))
            if (ans >= p.threshold).any():
                continue  # the same answer as well: a duplicate, not a second answer
            i, s = cands[0]
            out.append(
                Finding(
                    int(rows[j]),
                    "same_prompt",
                    round(s, 3),
                    f"prompt estimated Jaccard {s:.2f} with an earlier row's, answer"
                    f" {float(ans[0]):.2f}: the same question answered differently",
                    refs=(("same_prompt_as", int(rows[i])),),
                )
            )
        return out
