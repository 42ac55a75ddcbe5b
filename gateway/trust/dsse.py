"""DSSE envelopes: pre-authentication encoding, signing, and strict parsing.

The signature covers ``PAE(payloadType, payload)``, so neither the type nor the bytes
can be changed without breaking it. Parsing is strict on purpose: duplicate JSON keys,
non-canonical base64, an empty signature list or a non-UTF-8 payload are refusals, since
an attacker's best tool against a verifier is a document two parsers read differently.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from gateway.errors import VerificationError
from gateway.trust.keys import Signer

PAYLOAD_TYPE = "application/vnd.in-toto+json"
MAX_ENVELOPE_BYTES = 64 * 1024 * 1024


def pae(payload_type: str, payload: bytes) -> bytes:
    t = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(t), t, len(payload), payload)


@dataclass(frozen=True, slots=True)
class Envelope:
    payload_type: str
    payload: bytes
    signatures: tuple[tuple[str, bytes], ...]  # (keyid, signature)

    def to_json(self) -> str:
        return json.dumps(
            {
                "payloadType": self.payload_type,
                "payload": base64.b64encode(self.payload).decode("ascii"),
                "signatures": [
                    {"keyid": k, "sig": base64.b64encode(s).decode("ascii")}
                    for k, s in self.signatures
                ],
            },
            separators=(",", ":"),
        )


def sign_envelope(payload: bytes, signer: Signer, payload_type: str = PAYLOAD_TYPE) -> Envelope:
    return Envelope(
        payload_type, payload, ((signer.keyid, signer.sign(pae(payload_type, payload))),)
    )


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise VerificationError(
                f"duplicate JSON key {k!r}: refusing an ambiguous document; it is damaged or was "
                "altered: get a fresh copy from its source"
            )
        out[k] = v
    return out


def strict_json(data: bytes | str, what: str) -> Any:
    """JSON with duplicate keys, NaN and trailing data refused."""

    def no_constants(name: str) -> Any:
        raise VerificationError(
            f"{what}: non-standard JSON constant {name}; it is damaged or was altered: get a fresh "
            "copy from its source"
        )

    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError as e:
        raise VerificationError(
            f"{what} is not valid UTF-8; it is damaged or was altered: get a fresh copy from its "
            "source"
        ) from e
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=no_constants)
    except json.JSONDecodeError as e:
        raise VerificationError(
            f"{what} is not valid JSON ({e.msg} at {e.lineno}:{e.colno}); it is damaged or was "
            "altered: get a fresh copy from its source"
        ) from e
    except RecursionError as e:
        raise VerificationError(
            f"{what} is nested too deeply; it is damaged or was altered: get a fresh copy from its "
            "source"
        ) from e


def _b64(value: Any, what: str) -> bytes:
    if not isinstance(value, str) or not value:
        raise VerificationError(
            f"{what} is missing or not a base64 string; do not train on this folder; pull or scan "
            "it again from the source"
        )
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        pass
    try:
        return base64.urlsafe_b64decode(value.encode("ascii"))
    except (binascii.Error, ValueError, UnicodeEncodeError) as e:
        raise VerificationError(
            f"{what} is not valid base64; do not train on this folder; pull or scan it again from "
            "the source"
        ) from e


def parse_envelope(data: bytes) -> Envelope:
    if len(data) > MAX_ENVELOPE_BYTES:
        raise VerificationError(
            "manifest envelope is larger than 64 MiB; do not train on this folder; pull or scan it "
            "again from the source"
        )
    doc = strict_json(data, "manifest envelope")
    if not isinstance(doc, dict):
        raise VerificationError(
            "manifest envelope is not a JSON object; do not train on this folder; pull or scan it "
            "again from the source"
        )
    extra = set(doc) - {"payloadType", "payload", "signatures"}
    if extra:
        raise VerificationError(
            f"manifest envelope has unknown keys {sorted(extra)}; do not train on this folder; "
            "pull or scan it again from the source"
        )
    ptype = doc.get("payloadType")
    if not isinstance(ptype, str):
        raise VerificationError(
            "manifest envelope has no payloadType; do not train on this folder; pull or scan it "
            "again from the source"
        )
    payload = _b64(doc.get("payload"), "manifest payload")
    sigs = doc.get("signatures")
    if not isinstance(sigs, list) or not sigs:
        raise VerificationError(
            "manifest envelope has no signatures; do not train on this folder; pull or scan it "
            "again from the source"
        )
    parsed = []
    for i, s in enumerate(sigs):
        if not isinstance(s, dict) or not isinstance(s.get("keyid"), str) or not s["keyid"]:
            raise VerificationError(
                f"manifest envelope: signature {i} has no keyid; do not train on this folder; pull "
                "or scan it again from the source"
            )
        parsed.append((s["keyid"], _b64(s.get("sig"), f"signature {i}")))
    return Envelope(ptype, payload, tuple(parsed))
