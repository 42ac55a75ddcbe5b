"""``tunegate doctor``: a working install passes; each broken piece fails with a fix."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from detectors.errors import ModelError
from detectors.models import PinnedModel
from gateway.doctor import check_browser, check_models, check_out, check_sign_key, check_tls
from tests.helpers import run_cli


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def make_cert(
    folder: Path, name: str, *, days: int = 365, start_days: int = -1
) -> tuple[Path, Path]:
    """A self-signed certificate and its key, 0600, valid from ``start_days`` for ``days``."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now + timedelta(days=start_days))
        .not_valid_after(now + timedelta(days=start_days + days))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / f"{name}.crt", folder / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(_pem_key(key))
    key_path.chmod(0o600)
    return cert_path, key_path


@pytest.mark.slow
def test_doctor_passes_on_this_install(tmp_path: Path) -> None:
    assert run_cli("keygen", "--out", tmp_path / "k").returncode == 0
    cert, key = make_cert(tmp_path, "server")
    proc = run_cli(
        "doctor",
        "--out",
        tmp_path / "out",
        "--sign-key",
        tmp_path / "k.key",
        "--tls-cert",
        cert,
        "--tls-key",
        key,
        "--client-ca",
        cert,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert not [line for line in lines if line.startswith("FAIL")]
    assert any(line.startswith("ok    detector pii: spacy/en_core_web_sm") for line in lines)
    assert any(line.startswith("ok    embedding model:") for line in lines)
    assert lines[-1].startswith("all ") and lines[-1].endswith("checks passed")


def test_doctor_exits_2_and_names_what_failed(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    proc = run_cli(
        "doctor",
        "--policy",
        tmp_path / "missing.toml",
        "--out",
        tmp_path / "afile",
    )
    assert proc.returncode == 2
    assert "FAIL  policy:" in proc.stdout and "missing.toml" in proc.stdout
    assert "FAIL  output" in proc.stdout and "not a folder" in proc.stdout
    assert "checks failed" in proc.stderr


def test_a_tampered_model_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    def tampered(self: PinnedModel) -> object:
        raise ModelError(f"model {self.name}: weights.bin has sha256 00…, pinned 53…")

    monkeypatch.setattr(PinnedModel, "verify", tampered)
    checks = {c.name: c for c in check_models(None, "cpu")}
    assert checks["detector validation"].ok  # loads no model
    assert not checks["detector pii"].ok and "pinned" in checks["detector pii"].detail
    assert not checks["embedding model"].ok


def test_output_folder_checks(tmp_path: Path) -> None:
    assert check_out(tmp_path / "new").ok
    assert not check_out(tmp_path / "no" / "such" / "parent").ok
    if os.geteuid() != 0:  # root writes anywhere
        ro = tmp_path / "ro"
        ro.mkdir(mode=0o500)
        assert not check_out(ro / "out").ok


def test_missing_browser_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUNEGATE_BROWSER", "/no/such/chromium")
    c = check_browser()
    assert not c.ok and "reinstall" in c.detail
    monkeypatch.delenv("TUNEGATE_BROWSER")
    monkeypatch.setenv("PATH", "/nonexistent")
    c = check_browser()
    assert not c.ok and "install chromium" in c.detail


def test_sign_key_readable_by_others_fails(tmp_path: Path) -> None:
    from gateway.trust.keys import generate_keypair

    key, _, _ = generate_keypair(tmp_path / "k")
    assert check_sign_key(key).ok
    key.chmod(0o644)
    c = check_sign_key(key)
    assert not c.ok and str(key) in c.detail


def test_tls_key_of_another_certificate_fails(tmp_path: Path) -> None:
    cert, _ = make_cert(tmp_path, "a")
    _, other_key = make_cert(tmp_path, "b")
    checks = {c.name: c for c in check_tls(cert, other_key, None)}
    assert not checks["tls key"].ok and "not the key of" in checks["tls key"].detail


def test_expired_and_expiring_certificates(tmp_path: Path) -> None:
    cert, key = make_cert(tmp_path, "old", days=10, start_days=-20)
    [_, validity] = [c for c in check_tls(cert, key, None) if c.name != "tls key file"]
    assert not validity.ok and "expired" in validity.detail
    cert, key = make_cert(tmp_path, "soon", days=25)
    validity = next(c for c in check_tls(cert, key, None) if c.name == "tls certificate")
    assert validity.ok and validity.warning and "renew" in validity.detail


def test_tls_halves_and_world_readable_key(tmp_path: Path) -> None:
    cert, key = make_cert(tmp_path, "s")
    assert [c.ok for c in check_tls(cert, None, None)] == [False]
    key.chmod(0o644)
    unsafe = next(c for c in check_tls(cert, key, None) if c.name == "tls key file")
    assert not unsafe.ok and "chmod 600" in unsafe.detail
    (tmp_path / "junk.pem").write_text("not a certificate")
    [ca] = check_tls(None, None, tmp_path / "junk.pem")
    assert not ca.ok and "PEM" in ca.detail
