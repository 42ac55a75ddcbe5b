"""Signing keys: generation, loading, key ids, and the :class:`Signer` interface.

Ed25519 by default; ECDSA P-256 is accepted so that keys held in a KMS or HSM (which
rarely offer Ed25519) can sign. A key id is ``sha256:`` of the public key's SPKI DER, so
it names the key itself, not a label someone chose. Verification trusts only keys the
verifier supplies, never a key carried in an envelope.

To sign with a KMS, HSM or Sigstore, implement :class:`Signer` (a ``keyid`` and
``sign(data) -> bytes`` returning a raw Ed25519 signature or a DER ECDSA signature) and
pass it to the pipeline; nothing else changes.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from gateway.errors import UsageError, VerificationError

PublicKey = ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey
PrivateKey = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey

PASSPHRASE_ENV = "TUNEGATE_KEY_PASSPHRASE"
SIGNING_KEY_ENV = "TUNEGATE_SIGNING_KEY"


class Signer(Protocol):
    """Anything that can sign bytes under a stable key id."""

    @property
    def keyid(self) -> str: ...

    def sign(self, data: bytes) -> bytes: ...


def keyid_of(public: PublicKey) -> str:
    der = public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return "sha256:" + hashlib.sha256(der).hexdigest()


def _check_public(key: object, where: str) -> PublicKey:
    if isinstance(key, ed25519.Ed25519PublicKey):
        return key
    if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        return key
    raise UsageError(
        f"{where}: only Ed25519 and ECDSA P-256 keys are accepted; "
        "use a key made by tunegate keygen"
    )


def verify_signature(public: PublicKey, signature: bytes, data: bytes) -> bool:
    try:
        if isinstance(public, ed25519.Ed25519PublicKey):
            public.verify(signature, data)
        else:
            public.verify(signature, data, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True


@dataclass(frozen=True)
class KeySigner:
    """A signer over a private key held in memory (loaded from a PEM file)."""

    private: PrivateKey

    @property
    def keyid(self) -> str:
        return keyid_of(self.private.public_key())

    def sign(self, data: bytes) -> bytes:
        if isinstance(self.private, ed25519.Ed25519PrivateKey):
            return self.private.sign(data)
        return self.private.sign(data, ec.ECDSA(hashes.SHA256()))


def generate_keypair(out: Path, passphrase: str | None = None) -> tuple[Path, Path, str]:
    """Write ``out.key`` (PKCS8 PEM, mode 0600) and ``out.pub``; refuses to overwrite."""
    key_path = out.with_name(out.name + ".key")
    pub_path = out.with_name(out.name + ".pub")
    for p in (key_path, pub_path):
        if p.exists():
            raise UsageError(
                f"{p}: exists; refusing to overwrite a key: choose another --out, or move the "
                "old key away first"
            )
    out.parent.mkdir(parents=True, exist_ok=True)
    private = ed25519.Ed25519PrivateKey.generate()
    enc: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase.encode())
        if passphrase
        else serialization.NoEncryption()
    )
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, enc)
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    pub_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    pub_path.write_bytes(pub_pem)
    return key_path, pub_path, keyid_of(private.public_key())


def load_signer(path: Path, passphrase: str | None = None) -> KeySigner:
    """Load a private key, refusing one that group or others can read."""
    try:
        st = path.stat()
    except OSError as e:
        raise UsageError(
            f"{path}: cannot read signing key ({e.strerror or e}); check the --sign-key path"
        ) from e
    if st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise UsageError(
            f"{path}: private key is accessible by group or others "
            f"(mode {stat.S_IMODE(st.st_mode):04o}); run: chmod 600 {path}"
        )
    if passphrase is None:
        passphrase = os.environ.get(PASSPHRASE_ENV)
    data = path.read_bytes()
    try:
        key = serialization.load_pem_private_key(
            data, password=passphrase.encode() if passphrase else None
        )
    except TypeError as e:
        if "encrypted" in str(e).lower() or "password" in str(e).lower():
            raise UsageError(
                f"{path}: the key is encrypted; set {PASSPHRASE_ENV} to its passphrase"
            ) from e
        raise UsageError(f"{path}: {e}; check {PASSPHRASE_ENV}") from e
    except ValueError as e:
        raise UsageError(
            f"{path}: not a PEM private key, or a wrong passphrase ({e}); check {PASSPHRASE_ENV} "
            "and that this is the .key file tunegate keygen wrote"
        ) from e
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return KeySigner(key)
    if isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP256R1):
        return KeySigner(key)
    raise UsageError(
        f"{path}: only Ed25519 and ECDSA P-256 keys are accepted; use a key made by tunegate keygen"
    )


def load_public_key(path: Path) -> PublicKey:
    try:
        data = path.read_bytes()
    except OSError as e:
        raise VerificationError(
            f"{path}: cannot read public key ({e.strerror or e}); check the path to the signer's "
            ".pub file"
        ) from e
    return parse_public_pem(data, str(path))


def parse_public_pem(data: bytes, where: str) -> PublicKey:
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError as e:
        raise VerificationError(
            f"{where}: not a PEM public key ({e}); check you have the right key: the signer's .pub "
            "file, not its .key"
        ) from e
    try:
        return _check_public(key, where)
    except UsageError as e:
        raise VerificationError(str(e)) from e
