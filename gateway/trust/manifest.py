"""The signed manifest: an in-toto Statement v1 in a DSSE envelope.

Subjects are every published file (shards, ``report.json``, ``croissant.json``) with
sha256, bytes, rows and split. The predicate says what produced them: dataset id, version
and a per-dataset sequence number (with the previous manifest's digest, chaining
versions), the run, the inputs' digests, the policy digest, each detector with its
parameters and model digests, the output schema digest, stats by reason, a validity
window, and a root digest over the sorted ``(name, sha256, bytes)`` list, which binds
names to contents.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from gateway.trust.dsse import sign_envelope
from gateway.trust.keys import Signer

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://tunegate.dev/attestation/dataset-firewall/v1"
MANIFEST_NAME = "manifest.intoto.jsonl"
WRITER = "pyarrow-parquet"


@dataclass(frozen=True, slots=True)
class Subject:
    name: str
    sha256: str
    bytes: int
    rows: int | None
    split: str

    def to_json(self) -> dict[str, Any]:
        ann: dict[str, Any] = {"bytes": self.bytes, "split": self.split}
        if self.rows is not None:
            ann["rows"] = self.rows
        return {"name": self.name, "digest": {"sha256": self.sha256}, "annotations": ann}


@dataclass(frozen=True, slots=True)
class DatasetRelease:
    """Which dataset this output is a version of, and where it sits in that history."""

    id: str
    version: str
    sequence: int
    previous_manifest_sha256: str | None = None
    valid_days: int = 365


def root_digest(entries: list[tuple[str, str, int]]) -> str:
    h = hashlib.sha256()
    for name, sha, size in sorted(entries):
        h.update(f"{name}\0{sha}\0{size}\n".encode())
    return "sha256:" + h.hexdigest()


def build_statement(
    subjects: list[Subject],
    release: DatasetRelease,
    report: dict[str, Any],
    schema_digest: str,
    now: datetime,
) -> dict[str, Any]:
    entries = [(s.name, s.sha256, s.bytes) for s in subjects]
    clean_rows = sum(s.rows or 0 for s in subjects if s.split == "clean")
    return {
        "_type": STATEMENT_TYPE,
        "subject": [s.to_json() for s in sorted(subjects, key=lambda s: s.name)],
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "dataset": {
                "id": release.id,
                "version": release.version,
                "sequence": release.sequence,
                "previous_manifest": (
                    {"sha256": release.previous_manifest_sha256}
                    if release.previous_manifest_sha256
                    else None
                ),
            },
            "run": {
                "id": report["job_id"],
                "started_at": report["started_at"],
                "finished_at": report["finished_at"],
                "tunegate_version": report["tunegate_version"],
                "device": report["device"],
            },
            "inputs": [
                {
                    "name": i["label"],
                    "format": i["format"],
                    "digest": {"sha256": i["sha256"]},
                    "bytes": i["bytes"],
                    "rows": i["rows"],
                }
                for i in report["inputs"]
            ],
            "policy": report["policy"],
            "detectors": report["detectors"],
            "output": {
                "format": "parquet",
                "writer": WRITER,
                "schema_digest": schema_digest,
                "rows": {"clean": clean_rows, "quarantine": report["counts"]["rows_quarantined"]},
                "root_digest": root_digest(entries),
            },
            "stats": {"counts": report["counts"], "by_reason": report["by_reason"]},
            "validity": {
                "not_before": now.isoformat(),
                "not_after": (now + timedelta(days=release.valid_days)).isoformat(),
            },
        },
    }


def write_manifest(folder: Path, statement: dict[str, Any], signer: Signer) -> Path:
    payload = json.dumps(statement, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    envelope = sign_envelope(payload.encode("utf-8"), signer)
    path = folder / MANIFEST_NAME
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(envelope.to_json() + "\n", "utf-8")
    tmp.rename(path)
    return path
