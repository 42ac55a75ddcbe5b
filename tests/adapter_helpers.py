"""A real LoRA adapter, made once per test session with peft on the bundled MiniLM.

Three AdamW steps on the CPU over the clean shard of a signed release: enough for B to
move off zero, so the adapter holds real numbers, and a few seconds of work.
"""

from __future__ import annotations

import atexit
import functools
import json
import shutil
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gateway.trust.keys import KeySigner, generate_keypair, load_signer
from tests.trust_helpers import signed_output

TARGETS = ["query", "value"]
RANK, ALPHA = 8, 16


@dataclass(frozen=True)
class AdapterWorld:
    dir: Path
    data: Path  # a signed release (acme/support, sequence 1)
    base: Path  # the MiniLM folder
    pin: Path
    adapter: Path  # trained, not yet attested
    train_config: Path
    trusted: Path  # trusted_keys.json with roles
    keys: dict[str, Path]  # name -> private key
    pubs: dict[str, Path]

    def signer(self, name: str) -> KeySigner:
        return load_signer(self.keys[name])


def _train(base: Path, texts: list[tuple[str, str]], out: Path) -> None:
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    torch.manual_seed(0)
    tok = AutoTokenizer.from_pretrained(base, local_files_only=True)
    model = AutoModel.from_pretrained(base, local_files_only=True)
    cfg = LoraConfig(r=RANK, lora_alpha=ALPHA, target_modules=TARGETS, lora_dropout=0.0)
    peft_model = get_peft_model(model, cfg)
    opt = torch.optim.AdamW([p for p in peft_model.parameters() if p.requires_grad], lr=1e-3)

    def embed(batch: list[str]) -> torch.Tensor:
        enc = tok(batch, padding=True, truncation=True, max_length=32, return_tensors="pt")
        hidden = peft_model(**enc).last_hidden_state
        mask = enc["attention_mask"].unsqueeze(-1).float()
        return (hidden * mask).sum(1) / mask.sum(1)

    for step in range(3):
        batch = texts[step * 4 : step * 4 + 4]
        a, b = embed([t for t, _ in batch]), embed([o for _, o in batch])
        loss = (1 - torch.nn.functional.cosine_similarity(a, b)).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    peft_model.save_pretrained(out)


@functools.cache
def adapter_world() -> AdapterWorld:
    from detectors.embeddings import MINILM
    from gateway.trainer import load_verified
    from gateway.trust.basepin import pin_folder, write_pin

    d = Path(tempfile.mkdtemp(prefix="tunegate-adapter-"))
    atexit.register(shutil.rmtree, d, True)
    keys, pubs = {}, {}
    for name in ("fw", "trainer", "security", "owner", "stranger"):
        key, pub, _ = generate_keypair(d / "keys" / name)
        keys[name], pubs[name] = key, pub
    data = signed_output(d, load_signer(keys["fw"]))
    table = load_verified(data, key=pubs["fw"])
    texts = list(zip(table["instruction"].to_pylist(), table["output"].to_pylist(), strict=True))
    base, _ = MINILM.verify()
    pin = write_pin(pin_folder(base), d / "base.pin.json")
    adapter = d / "adapter"
    with warnings.catch_warnings():  # peft asks transformers a deprecated property
        warnings.simplefilter("ignore", FutureWarning)
        _train(base, texts, adapter)
    train_config = d / "train.json"
    train_config.write_text(
        json.dumps({"peft": {"r": RANK, "lora_alpha": ALPHA, "target_modules": TARGETS}})
    )
    roles = {"fw": ["firewall"], "trainer": ["trainer"], "security": ["security"]}
    roles["owner"] = ["data-owner"]
    trusted = d / "trusted_keys.json"
    trusted.write_text(
        json.dumps(
            {
                "keys": [
                    {"public_key": str(pubs[n]), "roles": r}
                    for n, r in roles.items()  # "stranger" is not trusted
                ]
            }
        )
    )
    return AdapterWorld(d, data, base, pin, adapter, train_config, trusted, keys, pubs)


def attested_copy(world: AdapterWorld, tmp: Path, **kw: Any) -> Path:
    """A fresh copy of the adapter, attested by the trainer key."""
    from gateway.trust.adapter import attest
    from gateway.trust.basepin import load_pin
    from gateway.trust.trusted import TrustStore
    from gateway.trust.verify import verify_output

    dst = tmp / "adapter"
    shutil.copytree(world.adapter, dst)
    vm = verify_output(world.data, TrustStore.from_file(world.trusted))
    attest(
        dst,
        load_pin(world.pin),
        [(world.data, vm)],
        world.signer("trainer"),
        train_config=world.train_config,
        **kw,
    )
    return dst
