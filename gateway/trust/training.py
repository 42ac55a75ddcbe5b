"""The trainer's side of the handoff: stream verified rows, refuse revoked data, stamp checkpoints.

:func:`~gateway.trust.loader.load_verified` reads a whole release into memory; a training
loop wants rows streamed to DataLoader workers on every rank, each row exactly once, and
a checkpoint that says which data made it. The folder is verified completely first; then
each shard is read once, hashed as it is read, and parsed from those same bytes, so a
shard swapped after verification is refused, never trained on.

A revocation is news only the gateway has (the signature still verifies), so the check is
passed in (:data:`RevocationCheck`); ``gateway.trainer`` builds one that asks a gateway.
"""

from __future__ import annotations

import functools
import json
import logging
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import torch
from torch.utils.data import IterableDataset, get_worker_info

from gateway.errors import UsageError
from gateway.trust.columns import FLAGS
from gateway.trust.loader import (
    FlagPredicate,
    KeyArg,
    clean_shards,
    is_dropped,
    open_shard,
    verify_folder,
)
from gateway.trust.verify import VerifiedManifest

if TYPE_CHECKING:
    from transformers import TrainerCallback, TrainerControl, TrainerState, TrainingArguments
else:
    try:  # the dataset works without transformers; the callback says what to install
        from transformers import TrainerCallback
    except ImportError:
        TrainerCallback = object

log = logging.getLogger(__name__)

RECORD_NAME = "tunegate_dataset.json"
BATCH_ROWS = 1024


@dataclass(frozen=True, slots=True)
class DatasetRecord:
    """Which signed release a run trained on: enough to find it again and to check it."""

    dataset: str
    version: str
    sequence: int
    manifest_sha256: str  # of the envelope file's bytes; the gateway indexes versions by it
    keyid: str
    policy_digest: str
    clean_rows: int

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


# Raises VerificationError when the release was withdrawn after it was signed.
RevocationCheck = Callable[[DatasetRecord], None]


def _verify(
    folder: Path,
    *,
    key: KeyArg,
    trusted_keys: str | Path | None,
    dataset: str | None,
    min_sequence: int | None,
    expect_policy: str | None,
    revocation: RevocationCheck | None,
    now: datetime | None,
) -> tuple[VerifiedManifest, DatasetRecord]:
    """Verify everything; the digest recorded is of the manifest bytes that verified."""
    vm = verify_folder(folder, key, trusted_keys, dataset, min_sequence, expect_policy, now)
    ds = vm.dataset
    record = DatasetRecord(
        dataset=ds["id"],
        version=str(ds.get("version", ds["sequence"])),
        sequence=ds["sequence"],
        manifest_sha256=vm.envelope_sha256,
        keyid=vm.keyid,
        policy_digest=str(vm.statement["predicate"]["policy"]["digest"]),
        clean_rows=sum(s.rows or 0 for s in clean_shards(vm)),
    )
    if revocation is not None:
        revocation(record)
    return vm, record


def verify_dataset(
    out: str | Path,
    *,
    key: KeyArg = None,
    trusted_keys: str | Path | None = None,
    dataset: str | None = None,
    min_sequence: int | None = None,
    expect_policy: str | None = None,
    revocation: RevocationCheck | None = None,
    now: datetime | None = None,
) -> DatasetRecord:
    """Verify a signed output folder and say which release it is.

    ``revocation`` is asked last (``gateway.trainer.verify_dataset(server=...)`` passes one
    that asks the gateway). Raises :class:`VerificationError`; returns only for data a
    trainer may use.
    """
    return _verify(
        Path(out),
        key=key,
        trusted_keys=trusted_keys,
        dataset=dataset,
        min_sequence=min_sequence,
        expect_policy=expect_policy,
        revocation=revocation,
        now=now,
    )[1]


def _slot(rank: int | None, world_size: int | None) -> tuple[int, int]:
    """This process's (rank, world size): explicit, else torch.distributed's, else (0, 1)."""
    if rank is None and world_size is None:
        if torch.distributed.is_available() and torch.distributed.is_initialized():
            return torch.distributed.get_rank(), torch.distributed.get_world_size()
        return 0, 1
    if rank is None or world_size is None:
        raise UsageError("give both rank= and world_size=, or neither")
    if world_size < 1 or not 0 <= rank < world_size:
        raise UsageError(
            f"rank={rank} is not in range for world_size={world_size}; give a rank from 0 to "
            "world_size - 1"
        )
    return rank, world_size


class VerifiedIterableDataset(IterableDataset[dict[str, Any]]):
    """The clean rows of a verified folder, each row to exactly one DataLoader worker on one rank.

    Verification happens here, in the constructor, before any row can be read; ``manifest``
    says what verified. Iterating re-reads each shard through its manifest digest and
    parses only bytes that matched, so a shard changed after construction raises
    :class:`VerificationError` before any of its rows is yielded.

    Row ``i`` (counting across the shards in name order) goes to slot
    ``i % (world_size * num_workers)``, the slot being ``rank * num_workers + worker``;
    order is deterministic. Ranks come from ``torch.distributed`` unless ``rank`` and
    ``world_size`` are given. Under ``transformers.Trainer`` (accelerate) on several
    processes pass ``rank=0, world_size=1``: accelerate splits batches across ranks itself.

    ``drop_flagged`` leaves rows out as ``load_verified`` does: True, every row with a
    finding in ``tunegate_flags``; a function of a flagged row's flags, those it returns
    True for (it must pickle to reach spawned DataLoader workers: a module-level function,
    not a lambda). Rows of outputs written before the column existed count as unflagged.
    """

    def __init__(
        self,
        out: str | Path,
        *,
        key: KeyArg = None,
        trusted_keys: str | Path | None = None,
        dataset: str | None = None,
        min_sequence: int | None = None,
        expect_policy: str | None = None,
        columns: Sequence[str] | None = None,
        drop_flagged: bool | FlagPredicate = False,
        rank: int | None = None,
        world_size: int | None = None,
        revocation: RevocationCheck | None = None,
        now: datetime | None = None,
    ) -> None:
        super().__init__()
        self.out = Path(out)
        self._rank, self._world_size = _slot(rank, world_size)  # fail on bad args before I/O
        self._explicit = rank is not None
        self._vm, self.manifest = _verify(
            self.out,
            key=key,
            trusted_keys=trusted_keys,
            dataset=dataset,
            min_sequence=min_sequence,
            expect_policy=expect_policy,
            revocation=revocation,
            now=now,
        )
        self.columns = list(columns) if columns is not None else None
        self.drop_flagged = drop_flagged

    def _partition(self) -> tuple[int, int]:
        """(this iterator's slot, how many slots) over workers and ranks."""
        rank, world = (self._rank, self._world_size) if self._explicit else _slot(None, None)
        info = get_worker_info()
        workers, worker = (info.num_workers, info.id) if info is not None else (1, 0)
        return rank * workers + worker, world * workers

    def __iter__(self) -> Iterator[dict[str, Any]]:
        slot, slots = self._partition()
        filtering = self.drop_flagged is not False
        base = 0  # global index of the shard's first row
        for subject in clean_shards(self._vm):
            pf = open_shard(self.out, subject)
            names = pf.schema_arrow.names
            want = self.columns if self.columns is not None else names
            missing = [c for c in want if c not in names]
            if missing:
                raise UsageError(
                    f"{subject.name}: no column {missing}; it has {names}: choose columns= from "
                    "those"
                )
            read = [*want, FLAGS] if filtering and FLAGS in names and FLAGS not in want else want
            # one thread: see open_shard (pyarrow 26 aborts at exit otherwise)
            for batch in pf.iter_batches(batch_size=BATCH_ROWS, columns=read, use_threads=False):
                first = (slot - base) % slots
                rows = batch.take(pa.array(range(first, batch.num_rows, slots), pa.int64()))
                base += batch.num_rows
                for row in rows.to_pylist():
                    if filtering and is_dropped(row.get(FLAGS), self.drop_flagged):
                        continue
                    if len(read) != len(want):
                        del row[FLAGS]
                    yield row


def _write_json(path: Path, doc: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, path)


class VerifiedDatasetCallback(TrainerCallback):
    """A ``transformers.TrainerCallback`` that refuses to train on data that does not verify.

    ``on_train_begin`` verifies ``out`` (and asks ``revocation``, when given); raising
    there stops ``Trainer.train()`` before the first step. The release is logged and
    appended to ``state.log_history`` (saved in each checkpoint's ``trainer_state.json``),
    and ``on_save`` writes ``tunegate_dataset.json`` into the checkpoint just saved, so
    every checkpoint says which data made it.
    """

    def __init__(
        self,
        out: str | Path,
        *,
        key: KeyArg = None,
        trusted_keys: str | Path | None = None,
        dataset: str | None = None,
        min_sequence: int | None = None,
        expect_policy: str | None = None,
        revocation: RevocationCheck | None = None,
    ) -> None:
        if TrainerCallback is object:
            raise UsageError(
                "VerifiedDatasetCallback needs the 'transformers' package: pip install transformers"
            )
        self.out = Path(out)
        self._verify = functools.partial(
            verify_dataset,
            self.out,
            key=key,
            trusted_keys=trusted_keys,
            dataset=dataset,
            min_sequence=min_sequence,
            expect_policy=expect_policy,
            revocation=revocation,
        )
        self.manifest: DatasetRecord | None = None  # what on_train_begin verified

    def on_train_begin(
        self,
        args: TrainingArguments,
        state: TrainerState,
        control: TrainerControl,
        **kwargs: Any,
    ) -> None:
        self.manifest = r = self._verify()
        log.info(
            "training on %s version %s (sequence %d), manifest sha256 %s, signed by %s",
            r.dataset,
            r.version,
            r.sequence,
            r.manifest_sha256,
            r.keyid,
        )
        entry: dict[str, Any] = {  # log_history is typed as floats; it is stored as JSON
            "tunegate_dataset": r.dataset,
            "tunegate_version": r.version,
            "tunegate_sequence": r.sequence,
            "tunegate_manifest_sha256": r.manifest_sha256,
            "step": state.global_step,
        }
        state.log_history.append(entry)

    def on_save(
        self,
        args: TrainingArguments,
        state: TrainerState,
        control: TrainerControl,
        **kwargs: Any,
    ) -> None:
        if self.manifest is None or not state.is_world_process_zero:
            return
        folder = Path(args.output_dir or ".") / f"checkpoint-{state.global_step}"
        if not folder.is_dir():
            log.warning("no checkpoint folder %s to record the dataset in", folder)
            return
        _write_json(folder / RECORD_NAME, self.manifest.to_json())
