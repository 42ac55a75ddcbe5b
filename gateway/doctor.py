"""``tunegate doctor``: check an installation before the first scan finds what is missing.

Each check loads or opens the real thing (the pinned models through the detectors' own
setup, the signing key through the signer, the TLS files as the server would read them),
so a pass means the same step will work in a scan or in ``serve``; a failure says what
to do. Nothing here changes state, except a probe file created and removed in ``--out``.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from gateway import __version__

BROWSER_ENV = "TUNEGATE_BROWSER"
CERT_WARN_DAYS = 30


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    detail: str  # what was found, or what is wrong and how to fix it
    warning: bool = False  # works today, but needs attention


def _ok(name: str, detail: str) -> Check:
    return Check(name, True, detail)


def _bad(name: str, detail: str) -> Check:
    return Check(name, False, detail)


def check_install() -> Check:
    return _ok("tunegate", f"{__version__} on Python {sys.version.split()[0]}")


def check_models(policy_path: Path | None, device: str) -> list[Check]:
    """Every enabled detector's models, loaded and checked against their pinned digests."""
    from detectors.base import SetupContext
    from detectors.embeddings import MINILM, EmbeddingEngine
    from gateway.core.device import resolve_device, wants_accelerator
    from gateway.core.policy import load_policy
    from gateway.errors import TunegateError

    try:
        policy = load_policy(policy_path)
        detectors = policy.build_detectors()
    except TunegateError as e:
        return [_bad("policy", f"{e}; fix the policy file, then run doctor again")]
    checks = [_ok("policy", f"{policy.id} ({policy.digest[:19]}…)")]
    try:
        resolved = resolve_device(device, any(map(wants_accelerator, detectors)))
    except TunegateError as e:
        return [*checks, _bad("device", str(e))]
    checks.append(_ok("device", resolved))
    ctx = SetupContext(device=resolved)
    for det in detectors:
        name = f"detector {det.info.name}"
        try:
            det.setup(ctx)
            models = ", ".join(f"{m.name} sha256:{m.sha256[:12]}…" for m in det.models())
        except Exception as e:  # doctor reports every failure, whatever raised it
            checks.append(_bad(name, f"{type(e).__name__}: {e}"))
            continue
        checks.append(_ok(name, models or "no model files"))
    if any(d.needs_embeddings for d in detectors):
        try:
            _, d = MINILM.verify()  # again, even when this process loaded it already
            EmbeddingEngine.get(resolved)
            checks.append(_ok("embedding model", f"{d.name} {d.file} sha256:{d.sha256[:12]}…"))
        except Exception as e:
            checks.append(_bad("embedding model", f"{type(e).__name__}: {e}"))
    return checks


def check_out(out: Path) -> Check:
    """The output folder (or its parent, before the first scan) takes a file."""
    name = f"output {out}"
    if out.exists() and not out.is_dir():
        return _bad(name, "exists and is not a folder; choose another --out")
    folder = out if out.exists() else out.parent
    if not folder.is_dir():
        return _bad(name, f"{folder} does not exist; create it first")
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".tunegate-doctor-"):
            pass
    except OSError as e:
        return _bad(name, f"cannot write in {folder} ({e.strerror or e}); fix its permissions")
    return _ok(name, f"writable ({'exists' if out.exists() else 'will be created'})")


def check_browser() -> Check:
    """The headless browser the report page is checked with (tests, CI)."""
    path = os.environ.get(BROWSER_ENV) or shutil.which("chromium")
    if not path:
        return _bad(
            "browser",
            f"no chromium on PATH and {BROWSER_ENV} unset; install chromium "
            f"(apt-get install chromium) or set {BROWSER_ENV} to a Chromium binary",
        )
    try:
        proc = subprocess.run(
            [path, "--headless", "--version"], capture_output=True, text=True, timeout=60
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        return _bad("browser", f"{path} does not run ({e}); reinstall it")
    if proc.returncode != 0:
        return _bad("browser", f"{path} --version exited {proc.returncode}: {proc.stderr[-300:]}")
    return _ok("browser", f"{path}: {proc.stdout.strip()}")


def check_sign_key(path: Path) -> Check:
    from gateway.errors import TunegateError
    from gateway.trust.keys import PASSPHRASE_ENV, load_signer

    name = f"signing key {path}"
    try:
        signer = load_signer(path, os.environ.get(PASSPHRASE_ENV) or None)
    except TunegateError as e:
        return _bad(name, str(e))
    return _ok(name, f"keyid {signer.keyid}")


def _private_file(path: Path) -> str | None:
    """Why a private file is unsafe, or None."""
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        return f"group or others can read it (mode {stat.S_IMODE(mode):o}); chmod 600 {path}"
    return None


def check_tls(cert: Path | None, key: Path | None, client_ca: Path | None) -> list[Check]:
    """The server's certificate and key as ``serve`` would load them, and the client CA."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    if (cert is None) != (key is None):
        return [_bad("tls", "--tls-cert and --tls-key go together; give both")]
    checks: list[Check] = []
    if cert is not None and key is not None:
        try:
            certs = x509.load_pem_x509_certificates(cert.read_bytes())
            private = load_pem_private_key(key.read_bytes(), password=None)
        except (OSError, ValueError, TypeError) as e:
            return [
                _bad("tls", f"cannot load {cert} / {key}: {e}; they must be PEM, key unencrypted")
            ]
        leaf = certs[0]
        pub = serialization.PublicFormat.SubjectPublicKeyInfo
        enc = serialization.Encoding.DER
        if leaf.public_key().public_bytes(enc, pub) != private.public_key().public_bytes(enc, pub):
            checks.append(_bad("tls key", f"{key} is not the key of {cert}; pair them again"))
        else:
            checks.append(_ok("tls key", f"{key} matches the certificate"))
        unsafe = _private_file(key)
        if unsafe:
            checks.append(_bad("tls key file", unsafe))
        checks.append(_validity("tls certificate", leaf, str(cert)))
    if client_ca is not None:
        try:
            cas = x509.load_pem_x509_certificates(client_ca.read_bytes())
        except (OSError, ValueError) as e:
            checks.append(_bad("client ca", f"cannot load {client_ca}: {e}; it must be PEM"))
        else:
            checks.extend(_validity("client ca", ca, str(client_ca)) for ca in cas)
    return checks


def _validity(name: str, cert: object, where: str) -> Check:
    from cryptography import x509

    assert isinstance(cert, x509.Certificate)
    now = datetime.now(UTC)
    subject = cert.subject.rfc4514_string()
    if cert.not_valid_before_utc > now:
        return _bad(name, f"{where} ({subject}) is not valid before {cert.not_valid_before_utc}")
    if cert.not_valid_after_utc <= now:
        return _bad(name, f"{where} ({subject}) expired {cert.not_valid_after_utc}; renew it")
    left = cert.not_valid_after_utc - now
    detail = f"{where} ({subject}) valid until {cert.not_valid_after_utc:%Y-%m-%d}"
    if left < timedelta(days=CERT_WARN_DAYS):
        return Check(name, True, f"{detail}: renew it within {left.days} days", warning=True)
    return _ok(name, detail)


def run_checks(
    *,
    policy: Path | None,
    device: str,
    out: Path | None,
    browser: bool,
    sign_key: Path | None,
    tls_cert: Path | None,
    tls_key: Path | None,
    client_ca: Path | None,
    on_check: Callable[[Check], None] = lambda c: None,
) -> list[Check]:
    """Every check asked for, in order; ``on_check`` sees each as it finishes."""
    checks: list[Check] = []

    def add(*found: Check) -> None:
        for c in found:
            checks.append(c)
            on_check(c)

    add(check_install())
    add(*check_models(policy, device))
    if out is not None:
        add(check_out(out))
    if browser:
        add(check_browser())
    if sign_key is not None:
        add(check_sign_key(sign_key))
    if tls_cert is not None or tls_key is not None or client_ca is not None:
        add(*check_tls(tls_cert, tls_key, client_ca))
    return checks
