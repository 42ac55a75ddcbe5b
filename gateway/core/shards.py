"""Writing shard sets and publishing an output folder all at once.

Everything is built in a hidden staging folder beside the output and renamed into place
only when complete, so a scan killed half way leaves no file under its final name, and
a reader never sees a half-written folder. Shards are named as Hugging Face names them,
with a content hash: ``train-00000-of-00003-<sha256[:12]>.parquet``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from gateway import __version__
from gateway.core.locks import hold
from gateway.errors import UsageError

METADATA_KEY = b"tunegate"


@dataclass(frozen=True, slots=True)
class ShardInfo:
    name: str  # relative to the output folder, with forward slashes
    rows: int
    bytes: int
    sha256: str
    split: str


def fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 22):
            h.update(chunk)
    return h.hexdigest()


class ShardSetWriter:
    """Writes one split (clean or quarantine) as a set of bounded Parquet shards."""

    def __init__(
        self,
        folder: Path,
        split: str,
        schema: pa.Schema,
        *,
        job_id: str,
        max_rows: int,
        row_group_rows: int,
        compression: str,
    ) -> None:
        self.folder = folder
        self.split = split
        meta = dict(schema.metadata or {})
        meta[METADATA_KEY] = json.dumps(
            {"version": __version__, "job_id": job_id, "split": split}, sort_keys=True
        ).encode()
        self.schema = schema.with_metadata(meta)
        self.max_rows = max_rows
        self.row_group_rows = row_group_rows
        self.compression = None if compression == "none" else compression
        self._parts: list[tuple[Path, int]] = []
        self._writer: pq.ParquetWriter | None = None
        self._rows_in_part = 0
        self._pending: list[pa.Table] = []
        self._pending_rows = 0

    def _open(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f".part-{len(self._parts):05d}.parquet.tmp"
        self._writer = pq.ParquetWriter(
            path, self.schema, compression=self.compression, write_statistics=True
        )
        self._parts.append((path, 0))
        self._rows_in_part = 0

    def write(self, table: pa.Table) -> None:
        """Buffer rows into full row groups; rotate to a new shard at ``max_rows``."""
        offset = 0
        while offset < table.num_rows:
            if self._writer is None or self._rows_in_part >= self.max_rows:
                self._close_part()
                self._open()
            room = min(self.max_rows - self._rows_in_part, self.row_group_rows - self._pending_rows)
            take = min(room, table.num_rows - offset)
            self._pending.append(table.slice(offset, take))
            self._pending_rows += take
            self._rows_in_part += take
            offset += take
            if self._pending_rows >= self.row_group_rows or self._rows_in_part >= self.max_rows:
                self._flush()

    def _flush(self) -> None:
        if not self._pending:
            return
        assert self._writer is not None
        group = pa.concat_tables(self._pending)
        self._writer.write_table(group, row_group_size=self.row_group_rows)
        path, rows = self._parts[-1]
        self._parts[-1] = (path, rows + group.num_rows)
        self._pending, self._pending_rows = [], 0

    def _close_part(self) -> None:
        if self._writer is not None:
            self._flush()
            self._writer.close()
            self._writer = None
            fsync_path(self._parts[-1][0])

    def close(self, *, at_least_one: bool = False) -> list[ShardInfo]:
        """Finish every part and give it its final, content-addressed name."""
        if at_least_one and not self._parts:
            self._open()  # an empty clean set still publishes its schema
        self._close_part()
        total = len(self._parts)
        out = []
        for i, (path, rows) in enumerate(self._parts):
            digest = sha256_file(path)
            name = f"train-{i:05d}-of-{total:05d}-{digest[:12]}.parquet"
            final = path.with_name(name)
            path.rename(final)
            out.append(
                ShardInfo(
                    f"{self.folder.name}/{name}", rows, final.stat().st_size, digest, self.split
                )
            )
        if total:
            fsync_path(self.folder)
        return out

    def abort(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        self._pending, self._pending_rows = [], 0


class StagedOutput:
    """An output folder built aside and published with one rename."""

    def __init__(self, out: Path, job_id: str, *, overwrite: bool) -> None:
        self.out = out.absolute()
        if self.out.is_symlink():
            raise UsageError(
                f"{out}: is a symlink; give the real folder, so the release lands where you "
                "expect"
            )
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self._lock = _lock_out(self.out)  # before any check: a second scan waits for none
        try:
            self._check(out, overwrite)
        except BaseException:
            os.close(self._lock)
            raise
        self.job_id = job_id
        self.staging = self.out.parent / f".{self.out.name}.tunegate-{job_id}.partial"
        self.staging.mkdir()

    def _check(self, out: Path, overwrite: bool) -> None:
        if self.out.exists():
            if not self.out.is_dir():
                raise UsageError(f"{out}: exists and is not a folder; choose another --out")
            if any(self.out.iterdir()) and not overwrite:
                raise UsageError(
                    f"{out}: exists and is not empty; choose another --out or pass --overwrite"
                )

    def path(self, name: str) -> Path:
        return self.staging / name

    def write_json(self, name: str, doc: object) -> Path:
        path = self.path(name)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(
            json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n", "utf-8"
        )
        fsync_path(tmp)
        tmp.rename(path)
        return path

    def publish(self) -> None:
        fsync_path(self.staging)
        old: Path | None = None
        if self.out.exists():
            if any(self.out.iterdir()):
                old = self.out.parent / f".{self.out.name}.tunegate-{self.job_id}.old"
                self.out.rename(old)
            else:
                self.out.rmdir()
        self.staging.rename(self.out)
        fsync_path(self.out.parent)
        if old is not None:
            shutil.rmtree(old)
        self._unlock()

    def discard(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)
        self._unlock()

    def _unlock(self) -> None:
        if self._lock >= 0:
            os.close(self._lock)  # closing the descriptor releases the lock
            self._lock = -1


def _lock_out(out: Path) -> int:
    """Two scans to one folder once both exited 0 while one silently replaced the other."""
    path = out.parent / f".{out.name}.tunegate.lock"
    return hold(
        path,
        f"{out}: another scan is writing this folder now (lock {path}); wait for it to "
        "finish, or choose another --out",
    )
