"""Jobs: receive an upload to disk, run the core pipeline on a bounded pool, publish a version.

The upload is written chunk by chunk to ``uploads/<job>/`` (never held in memory), with
its sha256 and size counted as it arrives. A job runs the same ``Pipeline`` as the CLI,
on a pool of ``workers`` threads. One pipeline per policy loads its models once and is
shared by every job and tenant: it holds no scan's state, so no job can see another's
rows. Scans of one
dataset run one at a time, so versions and the manifest chain stay in order. A published
version lives under ``objects/<manifest sha256>/``; only versions recorded in SQLite are
ever served, so a crash between writing and recording leaves nothing that can be pulled.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from gateway.core.pipeline import Pipeline
from gateway.core.policy import load_policy
from gateway.core.scan_types import ScanRequest
from gateway.core.schema import parse_field
from gateway.errors import InputError, TunegateError, UsageError
from gateway.report_html import write as write_report_page
from gateway.service import audit
from gateway.service.auth import Principal
from gateway.service.store import Store, now
from gateway.trust.keys import Signer
from gateway.trust.manifest import MANIFEST_NAME, DatasetRelease
from gateway.trust.names import dataset_id

ACTIVE = ("RECEIVING", "RUNNING")
EXTENSIONS = {"FORMAT_JSONL": ".jsonl", "FORMAT_PARQUET": ".parquet", "FORMAT_ARROW_IPC": ".arrow"}
_POLICY = re.compile(r"[A-Za-z0-9_-]{1,64}")  # fullmatch: "$" would let a newline through


class JobError(TunegateError):
    """A request the service refuses; ``code`` is the gRPC status name to answer with."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class Cancelled(Exception):
    pass


@dataclass(frozen=True, slots=True)
class Limits:
    max_scan_bytes: int = 2 << 30
    max_scan_rows: int = 10_000_000
    max_scans_per_token: int = 4
    max_scan_seconds: float = 3600.0
    # the upload decoded (a 2 MB gzip can hold a 2 GiB line): bounds the spool on disk
    max_scan_decoded_bytes: int = 16 << 30
    # findings kept until every row is read: about 2 KB each with the decision they feed
    # (measured: 250,000 duplicate rows, docs/operations.md), so 2 GB at most per scan
    max_scan_findings: int = 1_000_000


@dataclass(frozen=True, slots=True)
class UploaderChoices:
    """What a scan's uploader may choose; everything else is the server's.

    Every column is scanned whatever the fields say (other columns for secrets and PII),
    but the fields decide which columns injection, duplicates and poisoning read, and a
    named policy may be laxer than the default: both are off unless the operator allows
    them (``serve --uploader-fields``, ``--uploader-policy NAME``)."""

    policies: frozenset[str] = frozenset()
    fields: bool = False

    def check(self, h: Header) -> None:
        if h.policy and h.policy not in self.policies:
            allowed = ", ".join(sorted(self.policies)) or "none"
            raise JobError(
                "PERMISSION_DENIED",
                f"this server does not let uploaders choose policy {h.policy!r} (allowed: "
                f"{allowed}); submit without --policy, or ask the operator to allow it with "
                "serve --uploader-policy",
            )
        if h.fields and not self.fields:
            raise JobError(
                "PERMISSION_DENIED",
                "this server does not let uploaders choose the training-text fields; submit "
                "without --fields, or ask the operator to allow it with serve --uploader-fields",
            )


@dataclass(frozen=True, slots=True)
class Header:
    dataset: str
    format: str  # FORMAT_JSONL | FORMAT_PARQUET | FORMAT_ARROW_IPC
    fields: tuple[str, ...]
    policy: str
    idempotency_key: str
    file_name: str

    def check(self) -> None:
        try:
            dataset_id(self.dataset)
        except UsageError as e:
            raise JobError("INVALID_ARGUMENT", str(e)) from None
        if self.format not in EXTENSIONS:
            raise JobError("INVALID_ARGUMENT", "format must be jsonl, parquet or arrow_ipc")
        if self.policy and not _POLICY.fullmatch(self.policy):
            raise JobError("INVALID_ARGUMENT", f"policy name {self.policy!r} is not valid")
        for spec in self.fields:
            try:
                parse_field(spec)
            except InputError as e:
                raise JobError("INVALID_ARGUMENT", f"field_mapping: {e}") from None


def safe_name(file_name: str, fmt: str) -> str:
    stem = (
        re.sub(r"[^A-Za-z0-9._-]", "_", Path(file_name or "upload").name)[:100].lstrip(".")
        or "upload"
    )
    ext = EXTENSIONS[fmt]
    return stem if stem.endswith(ext) else stem + ext


class JobRunner:
    def __init__(
        self,
        store: Store,
        data_dir: Path,
        *,
        default_policy: Path | None,
        signer: Signer,
        device: str = "auto",
        workers: int = 2,
        limits: Limits | None = None,
        choices: UploaderChoices | None = None,
        on_event: Callable[[str, dict[str, Any]], None] | None = None,
    ) -> None:
        self.store, self.data_dir, self.signer, self.device = store, data_dir, signer, device
        self.default_policy = default_policy
        self.limits = limits or Limits()
        self.choices = choices or UploaderChoices()
        self.workers = workers
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="scan")
        self._pipelines: dict[str, Pipeline] = {}
        self._lock = threading.Lock()
        self._dataset_locks: dict[str, threading.Lock] = {}
        self._cancel: dict[str, threading.Event] = {}
        self._publish_lock = threading.Lock()  # a version is recorded, or a cancel wins
        self.waiting = 0
        self.on_event = on_event or (lambda name, labels: None)
        for sub in ("uploads", "jobs", "objects", "policies"):
            (data_dir / sub).mkdir(parents=True, exist_ok=True)

    # ------------------------------------------------------------------ lifecycle
    def recover(self) -> int:
        """After a restart: jobs that were receiving or running died with the old process."""
        with self.store.tx() as db:
            n = db.execute(
                "UPDATE jobs SET state = 'FAILED', finished_at = ?, error = ? WHERE state IN (?, ?)",
                (now(), "interrupted: the server stopped while this job ran", *ACTIVE),
            ).rowcount
        for d in (self.data_dir / "uploads", self.data_dir / "jobs"):
            for p in d.iterdir():
                shutil.rmtree(p, ignore_errors=True)
        return int(n)

    def interrupt_all(self) -> None:
        """SIGTERM after the grace period: what still runs is marked interrupted."""
        for ev in list(self._cancel.values()):
            ev.set()
        with self.store.tx() as db:
            db.execute(
                "UPDATE jobs SET state = 'INTERRUPTED', finished_at = ?, error = ? WHERE state IN (?, ?)",
                (now(), "interrupted: the server was shut down", *ACTIVE),
            )

    # ------------------------------------------------------------------ jobs
    def open_job(self, who: Principal, h: Header) -> tuple[dict[str, Any], bool]:
        """A new job in RECEIVING, or the existing one for the same idempotency key.

        A key belongs to the token that sent it: another token's retry with the same key is
        another job, never a look at the first one (see :meth:`check_retry` for content)."""
        h.check()
        self.choices.check(h)
        key = f"{who.token_id}:{h.idempotency_key}" if h.idempotency_key else None
        with self.store.tx() as db:
            if key:
                row = db.execute(
                    "SELECT * FROM jobs WHERE dataset = ? AND idempotency_key = ?",
                    (h.dataset, key),
                ).fetchone()
                if row is not None and row["state"] not in ("FAILED", "CANCELLED", "INTERRUPTED"):
                    return dict(row), True
                if row is not None:  # a failed attempt may be retried under the same key
                    db.execute(
                        "UPDATE jobs SET idempotency_key = NULL WHERE job_id = ?", (row["job_id"],)
                    )
            active = db.execute(
                "SELECT COUNT(*) FROM jobs WHERE token_id = ? AND state IN (?, ?)",
                (who.token_id, *ACTIVE),
            ).fetchone()[0]
            if active >= self.limits.max_scans_per_token:
                raise JobError(
                    "RESOURCE_EXHAUSTED",
                    f"this token already has {active} scans in progress (limit {self.limits.max_scans_per_token})",
                )
            job_id = uuid.uuid4().hex
            db.execute(
                "INSERT INTO jobs (job_id, dataset, state, idempotency_key, token_id, created_at)"
                " VALUES (?, ?, 'RECEIVING', ?, ?, ?)",
                (job_id, h.dataset, key, who.token_id, now()),
            )
            row = db.execute("SELECT * FROM jobs WHERE job_id = ?", (job_id,)).fetchone()
        self._cancel[job_id] = threading.Event()
        return dict(row), False

    def get(self, job_id: str) -> dict[str, Any] | None:
        row = self.store.db().execute("SELECT * FROM jobs WHERE job_id = ?", (job_id,)).fetchone()
        return dict(row) if row else None

    def finish(self, job_id: str, state: str, **fields: Any) -> dict[str, Any]:
        sets = ", ".join(f"{k} = ?" for k in fields)
        with self.store.tx() as db:
            db.execute(
                f"UPDATE jobs SET state = ?, finished_at = ?{', ' + sets if sets else ''} WHERE job_id = ?",
                (state, now(), *fields.values(), job_id),
            )
        self._cancel.pop(job_id, None)
        job = self.get(job_id)
        assert job is not None
        self.on_event("job_" + state.lower(), {"dataset": job["dataset"]})
        return job

    def cancel(self, job_id: str) -> None:
        """Stop a job. Under the publish lock: a cancel either lands before a version is
        recorded (and none is), or after it (and the version stands, the job succeeded)."""
        with self._publish_lock:
            ev = self._cancel.get(job_id)
            if ev is not None:
                ev.set()

    def cancelled(self, job_id: str) -> bool:
        ev = self._cancel.get(job_id)
        return ev is not None and ev.is_set()

    def receive(
        self, job_id: str, h: Header, chunks: Iterable[bytes], on_bytes: Callable[[int], None]
    ) -> tuple[Path, str, int]:
        """Write the upload to disk as it arrives; returns (path, sha256, bytes)."""
        folder = self.data_dir / "uploads" / job_id
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / safe_name(h.file_name, h.format)
        digest, size = hashlib.sha256(), 0
        with path.open("wb") as f:
            for data in chunks:
                if self.cancelled(job_id):
                    raise Cancelled
                size += len(data)
                if size > self.limits.max_scan_bytes:
                    raise JobError(
                        "RESOURCE_EXHAUSTED",
                        f"upload exceeds the {self.limits.max_scan_bytes:,}-byte limit of this server",
                    )
                digest.update(data)
                f.write(data)
                on_bytes(size)
        if size == 0:
            raise JobError(
                "INVALID_ARGUMENT", "the upload is empty: send data chunks after the header"
            )
        if h.format == "FORMAT_ARROW_IPC":
            path = self._arrow_to_parquet(path)
        # rows are counted by the scan as it parses them (max_rows): newlines are not rows
        return path, digest.hexdigest(), size

    def _arrow_to_parquet(self, path: Path) -> Path:
        out = path.with_suffix(".parquet")
        try:
            with pa.OSFile(str(path), "rb") as src:
                reader = pa.ipc.open_stream(src)
                with pq.ParquetWriter(str(out), reader.schema) as w:
                    for batch in reader:
                        w.write_batch(batch)
        except (pa.ArrowInvalid, OSError) as e:
            raise JobError("INVALID_ARGUMENT", f"{path.name}: not an Arrow IPC stream: {e}") from e
        path.unlink()
        return out

    def check_retry(self, job: dict[str, Any], chunks: Iterable[bytes]) -> None:
        """A retry resends its file; it must be the same bytes the key first carried.

        The key is chosen by the client, so a reused key with other content would get the
        first job's result for a file that was never scanned."""
        digest, size = hashlib.sha256(), 0
        for data in chunks:
            size += len(data)
            if size > self.limits.max_scan_bytes:
                raise JobError("RESOURCE_EXHAUSTED", "the retry is larger than any upload")
            digest.update(data)
        first = (self.get(job["job_id"]) or job).get("input_sha256")
        if size and first and digest.hexdigest() != first:
            raise JobError(
                "FAILED_PRECONDITION",
                f"idempotency key {job['idempotency_key'].split(':', 1)[1]!r} was first used "
                f"for other content (job {job['job_id']}); send this file under a new key",
            )

    def _policy_path(self, name: str) -> Path | None:
        if not name:
            return self.default_policy
        p = self.data_dir / "policies" / f"{name}.toml"
        if not p.is_file():
            raise JobError("INVALID_ARGUMENT", f"no policy named {name!r} on this server")
        return p

    def _pipeline(self, policy: str) -> Pipeline:
        """The loaded pipeline for a policy name, shared by every job that names it."""
        with self._lock:
            pipe = self._pipelines.get(policy)
        if pipe is None:
            pipe = Pipeline(load_policy(self._policy_path(policy)))
            pipe.setup(self.device)
            with self._lock:
                pipe = self._pipelines.setdefault(policy, pipe)
        return pipe

    def start(
        self, job_id: str, h: Header, upload: Path, input_sha: str, progress: Callable[[Any], None]
    ) -> Future[tuple[dict[str, Any], Exception | None]]:
        """Queue the scan on the bounded pool. The future resolves to the finished job row
        and the error that ended it, if any (the job is already marked failed then)."""
        with self.store.tx() as db:
            db.execute(
                "UPDATE jobs SET state = 'RUNNING', input_sha256 = ? WHERE job_id = ?",
                (input_sha, job_id),
            )
        with self._lock:
            self.waiting += 1
        return self.pool.submit(self._run, job_id, h, upload, input_sha, progress)

    def _run(
        self, job_id: str, h: Header, upload: Path, input_sha: str, progress: Callable[[Any], None]
    ) -> tuple[dict[str, Any], Exception | None]:
        with self._lock:
            self.waiting -= 1
            ds_lock = self._dataset_locks.setdefault(h.dataset, threading.Lock())
        deadline = time.monotonic() + self.limits.max_scan_seconds
        with ds_lock:
            try:
                return self._scan(job_id, h, upload, progress, deadline), None
            except Exception as e:
                return self.fail(job_id, e), e
            finally:
                shutil.rmtree(upload.parent, ignore_errors=True)
                shutil.rmtree(self.data_dir / "jobs" / job_id, ignore_errors=True)

    def _scan(
        self,
        job_id: str,
        h: Header,
        upload: Path,
        progress: Callable[[Any], None],
        deadline: float,
    ) -> dict[str, Any]:
        if self.cancelled(job_id):
            raise Cancelled
        with self.store.tx() as db:
            last = db.execute(
                "SELECT version, manifest_sha256 FROM versions WHERE dataset = ? ORDER BY version DESC LIMIT 1",
                (h.dataset,),
            ).fetchone()
        seq = (last["version"] + 1) if last else 1
        release = DatasetRelease(
            h.dataset, str(seq), seq, last["manifest_sha256"] if last else None
        )
        out = self.data_dir / "jobs" / job_id / "out"

        def on_progress(rows: int, total: int, findings: int) -> None:
            if self.cancelled(job_id):
                raise Cancelled
            if time.monotonic() > deadline:
                raise JobError(
                    "DEADLINE_EXCEEDED",
                    f"scan ran longer than {self.limits.max_scan_seconds:.0f} s",
                )
            progress(pb_progress(rows, total, findings))

        pipe = self._pipeline(h.policy)
        reference = self._previous_clean(h.dataset) if _has_drift(pipe) else []
        result = pipe.scan(
            ScanRequest(
                inputs=[upload],
                out=out,
                fields=list(h.fields) or None,
                device=self.device,
                job_id=job_id,
                release=release,
                signer=self.signer,
                cache=self.data_dir / "embeddings",
                reference=reference or None,
                max_rows=self.limits.max_scan_rows,
                max_decoded_bytes=self.limits.max_scan_decoded_bytes,
                max_findings=self.limits.max_scan_findings,
            ),
            on_progress,
            pages=[write_report_page],
        )
        rep = result.report
        c = rep["counts"]
        summary = json.dumps(
            {"by_reason": rep["by_reason"], "gates": rep["gates"], "warnings": rep["warnings"]},
            sort_keys=True,
        )
        counts = {
            "rows_in": c["rows_in"],
            "rows_clean": c["rows_clean"],
            "rows_quarantined": c["rows_quarantined"],
            "rows_flagged": c["rows_flagged"],
            "report_json": summary,
        }
        if result.gate_failed:
            return self.finish(job_id, "GATE_FAILED", gate_failed=1, **counts)
        manifest_sha = hashlib.sha256((out / MANIFEST_NAME).read_bytes()).hexdigest()
        dest = self.object_dir(manifest_sha)
        with self._publish_lock:
            # a client that cancelled after the last progress event once still got a
            # published version: the scan had finished, nothing looked at the flag again
            if self.cancelled(job_id):
                raise Cancelled
            dest.parent.mkdir(parents=True, exist_ok=True)
            if not dest.exists():
                out.rename(dest)
            with self.store.tx() as db:
                db.execute(
                    "INSERT INTO versions (dataset, version, job_id, manifest_sha256, created_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (h.dataset, seq, job_id, manifest_sha, now()),
                )
        return self.finish(job_id, "SUCCEEDED", version=seq, manifest_sha256=manifest_sha, **counts)

    def _previous_clean(self, dataset: str) -> list[Path]:
        """The clean shards of the dataset's latest unrevoked version: drift is measured
        against what trainers were last given."""
        row = (
            self.store.db()
            .execute(
                "SELECT manifest_sha256 FROM versions WHERE dataset = ? AND revoked = 0"
                " ORDER BY version DESC LIMIT 1",
                (dataset,),
            )
            .fetchone()
        )
        if row is None:
            return []
        return sorted((self.object_dir(row["manifest_sha256"]) / "clean").glob("*.parquet"))

    def object_dir(self, manifest_sha: str) -> Path:
        return self.data_dir / "objects" / manifest_sha[:2] / manifest_sha

    def abandon(self, job_id: str) -> None:
        """The call ended without settling the job: stop it; if no worker has it, end it here."""
        self.cancel(job_id)
        job = self.get(job_id)
        if job is not None and job["state"] == "RECEIVING":
            self.finish(
                job_id, "CANCELLED", error="cancelled: the client went away during the upload"
            )
            shutil.rmtree(self.data_dir / "uploads" / job_id, ignore_errors=True)

    def fail(self, job_id: str, err: BaseException) -> dict[str, Any]:
        shutil.rmtree(self.data_dir / "uploads" / job_id, ignore_errors=True)
        if isinstance(err, Cancelled) or _is_rpc_error(err):
            return self.finish(
                job_id, "CANCELLED", error="cancelled (by request or a client that went away)"
            )
        if isinstance(err, (InputError, UsageError)):
            return self.finish(job_id, "FAILED", error=str(err))
        return self.finish(job_id, "FAILED", error=f"{type(err).__name__}: {err}")

    def record(self, who: Principal, method: str, result: str, **kw: str) -> None:
        audit.append(self.store, token_id=who.token_id, method=method, result=result, **kw)


def _is_rpc_error(err: BaseException) -> bool:
    import grpc

    return isinstance(err, grpc.RpcError)


def _has_drift(pipe: Pipeline) -> bool:
    from detectors.drift import DriftDetector

    return any(isinstance(d, DriftDetector) for d in pipe.detectors)


def pb_progress(rows: int, total: int, findings: int) -> Any:
    from gateway.service.pb import gateway_pb2 as pb

    return pb.Progress(stage="scanning", rows=rows, total_rows=total, findings=findings)
