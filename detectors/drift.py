"""Drift: how far a new adaptation set has moved from a reference set.

A fine-tuning set that no longer looks like its target domain is how model drift
starts. Both sets go through the same profile: per-field length distributions, mean
embeddings per row, and the rows' word sets. The comparison reports, for the report and
the policy:

* ``length_ks``: per field, the Kolmogorov-Smirnov distance between length distributions;
* ``topic_js``: Jensen-Shannon divergence of topic-cluster proportions (spherical k-means
  fitted on the reference, every row of both sets assigned to its nearest centroid);
* ``centroid_shift``: 1 - cosine between the sets' mean embeddings;
* ``far_share``: the share of new rows whose nearest reference row is less similar than
  the reference's own rows usually are to each other (below its 5th percentile). Each
  such row is a finding, ``far_from_reference``, so the policy can flag or gate on it;
* ``new_tokens``: words common in the new set that the reference never uses.

Similarities are computed in blocks on the engine's device.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from detectors.base import (
    FLAG,
    CorpusDetector,
    CorpusState,
    DetectorInfo,
    Finding,
    ModelDigest,
    ScanContext,
)
from detectors.embeddings import MINILM_DIGEST
from detectors.profile import Profile


@dataclass(frozen=True, slots=True)
class DriftParams:
    topics: int = 8
    far_percentile: float = 5.0
    new_token_min_share: float = 0.005
    block: int = 4096
    seed: int = 0

    def __post_init__(self) -> None:
        if self.topics < 2:
            raise ValueError("topics must be at least 2")
        if not 0 < self.far_percentile < 50:
            raise ValueError("far_percentile must be in (0, 50)")


def _unit(x: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(x, axis=1, keepdims=True)
    n[n == 0] = 1
    return np.asarray(x / n, dtype=np.float32)


def ks_distance(a: list[int], b: list[int]) -> float:
    if not a or not b:
        return 0.0
    xa, xb = np.sort(np.asarray(a)), np.sort(np.asarray(b))
    grid = np.union1d(xa, xb)
    ca = np.searchsorted(xa, grid, side="right") / len(xa)
    cb = np.searchsorted(xb, grid, side="right") / len(xb)
    return float(np.max(np.abs(ca - cb)))


def js_divergence(p: np.ndarray, q: np.ndarray) -> float:
    p, q = p / p.sum(), q / q.sum()
    m = (p + q) / 2

    def kl(x: np.ndarray) -> float:
        nz = x > 0
        return float(np.sum(x[nz] * np.log2(x[nz] / m[nz])))

    return (kl(p) + kl(q)) / 2


def spherical_kmeans(x: np.ndarray, k: int, seed: int, iters: int = 20) -> np.ndarray:
    rng = np.random.default_rng(seed)
    cent = x[rng.choice(len(x), size=min(k, len(x)), replace=False)].copy()
    for _ in range(iters):
        assign = np.argmax(x @ cent.T, axis=1)
        for c in range(len(cent)):
            members = x[assign == c]
            if len(members):
                m = members.mean(axis=0)
                cent[c] = m / (np.linalg.norm(m) or 1.0)
    return cent


def nearest_similarity(
    query: np.ndarray, base: np.ndarray, device: str, block: int, exclude_self: bool = False
) -> np.ndarray:
    import torch

    b = torch.from_numpy(base).to(device)
    out = np.zeros(len(query), dtype=np.float32)
    for s in range(0, len(query), block):
        sims = torch.from_numpy(query[s : s + block]).to(device) @ b.T
        if exclude_self:
            idx = torch.arange(s, min(s + block, len(query)), device=sims.device)
            sims[torch.arange(len(idx), device=sims.device), idx] = -2.0
        out[s : s + block] = sims.max(dim=1).values.float().cpu().numpy()
    return out


def compare(
    ref: Profile, new: Profile, p: DriftParams, device: str
) -> tuple[dict[str, Any], np.ndarray, np.ndarray]:
    """The summary, the new rows' indices, and which of them are far from the reference."""
    R, N = ref.matrix(), new.matrix()
    rows = np.concatenate(new.rows) if new.rows else np.zeros(0, np.int64)
    summary: dict[str, Any] = {"reference_rows": ref.n, "rows": new.n}
    summary["length_ks"] = {
        f: round(ks_distance(ref.lengths.get(f, []), new.lengths[f]), 4)
        for f in sorted(new.lengths)
    }
    if len(R) < 2 or len(N) == 0:
        return summary, rows, np.zeros(len(rows), dtype=bool)
    cent = spherical_kmeans(R, p.topics, p.seed)
    pr = np.bincount(np.argmax(R @ cent.T, axis=1), minlength=len(cent)) + 1e-9
    pn = np.bincount(np.argmax(N @ cent.T, axis=1), minlength=len(cent)) + 1e-9
    summary["topic_share_reference"] = [round(float(x), 4) for x in pr / pr.sum()]
    summary["topic_share"] = [round(float(x), 4) for x in pn / pn.sum()]
    summary["topic_js"] = round(js_divergence(pr, pn), 4)
    mr, mn = R.mean(axis=0), N.mean(axis=0)
    summary["centroid_shift"] = round(
        float(1 - mr @ mn / (np.linalg.norm(mr) * np.linalg.norm(mn) or 1.0)), 4
    )
    # centred on the reference: MiniLM's shared direction would make everything look near
    Rc, Nc = _unit(R - mr), _unit(N - mr)
    own = nearest_similarity(Rc, Rc, device, p.block, exclude_self=True)
    cut = float(np.percentile(own, p.far_percentile))
    near = nearest_similarity(Nc, Rc, device, p.block)
    far = near < cut
    summary["far_threshold"] = round(cut, 4)
    summary["far_share"] = round(float(far.mean()), 4)
    min_df = max(3, int(p.new_token_min_share * new.n))
    fresh = [(t, c) for t, c in new.df.items() if c >= min_df and ref.df.get(t, 0) == 0]
    summary["new_tokens"] = [t for t, _ in sorted(fresh, key=lambda tc: (-tc[1], tc[0]))[:20]]
    return summary, rows, far


class DriftDetector(CorpusDetector):
    info = DetectorInfo(
        name="drift",
        version="0.1.0",
        rules=("far_from_reference",),
        description="distance from a reference set: lengths, topics, centroid, far rows, words",
        defaults={"far_from_reference": FLAG},
    )
    Params = DriftParams
    params: DriftParams
    uses_device = True

    def needs_embeddings_in(self, scan: ScanContext) -> bool:
        return scan.reference is not None  # nothing to compare, nothing to embed

    def models(self) -> tuple[ModelDigest, ...]:
        return (MINILM_DIGEST,)

    def start(self, scan: ScanContext) -> DriftState:
        return DriftState(self.params, scan)


class DriftState(CorpusState):
    """One scan's profile, compared with the scan's reference at the end."""

    def __init__(self, params: DriftParams, scan: ScanContext) -> None:
        self.params = params
        self.scan = scan
        self.new = Profile()
        self._summary: dict[str, Any] | None = None

    def observe(self, segments: pa.RecordBatch) -> list[Finding]:
        if self.scan.reference is not None:
            self.new.add(segments)
        return []

    def finalize(self) -> list[Finding]:
        if self.scan.reference is None:
            return []
        summary, rows, far = compare(self.scan.reference, self.new, self.params, self.scan.device)
        self._summary = summary
        cut = summary.get("far_threshold", 0.0)
        return [
            Finding(
                int(r),
                "far_from_reference",
                1.0,
                f"nearest reference row is less similar than {cut:.2f} "
                f"(the reference's own {self.params.far_percentile:g}th percentile)",
            )
            for r in rows[far]
        ]

    def summary(self) -> dict[str, Any] | None:
        return self._summary
