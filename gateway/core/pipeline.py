"""The one pipeline every door runs: read, row stage, corpus stage, decide, write, attest.

A :class:`Pipeline` is what is loaded once: the policy, its detectors with their models,
and the plan of when each runs. It is read-only while it scans, so the gateway shares one
per policy between all its threads and tenants. Everything one scan accumulates (its
embedder and cache handle, the corpus detectors' states, findings, counts, the
projection sample) is made in :meth:`Pipeline.scan` and dropped when it returns.

Rows stream through the row stage a chunk at a time (on the engine the caller passes) and
are spooled to an Arrow file in the staging folder; corpus detectors see each chunk after
it, and decide after the last; only then does the policy decide each row, and the spool is
read once more to write the shards. Memory holds one batch, the findings, and whatever
columnar state corpus detectors keep, never the dataset.
"""

from __future__ import annotations

import errno
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pyarrow as pa

from detectors.base import Detector, ScanContext, SetupContext
from detectors.embeddings import EmbeddingEngine, Encoder, ScanEmbedder
from detectors.profile import Profile
from gateway.core.corpus_stage import CorpusRun
from gateway.core.decide import decide
from gateway.core.device import resolve_device, wants_accelerator
from gateway.core.engine import Engine, LocalEngine, RowJob
from gateway.core.policy import Policy
from gateway.core.publish import SPOOL, publish_metadata, write_shards
from gateway.core.records import MAX_LINE_BYTES, InputPlan, RowTooLarge, plan_inputs
from gateway.core.report import (
    ProjectionSample,
    build_report,
    check_counts,
    policy_record,
    row_id_lookup,
)
from gateway.core.row_stage import RowStage, plan_stages
from gateway.core.rows import Chunk, assemble, spool_schema
from gateway.core.scan_types import (
    Findings,
    PageWriter,
    ProgressFn,
    ScanRequest,
    ScanResult,
)
from gateway.core.shards import StagedOutput
from gateway.errors import LimitExceeded, UsageError


@dataclass(slots=True)
class _Counts:
    rows: int = 0
    rewritten: list[np.ndarray] = field(default_factory=list)  # row indices, per chunk
    truncated: int = 0

    def published_rewrites(self, quarantine: np.ndarray) -> int:
        """Rows published with rewritten text (a quarantined row is rewritten too)."""
        if not self.rewritten:
            return 0
        return int((~quarantine[np.concatenate(self.rewritten)]).sum())


_WRITE_ERRORS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EFBIG})


class Pipeline:
    """Detectors and policy, set up once per process and shared by every scan."""

    def __init__(
        self,
        policy: Policy,
        detectors: Sequence[Detector] | None = None,
        encoder: Encoder | None = None,
    ) -> None:
        """``encoder`` replaces the pinned embedding model (tests pass a recording fake);
        by default each scan uses the process's engine for its device."""
        self.policy = policy
        self._encoder = encoder
        self.detectors: tuple[Detector, ...] = tuple(
            detectors if detectors is not None else policy.build_detectors()
        )
        self.plan = plan_stages(self.detectors)  # unmet needs fail here, before any model loads
        self.row_stage = RowStage(policy, self.plan)
        self._lock = threading.Lock()
        self._device: str | None = None

    def setup(self, device: str = "auto") -> str:
        """Resolve the device and load every detector's models, once; safe from any thread."""
        with self._lock:
            if self._device is None:
                resolved = resolve_device(device, any(map(wants_accelerator, self.detectors)))
                ctx = SetupContext(device=resolved)
                for det in self.detectors:
                    det.setup(ctx)
                if self._encoder is None and any(d.needs_embeddings for d in self.detectors):
                    EmbeddingEngine.get(resolved)  # the model loads here, once, not in a scan
                self._device = resolved
            elif device not in ("auto", self._device):
                raise UsageError(
                    f"this pipeline was set up on {self._device}, not {device}; "
                    "start another process for another device"
                )
            return self._device

    def scan(
        self,
        request: ScanRequest,
        progress: ProgressFn | None = None,
        engine: Engine | None = None,
        pages: Sequence[PageWriter] = (),
    ) -> ScanResult:
        """One scan, start to finish; ``pages`` are extra files to publish and sign."""
        if request.signer is not None and request.release is None:
            raise UsageError("signing needs a dataset id: pass --dataset")
        engine = engine if engine is not None else LocalEngine()
        started = datetime.now(UTC)
        t0 = time.perf_counter()
        job_id = request.job_id or uuid.uuid4().hex
        fields = request.fields or self.policy.input.fields or None
        timings: defaultdict[str, float] = defaultdict(float)

        # Inputs and the output folder are checked before any model loads: a typo in a
        # path should cost a second, not a model load.
        plan = plan_inputs(
            list(request.inputs),
            fields,
            self.policy.input.batch_rows,
            self.policy.input.exempt,
            max_line_bytes=self._max_line_bytes(),
        )
        if request.max_rows is not None and plan.rows > request.max_rows:
            raise LimitExceeded(
                f"{', '.join(str(src.path) for src in plan.sources)}: {plan.rows:,} rows; "
                f"this scan takes at most {request.max_rows:,}: split the input"
            )
        timings["survey"] += time.perf_counter() - t0
        staged = StagedOutput(request.out, job_id, overwrite=request.overwrite)
        embedder: ScanEmbedder | None = None
        try:
            ts = time.perf_counter()
            device = self.setup(request.device)
            ctx = ScanContext(device=device, partition_map=engine.partition_map(device))
            if request.reference and not any(
                d.needs_embeddings_in(replace(ctx, reference=Profile())) for d in self.detectors
            ):
                raise UsageError(
                    "--reference needs the drift detector, which this policy disables; set "
                    "[detectors.drift] enabled = true in --policy, or drop --reference"
                )
            if request.reference or self.row_stage.needs_embeddings(ctx):
                encoder = self._encoder or EmbeddingEngine.get(device)
                embedder = ScanEmbedder(encoder, request.cache)
            timings["setup"] += time.perf_counter() - ts
            if request.reference:
                t = time.perf_counter()
                ctx = replace(ctx, reference=self._profile(request.reference, plan, ctx, embedder))
                timings["reference"] += time.perf_counter() - t
            ctx = replace(ctx, embedder=embedder)
            row_scan = self.row_stage.begin(ctx, embedder)
            job = RowJob(
                self.row_stage, row_scan, self.policy, device, request.cache, row_scan.embeds
            )
            corpus = CorpusRun(self.plan.corpus, ctx)
            projection = ProjectionSample(plan.rows)
            findings = Findings(limit=request.max_findings)
            counts = _Counts()
            with (
                pa.OSFile(str(staged.path(SPOOL)), "wb") as sink,
                pa.ipc.new_file(sink, spool_schema(plan.data_schema)) as spool,
            ):
                for result in engine.row_results(
                    self._chunks(plan, timings, request.max_decoded_bytes), job
                ):
                    findings.extend_pairs(result.findings)
                    for k, v in result.timings.items():
                        timings[k] += v
                    counts.rewritten.append(result.rewritten)
                    counts.truncated += result.truncated
                    segments = result.chunk.segments
                    if row_scan.embeds:
                        projection.add(segments)
                    corpus.observe(segments, findings, timings)
                    spool.write_batch(result.chunk.data)
                    counts.rows += result.chunk.data.num_rows
                    if progress is not None:
                        progress(counts.rows, plan.rows, len(findings))
            tf = time.perf_counter()
            corpus.finalize(findings, timings)
            decisions = decide(self.policy, findings, counts.rows, row_id_lookup(plan))
            timings["decide"] += time.perf_counter() - tf
            tw = time.perf_counter()
            shards = write_shards(plan, staged, decisions, self.policy.output, job_id)
            timings["write"] += time.perf_counter() - tw
            check_counts(plan, decisions, shards, counts.rows)
            summaries = corpus.summaries()
            report = build_report(
                job_id=job_id,
                started=started,
                plan=plan,
                policy=policy_record(self.policy, plan),
                detectors=[det.describe() for det in self.detectors],
                stages=self.plan.describe(),
                devices={
                    "engine": engine.name,
                    "row_stage": engine.row_device(device),
                    "corpus_stage": device,
                },
                d=decisions,
                shards=shards,
                rows_in=counts.rows,
                rows_rewritten=counts.published_rewrites(decisions.quarantine),
                timings=dict(timings),
                embeddings=_embeddings_report(embedder, counts.truncated, request),
            )
            report["projection"] = projection.points(decisions)
            report["summaries"] = summaries
            if findings.not_kept:  # counted, not kept: see Findings
                report["findings_not_kept"] = dict(sorted(findings.not_kept.items()))
            report["drift"] = summaries.get("drift")
            report["duration_s"] = round(time.perf_counter() - t0, 3)
            publish_metadata(request, plan, staged, report, shards, pages)
            staged.publish()
        except OSError as e:
            staged.discard()
            if e.errno in _WRITE_ERRORS:  # the output's disk, not a bug: say so, exit 2
                raise UsageError(
                    f"{request.out}: cannot write the output ({e.strerror or e}); nothing was "
                    "published: free space or fix permissions there, or choose another --out"
                ) from e
            raise
        except BaseException:
            staged.discard()
            raise
        finally:
            if embedder is not None:
                embedder.close()
        return ScanResult(staged.out, report)

    def _chunks(
        self, plan: InputPlan, timings: defaultdict[str, float], max_decoded: int | None
    ) -> Iterator[Chunk]:
        rows = 0
        decoded = 0
        for source in plan.sources:
            t = time.perf_counter()
            for batch in source.batches(
                self.policy.input.batch_rows, plan.text_schema.column_names
            ):
                chunk = assemble(batch, source, plan, rows)
                rows += chunk.data.num_rows
                # rows read, and rows too large to keep, which were decoded to be skipped
                decoded += chunk.data.nbytes + sum(
                    r.bytes for r in batch.rows if isinstance(r, RowTooLarge)
                )
                if max_decoded is not None and decoded > max_decoded:
                    raise LimitExceeded(
                        f"{source.path}: the input decodes to more than {max_decoded:,} bytes "
                        f"by row {rows:,}; this scan takes at most that: split the input"
                    )
                timings["read"] += time.perf_counter() - t
                yield chunk
                t = time.perf_counter()
            timings["read"] += time.perf_counter() - t

    def _max_line_bytes(self) -> int:
        """The reader's limit on one JSON line: four times validation's max_row_bytes (JSON
        escapes and passthrough columns make a line longer than its text), so validation
        still judges the text, and no line is ever held whole past it."""
        validation = self.policy.detector("validation")
        limit = getattr(validation.params, "max_row_bytes", None)
        if not validation.enabled or not isinstance(limit, int):
            return MAX_LINE_BYTES
        return max(4 * limit, 1 << 20)

    def _profile(
        self,
        reference: Sequence[Any],
        plan: InputPlan,
        ctx: ScanContext,
        embedder: ScanEmbedder | None,
    ) -> Profile:
        """The reference set as this scan would publish it (same columns, same rewrites,
        same embeddings), profiled for drift."""
        ref_plan = plan_inputs(
            list(reference),
            list(plan.text_schema.column_names),
            self.policy.input.batch_rows,
            reference=True,
        )
        scan = self.row_stage.begin(ctx, embedder)
        profile = Profile()
        base = 0
        cols = ref_plan.text_schema.column_names
        for source in ref_plan.sources:
            for batch in source.batches(self.policy.input.batch_rows, cols):
                chunk = assemble(batch, source, ref_plan, base)
                profile.add(self.row_stage.redact_and_embed(chunk, scan))
                base += chunk.data.num_rows
        return profile


def _embeddings_report(
    embedder: ScanEmbedder | None, truncated: int, request: ScanRequest
) -> dict[str, Any] | None:
    if embedder is None:
        return None
    return {
        "model": embedder.digest.name,
        "sha256": embedder.model_digest().sha256,
        "max_tokens": embedder.max_tokens,
        "segments_truncated": truncated,
        "long_text": "truncated to the model's window",
        "cache": {
            "used": request.cache is not None,
            "hits": embedder.cache_hits,
            "encoded": embedder.encoded,
        },
    }
