"""What the chapters of a scan hand each other: the request, findings, decisions, results.

Nothing here does work; it is the vocabulary shared by the stages (row_stage,
corpus_stage, decide, publish, report), which never import each other.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from detectors.base import Finding
from gateway.core.rows import Chunk
from gateway.errors import LimitExceeded
from gateway.trust.keys import Signer
from gateway.trust.manifest import DatasetRelease

# rows read so far, rows in the input, findings so far
ProgressFn = Callable[[int, int, int], None]

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
REASONS = "tunegate_reasons"  # quarantine shards: every finding of the row


@dataclass(frozen=True, slots=True)
class ScanRequest:
    inputs: Sequence[Path | str]  # files, folders, or URIs pyarrow.fs opens (s3://, gs://, ...)
    out: Path
    overwrite: bool = False
    fields: Sequence[str] | None = None  # columns, each optionally "column=role"
    device: str = "auto"
    job_id: str | None = None
    release: DatasetRelease | None = None  # required to sign
    signer: Signer | None = None
    cache: Path | None = None  # vectors of redacted text by keyed hash, reused across scans
    reference: Sequence[Path | str] | None = None  # compare with this set (drift)
    max_rows: int | None = None  # refuse inputs with more rows, counted as parsed
    # refuse inputs that decode to more bytes (rows as read, before any rewrite): bounds
    # the spool on disk and the time a small compressed upload can cost
    max_decoded_bytes: int | None = None
    max_findings: int | None = None  # refuse a scan that would keep more findings in memory


@dataclass(slots=True)
class ScanResult:
    out: Path
    report: dict[str, Any]

    @property
    def gate_failed(self) -> bool:
        return bool(self.report["status"] == "gate_failed")


# Findings of one rule kept per row and detector call: decisions depend on the rule, not on
# how often it matched, so the 10,001st e-mail of one row changes nothing but memory.
FINDINGS_PER_ROW_RULE = 16


@dataclass(slots=True)
class Findings:
    """The findings of one scan, by detector, in the order they were made.

    Memory is what an uploader controls here (a row of 100,000 e-mail addresses, a file of
    copies), so a row keeps at most :data:`FINDINGS_PER_ROW_RULE` findings of one rule
    from one detector call and counts the rest in ``not_kept``; past ``limit`` findings
    the scan stops with :class:`LimitExceeded` instead of growing."""

    items: list[tuple[str, Finding]] = field(default_factory=list)
    limit: int | None = None
    not_kept: dict[str, int] = field(default_factory=dict)  # "detector/rule" -> count

    def extend(self, detector: str, found: Sequence[Finding]) -> None:
        seen: dict[tuple[int, str], int] = {}
        for f in found:
            key = (f.row, f.rule)
            n = seen[key] = seen.get(key, 0) + 1
            if n > FINDINGS_PER_ROW_RULE:
                name = f"{detector}/{f.rule}"
                self.not_kept[name] = self.not_kept.get(name, 0) + 1
                continue
            self.items.append((detector, f))
        if self.limit is not None and len(self.items) > self.limit:
            raise LimitExceeded(
                f"this scan found more than {self.limit:,} things to report (kept in memory "
                "until every row is read); split the input, or clean it of what the report "
                "of a smaller part shows"
            )

    def extend_pairs(self, found: Sequence[tuple[str, Finding]]) -> None:
        """Findings of several detectors at once (a row stage result), in order."""
        start = 0
        for i in range(1, len(found) + 1):
            if i == len(found) or found[i][0] != found[start][0]:
                self.extend(found[start][0], [f for _, f in found[start:i]])
                start = i

    def __len__(self) -> int:
        return len(self.items)


@dataclass(slots=True)
class RowResult:
    """One chunk after the row stage, wherever it ran."""

    chunk: Chunk  # rows rewritten as the policy decided; segments with embeddings if needed
    findings: list[tuple[str, Finding]]
    rewritten: np.ndarray  # rows (job-wide indices) whose text a rewrite changed
    timings: dict[str, float]
    truncated: int  # texts cut to the embedding model's window (engines elsewhere count)


@dataclass(slots=True)
class Decisions:
    quarantine: np.ndarray
    flagged: np.ndarray
    reasons: dict[int, list[dict[str, Any]]]
    by_reason: dict[str, dict[str, int]]
    examples: dict[str, list[int]]
    gates: list[dict[str, Any]]
    # rows kept with a flag, by the rule that flagged them (a row flagged by two rules
    # counts under each); ``by_reason`` counts every row a rule found, whatever its action
    flagged_by_reason: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def gate_failed(self) -> bool:
        return any(g["failed"] for g in self.gates)


# An extra page a scan publishes beside report.json (the HTML report): it reads the
# staged output folder and returns the file it wrote, which the manifest then signs.
PageWriter = Callable[[Path], Path]
