"""Bearer tokens: stored only as hashes, each with scopes and dataset patterns.

A token is ``tg_<id>_<secret>``: the id finds the row, the secret's sha256 is compared in
constant time. The server never stores or logs the secret. A token sees only datasets
its patterns match (``finance/*``, grammar in gateway/trust/names.py); to a token without
access, a dataset that does not exist and one it may not see look the same. A token may
expire, and can be listed and revoked by id; a revoked or expired one authenticates as
no token at all.
"""

from __future__ import annotations

import fnmatch
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from gateway.errors import UsageError
from gateway.service.store import Store, now
from gateway.trust.names import dataset_pattern

SCOPES = ("scan:write", "shards:read", "jobs:read", "adapters:write", "admin")
_TOKEN = re.compile(r"^tg_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")


@dataclass(frozen=True, slots=True)
class Principal:
    token_id: str
    scopes: frozenset[str]
    datasets: tuple[str, ...]

    def may(self, scope: str) -> bool:
        return scope in self.scopes or "admin" in self.scopes

    def sees(self, dataset: str) -> bool:
        return any(fnmatch.fnmatchcase(dataset, p) for p in self.datasets)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(
    store: Store, scopes: list[str], datasets: list[str], expires_at: datetime | None = None
) -> str:
    bad = sorted(set(scopes) - set(SCOPES))
    if bad or not scopes:
        raise UsageError(f"unknown or missing scopes {bad}; choose from {', '.join(SCOPES)}")
    if not datasets:
        raise UsageError("give --datasets patterns, e.g. 'finance/*' (or '*' for all)")
    patterns = [dataset_pattern(d) for d in datasets]
    if expires_at is not None and expires_at <= datetime.now(UTC):
        raise UsageError(f"--expires {expires_at.isoformat()} is in the past; give a future time")
    token_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    token = f"tg_{token_id}_{secret}"
    with store.tx() as db:
        db.execute(
            "INSERT INTO tokens (id, hash, scopes, datasets, created_at, expires_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (
                token_id,
                _hash(token),
                ",".join(sorted(set(scopes))),
                "\n".join(patterns),
                now(),
                expires_at.isoformat(timespec="seconds") if expires_at else None,
            ),
        )
    return token


def list_tokens(store: Store) -> list[dict[str, Any]]:
    """Every token's id, scopes, patterns, times and state; never a secret or its hash."""
    rows = store.db().execute(
        "SELECT id, scopes, datasets, created_at, expires_at, revoked FROM tokens ORDER BY created_at"
    )
    return [
        {
            "id": r["id"],
            "scopes": r["scopes"].split(","),
            "datasets": r["datasets"].split("\n"),
            "created_at": r["created_at"],
            "expires_at": r["expires_at"],
            "state": "revoked"
            if r["revoked"]
            else "expired"
            if _expired(r["expires_at"])
            else "active",
        }
        for r in rows
    ]


def revoke_token(store: Store, token_id: str) -> None:
    with store.tx() as db:
        n = db.execute("UPDATE tokens SET revoked = 1 WHERE id = ?", (token_id,)).rowcount
    if n == 0:
        raise UsageError(f"no token with id {token_id!r}; list them with tunegate token list")


def _expired(expires_at: str | None) -> bool:
    return expires_at is not None and datetime.fromisoformat(expires_at) <= datetime.now(UTC)


def authenticate(store: Store, token: str | None) -> Principal | None:
    """The principal for a presented token, or None (missing, malformed, unknown, revoked)."""
    if not token:
        return None
    m = _TOKEN.match(token)
    if m is None:
        return None
    row = store.db().execute("SELECT * FROM tokens WHERE id = ?", (m.group(1),)).fetchone()
    if row is None or row["revoked"] or not hmac.compare_digest(row["hash"], _hash(token)):
        return None
    if _expired(row["expires_at"]):
        return None
    return Principal(
        row["id"], frozenset(row["scopes"].split(",")), tuple(row["datasets"].split("\n"))
    )


def bearer(metadata: tuple[tuple[str, str | bytes], ...] | None) -> str | None:
    for key, value in metadata or ():
        if key.lower() == "authorization" and isinstance(value, str):
            scheme, _, tok = value.partition(" ")
            return tok.strip() if scheme.lower() == "bearer" else None
    return None
