"""The row stage: everything that needs only one chunk, in an order planned from what each
detector declares, never from its position in a list.

For each chunk:

1. **rewriters** (secrets, then PII, as ``rewrites_after`` says) read the text as uploaded,
   or the previous rewriter's output; their edits are applied where the policy's action for
   the rule applies them (``Action.applies_edits``);
2. **embed once**: the redacted text of every segment, through the scan's cache, when some
   detector of this scan reads embeddings;
3. **raw readers** (validation, injection) read the text as uploaded. Where a segment was
   not rewritten its vector is the redacted one; where it was, its vector comes from the
   scan embedder's raw path, which never writes the cache;
4. **redacted readers**: row detectors that read the published text;
5. a bad row's original bytes (kept for quarantine) go through the rewriters as well, so
   quarantine is no leak.

Detectors that declare ``reads_metadata`` (secrets, PII) read, in a second call, every
string of the columns that are not training text: those are published as well.

Corpus detectors see the chunk after this stage (corpus_stage.py). A detector whose needs
cannot be met is refused by :func:`plan_stages` before any model loads.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from detectors.base import (
    CorpusDetector,
    Detector,
    Finding,
    Reads,
    RowDetector,
    ScanContext,
)
from detectors.embeddings import DIM, ScanEmbedder
from detectors.errors import DetectorConfigError
from detectors.row_vectors import EMBEDDING
from detectors.spans import apply_edits
from detectors.transcript import model_text
from gateway.core.policy import Policy
from gateway.core.rows import (
    VALIDATION,
    Chunk,
    apply_raw_rewrites,
    apply_rewrites,
    raw_segments,
)
from gateway.core.scan_types import RowResult


@dataclass(frozen=True, slots=True)
class StagePlan:
    """The enabled detectors, grouped by when they run."""

    rewriters: tuple[RowDetector, ...]
    raw_readers: tuple[RowDetector, ...]
    redacted_readers: tuple[RowDetector, ...]
    corpus: tuple[CorpusDetector, ...]

    @property
    def all(self) -> tuple[Detector, ...]:
        return (*self.rewriters, *self.raw_readers, *self.redacted_readers, *self.corpus)

    def describe(self) -> list[dict[str, object]]:
        """The order a scan runs, for the report: which detector, in which step."""
        steps = [
            ("rewrite", self.rewriters),
            ("read raw text", self.raw_readers),
            ("read redacted text", self.redacted_readers),
            ("corpus", self.corpus),
        ]
        return [{"step": step, "detector": d.info.name} for step, dets in steps for d in dets]


def plan_stages(detectors: Sequence[Detector]) -> StagePlan:
    """Group detectors by their declared needs; a need that cannot be met is an error."""
    rewriters: list[RowDetector] = []
    raw: list[RowDetector] = []
    redacted: list[RowDetector] = []
    corpus: list[CorpusDetector] = []
    for det in detectors:
        name = det.info.name
        if det.reads_metadata and (isinstance(det, CorpusDetector) or det.needs_embeddings):
            raise DetectorConfigError(
                f"detector {name!r}: metadata (passthrough strings) is read row by row and "
                "never embedded; a corpus detector or one that reads embeddings cannot read it"
            )
        if isinstance(det, CorpusDetector):
            if det.reads is Reads.RAW or det.rewrites_text:
                raise DetectorConfigError(
                    f"detector {name!r}: a corpus detector sees the scan's redacted text only; "
                    "it cannot read raw text or rewrite; make it a RowDetector, or set reads = "
                    "Reads.REDACTED and rewrites_text = False on it"
                )
            corpus.append(det)
        elif isinstance(det, RowDetector):
            if det.rewrites_text:
                if det.reads is not Reads.RAW:
                    raise DetectorConfigError(
                        f"detector {name!r}: a rewriting detector must read raw text; set reads = "
                        "Reads.RAW on it"
                    )
                rewriters.append(det)
            elif det.reads is Reads.RAW:
                raw.append(det)
            else:
                redacted.append(det)
        else:
            raise DetectorConfigError(
                f"detector {name!r} is neither a RowDetector nor a CorpusDetector; subclass one "
                "of them"
            )
    return StagePlan(_rewrite_order(rewriters), tuple(raw), tuple(redacted), tuple(corpus))


def _rewrite_order(rewriters: list[RowDetector]) -> tuple[RowDetector, ...]:
    """Rewriters after those they declare they read the output of (a topological order)."""
    names = {d.info.name for d in rewriters}
    done: list[RowDetector] = []
    todo = list(rewriters)
    while todo:
        placed = {x.info.name for x in done}
        ready = [d for d in todo if all(a not in names or a in placed for a in d.rewrites_after)]
        if not ready:
            raise DetectorConfigError(
                "rewriting detectors wait on each other: "
                + ", ".join(f"{d.info.name} after {list(d.rewrites_after)}" for d in todo)
                + "; remove one of them from the other's rewrites_after"
            )
        done.append(ready[0])
        todo.remove(ready[0])
    return tuple(done)


@dataclass(frozen=True, slots=True)
class RowScan:
    """What one scan's row stage holds: its embedder and the contexts its detectors get."""

    embedder: ScanEmbedder | None
    ctx: ScanContext  # redacted path
    raw_ctx: ScanContext  # raw path: vectors never cached
    embeds: bool  # whether this scan embeds the redacted text


class RowStage:
    """The loaded row stage: shared by scans and threads, holding nothing of any scan."""

    def __init__(self, policy: Policy, plan: StagePlan) -> None:
        self.policy = policy
        self.plan = plan

    def needs_embeddings(self, ctx: ScanContext) -> bool:
        return any(d.needs_embeddings_in(ctx) for d in self.plan.all)

    def begin(self, ctx: ScanContext, embedder: ScanEmbedder | None) -> RowScan:
        embeds = self.needs_embeddings(ctx)
        if embeds and embedder is None:
            wanting = [d.info.name for d in self.plan.all if d.needs_embeddings_in(ctx)]
            raise DetectorConfigError(
                f"detectors {wanting} read embeddings but none were set up; pass an embedder "
                "to begin() (Pipeline.scan does)"
            )
        ctx = replace(ctx, embedder=embedder)
        raw_ctx = replace(ctx, embedder=embedder.raw if embedder is not None else None)
        return RowScan(embedder, ctx, raw_ctx, embeds)

    def _edits_apply(self, det: Detector, rule: str) -> bool:
        return self.policy.detector(det.info.name).action_for(rule).action.applies_edits

    def _rewrite(
        self, det: RowDetector, segments: pa.RecordBatch, scan: RowScan
    ) -> tuple[list[Finding], list[str] | None]:
        """The detector's findings, and the batch's text with the edits the policy applies
        (None when nothing changes)."""
        result = det.detect(segments, scan.raw_ctx)
        edits = [e for e in result.edits if self._edits_apply(det, e.rule)]
        if not edits:
            return result.findings, None
        return result.findings, apply_edits(segments.column("text").to_pylist(), edits)

    def run(self, chunk: Chunk, scan: RowScan) -> RowResult:
        timings: defaultdict[str, float] = defaultdict(float)
        found: list[tuple[str, Finding]] = [(VALIDATION, f) for f in chunk.findings]
        raw, raw_metadata = chunk.segments, chunk.metadata
        for det in self.plan.rewriters:
            t = time.perf_counter()
            items, new_text = self._rewrite(det, chunk.segments, scan)
            found.extend((det.info.name, f) for f in items)
            if new_text is not None:
                chunk, _ = apply_rewrites(chunk, pa.array(new_text, pa.string()))
            if det.reads_metadata and chunk.metadata.num_rows:
                items, new_text = self._rewrite(det, chunk.metadata, scan)
                found.extend((det.info.name, f) for f in items)
                if new_text is not None:
                    text = pa.array(new_text, pa.string())
                    chunk, _ = apply_rewrites(chunk, text, "metadata")
            timings[det.info.name] += time.perf_counter() - t
        changed = _changed(raw, chunk.segments)
        meta_changed = _changed(raw_metadata, chunk.metadata)
        rewritten = np.unique(
            np.concatenate(
                [
                    raw.column("row").to_numpy()[changed],
                    raw_metadata.column("row").to_numpy()[meta_changed],
                ]
            )
        )
        truncated_before = scan.embedder.truncated if scan.embedder is not None else 0
        vectors: np.ndarray | None = None
        if scan.embeds:
            assert scan.embedder is not None
            t = time.perf_counter()
            vectors = scan.embedder.embed(_model_texts(chunk.segments))
            chunk = replace(chunk, segments=_with_vectors(chunk.segments, vectors))
            timings["embed"] += time.perf_counter() - t
        if self.plan.raw_readers:
            view = raw
            readers = [d for d in self.plan.raw_readers if d.needs_embeddings_in(scan.ctx)]
            if readers:
                t = time.perf_counter()
                roles = _roles(readers)
                view = _with_vectors(raw, self._raw_vectors(raw, vectors, changed, roles, scan))
                timings["embed:raw"] += time.perf_counter() - t
            for det in self.plan.raw_readers:
                t = time.perf_counter()
                found.extend((det.info.name, f) for f in det.detect(view, scan.raw_ctx).findings)
                if det.reads_metadata and raw_metadata.num_rows:
                    items = det.detect(raw_metadata, scan.raw_ctx).findings
                    found.extend((det.info.name, f) for f in items)
                timings[det.info.name] += time.perf_counter() - t
        for det in self.plan.redacted_readers:
            t = time.perf_counter()
            found.extend((det.info.name, f) for f in det.detect(chunk.segments, scan.ctx).findings)
            if det.reads_metadata and chunk.metadata.num_rows:
                items = det.detect(chunk.metadata, scan.ctx).findings
                found.extend((det.info.name, f) for f in items)
            timings[det.info.name] += time.perf_counter() - t
        chunk = self._rewrite_bad_rows(chunk, scan, found)
        truncated = 0
        if scan.embedder is not None:
            truncated = scan.embedder.truncated - truncated_before
        return RowResult(chunk, found, rewritten, dict(timings), truncated)

    def _raw_vectors(
        self,
        raw: pa.RecordBatch,
        redacted: np.ndarray | None,
        changed: np.ndarray,
        roles: frozenset[str] | None,
        scan: RowScan,
    ) -> np.ndarray:
        """Vectors of the raw text: the redacted vector where nothing was rewritten, a
        fresh one from the raw path (uncached) where something was and a reader reads
        that role, zeros where something was and none does."""
        assert scan.embedder is not None
        texts = raw.column("text").to_pylist()
        wanted = np.ones(len(texts), dtype=bool)
        if roles is not None:
            wanted = np.isin(np.asarray(raw.column("role").to_pylist(), dtype=object), list(roles))
        if redacted is None:
            out = np.zeros((len(texts), DIM), dtype=np.float32)
            idx = np.flatnonzero(wanted)
        else:
            out = redacted.copy()
            out[changed & ~wanted] = 0.0
            idx = np.flatnonzero(changed & wanted)
        if idx.size:
            seg_roles = raw.column("role").to_pylist()
            out[idx] = scan.embedder.raw.embed(
                [model_text(seg_roles[int(i)], texts[int(i)] or "") for i in idx]
            )
        return out

    def _rewrite_bad_rows(
        self, chunk: Chunk, scan: RowScan, found: list[tuple[str, Finding]]
    ) -> Chunk:
        """A bad row's original bytes live on only in quarantine: rewrite them there too."""
        bad = raw_segments(chunk)
        if not bad.num_rows:
            return chunk
        for det in self.plan.rewriters:
            items, new_text = self._rewrite(det, bad, scan)
            found.extend((det.info.name, f) for f in items)
            if new_text is not None:
                text = pa.array(new_text, pa.string())
                chunk = apply_raw_rewrites(chunk, bad, text)
                bad = bad.set_column(4, "text", text)
        return chunk

    def redact_and_embed(self, chunk: Chunk, scan: RowScan) -> pa.RecordBatch:
        """A reference set's segments as a scan's corpus detectors would see them: rewritten
        as the policy says, embedded through the scan's cache (drift compares with it)."""
        for det in self.plan.rewriters:
            _, new_text = self._rewrite(det, chunk.segments, scan)
            if new_text is not None:
                chunk, _ = apply_rewrites(chunk, pa.array(new_text, pa.string()))
        assert scan.embedder is not None
        vectors = scan.embedder.embed(_model_texts(chunk.segments))
        return _with_vectors(chunk.segments, vectors)


def _model_texts(segments: pa.RecordBatch) -> list[str]:
    """The text the model embeds for each segment (a transcript without its template)."""
    roles = segments.column("role").to_pylist()
    texts = segments.column("text").to_pylist()
    return [model_text(r, t or "") for r, t in zip(roles, texts, strict=True)]


def _roles(readers: Sequence[Detector]) -> frozenset[str] | None:
    """The roles whose vectors some reader reads (None: every role)."""
    roles: set[str] = set()
    for d in readers:
        if d.embedding_roles is None:
            return None
        roles |= d.embedding_roles
    return frozenset(roles)


def _changed(before: pa.RecordBatch, after: pa.RecordBatch) -> np.ndarray:
    diff = pc.not_equal(before.column("text"), after.column("text"))
    return np.asarray(pc.fill_null(diff, False).to_numpy(zero_copy_only=False), dtype=bool)


def _with_vectors(segments: pa.RecordBatch, vectors: np.ndarray) -> pa.RecordBatch:
    col = pa.FixedSizeListArray.from_arrays(
        pa.array(np.ascontiguousarray(vectors, dtype=np.float32).ravel(), pa.float32()),
        vectors.shape[1] if vectors.ndim == 2 and vectors.shape[1] else DIM,
    )
    if EMBEDDING in segments.schema.names:
        return segments.set_column(segments.schema.get_field_index(EMBEDDING), EMBEDDING, col)
    return segments.append_column(EMBEDDING, col)
