"""The trainer's handoff: verified rows reach every worker and rank once, tampered or revoked
data is refused before training, and each checkpoint names the release that made it."""

from __future__ import annotations

import hashlib
import json
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import torch
from torch.utils.data import DataLoader

from gateway.core.pipeline import Pipeline
from gateway.core.policy import parse_policy
from gateway.core.scan_types import ScanRequest
from gateway.errors import UsageError, VerificationError
from gateway.trainer import (
    VerifiedDatasetCallback,
    VerifiedIterableDataset,
    gateway_revocation,
    load_verified,
    verify_dataset,
)
from gateway.trust.keys import KeySigner
from gateway.trust.manifest import MANIFEST_NAME, DatasetRelease
from tests.helpers import ROOT, alpaca, write_jsonl
from tests.trust_helpers import make_keys, signed_output

ZWSP = "\u200b"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A signed release of 45 clean rows in five shards (10, 10, 10, 10, 5)."""
    d = tmp_path_factory.mktemp("handoff")
    signer, pub = make_keys(d)
    return {"pub": pub, "out": signed_output(d, signer, rows=45)}


@pytest.fixture
def out(world: dict[str, Path], tmp_path: Path) -> Path:
    """A copy of the release to tamper with."""
    return Path(shutil.copytree(world["out"], tmp_path / "copy"))


def flagged_output(tmp: Path, signer: KeySigner) -> Path:
    """A release whose clean shards carry flags: exact duplicates and zero-width characters
    are flagged, not dropped (rules only, no models)."""
    rows = [alpaca(i) for i in range(20)] + [alpaca(3), alpaca(4)]
    rows[7]["output"] = f"zero{ZWSP}width"
    rows[9]["output"] = f"also{ZWSP}hidden"
    off = {"enabled": False}
    policy = parse_policy(
        {
            "output": {"shard_max_rows": 8},
            "detectors": {
                "pii": off,
                "near_duplicate": off,
                "semantic_duplicate": off,
                "outliers": off,
                "poisoning": off,
                "injection": {"params": {"classifier": False}},
                "exact_duplicate": {"actions": {"duplicate": "flag"}},
            },
        }
    )
    out = tmp / "flagged"
    Pipeline(policy).scan(
        ScanRequest(
            inputs=[write_jsonl(tmp / "flagged.jsonl", rows)],
            out=out,
            device="cpu",
            release=DatasetRelease("acme/flagged", "1", 1),
            signer=signer,
        )
    )
    return out


def flip_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def shards(out: Path) -> list[Path]:
    return sorted((out / "clean").glob("*.parquet"))


def manifest_sha256(out: Path) -> str:
    return hashlib.sha256((out / MANIFEST_NAME).read_bytes()).hexdigest()


def by_id(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    ids = [r["tunegate_row_id"] for r in rows]
    assert len(set(ids)) == len(ids), "a row came twice"
    return dict(zip(ids, rows, strict=True))


def test_the_record_says_what_verified(world: dict[str, Path]) -> None:
    ds = VerifiedIterableDataset(world["out"], key=world["pub"], dataset="acme/support")
    rec = ds.manifest
    assert (rec.dataset, rec.version, rec.sequence, rec.clean_rows) == ("acme/support", "1", 1, 45)
    assert rec.manifest_sha256 == manifest_sha256(world["out"])
    assert rec.policy_digest.startswith("sha256:") and rec.keyid
    assert verify_dataset(world["out"], key=world["pub"]) == rec
    assert len(shards(world["out"])) == 5
    # one process, no workers: every row in the order load_verified gives
    assert list(ds) == load_verified(world["out"], key=world["pub"]).to_pylist()
    assert list(ds) == list(ds)


def test_two_workers_see_every_row_once(world: dict[str, Path]) -> None:
    ds = VerifiedIterableDataset(world["out"], key=world["pub"])
    # spawn: the dataset must pickle to reach a worker, as it must on macOS and Windows
    loader = DataLoader(ds, batch_size=None, num_workers=2, multiprocessing_context="spawn")
    got = by_id(list(loader))
    want = by_id(load_verified(world["out"], key=world["pub"]).to_pylist())
    assert got == want and len(got) == 45


def test_two_ranks_of_two_workers_see_every_row_once(world: dict[str, Path]) -> None:
    per_rank = []
    for rank in (0, 1):
        ds = VerifiedIterableDataset(world["out"], key=world["pub"], rank=rank, world_size=2)
        per_rank.append(by_id(list(DataLoader(ds, batch_size=None, num_workers=2))))
    assert not set(per_rank[0]) & set(per_rank[1])
    got = {**per_rank[0], **per_rank[1]}
    assert got == by_id(load_verified(world["out"], key=world["pub"]).to_pylist())
    # row i goes to slot i % 4; slots 0, 1 are rank 0's workers: 12 + 11 of the 45 rows
    assert (len(per_rank[0]), len(per_rank[1])) == (23, 22)


def test_bad_arguments_are_usage_errors(world: dict[str, Path]) -> None:
    with pytest.raises(UsageError, match="needs key="):
        VerifiedIterableDataset(world["out"])
    with pytest.raises(UsageError, match="both rank= and world_size="):
        VerifiedIterableDataset(world["out"], key=world["pub"], rank=1)
    with pytest.raises(UsageError, match="not in range"):
        VerifiedIterableDataset(world["out"], key=world["pub"], rank=2, world_size=2)
    ds = VerifiedIterableDataset(world["out"], key=world["pub"], columns=["instruction", "nope"])
    with pytest.raises(UsageError, match="nope"):
        next(iter(ds))


def test_a_tampered_shard_is_refused_before_the_first_row(
    out: Path, world: dict[str, Path]
) -> None:
    flip_byte(shards(out)[2])
    with pytest.raises(VerificationError, match="sha256 does not match"):
        VerifiedIterableDataset(out, key=world["pub"])


def test_a_shard_changed_after_verification_yields_none_of_its_rows(
    out: Path, world: dict[str, Path]
) -> None:
    ds = VerifiedIterableDataset(out, key=world["pub"])
    flip_byte(shards(out)[0])
    with pytest.raises(VerificationError, match="sha256 does not match"):
        next(iter(ds))


def is_duplicate(flags: list[dict[str, Any]]) -> bool:
    return any(f["detector"] == "exact_duplicate" for f in flags)


def test_drop_flagged(tmp_path: Path) -> None:
    signer, pub = make_keys(tmp_path)
    out = flagged_output(tmp_path, signer)
    rows = load_verified(out, key=pub).to_pylist()
    flagged = {r["tunegate_row_id"]: r["tunegate_flags"] for r in rows if r["tunegate_flags"]}
    dup = {i for i, f in flagged.items() if is_duplicate(f)}
    hidden = {i for i, f in flagged.items() if any(x["rule"] == "invisible.zero_width" for x in f)}
    assert len(rows) == 22 and len(dup) == 2 and len(hidden) == 2, flagged
    everything = set(by_id(rows))

    def ids(**kw: Any) -> set[str]:
        ds = VerifiedIterableDataset(out, key=pub, **kw)
        return set(by_id(list(DataLoader(ds, batch_size=None, num_workers=2))))

    assert ids() == everything
    assert ids(drop_flagged=True) == everything - dup - hidden
    assert ids(drop_flagged=is_duplicate) == everything - dup
    # the flags are read to decide, but only the columns asked for come out
    ds = VerifiedIterableDataset(
        out, key=pub, drop_flagged=True, columns=["tunegate_row_id", "output"]
    )
    got = list(ds)
    assert {r["tunegate_row_id"] for r in got} == everything - dup - hidden
    assert all(set(r) == {"tunegate_row_id", "output"} for r in got)


def test_importing_the_trainer_module_loads_neither_torch_nor_transformers() -> None:
    code = (
        "import sys\n"
        "from gateway.trainer import load_verified, verify_dataset\n"
        "assert 'torch' not in sys.modules and 'transformers' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


# --- transformers.Trainer with the bundled MiniLM, on the CPU ---------------------------


@pytest.fixture(scope="module")
def minilm() -> tuple[Any, Any]:
    from transformers import AutoModelForSequenceClassification, AutoTokenizer
    from transformers.utils import logging as hf_logging

    from detectors.embeddings import MINILM

    hf_logging.set_verbosity_error()  # the new head's "newly initialized" notice
    root, _ = MINILM.verify()
    torch.manual_seed(0)
    tok = AutoTokenizer.from_pretrained(root, local_files_only=True)
    model = AutoModelForSequenceClassification.from_pretrained(
        root, num_labels=2, local_files_only=True
    )
    return tok, model


def trainer_for(tmp: Path, minilm: tuple[Any, Any], ds: Any, cb: Any) -> Any:
    from transformers import Trainer, TrainingArguments

    tok, model = minilm

    def collate(rows: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
        enc = tok(
            [r["instruction"] for r in rows],
            padding=True,
            truncation=True,
            max_length=32,
            return_tensors="pt",
        )
        return {**enc, "labels": torch.tensor([len(r["output"]) % 2 for r in rows])}

    args = TrainingArguments(
        output_dir=str(tmp / "run"),
        max_steps=2,
        save_steps=1,
        save_only_model=True,
        per_device_train_batch_size=4,
        learning_rate=1e-4,
        report_to=[],
        use_cpu=True,
        seed=0,
        remove_unused_columns=False,  # the collator reads the text columns
        disable_tqdm=True,
        logging_steps=1,
    )
    return Trainer(model=model, args=args, train_dataset=ds, data_collator=collate, callbacks=[cb])


@pytest.mark.slow
def test_each_checkpoint_names_the_release_it_was_trained_on(
    world: dict[str, Path], tmp_path: Path, minilm: tuple[Any, Any]
) -> None:
    ds = VerifiedIterableDataset(world["out"], key=world["pub"])
    cb = VerifiedDatasetCallback(world["out"], key=world["pub"], dataset="acme/support")
    trainer = trainer_for(tmp_path, minilm, ds, cb)
    trainer.train()
    assert trainer.state.global_step == 2
    for step in (1, 2):
        ckpt = tmp_path / "run" / f"checkpoint-{step}"
        rec = json.loads((ckpt / "tunegate_dataset.json").read_text())
        assert rec == ds.manifest.to_json()
        assert rec["manifest_sha256"] == manifest_sha256(world["out"])
        assert rec["dataset"] == "acme/support" and rec["sequence"] == 1
        history = json.loads((ckpt / "trainer_state.json").read_text())["log_history"]
        assert history[0]["tunegate_manifest_sha256"] == rec["manifest_sha256"]


@pytest.mark.slow
def test_a_tampered_shard_stops_training_before_the_first_step(
    out: Path, world: dict[str, Path], tmp_path: Path, minilm: tuple[Any, Any]
) -> None:
    ds = VerifiedIterableDataset(out, key=world["pub"])  # verified; then a shard changes
    flip_byte(shards(out)[-1])
    trainer = trainer_for(tmp_path, minilm, ds, VerifiedDatasetCallback(out, key=world["pub"]))
    with pytest.raises(VerificationError, match="sha256 does not match") as e:
        trainer.train()
    assert any(t.name == "on_train_begin" for t in e.traceback)  # the callback refused it
    assert trainer.state.global_step == 0
    assert not list((tmp_path / "run").glob("checkpoint-*"))


# --- a gateway that revokes ---------------------------------------------------------------


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[Any]:
    from tests.test_service import start_server

    s = start_server(tmp_path)
    yield s
    s.proc.send_signal(signal.SIGTERM)
    s.proc.wait(timeout=60)


@pytest.mark.slow
def test_a_revoked_version_is_refused(gateway: Any, tmp_path: Path) -> None:
    from gateway.service.client import pull, submit
    from gateway.service.pb import gateway_pb2 as pb
    from tests.test_service import dataset_file, md, token

    writer = token(gateway.data, "scan:write,shards:read,jobs:read")
    admin = token(gateway.data, "admin", "*")
    job = submit(gateway.conn(writer), dataset_file(tmp_path, 20), "finance/train")
    got = tmp_path / "got"
    pull(gateway.conn(writer), "finance/train", "latest", got, keys=[gateway.pub])
    ask = {"server": gateway.address, "token": writer}

    rec = verify_dataset(got, key=gateway.pub, **ask)
    assert (rec.dataset, rec.sequence) == ("finance/train", job.version)
    cb = VerifiedDatasetCallback(got, key=gateway.pub, revocation=gateway_revocation(**ask))

    gateway.stub().Revoke(
        pb.RevokeRequest(dataset="finance/train", version=job.version, reason="label leak"),
        metadata=md(admin),
    )
    with pytest.raises(VerificationError, match="revoked: label leak"):
        verify_dataset(got, key=gateway.pub, **ask)
    with pytest.raises(VerificationError, match="revoked"):
        VerifiedIterableDataset(got, key=gateway.pub, revocation=gateway_revocation(**ask))
    with pytest.raises(VerificationError, match="revoked"):
        cb.on_train_begin(None, None, None)  # type: ignore[arg-type]
    # offline, the signature alone still verifies: only the gateway knows
    assert verify_dataset(got, key=gateway.pub) == rec


@pytest.mark.slow
def test_a_release_the_gateway_does_not_list_is_refused(
    gateway: Any, world: dict[str, Path]
) -> None:
    from tests.test_service import token

    reader = token(gateway.data, "shards:read", "*")
    with pytest.raises(VerificationError, match="lists no version 1 of acme/support"):
        verify_dataset(world["out"], key=world["pub"], server=gateway.address, token=reader)
