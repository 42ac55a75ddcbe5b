"""Loading clean shards for training, only as the manifest vouches for them.

The manifest is verified first (signature, keys, dataset, sequence, every file, no
extras). Then each clean shard is read into memory *once*, hashed as it is read, and
parsed from those same bytes, so a file swapped between the check and the load is
caught rather than trained on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from gateway.errors import UsageError, VerificationError
from gateway.trust.columns import FLAGS
from gateway.trust.trusted import TrustStore
from gateway.trust.verify import (
    VerifiedManifest,
    VerifiedSubject,
    read_verified,
    verify_output,
)

KeyArg = str | Path | Sequence[str | Path] | None


def trust_from(key: KeyArg, trusted_keys: str | Path | None) -> TrustStore:
    if (key is None) == (trusted_keys is None):
        raise UsageError(
            "verifying needs key=... (the signer's public key) or trusted_keys=... (a "
            "trusted_keys.json): pass one of them"
        )
    if trusted_keys is not None:
        return TrustStore.from_file(Path(trusted_keys))
    assert key is not None
    keys = [key] if isinstance(key, str | Path) else list(key)
    return TrustStore.from_public_keys([Path(k) for k in keys])


def verify_folder(
    folder: Path,
    key: KeyArg,
    trusted_keys: str | Path | None,
    dataset: str | None,
    min_sequence: int | None,
    expect_policy: str | None,
    now: datetime | None,
) -> VerifiedManifest:
    """The whole folder verified against the trust the caller gave (the loader's and the
    training dataset's one way in)."""
    return verify_output(
        folder,
        trust_from(key, trusted_keys),
        dataset=dataset,
        min_sequence=min_sequence,
        expect_policy=expect_policy,
        now=now,
    )


def clean_shards(vm: VerifiedManifest) -> list[VerifiedSubject]:
    """The clean Parquet shards the manifest lists, in name order."""
    return sorted(
        (s for s in vm.split("clean") if s.name.endswith(".parquet")), key=lambda s: s.name
    )


def open_shard(folder: Path, subject: VerifiedSubject) -> pq.ParquetFile:
    """One shard parsed from the bytes that were hashed (never the path read again), its
    row count checked against the manifest.

    Read it with ``use_threads=False``: pyarrow 26 aborts at interpreter exit ("terminate
    called without an active exception") when its CPU pool decoded a table that outlives
    the script; shards come from memory, so one thread costs little."""
    data = b"".join(read_verified(folder, subject))  # raises unless the bytes match
    pf = pq.ParquetFile(pa.BufferReader(data))
    if subject.rows is not None and pf.metadata.num_rows != subject.rows:
        raise VerificationError(
            f"{folder / subject.name}: {pf.metadata.num_rows} rows, manifest lists "
            f"{subject.rows}; do not train on this folder; pull or scan it again from the "
            "source"
        )
    return pf


def load_verified(
    out: str | Path,
    *,
    key: KeyArg = None,
    trusted_keys: str | Path | None = None,
    dataset: str | None = None,
    min_sequence: int | None = None,
    expect_policy: str | None = None,
    as_hf: bool = False,
    drop_flagged: bool | FlagPredicate = False,
    now: datetime | None = None,
) -> Any:
    """The clean rows of a verified output folder as a ``pyarrow.Table``.

    With ``as_hf=True`` (and the ``datasets`` package installed) a ``datasets.Dataset``.
    ``drop_flagged=True`` leaves out every row the policy flagged but kept; a function of
    a row's flags (the ``tunegate_flags`` structs, as dicts) leaves out the rows it
    returns true for, e.g. ``lambda flags: any(f["detector"] == "injection" for f in flags)``.
    Raises :class:`~gateway.errors.VerificationError` on any mismatch; nothing is
    returned from a folder that does not verify.
    """
    folder = Path(out)
    vm = verify_folder(folder, key, trusted_keys, dataset, min_sequence, expect_policy, now)
    tables = [open_shard(folder, subject).read(use_threads=False) for subject in clean_shards(vm)]
    table = without_flagged(pa.concat_tables(tables), drop_flagged)
    if not as_hf:
        return table
    try:
        import datasets
    except ImportError as e:
        raise UsageError("as_hf=True needs the 'datasets' package: pip install datasets") from e
    return datasets.Dataset(table)


FlagPredicate = Callable[[list[dict[str, Any]]], bool]


def is_dropped(flags: list[dict[str, Any]] | None, drop_flagged: bool | FlagPredicate) -> bool:
    """Whether ``drop_flagged`` leaves out a row with these flags (None: an output
    written before shards carried flags, whose rows count as unflagged)."""
    if not flags or drop_flagged is False:
        return False
    return True if drop_flagged is True else bool(drop_flagged(flags))


def without_flagged(table: pa.Table, drop_flagged: bool | FlagPredicate) -> pa.Table:
    if drop_flagged is False or FLAGS not in table.column_names:
        return table
    keep = [not is_dropped(f, drop_flagged) for f in table.column(FLAGS).to_pylist()]
    return table.filter(pa.array(keep, type=pa.bool_()))
