"""Bearer tokens: stored only as hashes, each with scopes and dataset patterns.

A token is ``tg_<id>_<secret>``: the id finds the row, the secret's sha256 is compared in
constant time. The server never stores or logs the secret. A token sees only datasets
its patterns match (``finance/*``); to a token without access, a dataset that does not
exist and one it may not see look the same.
"""

from __future__ import annotations

import fnmatch
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from gateway.errors import UsageError
from gateway.service.store import Store, now

SCOPES = ("scan:write", "shards:read", "jobs:read", "admin")
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


def create_token(store: Store, scopes: list[str], datasets: list[str]) -> str:
    bad = sorted(set(scopes) - set(SCOPES))
    if bad or not scopes:
        raise UsageError(f"unknown or missing scopes {bad}; choose from {', '.join(SCOPES)}")
    if not datasets or any(not d.strip() for d in datasets):
        raise UsageError("give --datasets patterns, e.g. 'finance/*' (or '*' for all)")
    token_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    token = f"tg_{token_id}_{secret}"
    with store.tx() as db:
        db.execute(
            "INSERT INTO tokens (id, hash, scopes, datasets, created_at) VALUES (?, ?, ?, ?, ?)",
            (token_id, _hash(token), ",".join(sorted(set(scopes))), "\n".join(datasets), now()),
        )
    return token


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
    return Principal(
        row["id"], frozenset(row["scopes"].split(",")), tuple(row["datasets"].split("\n"))
    )


def bearer(metadata: tuple[tuple[str, str | bytes], ...] | None) -> str | None:
    for key, value in metadata or ():
        if key.lower() == "authorization" and isinstance(value, str):
            scheme, _, tok = value.partition(" ")
            return tok.strip() if scheme.lower() == "bearer" else None
    return None
