"""The gateway as an adapter registry: what RegisterAdapter and PromoteAdapter check.

An adapter is registered by its signed attestation (docs/adapters.md), not by its files:
the server keeps the DSSE envelope, and with it every file's sha256 and size, and a
verifier checks the files it got from elsewhere against them (``tunegate adapter
verify``). An adapter's id is the sha256 of the attestation's payload, which stays the
same as reviewers add signatures with ``tunegate approve``.

Registering checks, against the server's ``--adapter-trusted-keys``: the envelope is an
adapter-provenance statement; a signature verifies under a trusted key that may vouch
for every dataset it names; and every dataset version it names is one this server
published, is not revoked, and is the same release (the envelope this server signed, or
an approved copy of it: the payloads are compared). Promoting checks the sign-offs the
server's policy names (``--adapter-approvals ROLE,...``, ``--adapter-min-approvals N``),
counted as ``tunegate verify --require-role --min-signatures`` counts them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from gateway.errors import InputError, VerificationError
from gateway.trust.approvals import SignOff, signoff_refusal, verified_signers
from gateway.trust.dsse import Envelope, parse_envelope
from gateway.trust.trusted import TrustedKey, TrustStore, now_utc


@dataclass(frozen=True)
class AdapterPolicy:
    """What the server trusts for adapters, and what promoting one needs."""

    trust: TrustStore | None = None
    approvals: SignOff = field(default_factory=SignOff)

    @classmethod
    def from_options(
        cls, trusted_keys: Path | None, roles: tuple[str, ...], min_approvals: int
    ) -> AdapterPolicy:
        trust = TrustStore.from_file(trusted_keys) if trusted_keys is not None else None
        return cls(trust, SignOff(tuple(roles), min_approvals))

    def describe(self) -> str:
        a = self.approvals
        if a.require_roles:
            return (
                f"{a.min_signatures} signature(s) by keys with role "
                + " or ".join(repr(r) for r in a.require_roles)
                + (", every one of those roles among them" if len(a.require_roles) > 1 else "")
            )
        return f"{a.min_signatures} signature(s) by distinct trusted keys"


@dataclass(frozen=True)
class Release:
    """A dataset version an attestation names, as it names it."""

    dataset: str
    version: int
    manifest_sha256: str
    payload_sha256: str


@dataclass(frozen=True)
class Attestation:
    """An attestation whose signatures verified under the server's trusted keys."""

    adapter_id: str  # sha256 of the payload
    envelope: Envelope
    statement: dict[str, Any]
    signers: tuple[TrustedKey, ...]  # verified, and allowed for every dataset it names
    releases: tuple[Release, ...]

    @property
    def predicate(self) -> dict[str, Any]:
        p: dict[str, Any] = self.statement["predicate"]
        return p

    @property
    def envelope_bytes(self) -> bytes:
        return (self.envelope.to_json() + "\n").encode()


def read(data: bytes, trust: TrustStore, now: datetime | None = None) -> Attestation:
    """Parse and check an uploaded attestation; VerificationError or InputError if not."""
    from gateway.trust.adapter import read_attestation

    env, st, usable = read_attestation(data, trust, "the attestation", now=now or now_utc())
    releases = []
    for i, d in enumerate(st["predicate"]["datasets"]):
        try:
            m = d["manifest"]
            rel = Release(
                str(d["id"]), int(d["sequence"]), str(m["sha256"]), str(m["payload_sha256"])
            )
        except (KeyError, TypeError, ValueError) as e:
            raise InputError(f"the attestation's datasets[{i}] is malformed ({e})") from e
        releases.append(rel)
    if not releases:
        raise InputError("the attestation names no dataset; attest the adapter with --data")
    adapter_id = hashlib.sha256(env.payload).hexdigest()
    return Attestation(adapter_id, env, st, tuple(usable), tuple(releases))


def merge(held: Envelope, new: Envelope) -> Envelope:
    """The envelope with the signatures of both (the same payload), each key id once."""
    if (held.payload_type, held.payload) != (new.payload_type, new.payload):
        raise InputError(
            "that attestation is for another adapter (its payload differs from the registered "
            "one); approve the attestation you pulled (tunegate adapter pull) and send it again"
        )
    have = {k for k, _ in held.signatures}
    extra = tuple(s for s in new.signatures if s[0] not in have)
    return Envelope(held.payload_type, held.payload, (*held.signatures, *extra))


def release_problem(rel: Release, version: dict[str, Any] | None, manifest: bytes | None) -> str:
    """Why ``rel`` is not a release this server stands behind, or '' (``version`` is its
    row in the versions table, ``manifest`` the envelope it signed)."""
    where = f"version {rel.version} of {rel.dataset}"
    if version is None:
        return (
            f"this gateway has no {where}, which the adapter was trained on; register it on the "
            "gateway that published its data"
        )
    if version["revoked"]:
        return (
            f"{where}, which the adapter was trained on, was revoked: "
            f"{version['revoked_reason']}; retrain it on a version that stands"
        )
    if version["manifest_sha256"] == rel.manifest_sha256:
        return ""
    if manifest is not None:
        payload = parse_envelope(manifest).payload
        if hashlib.sha256(payload).hexdigest() == rel.payload_sha256:
            return ""  # an approved copy of the release this server signed
    return f"{where} on this gateway is not the release the attestation names"


def promotion_refusal(att: Attestation, policy: AdapterPolicy) -> str | None:
    """What the adapter's signatures lack for the server's promotion policy, or None."""
    why = signoff_refusal(list(att.signers), policy.approvals)
    if why is None:
        return None
    return (
        f"this gateway promotes an adapter with {policy.describe()}; {why}, then send the "
        "approved attestation with tunegate adapter promote --attestation"
    )


def signer_ids(env: Envelope, trust: TrustStore | None) -> list[str]:
    """Key ids whose signatures on ``env`` verify under ``trust``."""
    return [k.keyid for k in verified_signers(env, trust)] if trust is not None else []


def cannot_register() -> VerificationError:
    return VerificationError(
        "this gateway holds no trusted keys for adapters; its operator starts tunegate serve "
        "with --adapter-trusted-keys trusted_keys.json"
    )
