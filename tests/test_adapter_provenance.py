"""The happy path, from the CLI and from Python: pin, attest, verify, load, merge-check."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest

from gateway.errors import VerificationError
from gateway.trainer import load_verified_adapter
from gateway.trust.adapter import ATTESTATION_NAME, PREDICATE_TYPE
from gateway.trust.adapter_check import WEIGHTS_NAME
from gateway.trust.merge import MERGED_NAME
from gateway.trust.refusal import Refused
from gateway.trust.safetensors_check import build, parse
from tests.adapter_helpers import ALPHA, RANK, TARGETS, AdapterWorld, adapter_world, attested_copy
from tests.helpers import run_cli

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def world() -> AdapterWorld:
    return adapter_world()


def test_the_cli_pins_attests_and_verifies(world: AdapterWorld, tmp_path: Path) -> None:
    pin = tmp_path / "base.pin.json"
    proc = run_cli("base-model", "pin", str(world.base), "--out", str(pin))
    assert proc.returncode == 0, proc.stderr
    folder = tmp_path / "adapter"
    shutil.copytree(world.adapter, folder)
    proc = run_cli(
        "adapter", "attest", str(folder), "--base", str(pin), "--data", str(world.data),
        "--config", str(world.train_config), "--sign-key", str(world.keys["trainer"]),
        "--trusted-keys", str(world.trusted),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    proc = run_cli(
        "adapter", "verify", str(folder), "--base", str(world.base),
        "--key", str(world.pubs["trainer"]),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "trained on acme/support@1" in proc.stdout


def test_the_predicate_binds_data_base_and_config(world: AdapterWorld, tmp_path: Path) -> None:
    folder = attested_copy(world, tmp_path)
    env = json.loads((folder / ATTESTATION_NAME).read_text())
    st = json.loads(base64.b64decode(env["payload"]))
    assert st["predicateType"] == PREDICATE_TYPE
    assert {s["name"] for s in st["subject"]} == {p.name for p in world.adapter.iterdir()}
    pred = st["predicate"]
    [ds] = pred["datasets"]
    manifest = (world.data / "manifest.intoto.jsonl").read_bytes()
    assert ds["id"] == "acme/support" and ds["sequence"] == 1
    assert ds["manifest"]["sha256"] == hashlib.sha256(manifest).hexdigest()
    model = pred["base_model"]["files"]
    assert any(f["name"] == "model.safetensors" for f in model)
    assert pred["training"]["peft"]["r"] == RANK
    assert pred["training"]["peft"]["lora_alpha"] == ALPHA
    assert pred["training"]["peft"]["target_modules"] == sorted(TARGETS)
    cfg = world.train_config.read_bytes()
    assert pred["training"]["config"]["digest"]["sha256"] == hashlib.sha256(cfg).hexdigest()
    assert pred["tools"]["peft"] and pred["created_at"]


def test_a_dataset_that_does_not_verify_is_not_attested(
    world: AdapterWorld, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    shutil.copytree(world.data, data)
    (data / "report.json").write_text("{}")
    folder = tmp_path / "adapter"
    shutil.copytree(world.adapter, folder)
    proc = run_cli(
        "adapter", "attest", str(folder), "--base", str(world.pin), "--data", str(data),
        "--sign-key", str(world.keys["trainer"]), "--trusted-keys", str(world.trusted),
    )  # fmt: skip
    assert proc.returncode == 3 and "report.json" in proc.stderr
    assert not (folder / ATTESTATION_NAME).exists()


def test_a_training_config_with_another_rank_is_refused(
    world: AdapterWorld, tmp_path: Path
) -> None:
    cfg = tmp_path / "train.json"
    cfg.write_text(json.dumps({"peft": {"r": 16}}))
    from gateway.trust.adapter import attest
    from gateway.trust.basepin import load_pin
    from gateway.trust.trusted import TrustStore
    from gateway.trust.verify import verify_output

    folder = tmp_path / "adapter"
    shutil.copytree(world.adapter, folder)
    vm = verify_output(world.data, TrustStore.from_file(world.trusted))
    with pytest.raises(Refused, match="config-mismatch"):
        attest(folder, load_pin(world.pin), [(world.data, vm)], world.signer("trainer"),
               train_config=cfg)  # fmt: skip


def test_base_model_pin_refuses_a_pickle(world: AdapterWorld, tmp_path: Path) -> None:
    model = tmp_path / "model"
    model.mkdir()
    shutil.copy(world.base / "config.json", model)
    (model / "pytorch_model.bin").write_bytes(b"\x80\x04K\x01.")
    proc = run_cli("base-model", "pin", str(model), "--out", str(tmp_path / "p.json"))
    assert proc.returncode == 3 and "refused [pickle]" in proc.stderr


def test_load_verified_adapter_returns_the_saved_tensors(
    world: AdapterWorld, tmp_path: Path
) -> None:
    folder = attested_copy(world, tmp_path)
    tensors = load_verified_adapter(folder, base=world.pin, key=world.pubs["trainer"])
    saved = parse((world.adapter / WEIGHTS_NAME).read_bytes(), "saved")
    assert set(tensors) == {t.name for t in saved.tensors}
    for t in saved.tensors:
        assert np.array_equal(tensors[t.name].numpy(), saved.array(t))


def test_load_verified_adapter_loads_into_a_peft_model(world: AdapterWorld, tmp_path: Path) -> None:
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModel

    folder = attested_copy(world, tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        model = get_peft_model(
            AutoModel.from_pretrained(world.base, local_files_only=True),
            LoraConfig(r=RANK, lora_alpha=ALPHA, target_modules=TARGETS),
        )
    loaded = load_verified_adapter(folder, base=world.base, key=world.pubs["trainer"], model=model)
    saved = parse((world.adapter / WEIGHTS_NAME).read_bytes(), "saved")
    t = next(t for t in saved.tensors if "lora_B" in t.name)
    name = t.name.replace(".lora_B.weight", ".lora_B.default.weight")
    got = dict(loaded.named_parameters())[name].detach()
    assert torch.equal(got, torch.from_numpy(saved.array(t)))


def test_load_verified_adapter_refuses_before_returning_anything(
    world: AdapterWorld, tmp_path: Path
) -> None:
    folder = attested_copy(world, tmp_path)
    (folder / "extra.txt").write_text("hi")
    with pytest.raises(VerificationError, match="unlisted-file"):
        load_verified_adapter(folder, base=world.pin, key=world.pubs["trainer"])


def _merge(world: AdapterWorld, adapter: Path, out: Path) -> None:
    """What a user does: peft's merge_and_unload, saved as safetensors."""
    from peft import PeftModel
    from transformers import AutoModel

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        model = AutoModel.from_pretrained(world.base, local_files_only=True)
        merged = PeftModel.from_pretrained(model, adapter).merge_and_unload()
    state = {k: v.detach().numpy().astype("<f4") for k, v in merged.state_dict().items()}
    out.mkdir()
    (out / "model.safetensors").write_bytes(build(state))
    shutil.copy(world.base / "config.json", out)


def test_merge_check_attests_a_true_merge_and_refuses_a_false_one(
    world: AdapterWorld, tmp_path: Path
) -> None:
    folder = attested_copy(world, tmp_path)
    merged = tmp_path / "merged"
    _merge(world, folder, merged)
    args = ["adapter", "merge-check", str(folder), "--base", str(world.base)]
    args += ["--key", str(world.pubs["trainer"]), "--sign-key", str(world.keys["trainer"])]
    proc = run_cli(*args, "--merged", str(merged))
    assert proc.returncode == 0, proc.stderr
    env = json.loads((merged / MERGED_NAME).read_text())
    pred = json.loads(base64.b64decode(env["payload"]))["predicate"]
    adapter_env = (folder / ATTESTATION_NAME).read_bytes()
    assert pred["adapter"]["attestation"]["sha256"] == hashlib.sha256(adapter_env).hexdigest()
    assert pred["check"]["modules_changed"] == 2 * 6  # query and value in six layers
    # the base weights relabelled as a merge: the adapter's update is missing
    fake = tmp_path / "fake"
    fake.mkdir()
    shutil.copy(world.base / "model.safetensors", fake)
    proc = run_cli(*args, "--merged", str(fake))
    assert proc.returncode == 3 and "differs from base + adapter" in proc.stderr
