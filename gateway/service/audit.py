"""An append-only, hash-chained audit log of every call, its head signed by the server.

Each entry's hash covers the previous entry's hash and its own fields, so editing or
deleting an entry breaks the chain at that point; ``verify`` names the first broken
sequence number. A chain can still be rewritten end to end, or its tail cut, and stay a
valid chain: so the server signs the head (sequence and hash) with its signing key when
it starts, every ``serve --audit-head-every`` entries (100) and when it stops. ``verify`` with the server's
public key checks every signed head against the chain: a rewritten chain no longer
matches them, a cut tail lacks a signed sequence, and a chain with no signed head at
all cannot be told from a forgery. Entries after the last signed head are reported.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass

from gateway.service.store import Store, now
from gateway.trust.keys import PublicKey, Signer, keyid_of, verify_signature

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
    if store.audit_signer is not None and seq % store.audit_head_every == 0:
        sign_head(store, store.audit_signer)


def _head_message(seq: int, head: str, at: str) -> bytes:
    return f"tunegate-audit-head\n{seq}\n{head}\n{at}".encode()


def sign_head(store: Store, signer: Signer) -> int:
    """Sign the chain's current head; returns its sequence number (0: an empty chain)."""
    with store.tx() as db:
        last = db.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
        seq, head = (last["seq"], last["hash"]) if last else (0, GENESIS)
        at = now()
        sig = base64.b64encode(signer.sign(_head_message(seq, head, at))).decode()
        db.execute(
            "INSERT OR REPLACE INTO audit_heads (seq, hash, at, keyid, signature)"
            " VALUES (?, ?, ?, ?, ?)",
            (seq, head, at, signer.keyid, sig),
        )
    return seq


def sign_head_if_new(store: Store, signer: Signer) -> int | None:
    """Sign the head if entries were written since the newest signed head (the timer's
    job: a quiet server does not sign the same head again and again)."""
    db = store.db()
    last = db.execute("SELECT MAX(seq) AS seq FROM audit").fetchone()["seq"] or 0
    signed = db.execute("SELECT MAX(seq) AS seq FROM audit_heads").fetchone()["seq"]
    if signed is not None and signed >= last:
        return None
    return sign_head(store, signer)


@dataclass(frozen=True, slots=True)
class AuditCheck:
    entries: int
    head: str
    broken_at: int | None  # the first sequence number whose entry does not verify
    problem: str = ""
    signed_through: int | None = None  # the newest signed head that verified (with a key)


def verify(store: Store, keys: list[PublicKey] | None = None) -> AuditCheck:
    """The chain, entry by entry; with the server's public keys, its signed heads too."""
    prev, expected_seq, n = GENESIS, 1, 0
    hashes = {0: GENESIS}
    for row in store.db().execute("SELECT * FROM audit ORDER BY seq"):
        entry = dict(row)
        if entry["seq"] != expected_seq:
            return AuditCheck(n, prev, expected_seq, f"entry {expected_seq} is missing")
        if entry["prev_hash"] != prev:
            return AuditCheck(n, prev, entry["seq"], "its link to the previous entry is broken")
        if entry["hash"] != _entry_hash(prev, entry):
            return AuditCheck(n, prev, entry["seq"], "its contents were changed")
        prev, expected_seq, n = entry["hash"], expected_seq + 1, n + 1
        hashes[n] = prev
    if keys is None:
        return AuditCheck(n, prev, None)
    return _check_heads(store, keys, hashes, n, prev)


def _check_heads(
    store: Store, keys: list[PublicKey], hashes: dict[int, str], n: int, head: str
) -> AuditCheck:
    by_id = {keyid_of(k): k for k in keys}
    signed: int | None = None
    for row in store.db().execute("SELECT * FROM audit_heads ORDER BY seq"):
        seq = row["seq"]
        key = by_id.get(row["keyid"])
        try:
            sig = base64.b64decode(row["signature"], validate=True)
        except ValueError:
            sig = b""
        if key is None or not verify_signature(
            key, sig, _head_message(seq, row["hash"], row["at"])
        ):
            return AuditCheck(
                n, head, seq, f"the signed head at entry {seq} is not signed by a given key"
            )
        if seq > n:
            return AuditCheck(
                n,
                head,
                n + 1,
                f"the tail was cut: a signed head names entry {seq}, the chain ends at {n}",
            )
        if hashes[seq] != row["hash"]:
            return AuditCheck(
                n, head, seq, f"the chain was rewritten: entry {seq} is not the one signed"
            )
        signed = seq
    if signed is None and n:
        return AuditCheck(
            n, head, 1, "no signed head: the chain cannot be told from a rewritten one"
        )
    return AuditCheck(n, head, None, signed_through=signed)
