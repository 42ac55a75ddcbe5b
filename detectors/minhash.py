"""Vectorised MinHash signatures and LSH banding, with no per-row Python in the hot path.

Shingles are character 5-grams of the normalised text (case-folded, punctuation and
whitespace collapsed), hashed for a whole batch at once with a rolling polynomial hash in
numpy and mixed with splitmix64. Signatures use one-permutation hashing: each shingle hash
picks one of K bins by its top bits and the bin keeps its minimum, so a signature costs
one pass over the shingles instead of K; empty bins are filled by rotation
(densification, Shrivastava 2017), which keeps the estimator unbiased for short texts.
The fraction of equal bins estimates Jaccard similarity.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np

SHINGLE = 5
_PUNCT = re.compile(r"[\W_]+", re.UNICODE)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_BASE = np.uint64(0x100000001B3)


_ASCII_PUNCT = str.maketrans({c: " " for c in map(chr, range(128)) if not c.isalnum()})


def normalize_for_shingles(text: str) -> bytes:
    if text.isascii():  # the common case, ten times cheaper than the Unicode path
        return " ".join(text.lower().translate(_ASCII_PUNCT).split()).encode("ascii")
    t = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(_PUNCT.sub(" ", t).split()).encode("utf-8")


def _mix(x: np.ndarray) -> np.ndarray:
    x = x ^ (x >> np.uint64(30))
    x = x * _M1
    x = x ^ (x >> np.uint64(27))
    x = x * _M2
    return np.asarray(x ^ (x >> np.uint64(31)), dtype=np.uint64)


def shingle_hashes(docs: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """64-bit hashes of every 5-gram of every doc, and the doc index of each."""
    lengths = np.array([len(d) for d in docs], dtype=np.int64)
    buf = np.frombuffer(b"".join(docs), dtype=np.uint8).astype(np.uint64)
    n = len(buf)
    with np.errstate(over="ignore"):
        if n >= SHINGLE:
            m = n - SHINGLE + 1
            h = buf[:m].copy()
            for k in range(1, SHINGLE):
                h = h * _BASE + buf[k : m + k]
            # a window is valid when it ends inside the doc it starts in
            doc_of = np.repeat(np.arange(len(docs)), lengths)
            left_in_doc = np.repeat(lengths, lengths) - (
                np.arange(n) - np.repeat(np.cumsum(lengths) - lengths, lengths)
            )
            ok = left_in_doc[:m] >= SHINGLE
            h, doc = _mix(h[ok]), doc_of[:m][ok]
        else:
            h, doc = np.zeros(0, np.uint64), np.zeros(0, np.int64)
        # docs shorter than a shingle are one shingle: their whole text
        short = np.flatnonzero((lengths > 0) & (lengths < SHINGLE))
        if short.size:
            extra = np.array(
                [int.from_bytes(docs[i].ljust(8, b"\0")[:8], "little") for i in short],
                dtype=np.uint64,
            )
            h = np.concatenate([h, _mix(extra ^ np.uint64(0x5151))])
            doc = np.concatenate([doc, short])
    return h, doc


def with_occurrences(h: np.ndarray, doc: np.ndarray) -> np.ndarray:
    """Each shingle hash mixed with how many times it occurred before in its doc, so a
    doc's shingles are a multiset: "capital" in a question is told from the "capital" of
    a tool description every row shares."""
    if not h.size:
        return h
    order = np.lexsort((h, doc))
    sh, sd = h[order], doc[order]
    new = np.concatenate([[True], (sh[1:] != sh[:-1]) | (sd[1:] != sd[:-1])])
    start = np.maximum.accumulate(np.where(new, np.arange(len(sh)), 0))
    rank = np.empty(len(h), dtype=np.uint64)
    rank[order] = (np.arange(len(sh)) - start).astype(np.uint64)
    with np.errstate(over="ignore"):
        return np.where(rank == 0, h, _mix(h ^ (rank * np.uint64(0x9E3779B97F4A7C15))))


def signatures(docs: list[bytes], k: int = 64) -> np.ndarray:
    """One-permutation MinHash signatures, shape (len(docs), k), uint32."""
    h, doc = shingle_hashes(docs)
    return signatures_of(h, doc, len(docs), k)


def signatures_of(h: np.ndarray, doc: np.ndarray, n: int, k: int = 64) -> np.ndarray:
    """Signatures of ``n`` docs from their shingle hashes (``h``, each in doc ``doc``); a doc
    with no shingle gets the empty text's signature."""
    bits = int(np.log2(k))
    assert 1 << bits == k, "k must be a power of two"
    sig = np.full((n, k), np.iinfo(np.uint64).max, dtype=np.uint64)
    if h.size:
        bins = (h >> np.uint64(64 - bits)).astype(np.int64)
        vals = h & np.uint64((1 << (64 - bits)) - 1)
        np.minimum.at(sig, (doc, bins), vals)
    empty = sig == np.iinfo(np.uint64).max
    rows = np.flatnonzero(empty.any(axis=1))
    if rows.size:  # densify: an empty bin borrows the next non-empty bin to its right
        sub, e = sig[rows], empty[rows]
        blank = e.all(axis=1)
        pos = np.where(~np.concatenate([e, e], axis=1), np.arange(2 * k), 2 * k)
        nxt = np.minimum.accumulate(pos[:, ::-1], axis=1)[:, ::-1][:, :k] % k
        salt = np.uint64(0x9E3779B97F4A7C15) * (np.arange(k, dtype=np.uint64) + np.uint64(1))
        with np.errstate(over="ignore"):
            borrowed = np.take_along_axis(sub, nxt, axis=1) ^ salt
        sub = np.where(e, borrowed, sub)
        sub[blank] = 0  # empty text: all empties are alike
        sig[rows] = sub
    return (sig >> np.uint64(32 - bits)).astype(np.uint32) ^ sig.astype(np.uint32)


def candidate_pairs(sig: np.ndarray, bands: int, bucket_cap: int = 64) -> np.ndarray:
    """Pairs (i < j) of rows whose signatures agree on every value of some band.

    Within a bucket every pair is a candidate, except that in a bucket larger than
    ``bucket_cap`` (templated data) each member is paired only with the first
    ``bucket_cap`` members: enough to find its representative, without n² pairs.
    """
    k = sig.shape[1]
    r = k // bands
    pairs: list[np.ndarray] = []
    for b in range(bands):
        band = np.ascontiguousarray(sig[:, b * r : (b + 1) * r])
        keys = band.view(np.dtype((np.void, band.dtype.itemsize * r))).ravel()
        order = np.argsort(keys, kind="stable")
        sk = keys[order]
        bounds = np.flatnonzero(np.concatenate([[True], sk[1:] != sk[:-1], [True]]))
        sizes = np.diff(bounds)
        two = bounds[:-1][sizes == 2]  # most buckets: one pair, done without a loop
        if two.size:
            a, c = order[two], order[two + 1]
            pairs.append(np.stack([np.minimum(a, c), np.maximum(a, c)], axis=1))
        for s, size in zip(bounds[:-1][sizes > 2], sizes[sizes > 2], strict=True):
            members = np.sort(order[s : s + size])
            head = members[:bucket_cap]
            a, c = np.meshgrid(head, members, indexing="ij")
            keep = a < c
            pairs.append(np.stack([a[keep], c[keep]], axis=1))
    if not pairs:
        return np.zeros((0, 2), dtype=np.int64)
    return np.unique(np.concatenate(pairs), axis=0)


def estimated_jaccard(sig: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    if len(pairs) == 0:
        return np.zeros(0)
    return np.asarray((sig[pairs[:, 0]] == sig[pairs[:, 1]]).mean(axis=1))
