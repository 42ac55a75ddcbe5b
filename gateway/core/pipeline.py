"""The one pipeline every door runs: read, detect, decide, write, publish.

Rows stream through the per-row detectors a batch at a time and are spooled to an Arrow
file in the staging folder; corpus detectors (dedup, clusters) finalize after the last
batch; only then does the policy decide each row, and the spool is read once more to write
the clean and quarantine shards. Memory holds one batch, the findings, and whatever
columnar state corpus detectors keep, never the dataset.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from detectors.base import (
    CorpusDetector,
    Detector,
    Finding,
    PartitionMap,
    SetupContext,
    run_locally,
)
from detectors.drift import DriftDetector, Profile
from detectors.embeddings import DIM, Embedder, EmbeddingEngine
from detectors.row_vectors import EMBEDDING, row_means
from gateway import __version__
from gateway.core.device import resolve_device
from gateway.core.policy import Action, Policy
from gateway.core.records import InputPlan, plan_inputs
from gateway.core.rows import (
    RAW,
    ROW_ID,
    VALIDATION,
    Chunk,
    apply_raw_rewrites,
    apply_rewrites,
    assemble,
    raw_segments,
    spool_schema,
)
from gateway.core.shards import ShardInfo, ShardSetWriter, StagedOutput, sha256_file
from gateway.errors import DetectorConfigError, TunegateError, UsageError
from gateway.trust.croissant import croissant
from gateway.trust.keys import Signer
from gateway.trust.manifest import DatasetRelease, Subject, build_statement, write_manifest

ProgressFn = Callable[[int, int], None]

REASON_TYPE = pa.list_(
    pa.struct(
        [
            pa.field("detector", pa.string()),
            pa.field("rule", pa.string()),
            pa.field("action", pa.string()),
            pa.field("score", pa.float64()),
            pa.field("evidence", pa.string()),
            pa.field("field", pa.string()),
        ]
    )
)
REASONS = "tunegate_reasons"
EXAMPLES_PER_RULE = 10
PROJECTION_POINTS = 1500  # rows drawn in report.html's picture of the embedding space


@dataclass(frozen=True, slots=True)
class ScanRequest:
    inputs: Sequence[Path | str]  # files, folders, or URIs pyarrow.fs opens (s3://, gs://, ...)
    out: Path
    overwrite: bool = False
    fields: Sequence[str] | None = None
    device: str = "auto"
    job_id: str | None = None
    release: DatasetRelease | None = None  # required to sign
    signer: Signer | None = None
    cache: Path | None = None  # embeddings by content hash, reused across scans
    reference: Sequence[Path | str] | None = None  # compare with this set (drift)
    engine: str = "local"  # "ray": the row stage on Ray actors (gateway/engines/ray_engine.py)
    ray_address: str | None = None  # an existing cluster; None starts a local one
    ray_workers: int | None = None  # actors (default: the cluster's CPUs)


@dataclass(slots=True)
class ScanResult:
    out: Path
    report: dict[str, Any]

    @property
    def gate_failed(self) -> bool:
        return bool(self.report["status"] == "gate_failed")


@dataclass(slots=True)
class Findings:
    """Every finding of a job, by detector, in the order they were made."""

    items: list[tuple[str, Finding]] = field(default_factory=list)

    def extend(self, detector: str, found: Sequence[Finding]) -> None:
        self.items.extend((detector, f) for f in found)


@dataclass(slots=True)
class _Decisions:
    quarantine: np.ndarray
    flagged: np.ndarray
    reasons: dict[int, list[dict[str, Any]]]
    by_reason: dict[str, dict[str, int]]
    examples: dict[str, list[int]]
    gates: list[dict[str, Any]]

    @property
    def gate_failed(self) -> bool:
        return any(g["failed"] for g in self.gates)


class Pipeline:
    """Detectors and policy, set up once per process and shared by every job."""

    def __init__(self, policy: Policy, detectors: list[Detector] | None = None) -> None:
        self.policy = policy
        self.detectors = detectors if detectors is not None else policy.build_detectors()
        wide = [d.dataset_wide for d in self.detectors]
        if any(w and not later for i, w in enumerate(wide) for later in wide[i + 1 :]):
            raise DetectorConfigError(
                "a per-row detector is ordered after a dataset-wide one; the row stage and the "
                "dataset stage would see different text (fix detectors/registry.py)"
            )
        self._device: str | None = None
        self._engine: EmbeddingEngine | None = None
        self._embedder: Embedder | None = None  # this scan's cache and counts on the engine
        self._projection = _ProjectionSample(0)
        self._request: ScanRequest | None = None
        self.findings_so_far = 0  # for progress reports while a scan runs

    def setup(self, device: str = "auto") -> str:
        """Resolve the device and load every detector's models; idempotent."""
        if self._device is None:
            self._device = resolve_device(device, any(d.uses_device for d in self.detectors))
            ctx = SetupContext(device=self._device)
            for det in self.detectors:
                det.setup(ctx)
            if any(d.needs_embeddings for d in self.detectors):
                self._engine = EmbeddingEngine.get(self._device)
        return self._device

    @property
    def embeds(self) -> bool:
        """Whether some enabled detector reads embeddings (known after :meth:`setup`)."""
        return self._engine is not None

    @property
    def segments_truncated(self) -> int:
        """Segments this scan's embedder has cut to the model window so far."""
        return self._embedder.truncated if self._embedder is not None else 0

    def use_embedding_cache(self, cache: Path | None) -> None:
        """A fresh :class:`Embedder` for the next scan: its own cache handle and counts."""
        if self._embedder is not None:
            self._embedder.close()
        assert self._engine is not None
        self._embedder = self._engine.session(cache)

    def scan(self, request: ScanRequest, progress: ProgressFn | None = None) -> ScanResult:
        if request.signer is not None and request.release is None:
            raise UsageError("signing needs a dataset id: pass --dataset")
        started = datetime.now(UTC)
        t0 = time.perf_counter()
        job_id = request.job_id or uuid.uuid4().hex
        fields = request.fields or self.policy.input.fields or None
        timings: defaultdict[str, float] = defaultdict(float)

        # Inputs and the output folder are checked before any model loads: a typo in a
        # path should cost a second, not a model load.
        plan = plan_inputs(list(request.inputs), fields, self.policy.input.batch_rows)
        timings["survey"] += time.perf_counter() - t0
        staged = StagedOutput(request.out, job_id, overwrite=request.overwrite)
        try:
            ts = time.perf_counter()
            device = self.setup(request.device)
            if self._engine is not None:
                self.use_embedding_cache(request.cache)
            timings["setup"] += time.perf_counter() - ts
            self._request = request
            drift = self._use_reference(request, plan, timings)
            self._projection = _ProjectionSample(plan.rows)
            findings, rows_in, redacted = self._detect(plan, staged, timings, progress)
            tf = time.perf_counter()
            partition_map = self._partition_map(request, device)
            for det in self.detectors:
                if isinstance(det, CorpusDetector):
                    t = time.perf_counter()
                    det.partition_map = partition_map
                    try:
                        findings.extend(det.info.name, det.finalize())
                    finally:
                        det.partition_map = run_locally
                    timings[f"finalize:{det.info.name}"] += time.perf_counter() - t
            decisions = self._decide(findings, rows_in, _row_id_lookup(plan))
            timings["decide"] += time.perf_counter() - tf
            tw = time.perf_counter()
            shards = self._write(plan, staged, decisions, job_id)
            timings["write"] += time.perf_counter() - tw
            report = self._report(
                request,
                plan,
                job_id,
                device,
                started,
                decisions,
                shards,
                rows_in,
                redacted,
                timings,
            )
            report["projection"] = self._projection.points(decisions)
            report["drift"] = drift.summary if drift is not None else None
            report["duration_s"] = round(time.perf_counter() - t0, 3)
            self._publish_metadata(request, plan, staged, report, shards)
            staged.publish()
        except BaseException:
            staged.discard()
            raise
        return ScanResult(staged.out, report)

    # ------------------------------------------------------------------ stages

    def _use_reference(
        self, request: ScanRequest, plan: InputPlan, timings: defaultdict[str, float]
    ) -> DriftDetector | None:
        """Profile the reference set (same schema rules, same embeddings) for drift."""
        drift = next((d for d in self.detectors if isinstance(d, DriftDetector)), None)
        if not request.reference:
            if drift is not None:
                drift.use_reference(None)
            return None
        if drift is None:
            raise UsageError("--reference needs the drift detector, which this policy disables")
        t = time.perf_counter()
        ref_plan = plan_inputs(
            list(request.reference),
            list(plan.text_schema.column_names),
            self.policy.input.batch_rows,
        )
        if self._engine is None:
            self._engine = EmbeddingEngine.get(self._device or "cpu")
            self.use_embedding_cache(request.cache)
        profile = Profile()
        base = 0
        for source in ref_plan.sources:
            for batch in source.batches(
                self.policy.input.batch_rows, ref_plan.text_schema.column_names
            ):
                chunk = self._embed(assemble(batch, source, ref_plan, base))
                profile.add(chunk.segments)
                base += chunk.data.num_rows
        drift.use_reference(profile)
        timings["reference"] += time.perf_counter() - t
        return drift

    def _detect(
        self,
        plan: InputPlan,
        staged: StagedOutput,
        timings: defaultdict[str, float],
        progress: ProgressFn | None,
    ) -> tuple[Findings, int, int]:
        findings = Findings()
        rows = 0
        redacted = 0
        spool_path = staged.path(".spool.arrow")
        with (
            pa.OSFile(str(spool_path), "wb") as sink,
            pa.ipc.new_file(sink, spool_schema(plan.data_schema)) as spool,
        ):
            for chunk, touched in self._row_results(plan, findings, timings):
                self.corpus_stage(chunk, findings, timings)
                redacted += touched
                spool.write_batch(chunk.data)
                rows += chunk.data.num_rows
                self.findings_so_far = len(findings.items)
                if progress is not None:
                    progress(rows, plan.rows)
        return findings, rows, redacted

    def _chunks(self, plan: InputPlan, timings: defaultdict[str, float]) -> Iterator[Chunk]:
        rows = 0
        for source in plan.sources:
            t = time.perf_counter()
            for batch in source.batches(
                self.policy.input.batch_rows, plan.text_schema.column_names
            ):
                chunk = assemble(batch, source, plan, rows)
                rows += chunk.data.num_rows
                timings["read"] += time.perf_counter() - t
                yield chunk
                t = time.perf_counter()
            timings["read"] += time.perf_counter() - t

    @staticmethod
    def _partition_map(request: ScanRequest, device: str) -> PartitionMap:
        """Where the corpus detectors' partitions run: here, or as Ray tasks."""
        if request.engine != "ray":
            return run_locally
        from gateway.engines.ray_engine import RayPartitionMap, start

        return RayPartitionMap(start(request.ray_address, request.ray_workers), device)

    def _row_results(
        self, plan: InputPlan, findings: Findings, timings: defaultdict[str, float]
    ) -> Iterator[tuple[Chunk, int]]:
        """Row-stage results in input order: computed here, or on Ray actors."""
        if self._request is None or self._request.engine == "local":
            for chunk in self._chunks(plan, timings):
                findings.extend(VALIDATION, chunk.findings)
                yield self.row_stage(chunk, findings, timings)
            return
        from gateway.engines.ray_engine import RayRowStage

        req = self._request
        stage = RayRowStage(
            self.policy,
            self._device or "cpu",
            str(req.cache) if req.cache else None,
            req.ray_address,
            req.ray_workers,
        )
        try:
            validation: list[list[Finding]] = []

            def feed() -> Iterator[Chunk]:
                for chunk in self._chunks(plan, timings):
                    validation.append(chunk.findings)
                    yield chunk

            for i, (chunk, items, touched, times, cut) in enumerate(stage.map(feed())):
                if self._embedder is not None:
                    self._embedder.truncated += cut
                findings.extend(VALIDATION, validation[i])
                findings.items.extend(items)
                for k, v in times.items():
                    timings[k] += v
                yield chunk, touched
        finally:
            stage.close()

    def row_stage(
        self, chunk: Chunk, findings: Findings, timings: defaultdict[str, float]
    ) -> tuple[Chunk, int]:
        """Everything that needs only this chunk: per-row detectors in registry order (they
        all come before the dataset-wide ones), rewrites, and the embeddings the dataset-wide
        detectors will read. Engines may run this stage anywhere (see gateway/engines)."""
        touched = 0
        for det in self.detectors:
            if det.dataset_wide:
                continue
            if det.needs_embeddings and EMBEDDING not in chunk.segments.schema.names:
                chunk = self._timed_embed(chunk, timings)
            t = time.perf_counter()
            result = det.detect(chunk.segments)
            findings.extend(det.info.name, result.findings)
            if result.rewrites is not None:
                chunk, n = apply_rewrites(chunk, result.rewrites)
                touched += n
            timings[det.info.name] += time.perf_counter() - t
        chunk = self._ensure_embedded(chunk, timings)
        raw = raw_segments(chunk)
        if raw.num_rows:
            for det in self.detectors:
                if det.rewrites_text:
                    result = det.detect(raw)
                    findings.extend(det.info.name, result.findings)
                    if result.rewrites is not None:
                        chunk = apply_raw_rewrites(chunk, raw, result.rewrites)
                        raw = raw.set_column(4, "text", result.rewrites)
        return chunk, touched

    def corpus_stage(
        self, chunk: Chunk, findings: Findings, timings: defaultdict[str, float]
    ) -> None:
        """The dataset-wide detectors observe the chunk, in row order, where the job runs."""
        # the row stage may have run elsewhere, before a reference switched drift on
        chunk = self._ensure_embedded(chunk, timings)
        if EMBEDDING in chunk.segments.schema.names:
            self._projection.add(chunk.segments)
        for det in self.detectors:
            if not det.dataset_wide:
                continue
            t = time.perf_counter()
            findings.extend(det.info.name, det.detect(chunk.segments).findings)
            timings[det.info.name] += time.perf_counter() - t

    def _ensure_embedded(self, chunk: Chunk, timings: defaultdict[str, float]) -> Chunk:
        """The chunk with its embedding column, when any detector reads one."""
        if EMBEDDING in chunk.segments.schema.names or not any(
            d.needs_embeddings for d in self.detectors
        ):
            return chunk
        return self._timed_embed(chunk, timings)

    def _timed_embed(self, chunk: Chunk, timings: defaultdict[str, float]) -> Chunk:
        t = time.perf_counter()
        chunk = self._embed(chunk)
        timings["embed"] += time.perf_counter() - t
        return chunk

    def _embed(self, chunk: Chunk) -> Chunk:
        """One embedding per segment, once per scan, shared by every detector that reads it."""
        assert self._embedder is not None
        vecs = self._embedder.embed(chunk.segments.column("text").to_pylist())
        col = pa.FixedSizeListArray.from_arrays(
            pa.array(vecs.ravel(), pa.float32()), vecs.shape[1] or DIM
        )
        segments = chunk.segments.append_column(EMBEDDING, col)
        return Chunk(chunk.data, segments, chunk.findings, chunk.row_base)

    def _decide(
        self, findings: Findings, rows_in: int, row_ids: Callable[[int], str]
    ) -> _Decisions:
        quarantine = np.zeros(rows_in, dtype=bool)
        flagged = np.zeros(rows_in, dtype=bool)
        reasons: dict[int, list[dict[str, Any]]] = defaultdict(list)
        rule_rows: dict[tuple[str, str], set[int]] = defaultdict(set)
        gate_limits: dict[tuple[str, str], float] = {}
        gate_rows: dict[tuple[str, str], set[int]] = defaultdict(set)
        for det_name, f in findings.items:
            dp = self.policy.detector(det_name)
            ra = dp.action_for(f.rule)
            key = (det_name, f.rule)
            rule_rows[key].add(f.row)
            if ra.action.quarantines:
                quarantine[f.row] = True
            elif ra.action is Action.FLAG:
                flagged[f.row] = True
            if ra.action is Action.GATE and ra.max_fraction is not None:
                # a gate set on "*" is a budget for the detector as a whole: a row suspect
                # for two reasons counts once, and the budget cannot be split across rules
                gkey = (det_name, "*") if f.rule not in dp.actions else key
                gate_limits[gkey] = ra.max_fraction
                gate_rows[gkey].add(f.row)
            reasons[f.row].append(
                {
                    "detector": det_name,
                    "rule": f.rule,
                    "action": ra.action.value,
                    "score": float(f.score),
                    "evidence": _render_evidence(f, row_ids),
                    "field": f.field,
                }
            )
        flagged &= ~quarantine
        by_reason: dict[str, dict[str, int]] = defaultdict(dict)
        examples: dict[str, list[int]] = {}
        for (det_name, rule), rows in sorted(rule_rows.items()):
            by_reason[det_name][rule] = len(rows)
            examples[f"{det_name}/{rule}"] = sorted(rows)[:EXAMPLES_PER_RULE]
        gates = []
        for (det_name, rule), limit in sorted(gate_limits.items()):
            n = len(gate_rows[(det_name, rule)])
            frac = n / rows_in if rows_in else 0.0
            gates.append(
                {
                    "detector": det_name,
                    "rule": rule,
                    "rows": n,
                    "fraction": round(frac, 6),
                    "max_fraction": limit,
                    "failed": frac > limit,
                }
            )
        return _Decisions(quarantine, flagged, dict(reasons), dict(by_reason), examples, gates)

    def _write(
        self, plan: InputPlan, staged: StagedOutput, d: _Decisions, job_id: str
    ) -> dict[str, list[ShardInfo]]:
        out = self.policy.output
        spool_path = staged.path(".spool.arrow")
        clean_schema = _clean_schema(plan)
        q_schema = pa.schema([*spool_schema(plan.data_schema), pa.field(REASONS, REASON_TYPE)])
        opts = {
            "job_id": job_id,
            "max_rows": out.shard_max_rows,
            "row_group_rows": out.row_group_rows,
            "compression": out.compression,
        }
        clean = ShardSetWriter(staged.path("clean"), "clean", clean_schema, **opts)  # type: ignore[arg-type]
        quarantine = ShardSetWriter(staged.path("quarantine"), "quarantine", q_schema, **opts)  # type: ignore[arg-type]
        try:
            base = 0
            with pa.OSFile(str(spool_path), "rb") as src:  # not mmap: RSS would grow with it
                reader = pa.ipc.open_file(src)
                for i in range(reader.num_record_batches):
                    batch = reader.get_batch(i)
                    n = batch.num_rows
                    mask = d.quarantine[base : base + n]
                    if not d.gate_failed:
                        keep = pa.Table.from_batches([batch.filter(pa.array(~mask))]).drop_columns(
                            [RAW]
                        )
                        clean.write(keep)
                    if mask.any():
                        rows = np.flatnonzero(mask) + base
                        q = pa.Table.from_batches([batch.filter(pa.array(mask))])
                        reasons = pa.array(
                            [d.reasons.get(int(r), []) for r in rows], type=REASON_TYPE
                        )
                        quarantine.write(q.append_column(pa.field(REASONS, REASON_TYPE), reasons))
                    base += n
            shards = {
                "clean": [] if d.gate_failed else clean.close(at_least_one=True),
                "quarantine": quarantine.close(),
            }
        except BaseException:
            clean.abort()
            quarantine.abort()
            raise
        spool_path.unlink()
        return shards

    def _publish_metadata(
        self,
        request: ScanRequest,
        plan: InputPlan,
        staged: StagedOutput,
        report: dict[str, Any],
        shards: dict[str, list[ShardInfo]],
    ) -> None:
        """croissant.json and report.json, then the signed manifest over everything, last."""
        release, signer = request.release, request.signer
        clean_schema = _clean_schema(plan)
        signed = signer is not None and release is not None
        report["release"] = (
            {
                "dataset": release.id,
                "version": release.version,
                "sequence": release.sequence,
                "keyid": signer.keyid if signer else None,
            }
            if release is not None
            else None
        )
        metadata: list[Subject] = []
        if report["counts"]["clean_published"]:
            doc = croissant(
                release.id if release else "tunegate-clean",
                release.version if release else "0",
                f"Clean rows of a tunegate scan (job {report['job_id']}).",
                [(s.name, s.sha256) for s in shards["clean"]],
                clean_schema,
                report["finished_at"],
            )
            metadata.append(_json_subject(staged.write_json("croissant.json", doc)))
        metadata.append(_json_subject(staged.write_json("report.json", report)))
        from gateway.report_html import write as write_html

        metadata.append(_json_subject(write_html(staged.staging)))
        if not signed or not report["counts"]["clean_published"]:
            return  # a failed gate publishes nothing a trainer should load: no manifest
        assert signer is not None and release is not None
        subjects = [
            Subject(s.name, s.sha256, s.bytes, s.rows, s.split)
            for infos in shards.values()
            for s in infos
        ] + metadata
        schema_bytes = clean_schema.remove_metadata().serialize().to_pybytes()
        statement = build_statement(
            subjects,
            release,
            report,
            "sha256:" + hashlib.sha256(schema_bytes).hexdigest(),
            datetime.now(UTC),
        )
        write_manifest(staged.staging, statement, signer)

    def _report(
        self,
        request: ScanRequest,
        plan: InputPlan,
        job_id: str,
        device: str,
        started: datetime,
        d: _Decisions,
        shards: dict[str, list[ShardInfo]],
        rows_in: int,
        redacted: int,
        timings: defaultdict[str, float],
    ) -> dict[str, Any]:
        rows_q = int(d.quarantine.sum())
        rows_clean = rows_in - rows_q  # passed every check; withheld when a gate failed
        written = sum(s.rows for s in shards["clean"])
        if (not d.gate_failed and written != rows_clean) or sum(
            s.rows for s in shards["quarantine"]
        ) != rows_q:
            raise TunegateError(
                f"internal error: {rows_in} rows in but {rows_clean} clean and {rows_q} "
                "quarantined; nothing was published"
            )
        if rows_in != plan.rows:
            raise TunegateError(
                f"internal error: the inputs changed while they were scanned ({plan.rows} rows "
                f"surveyed, {rows_in} read); nothing was published"
            )
        row_ids = _row_id_lookup(plan)
        return {
            "tunegate_version": __version__,
            "job_id": job_id,
            "status": "gate_failed" if d.gate_failed else "ok",
            "started_at": started.isoformat(),
            "finished_at": datetime.now(UTC).isoformat(),
            "device": device,
            "inputs": [
                {
                    "path": str(src.path),
                    "label": src.label,
                    "format": src.format,
                    "sha256": sv.sha256,
                    "bytes": sv.bytes,
                    "rows": sv.rows,
                }
                for src, sv in zip(plan.sources, plan.surveys, strict=True)
            ],
            "schema": plan.text_schema.describe(),
            "policy": {"id": self.policy.id, "digest": self.policy.digest},
            "detectors": [det.describe() for det in self.detectors],
            "counts": {
                "rows_in": rows_in,
                "rows_clean": rows_clean,
                "rows_quarantined": rows_q,
                "clean_published": not d.gate_failed,
                "rows_flagged": int(d.flagged.sum()),
                "rows_redacted": redacted,
            },
            "by_reason": d.by_reason,
            "examples": {k: [row_ids(r) for r in v] for k, v in d.examples.items()},
            "gates": d.gates,
            "shards": {
                split: [
                    {"name": s.name, "rows": s.rows, "bytes": s.bytes, "sha256": s.sha256}
                    for s in infos
                ]
                for split, infos in shards.items()
            },
            "timings_s": {k: round(v, 4) for k, v in sorted(timings.items())},
            "embeddings": (
                {
                    "model": self._embedder.digest.name,
                    "sha256": self._embedder.model_digest().sha256,
                    "max_tokens": self._embedder.max_tokens,
                    "segments_truncated": self._embedder.truncated,
                    "long_text": "truncated to the model's window",
                }
                if self._embedder is not None
                else None
            ),
            "warnings": plan.warnings,
        }


def _render_evidence(f: Finding, row_ids: Callable[[int], str]) -> str:
    parts = [f.evidence] if f.evidence else []
    parts += [f"{name}={row_ids(row)}" for name, row in f.refs]
    return "; ".join(parts)


def _clean_schema(plan: InputPlan) -> pa.Schema:
    return pa.schema([*plan.data_schema, pa.field(ROW_ID, pa.string())])


class _ProjectionSample:
    """Every k-th row's mean embedding (about PROJECTION_POINTS rows), for the report's
    2-D picture of the dataset: deterministic, and bounded whatever the input size."""

    def __init__(self, rows: int) -> None:
        self.stride = max(1, -(-rows // PROJECTION_POINTS))
        self.rows: list[np.ndarray] = []
        self.vecs: list[np.ndarray] = []

    def add(self, segments: pa.RecordBatch) -> None:
        rows, vecs = row_means(segments)
        keep = rows % self.stride == 0
        self.rows.append(rows[keep])
        self.vecs.append(vecs[keep])

    def points(self, d: _Decisions) -> dict[str, Any] | None:
        if not self.rows or sum(len(r) for r in self.rows) < 3:
            return None
        rows, vecs = np.concatenate(self.rows), np.concatenate(self.vecs).astype(np.float64)
        centred = vecs - vecs.mean(axis=0)
        _, _, vt = np.linalg.svd(centred, full_matrices=False)
        xy = centred @ vt[:2].T
        xy *= np.sign(vt[:2].sum(axis=1))  # a fixed orientation, so reruns draw the same picture
        out = []
        for (x, y), r in zip(xy.tolist(), rows.tolist(), strict=True):
            reasons = d.reasons.get(r, [])
            poison = [x["rule"] for x in reasons if x["detector"] == "poisoning"]
            if poison:
                status = f"poisoning/{poison[0]}"
            elif d.quarantine[r]:
                status = "quarantined/" + next(
                    x["detector"] for x in reasons if x["action"] in ("drop", "gate")
                )
            elif d.flagged[r]:
                status = "flagged"
            else:
                status = "clean"
            out.append([round(x, 4), round(y, 4), status])
        return {
            "method": "PCA of mean MiniLM embeddings per row",
            "stride": self.stride,
            "points": out,
        }


def _json_subject(path: Path) -> Subject:
    return Subject(path.name, sha256_file(path), path.stat().st_size, None, "metadata")


def _row_id_lookup(plan: InputPlan) -> Callable[[int], str]:
    """Map a job-wide row index back to its ``file:row`` id."""
    starts = np.cumsum([0] + [s.rows for s in plan.surveys])

    def lookup(row: int) -> str:
        i = int(np.searchsorted(starts, row, side="right")) - 1
        return f"{plan.sources[i].label}:{row - int(starts[i])}"

    return lookup
