"""Sign-offs: approvals add signatures; --min-signatures and --require-role count them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gateway.errors import UsageError, VerificationError
from gateway.trust.adapter import ATTESTATION_NAME, verify_adapter
from gateway.trust.approvals import SignOff, approve
from gateway.trust.basepin import load_pin
from gateway.trust.manifest import MANIFEST_NAME
from gateway.trust.trusted import TrustStore
from gateway.trust.verify import verify_output
from tests.adapter_helpers import AdapterWorld, adapter_world, attested_copy
from tests.helpers import run_cli

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def world() -> AdapterWorld:
    return adapter_world()


@pytest.fixture
def release(world: AdapterWorld, tmp_path: Path) -> Path:
    dst = tmp_path / "release"
    shutil.copytree(world.data, dst)
    return dst


def verify(world: AdapterWorld, out: Path, *extra: str) -> tuple[int, str]:
    proc = run_cli("verify", str(out), "--trusted-keys", str(world.trusted), *extra)
    return proc.returncode, proc.stdout + proc.stderr


def cli_approve(world: AdapterWorld, envelope: Path, who: str) -> None:
    proc = run_cli("approve", str(envelope), "--key", str(world.keys[who]))
    assert proc.returncode == 0, proc.stderr
    assert "approved" in proc.stdout


def test_one_signature_fails_min_signatures_2_and_a_second_approval_passes(
    world: AdapterWorld, release: Path
) -> None:
    code, out = verify(world, release, "--min-signatures", "2")
    assert code == 3 and "missing sign-offs" in out and "1 of the 2 signatures" in out
    cli_approve(world, release / MANIFEST_NAME, "owner")
    code, out = verify(world, release, "--min-signatures", "2")
    assert code == 0, out
    # an approval changes who vouches, never what: the files still verify under one key
    proc = run_cli("verify", str(release), "--key", str(world.pubs["fw"]))
    assert proc.returncode == 0, proc.stderr


def test_a_signature_without_the_required_role_does_not_count(
    world: AdapterWorld, release: Path
) -> None:
    cli_approve(world, release / MANIFEST_NAME, "security")  # trusted, but no data-owner role
    code, out = verify(world, release, "--require-role", "data-owner")
    assert code == 3 and "no signature by a key with role 'data-owner'" in out
    code, out = verify(world, release, "--require-role", "data-owner", "--min-signatures", "2")
    assert code == 3 and "not counted, lacking the role" in out
    cli_approve(world, release / MANIFEST_NAME, "owner")
    code, out = verify(world, release, "--require-role", "data-owner")
    assert code == 0, out
    code, out = verify(
        world, release, "--require-role", "data-owner", "--require-role", "security",
        "--min-signatures", "2",
    )  # fmt: skip
    assert code == 0, out


def test_an_untrusted_approver_does_not_count(world: AdapterWorld, release: Path) -> None:
    cli_approve(world, release / MANIFEST_NAME, "stranger")
    with pytest.raises(VerificationError, match="1 of the 2"):
        verify_output(release, TrustStore.from_file(world.trusted), signoff=SignOff((), 2))


def test_approving_twice_with_one_key_is_refused(world: AdapterWorld, release: Path) -> None:
    approve(release / MANIFEST_NAME, world.signer("owner"))
    with pytest.raises(UsageError, match="already signed"):
        approve(release / MANIFEST_NAME, world.signer("owner"))


def test_approving_needs_a_trusted_author_when_asked(
    world: AdapterWorld, release: Path, tmp_path: Path
) -> None:
    only_owner = tmp_path / "owner.json"
    only_owner.write_text(f'{{"keys": [{{"public_key": "{world.pubs["owner"]}"}}]}}')
    proc = run_cli(
        "approve", str(release / MANIFEST_NAME), "--key", str(world.keys["security"]),
        "--trusted-keys", str(only_owner),
    )  # fmt: skip
    assert proc.returncode == 3 and "not trusted" in proc.stderr


def test_require_role_needs_trusted_keys(world: AdapterWorld, release: Path) -> None:
    proc = run_cli(
        "verify", str(release), "--key", str(world.pubs["fw"]), "--require-role", "data-owner"
    )
    assert proc.returncode == 2 and "--trusted-keys" in proc.stderr


def test_an_adapter_attestation_needs_its_security_sign_off(
    world: AdapterWorld, tmp_path: Path
) -> None:
    folder = attested_copy(world, tmp_path)
    args = ["adapter", "verify", str(folder), "--base", str(world.pin)]
    args += ["--trusted-keys", str(world.trusted), "--require-role", "security"]
    proc = run_cli(*args, "--min-signatures", "1")
    assert proc.returncode == 3 and "role 'security'" in proc.stderr
    cli_approve(world, folder / ATTESTATION_NAME, "security")
    proc = run_cli(*args)
    assert proc.returncode == 0, proc.stderr
    va = verify_adapter(
        folder,
        load_pin(world.pin),
        TrustStore.from_file(world.trusted),
        signoff=SignOff(("security", "trainer"), 2),
    )
    assert len(va.signers) == 2
