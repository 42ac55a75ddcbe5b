"""Property: changing any byte of an attested adapter folder is refused, whichever file."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.errors import VerificationError
from gateway.trust.adapter import verify_adapter
from gateway.trust.basepin import BaseModel, load_pin
from gateway.trust.trusted import TrustStore
from tests.adapter_helpers import adapter_world, attested_copy

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def attested(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BaseModel, TrustStore]:
    world = adapter_world()
    folder = attested_copy(world, tmp_path_factory.mktemp("prop"))
    trust = TrustStore.from_public_keys([world.pubs["trainer"]])
    base = load_pin(world.pin)
    verify_adapter(folder, base, trust)  # the unchanged folder verifies
    return folder, base, trust


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(which=st.integers(min_value=0), where=st.floats(0, 1), xor=st.integers(1, 255))
def test_changing_any_byte_is_refused(
    attested: tuple[Path, BaseModel, TrustStore], which: int, where: float, xor: int
) -> None:
    folder, base, trust = attested
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    path = files[which % len(files)]
    original = path.read_bytes()
    changed = bytearray(original)
    i = min(int(where * len(changed)), len(changed) - 1)
    changed[i] ^= xor
    path.write_bytes(bytes(changed))
    try:
        with pytest.raises(VerificationError):
            verify_adapter(folder, base, trust)
    finally:
        path.write_bytes(original)
