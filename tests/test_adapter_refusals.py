"""Every adapter safety refusal, one test per attack, on a real peft adapter.

Each attack is tried twice where both apply: at attest (the trainer's tool must refuse to
sign it) and at verify, against an attestation re-signed with the real trainer key over
the tampered files, so the refusal shown is the safety check's, not a digest mismatch.
"""

from __future__ import annotations

import base64
import json
import pickle
import shutil
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from gateway.trust.adapter import ATTESTATION_NAME, attest, verify_adapter
from gateway.trust.adapter_check import CONFIG_NAME, WEIGHTS_NAME
from gateway.trust.basepin import BaseModel, load_pin
from gateway.trust.dsse import pae
from gateway.trust.manifest import root_digest
from gateway.trust.refusal import Refused
from gateway.trust.trusted import TrustStore
from gateway.trust.verify import verify_output
from tests.adapter_helpers import AdapterWorld, adapter_world, attested_copy
from tests.helpers import run_cli

pytestmark = pytest.mark.slow

Mutation = Callable[[Path], None]


@pytest.fixture(scope="module")
def world() -> AdapterWorld:
    return adapter_world()


def trust(world: AdapterWorld) -> TrustStore:
    return TrustStore.from_file(world.trusted)


def base(world: AdapterWorld) -> BaseModel:
    return load_pin(world.pin)


# --- editing a safetensors file as an attacker would ---------------------------------


def _split(path: Path) -> tuple[dict[str, Any], bytes]:
    raw = path.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    return json.loads(raw[8 : 8 + n]), raw[8 + n :]


def _join(path: Path, header: dict[str, Any] | str, data: bytes) -> None:
    h = (header if isinstance(header, str) else json.dumps(header)).encode()
    path.write_bytes(struct.pack("<Q", len(h)) + h + data)


def edit_header(fn: Callable[[dict[str, Any]], None]) -> Mutation:
    def mutate(folder: Path) -> None:
        header, data = _split(folder / WEIGHTS_NAME)
        fn(header)
        _join(folder / WEIGHTS_NAME, header, data)

    return mutate


def by_offset(header: dict[str, Any]) -> list[str]:
    return sorted(
        (k for k in header if k != "__metadata__"), key=lambda k: header[k]["data_offsets"]
    )


def edit_tensor(pick: str, fn: Callable[[np.ndarray[Any, Any]], np.ndarray[Any, Any]]) -> Mutation:
    """Replace the values of the first tensor whose name contains ``pick``."""

    def mutate(folder: Path) -> None:
        header, data = _split(folder / WEIGHTS_NAME)
        name = next(k for k in by_offset(header) if pick in k)
        b, e = header[name]["data_offsets"]
        a = np.frombuffer(data[b:e], dtype="<f4").reshape(header[name]["shape"])
        new = np.ascontiguousarray(fn(a.copy()), dtype="<f4").tobytes()
        _join(folder / WEIGHTS_NAME, header, data[:b] + new + data[e:])

    return mutate


def edit_config(**changes: Any) -> Mutation:
    def mutate(folder: Path) -> None:
        cfg = json.loads((folder / CONFIG_NAME).read_text())
        cfg.update(changes)
        (folder / CONFIG_NAME).write_text(json.dumps(cfg))

    return mutate


# --- the two places a refusal must happen --------------------------------------------


def forge(folder: Path, world: AdapterWorld) -> None:
    """Re-sign the attestation over the folder's current files with the real trainer key."""
    path = folder / ATTESTATION_NAME
    env = json.loads(path.read_text())
    st = json.loads(base64.b64decode(env["payload"]))
    subjects = []
    import hashlib

    for f in sorted(p for p in folder.rglob("*") if p.is_file() and p.name != ATTESTATION_NAME):
        b = f.read_bytes()
        name = f.relative_to(folder).as_posix()
        subjects.append(
            {
                "name": name,
                "digest": {"sha256": hashlib.sha256(b).hexdigest()},
                "annotations": {"bytes": len(b)},
            }
        )
    st["subject"] = subjects
    st["predicate"]["adapter"]["root_digest"] = root_digest(
        [(s["name"], s["digest"]["sha256"], s["annotations"]["bytes"]) for s in subjects]
    )
    payload = json.dumps(st).encode()
    signer = world.signer("trainer")
    env["payload"] = base64.b64encode(payload).decode()
    sig = signer.sign(pae(env["payloadType"], payload))
    env["signatures"] = [{"keyid": signer.keyid, "sig": base64.b64encode(sig).decode()}]
    path.write_text(json.dumps(env))


def refused_at_attest(world: AdapterWorld, tmp: Path, mutate: Mutation, name: str) -> None:
    folder = tmp / "raw"
    shutil.copytree(world.adapter, folder)
    mutate(folder)
    vm = verify_output(world.data, trust(world))
    with pytest.raises(Refused) as e:
        attest(folder, base(world), [(world.data, vm)], world.signer("trainer"))
    assert e.value.name == name, e.value
    assert not (folder / ATTESTATION_NAME).exists()


def refused_at_verify(
    world: AdapterWorld, tmp: Path, mutate: Mutation, name: str, resign: bool = True
) -> None:
    folder = attested_copy(world, tmp)
    mutate(folder)
    if resign:
        forge(folder, world)
    with pytest.raises(Refused) as e:
        verify_adapter(folder, base(world), trust(world))
    assert e.value.name == name, e.value


def refused(world: AdapterWorld, tmp: Path, mutate: Mutation, name: str) -> None:
    refused_at_attest(world, tmp / "a", mutate, name)
    refused_at_verify(world, tmp / "v", mutate, name)


# --- one test per attack ----------------------------------------------------------------


def test_a_pickle_by_extension_is_refused(world: AdapterWorld, tmp_path: Path) -> None:
    def add(folder: Path) -> None:  # what transformers.Trainer leaves in a checkpoint
        (folder / "training_args.bin").write_bytes(pickle.dumps({"lr": 1e-3}))

    refused(world, tmp_path, add, "pickle")


def test_a_pickle_disguised_as_safetensors_is_refused(world: AdapterWorld, tmp_path: Path) -> None:
    def swap(folder: Path) -> None:
        (folder / WEIGHTS_NAME).write_bytes(pickle.dumps({"weights": [1.0]}, protocol=4))

    refused(world, tmp_path, swap, "pickle")


def test_a_torch_zip_under_a_text_name_is_refused(world: AdapterWorld, tmp_path: Path) -> None:
    import torch

    def add(folder: Path) -> None:
        torch.save({"x": torch.zeros(1)}, folder / "notes.txt")

    refused(world, tmp_path, add, "pickle")


def test_a_huge_header_length_is_refused(world: AdapterWorld, tmp_path: Path) -> None:
    def grow(folder: Path) -> None:
        raw = (folder / WEIGHTS_NAME).read_bytes()
        (folder / WEIGHTS_NAME).write_bytes(struct.pack("<Q", 1 << 40) + raw[8:])

    refused(world, tmp_path, grow, "header-too-large")


def test_overlapping_tensors_are_refused(world: AdapterWorld, tmp_path: Path) -> None:
    def overlap(h: dict[str, Any]) -> None:
        second = by_offset(h)[1]
        h[second]["data_offsets"] = [o - 4 for o in h[second]["data_offsets"]]

    refused(world, tmp_path, edit_header(overlap), "offset-overlap")


def test_a_gap_between_tensors_is_refused(world: AdapterWorld, tmp_path: Path) -> None:
    def gap(h: dict[str, Any]) -> None:
        first = by_offset(h)[0]
        b, e = h[first]["data_offsets"]
        h[first]["data_offsets"] = [b, e - 4]
        h[first]["shape"] = [h[first]["shape"][0] * h[first]["shape"][1] - 1]

    refused(world, tmp_path, edit_header(gap), "offset-gap")


def test_a_tensor_past_the_end_is_refused(world: AdapterWorld, tmp_path: Path) -> None:
    def truncate(folder: Path) -> None:
        raw = (folder / WEIGHTS_NAME).read_bytes()
        (folder / WEIGHTS_NAME).write_bytes(raw[:-4])

    refused(world, tmp_path, truncate, "offset-past-end")


def test_trailing_bytes_after_the_last_tensor_are_refused(
    world: AdapterWorld, tmp_path: Path
) -> None:
    def append(folder: Path) -> None:
        with open(folder / WEIGHTS_NAME, "ab") as f:
            f.write(b"\x00payload")

    refused(world, tmp_path, append, "offset-past-end")


def test_a_dtype_that_does_not_match_the_byte_length_is_refused(
    world: AdapterWorld, tmp_path: Path
) -> None:
    def retype(h: dict[str, Any]) -> None:
        h[by_offset(h)[0]]["dtype"] = "F16"

    refused(world, tmp_path, edit_header(retype), "dtype-length")


def test_a_duplicate_tensor_name_is_refused(world: AdapterWorld, tmp_path: Path) -> None:
    def duplicate(folder: Path) -> None:
        header, data = _split(folder / WEIGHTS_NAME)
        first = by_offset(header)[0]
        text = json.dumps(header)
        dup = json.dumps({first: header[first]})[1:-1]
        _join(folder / WEIGHTS_NAME, text[:-1] + ", " + dup + "}", data)

    refused(world, tmp_path, duplicate, "duplicate-tensor")


def test_a_tensor_for_a_module_the_base_lacks_is_refused(
    world: AdapterWorld, tmp_path: Path
) -> None:
    def rename(h: dict[str, Any]) -> None:
        for k in [k for k in h if "layer.0.attention.self.query" in k]:
            h[k.replace(".query.", ".qkv_backdoor.")] = h.pop(k)

    refused(world, tmp_path, edit_header(rename), "unknown-module")


def test_a_tensor_shaped_for_another_module_is_refused(world: AdapterWorld, tmp_path: Path) -> None:
    def transpose(h: dict[str, Any]) -> None:
        name = next(k for k in by_offset(h) if "lora_A" in k)
        h[name]["shape"] = h[name]["shape"][::-1]

    refused(world, tmp_path, edit_header(transpose), "shape-mismatch")


def test_a_rank_that_does_not_match_the_tensors_is_refused(
    world: AdapterWorld, tmp_path: Path
) -> None:
    refused(world, tmp_path, edit_config(r=4), "shape-mismatch")


def test_a_nan_in_a_tensor_is_refused(world: AdapterWorld, tmp_path: Path) -> None:
    def poison(a: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        a.flat[7] = np.nan
        return a

    refused(world, tmp_path, edit_tensor("lora_B", poison), "non-finite")


def test_an_inf_in_a_tensor_is_refused(world: AdapterWorld, tmp_path: Path) -> None:
    def poison(a: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        a.flat[0] = np.inf
        return a

    refused(world, tmp_path, edit_tensor("lora_A", poison), "non-finite")


def test_a_scaled_tensor_is_refused(world: AdapterWorld, tmp_path: Path) -> None:
    refused(world, tmp_path, edit_tensor("lora_A", lambda a: a * 100), "norm-out-of-range")


def test_a_replaced_tensor_is_refused(world: AdapterWorld, tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    mutate = edit_tensor("lora_B", lambda a: rng.standard_normal(a.shape))
    refused(world, tmp_path, mutate, "norm-out-of-range")


def test_a_config_naming_another_base_model_is_refused(world: AdapterWorld, tmp_path: Path) -> None:
    mutate = edit_config(base_model_name_or_path="evil/backdoored-minilm")
    refused(world, tmp_path, mutate, "base-model-mismatch")


def test_another_base_model_than_the_attested_one_is_refused(
    world: AdapterWorld, tmp_path: Path
) -> None:
    folder = attested_copy(world, tmp_path)
    pin = load_pin(world.pin)
    first = pin.files[0]
    other = BaseModel(
        pin.name,
        pin.source,
        (type(first)(first.name, "0" * 64, first.bytes), *pin.files[1:]),
        pin.tensors,
    )
    with pytest.raises(Refused) as e:
        verify_adapter(folder, other, trust(world))
    assert e.value.name == "base-model-mismatch"


def test_an_unlisted_file_is_refused(world: AdapterWorld, tmp_path: Path) -> None:
    def add(folder: Path) -> None:
        (folder / "extra.json").write_text("{}")

    refused_at_verify(world, tmp_path, add, "unlisted-file", resign=False)


def test_a_missing_file_is_refused(world: AdapterWorld, tmp_path: Path) -> None:
    refused_at_verify(
        world, tmp_path, lambda f: (f / "README.md").unlink(), "missing-file", resign=False
    )


def test_a_changed_byte_is_refused(world: AdapterWorld, tmp_path: Path) -> None:
    def flip(folder: Path) -> None:
        raw = bytearray((folder / CONFIG_NAME).read_bytes())
        raw[-2] ^= 1
        (folder / CONFIG_NAME).write_bytes(bytes(raw))

    refused_at_verify(world, tmp_path, flip, "digest-mismatch", resign=False)


def test_a_symlink_is_refused(world: AdapterWorld, tmp_path: Path) -> None:
    def link(folder: Path) -> None:
        real = folder.parent / "elsewhere.md"
        shutil.move(folder / "README.md", real)
        (folder / "README.md").symlink_to(real)

    refused_at_attest(world, tmp_path / "a", link, "symlink")
    refused_at_verify(world, tmp_path / "v", link, "symlink", resign=False)


def test_a_refusal_exits_3_and_names_the_check(world: AdapterWorld, tmp_path: Path) -> None:
    folder = attested_copy(world, tmp_path)
    (folder / "optimizer.pt").write_bytes(pickle.dumps({}))
    forge(folder, world)
    proc = run_cli(
        "adapter", "verify", str(folder), "--base", str(world.pin),
        "--trusted-keys", str(world.trusted),
    )  # fmt: skip
    assert proc.returncode == 3, proc.stderr
    assert "refused [pickle]" in proc.stderr and "optimizer.pt" in proc.stderr
