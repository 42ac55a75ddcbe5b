"""The keys a verifier trusts, with validity windows, revocation and dataset scopes.

``trusted_keys.json``::

    {"keys": [{"public_key": "firewall.pub",            # path, relative to this file
               "not_before": "2026-01-01T00:00:00Z",    # optional
               "not_after": "2027-01-01T00:00:00Z",     # optional
               "revoked": false,                        # optional
               "datasets": ["acme/*"],                  # optional, default all
               "roles": ["data-owner"]}]}               # optional, default none

or ``"public_key_pem": "-----BEGIN PUBLIC KEY-----…"`` inline. Times are judged by the
verifier's clock, never by anything the manifest claims. Roles say what a key's signature
means (``--require-role security`` counts only signatures by keys holding that role); a key
given with ``--key`` holds no role, so role checks need a trusted_keys.json.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gateway.errors import VerificationError
from gateway.trust.dsse import strict_json
from gateway.trust.keys import PublicKey, keyid_of, load_public_key, parse_public_pem

_KEY_FIELDS = {
    "keyid",
    "public_key",
    "public_key_pem",
    "not_before",
    "not_after",
    "revoked",
    "revoked_reason",
    "datasets",
    "roles",
    "comment",
}
ROLE = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")


def parse_time(value: Any, where: str) -> datetime:
    if not isinstance(value, str):
        raise VerificationError(
            f"{where}: expected an ISO 8601 time such as 2027-01-01T00:00:00Z, got {value!r}"
        )
    try:
        t = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as e:
        raise VerificationError(
            f"{where}: not an ISO 8601 time: {value!r}; write it like 2027-01-01T00:00:00Z"
        ) from e
    if t.tzinfo is None:
        raise VerificationError(f"{where}: time {value!r} has no timezone; end it with Z or +00:00")
    return t


@dataclass(frozen=True)
class TrustedKey:
    keyid: str
    public: PublicKey
    not_before: datetime | None = None
    not_after: datetime | None = None
    revoked: bool = False
    revoked_reason: str = ""
    datasets: tuple[str, ...] = ("*",)
    roles: tuple[str, ...] = ()

    def refusal(self, now: datetime, dataset: str) -> str | None:
        """Why this key may not vouch for ``dataset`` at ``now``, or None if it may."""
        if self.revoked:
            why = f": {self.revoked_reason}" if self.revoked_reason else ""
            return (
                f"key {self.keyid} is revoked{why}; do not train on what it signed: get a release "
                "signed by a current key"
            )
        if self.not_before is not None and now < self.not_before:
            return (
                f"key {self.keyid} is not valid before {self.not_before.isoformat()}; check "
                "not_before in your trusted keys, or this machine's clock"
            )
        if self.not_after is not None and now > self.not_after:
            return (
                f"key {self.keyid} expired at {self.not_after.isoformat()}; get a release signed "
                "by a current key, or check not_after in your trusted keys"
            )
        if not any(fnmatch.fnmatchcase(dataset, p) for p in self.datasets):
            allowed = list(self.datasets)
            return (
                f"key {self.keyid} may not sign dataset {dataset!r} (allowed: {allowed}); check "
                "you have the right key, or add the dataset to its datasets in your trusted keys"
            )
        return None


@dataclass(frozen=True)
class TrustStore:
    keys: tuple[TrustedKey, ...]

    def find(self, keyid: str) -> TrustedKey | None:
        for k in self.keys:
            if k.keyid == keyid:
                return k
        return None

    @classmethod
    def from_public_keys(cls, paths: Sequence[Path]) -> TrustStore:
        keys = []
        for p in paths:
            pub = load_public_key(p)
            keys.append(TrustedKey(keyid_of(pub), pub))
        return cls(tuple(keys))

    @classmethod
    def from_file(cls, path: Path) -> TrustStore:
        try:
            data = path.read_bytes()
        except OSError as e:
            raise VerificationError(
                f"{path}: cannot read trusted keys ({e.strerror or e}); check the path to "
                "trusted_keys.json"
            ) from e
        doc = strict_json(data, str(path))
        if not isinstance(doc, dict) or set(doc) != {"keys"} or not isinstance(doc["keys"], list):
            raise VerificationError(f'{path}: expected {{"keys": [...]}}')
        keys = []
        for i, entry in enumerate(doc["keys"]):
            where = f"{path}: keys[{i}]"
            if not isinstance(entry, dict):
                raise VerificationError(f"{where}: expected an object")
            unknown = set(entry) - _KEY_FIELDS
            if unknown:
                raise VerificationError(
                    f"{where}: unknown fields {sorted(unknown)}; allowed: {sorted(_KEY_FIELDS)}"
                )
            if "public_key_pem" in entry:
                pem = entry["public_key_pem"]
                if not isinstance(pem, str):
                    raise VerificationError(f"{where}.public_key_pem: expected a string")
                pub = parse_public_pem(pem.encode(), where)
            elif isinstance(entry.get("public_key"), str):
                pub = load_public_key(path.parent / entry["public_key"])
            else:
                raise VerificationError(f"{where}: needs public_key (a path) or public_key_pem")
            kid = keyid_of(pub)
            if "keyid" in entry and entry["keyid"] != kid:
                raise VerificationError(
                    f"{where}: keyid {entry['keyid']} does not match the key ({kid}); "
                    "check you have the right key, or remove keyid"
                )
            datasets = entry.get("datasets", ["*"])
            if not isinstance(datasets, list) or not all(isinstance(d, str) for d in datasets):
                raise VerificationError(f"{where}.datasets: expected a list of patterns")
            roles = entry.get("roles", [])
            if not isinstance(roles, list) or not all(
                isinstance(r, str) and ROLE.fullmatch(r) for r in roles
            ):
                raise VerificationError(
                    f"{where}.roles: expected a list of role names (lowercase letters, digits, "
                    "'.', '_' or '-'), e.g. [\"data-owner\", \"security\"]"
                )
            revoked = entry.get("revoked", False)
            if not isinstance(revoked, bool):
                raise VerificationError(f"{where}.revoked: expected true or false")
            keys.append(
                TrustedKey(
                    kid,
                    pub,
                    parse_time(entry["not_before"], f"{where}.not_before")
                    if "not_before" in entry
                    else None,
                    parse_time(entry["not_after"], f"{where}.not_after")
                    if "not_after" in entry
                    else None,
                    revoked,
                    str(entry.get("revoked_reason", "")),
                    tuple(datasets),
                    tuple(roles),
                )
            )
        if not keys:
            raise VerificationError(f"{path}: no keys; list at least one trusted key in it")
        return cls(tuple(keys))


def now_utc() -> datetime:
    return datetime.now(UTC)
