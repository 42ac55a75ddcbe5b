"""report.json: what a scan read, found, decided and published, with where each stage ran.

Built from the scan's results only; the pipeline checks the counts add up before anything
is published, and a mismatch is an internal error that publishes nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pyarrow as pa

from detectors.row_vectors import row_means
from gateway import __version__
from gateway.core.policy import Policy
from gateway.core.records import InputPlan
from gateway.core.scan_types import Decisions
from gateway.core.shards import ShardInfo
from gateway.errors import TunegateError

PROJECTION_POINTS = 1500  # rows drawn in report.html's picture of the embedding space


def row_id_lookup(plan: InputPlan) -> Callable[[int], str]:
    """Map a job-wide row index back to its ``file:row`` id."""
    starts = np.cumsum([0] + [s.rows for s in plan.surveys])

    def lookup(row: int) -> str:
        i = int(np.searchsorted(starts, row, side="right")) - 1
        return f"{plan.sources[i].label}:{row - int(starts[i])}"

    return lookup


def check_counts(
    plan: InputPlan, d: Decisions, shards: dict[str, list[ShardInfo]], rows_in: int
) -> None:
    """Every row read is clean or quarantined, exactly once, or nothing is published."""
    rows_q = int(d.quarantine.sum())
    rows_clean = rows_in - rows_q
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


def build_report(
    *,
    job_id: str,
    started: datetime,
    plan: InputPlan,
    policy: dict[str, Any],
    detectors: list[dict[str, Any]],
    stages: list[dict[str, object]],
    devices: dict[str, str],
    d: Decisions,
    shards: dict[str, list[ShardInfo]],
    rows_in: int,
    rows_rewritten: int,
    timings: dict[str, float],
    embeddings: dict[str, Any] | None,
) -> dict[str, Any]:
    rows_q = int(d.quarantine.sum())
    row_ids = row_id_lookup(plan)
    return {
        "tunegate_version": __version__,
        "job_id": job_id,
        "status": "gate_failed" if d.gate_failed else "ok",
        "started_at": started.isoformat(),
        "finished_at": datetime.now(UTC).isoformat(),
        "device": devices["corpus_stage"],
        "devices": devices,
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
        "policy": policy,
        "detectors": detectors,
        "stages": stages,
        "counts": {
            "rows_in": rows_in,
            "rows_clean": rows_in - rows_q,  # passed every check; withheld when a gate failed
            "rows_quarantined": rows_q,
            "clean_published": not d.gate_failed,
            "rows_flagged": int(d.flagged.sum()),
            "rows_redacted": rows_rewritten,
        },
        "by_reason": d.by_reason,
        "flagged_by_reason": d.flagged_by_reason,
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
        "embeddings": embeddings,
        "warnings": plan.warnings,
    }


class ProjectionSample:
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

    def points(self, d: Decisions) -> dict[str, Any] | None:
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


def policy_record(policy: Policy, plan: InputPlan) -> dict[str, Any]:
    """The policy as this scan applied it, for the report and the signed manifest.

    The same policy file scans different columns with different ``--fields`` (or another
    schema), so ``digest`` covers the file and the columns it was applied to: which are
    training text and with which role, which passed through scanned for secrets and PII,
    and which the policy exempted. ``--expect-policy`` compares this digest."""
    scope = {
        "fields": plan.text_schema.describe(),
        "passthrough": list(plan.passthrough),
        "exempt": list(plan.exempt),
    }
    canon = json.dumps(
        {"policy": policy.digest, **scope},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return {
        "id": policy.id,
        "digest": "sha256:" + hashlib.sha256(canon.encode()).hexdigest(),
        "policy_file_digest": policy.digest,
        **scope,
    }
