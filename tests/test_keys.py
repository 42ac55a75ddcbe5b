"""Keys: generation, permissions, passphrases, and the sign → verify path through the CLI."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from gateway.errors import UsageError
from gateway.trust.keys import PASSPHRASE_ENV, generate_keypair, load_signer
from tests.helpers import ROOT, run_cli


def test_keygen_writes_0600_pkcs8(tmp_path: Path) -> None:
    key, pub, keyid = generate_keypair(tmp_path / "k")
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert key.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    assert pub.read_text().startswith("-----BEGIN PUBLIC KEY-----")
    assert keyid.startswith("sha256:") and len(keyid) == 71
    assert load_signer(key).keyid == keyid
    with pytest.raises(UsageError, match="refusing to overwrite"):
        generate_keypair(tmp_path / "k")


def test_group_readable_key_is_refused(tmp_path: Path) -> None:
    key, _, _ = generate_keypair(tmp_path / "k")
    os.chmod(key, 0o640)
    with pytest.raises(UsageError, match="chmod 600"):
        load_signer(key)


def test_passphrase_protected_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key, _, keyid = generate_keypair(tmp_path / "k", passphrase="correct horse")
    assert "ENCRYPTED" in key.read_text()
    monkeypatch.delenv(PASSPHRASE_ENV, raising=False)
    with pytest.raises(UsageError, match=PASSPHRASE_ENV):
        load_signer(key)
    with pytest.raises(UsageError, match="wrong passphrase"):
        load_signer(key, "wrong")
    monkeypatch.setenv(PASSPHRASE_ENV, "correct horse")
    assert load_signer(key).keyid == keyid


def test_ecdsa_p256_keys_sign_and_verify(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    from gateway.trust.trusted import TrustStore
    from gateway.trust.verify import verify_output
    from tests.trust_helpers import signed_output

    private = ec.generate_private_key(ec.SECP256R1())
    key = tmp_path / "p256.key"
    key.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    os.chmod(key, 0o600)
    pub = tmp_path / "p256.pub"
    pub.write_bytes(
        private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    out = signed_output(tmp_path, load_signer(key))
    verify_output(out, TrustStore.from_public_keys([pub]))


@pytest.mark.slow
def test_cli_sign_chain_and_verify(tmp_path: Path) -> None:
    r = run_cli("keygen", "--out", tmp_path / "keys" / "fw")
    assert r.returncode == 0, r.stderr
    demo = ROOT / "fixtures" / "demo.jsonl"
    env = {"TUNEGATE_SIGNING_KEY": str(tmp_path / "keys" / "fw.key")}
    r = run_cli("scan", demo, "--out", tmp_path / "r1", "--dataset", "acme/demo", env=env)
    assert r.returncode == 0, r.stderr
    r = run_cli(
        "scan",
        demo,
        "--out",
        tmp_path / "r2",
        "--dataset",
        "acme/demo",
        "--previous",
        tmp_path / "r1",
        env=env,
    )
    assert r.returncode == 0, r.stderr
    pub = tmp_path / "keys" / "fw.pub"
    r = run_cli("verify", tmp_path / "r2", "--key", pub, "--min-sequence", "2", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["sequence"] == 2
    r = run_cli("verify", tmp_path / "r1", "--key", pub, "--min-sequence", "2")
    assert r.returncode == 3 and "rollback" in r.stderr
    r = run_cli("scan", demo, "--out", tmp_path / "r3", "--sign-key", tmp_path / "keys" / "fw.key")
    assert r.returncode == 2 and "--dataset" in r.stderr
