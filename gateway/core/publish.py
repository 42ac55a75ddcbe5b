"""Write and attest: clean and quarantine shards from the spool, then the metadata, the
pages the caller asked for, and the signed manifest over all of it, last.

Everything is written into the staging folder; the pipeline renames it into place only
after the manifest, so a reader never sees half a release.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from gateway.core.policy import OutputPolicy
from gateway.core.records import InputPlan
from gateway.core.rows import RAW, ROW_ID, spool_schema
from gateway.core.scan_types import REASON_TYPE, REASONS, Decisions, PageWriter, ScanRequest
from gateway.core.shards import ShardInfo, ShardSetWriter, StagedOutput, sha256_file
from gateway.trust.columns import FLAGS
from gateway.trust.croissant import croissant
from gateway.trust.manifest import Subject, build_statement, write_manifest

SPOOL = ".spool.arrow"


def clean_schema(plan: InputPlan) -> pa.Schema:
    """The uploaded columns, the row id, and why a kept row was flagged (empty when it
    was not): a trainer can leave flagged rows out without the report beside it."""
    return pa.schema(
        [*plan.data_schema, pa.field(ROW_ID, pa.string()), pa.field(FLAGS, REASON_TYPE)]
    )


def flags_of(reasons: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The findings the policy flagged, of a row it kept."""
    return [r for r in reasons if r["action"] == "flag"]


def write_shards(
    plan: InputPlan, staged: StagedOutput, d: Decisions, out: OutputPolicy, job_id: str
) -> dict[str, list[ShardInfo]]:
    """Read the spool once more and split it into clean and quarantine shards."""
    spool_path = staged.path(SPOOL)
    q_schema = pa.schema([*spool_schema(plan.data_schema), pa.field(REASONS, REASON_TYPE)])
    opts: dict[str, Any] = {
        "job_id": job_id,
        "max_rows": out.shard_max_rows,
        "row_group_rows": out.row_group_rows,
        "compression": out.compression,
    }
    clean = ShardSetWriter(staged.path("clean"), "clean", clean_schema(plan), **opts)
    quarantine = ShardSetWriter(staged.path("quarantine"), "quarantine", q_schema, **opts)
    try:
        base = 0
        with pa.OSFile(str(spool_path), "rb") as src:  # not mmap: RSS would grow with it
            reader = pa.ipc.open_file(src)
            for i in range(reader.num_record_batches):
                batch = reader.get_batch(i)
                n = batch.num_rows
                mask = d.quarantine[base : base + n]
                if not d.gate_failed:
                    keep = pa.Table.from_batches([batch.filter(pa.array(~mask))])
                    flagged = d.flagged[base : base + n][~mask]
                    kept_rows = np.flatnonzero(~mask) + base
                    flags = pa.array(
                        [
                            flags_of(d.reasons[int(r)]) if f else []
                            for r, f in zip(kept_rows, flagged, strict=True)
                        ],
                        type=REASON_TYPE,
                    )
                    clean.write(keep.drop_columns([RAW]).append_column(FLAGS, flags))
                if mask.any():
                    rows = np.flatnonzero(mask) + base
                    q = pa.Table.from_batches([batch.filter(pa.array(mask))])
                    reasons = pa.array([d.reasons.get(int(r), []) for r in rows], type=REASON_TYPE)
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


def publish_metadata(
    request: ScanRequest,
    plan: InputPlan,
    staged: StagedOutput,
    report: dict[str, Any],
    shards: dict[str, list[ShardInfo]],
    pages: Sequence[PageWriter],
) -> None:
    """croissant.json, report.json and the pages, then the signed manifest over everything."""
    release, signer = request.release, request.signer
    schema = clean_schema(plan)
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
            schema,
            report["finished_at"],
        )
        metadata.append(_json_subject(staged.write_json("croissant.json", doc)))
    metadata.append(_json_subject(staged.write_json("report.json", report)))
    for page in pages:
        metadata.append(_json_subject(page(staged.staging)))
    if not signed or not report["counts"]["clean_published"]:
        return  # a failed gate publishes nothing a trainer should load: no manifest
    assert signer is not None and release is not None
    subjects = [
        Subject(s.name, s.sha256, s.bytes, s.rows, s.split)
        for infos in shards.values()
        for s in infos
    ] + metadata
    schema_bytes = schema.remove_metadata().serialize().to_pybytes()
    statement = build_statement(
        subjects,
        release,
        report,
        "sha256:" + hashlib.sha256(schema_bytes).hexdigest(),
        datetime.now(UTC),
    )
    write_manifest(staged.staging, statement, signer)


def _json_subject(path: Path) -> Subject:
    return Subject(path.name, sha256_file(path), path.stat().st_size, None, "metadata")
