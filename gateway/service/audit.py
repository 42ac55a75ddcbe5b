"""An append-only, hash-chained audit log of every call.

Each entry's hash covers the previous entry's hash and its own fields, so editing or
deleting an entry breaks the chain at that point; ``verify`` names the first broken
sequence number. (Cutting entries off the end leaves a valid shorter chain: ship the
head hash elsewhere if that matters; it is printed by ``tunegate audit verify``.)
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from gateway.service.store import Store, now

GENESIS = "0" * 64
FIELDS = ("seq", "at", "token_id", "method", "dataset", "job_id", "input_sha256", "result")


def _entry_hash(prev: str, entry: dict[str, object]) -> str:
    body = json.dumps({k: entry[k] for k in FIELDS}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{prev}\n{body}".encode()).hexdigest()


def append(
    store: Store,
    *,
    token_id: str,
    method: str,
    result: str,
    dataset: str = "",
    job_id: str = "",
    input_sha256: str = "",
) -> None:
    with store.tx() as db:
        last = db.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
        seq, prev = (last["seq"] + 1, last["hash"]) if last else (1, GENESIS)
        entry: dict[str, object] = {
            "seq": seq,
            "at": now(),
            "token_id": token_id,
            "method": method,
            "dataset": dataset,
            "job_id": job_id,
            "input_sha256": input_sha256,
            "result": result,
        }
        db.execute(
            "INSERT INTO audit (seq, at, token_id, method, dataset, job_id, input_sha256, result,"
            " prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (*(entry[k] for k in FIELDS), prev, _entry_hash(prev, entry)),
        )


@dataclass(frozen=True, slots=True)
class AuditCheck:
    entries: int
    head: str
    broken_at: int | None  # the first sequence number whose entry does not verify
    problem: str = ""


def verify(store: Store) -> AuditCheck:
    prev, expected_seq, n = GENESIS, 1, 0
    for row in store.db().execute("SELECT * FROM audit ORDER BY seq"):
        entry = dict(row)
        if entry["seq"] != expected_seq:
            return AuditCheck(n, prev, expected_seq, f"entry {expected_seq} is missing")
        if entry["prev_hash"] != prev:
            return AuditCheck(n, prev, entry["seq"], "its link to the previous entry is broken")
        if entry["hash"] != _entry_hash(prev, entry):
            return AuditCheck(n, prev, entry["seq"], "its contents were changed")
        prev, expected_seq, n = entry["hash"], expected_seq + 1, n + 1
    return AuditCheck(n, prev, None)
