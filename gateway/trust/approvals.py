"""Sign-offs: several signatures on one DSSE envelope, and the rule that counts them.

A release or an adapter is often not one party's call: the firewall (or the trainer)
signs what it made, then a data owner or a security reviewer adds their own signature
with ``tunegate approve``. Every signature covers the same PAE bytes, so an approval can
never change what was signed, only who vouches for it.

The counting rule (:class:`SignOff`), applied to signatures that verify under a key the
verifier trusts and that may vouch for the subject now (not revoked, in its validity
window, in scope):

- with no ``require_roles``, every such key counts once;
- with ``require_roles``, only keys holding at least one of those roles count, and each
  required role must be held by at least one counted key. A signature by a key without a
  required role does not count, however many there are.

``min_signatures`` is then compared with the number of distinct keys that count.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gateway.errors import UsageError, VerificationError
from gateway.trust.dsse import Envelope, pae, parse_envelope, strict_json
from gateway.trust.keys import Signer, verify_signature
from gateway.trust.trusted import TrustedKey, TrustStore


@dataclass(frozen=True, slots=True)
class SignOff:
    """What a verifier demands beyond one trusted signature."""

    require_roles: tuple[str, ...] = ()
    min_signatures: int = 1

    @property
    def trivial(self) -> bool:
        return not self.require_roles and self.min_signatures <= 1


def signoff_refusal(keys: Sequence[TrustedKey], signoff: SignOff) -> str | None:
    """Why ``keys`` (trusted, verified, usable signers) fall short of ``signoff``, or None."""
    counted = [
        k for k in keys if not signoff.require_roles or set(k.roles) & set(signoff.require_roles)
    ]
    distinct = {k.keyid for k in counted}
    missing_roles = [r for r in signoff.require_roles if not any(r in k.roles for k in counted)]
    problems = []
    if missing_roles:
        problems.append(
            f"no signature by a key with role {', '.join(repr(r) for r in missing_roles)}"
        )
    if len(distinct) < signoff.min_signatures:
        what = (
            f"by keys with role {' or '.join(repr(r) for r in signoff.require_roles)}"
            if signoff.require_roles
            else "by distinct trusted keys"
        )
        problems.append(f"{len(distinct)} of the {signoff.min_signatures} signatures needed {what}")
    if not problems:
        return None
    others = sorted({k.keyid for k in keys} - distinct)
    ignored = (
        f" (not counted, lacking the role: {', '.join(others)})"
        if others and signoff.require_roles
        else ""
    )
    return (
        "missing sign-offs: "
        + "; ".join(problems)
        + ignored
        + "; have the reviewers run tunegate approve with their keys, or check the roles in "
        "your trusted keys"
    )


def verified_signers(env: Envelope, trust: TrustStore) -> list[TrustedKey]:
    """Trusted keys whose signature on ``env`` verifies (each key once)."""
    message = pae(env.payload_type, env.payload)
    out: dict[str, TrustedKey] = {}
    for keyid, sig in env.signatures:
        key = trust.find(keyid)
        if key is not None and keyid not in out and verify_signature(key.public, sig, message):
            out[keyid] = key
    return list(out.values())


def describe(payload: bytes) -> str:
    """One line saying what an approver is about to sign (dataset or adapter)."""
    statement = strict_json(payload, "envelope payload")
    if not isinstance(statement, dict):
        raise VerificationError("the envelope's payload is not a JSON object; refusing to sign it")
    pred = statement.get("predicate")
    pred = pred if isinstance(pred, dict) else {}
    subjects = statement.get("subject")
    n = len(subjects) if isinstance(subjects, list) else 0
    ds = pred.get("dataset")
    if isinstance(ds, dict):
        return f"dataset {ds.get('id')} version {ds.get('version')} ({n} files)"
    ad = pred.get("adapter")
    if isinstance(ad, dict):
        return f"adapter {ad.get('name')} ({n} files)"
    return f"{statement.get('predicateType')} ({n} subjects)"


def approve(path: Path, signer: Signer, trust: TrustStore | None = None) -> tuple[Envelope, str]:
    """Add ``signer``'s signature to the envelope at ``path``, written atomically.

    With ``trust``, the envelope must already carry a signature that verifies under it: an
    approver should not vouch for a document whose author is unknown. Signing twice with
    one key is refused (it would not count twice). Returns the new envelope and what it
    describes.
    """
    try:
        if path.is_symlink():
            raise VerificationError(f"{path} is a symlink; approve the file itself")
        data = path.read_bytes()
    except OSError as e:
        raise UsageError(f"{path}: cannot read the envelope ({e.strerror or e})") from e
    env = parse_envelope(data)
    message = pae(env.payload_type, env.payload)
    if trust is not None and not verified_signers(env, trust):
        raise VerificationError(
            f"{path}: no signature verifies under the trusted keys given; refusing to add an "
            "approval to a document whose author is not trusted"
        )
    if any(k == signer.keyid for k, _ in env.signatures):
        raise UsageError(f"{path}: already signed by {signer.keyid}; nothing to add")
    what = describe(env.payload)
    new = Envelope(
        env.payload_type, env.payload, (*env.signatures, (signer.keyid, signer.sign(message)))
    )
    tmp = path.with_name(f".{path.name}.approve-{os.getpid()}")
    tmp.write_text(new.to_json() + "\n", "utf-8")
    os.replace(tmp, path)
    return new, what


def payload_sha256(env: Envelope) -> str:
    """The statement's digest: unlike the envelope's, it stays the same as approvals are added."""
    return hashlib.sha256(env.payload).hexdigest()


def signer_summary(keys: Sequence[TrustedKey]) -> list[dict[str, Any]]:
    return [{"keyid": k.keyid, "roles": list(k.roles)} for k in keys]
