"""Client side: ``tunegate submit`` streams a file in, ``tunegate pull`` brings a version out.

``pull`` downloads into a hidden sibling of ``--out`` (resuming files a broken download
left there), verifies everything against the trusted key, and only then renames it to
``--out``: a failed verification leaves nothing in ``--out``. Revoked versions are
refused by the server and, should a server not say so, by the client's own version check.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc

from gateway.errors import InputError, TunegateError, UsageError, VerificationError
from gateway.service.addresses import is_loopback
from gateway.service.pb import gateway_pb2 as pb
from gateway.service.pb import gateway_pb2_grpc as pbg
from gateway.trust.manifest import MANIFEST_NAME

CHUNK = 1 << 20
FORMATS = {
    ".jsonl": pb.FORMAT_JSONL,
    ".ndjson": pb.FORMAT_JSONL,
    ".parquet": pb.FORMAT_PARQUET,
    ".arrow": pb.FORMAT_ARROW_IPC,
    ".arrows": pb.FORMAT_ARROW_IPC,
}


class ServiceError(TunegateError):
    """The server refused or failed a call; the message is the server's, with its status."""

    exit_code = 2

    def __init__(self, err: grpc.RpcError) -> None:
        code = err.code() if hasattr(err, "code") else None
        details = err.details() if hasattr(err, "details") else str(err)
        super().__init__(f"{code.name if code else 'ERROR'}: {details}")
        self.status = code
        if code in (
            grpc.StatusCode.UNAUTHENTICATED,
            grpc.StatusCode.PERMISSION_DENIED,
            grpc.StatusCode.FAILED_PRECONDITION,
        ):
            self.exit_code = 3


@dataclass(frozen=True, slots=True)
class Connection:
    server: str
    token: str
    ca_cert: Path | None = None
    client_cert: Path | None = None
    client_key: Path | None = None
    insecure: bool = False

    def channel(self) -> grpc.Channel:
        opts = [("grpc.max_receive_message_length", 16 << 20)]
        if self.ca_cert is not None:
            creds = grpc.ssl_channel_credentials(
                self.ca_cert.read_bytes(),
                self.client_key.read_bytes() if self.client_key else None,
                self.client_cert.read_bytes() if self.client_cert else None,
            )
            return grpc.secure_channel(self.server, creds, options=opts)
        host = self.server.rsplit(":", 1)[0].strip("[]")
        if not (is_loopback(host) or self.insecure):
            raise UsageError(f"refusing plaintext to {self.server}: give --ca-cert, or --insecure")
        return grpc.insecure_channel(self.server, options=opts)

    def metadata(self) -> tuple[tuple[str, str], ...]:
        return (("authorization", f"Bearer {self.token}"),)


def token_from(env: str | None, token_file: Path | None) -> str:
    if token_file is not None:
        return token_file.read_text().strip()
    tok = os.environ.get("TUNEGATE_TOKEN", "") if env is None else env
    if not tok:
        raise UsageError("no token: set TUNEGATE_TOKEN or pass --token-file")
    return tok


def submit(
    conn: Connection,
    path: Path,
    dataset: str,
    *,
    fields: list[str] | None = None,
    policy: str = "",
    idempotency_key: str | None = None,
    on_progress: Callable[[pb.Progress], None] | None = None,
) -> pb.Job:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(
            f"{path}: submit sends .jsonl, .parquet or .arrow (IPC stream) files; convert it to one of those"
        )
    if not path.is_file():
        raise InputError(f"{path}: no such file; check the path")
    if idempotency_key is None:  # the same file to the same dataset is the same job
        h = hashlib.sha256(dataset.encode() + b"\0")
        with path.open("rb") as f:
            for block in iter(lambda: f.read(CHUNK), b""):
                h.update(block)
        idempotency_key = h.hexdigest()[:32]

    def requests() -> Iterator[pb.ScanRequest]:
        yield pb.ScanRequest(
            header=pb.ScanHeader(
                dataset=dataset,
                format=fmt,
                field_mapping=dict(f.partition("=")[::2] for f in fields or []),
                policy=policy,
                idempotency_key=idempotency_key,
                file_name=path.name,
            )
        )
        with path.open("rb") as f:
            for block in iter(lambda: f.read(CHUNK), b""):
                yield pb.ScanRequest(data=block)

    with conn.channel() as ch:
        stub = pbg.GatewayStub(ch)  # type: ignore[no-untyped-call]
        try:
            for ev in stub.Scan(requests(), metadata=conn.metadata()):
                if ev.WhichOneof("kind") == "progress" and on_progress is not None:
                    on_progress(ev.progress)
                elif ev.WhichOneof("kind") == "result":
                    job: pb.Job = ev.result
                    return job
        except grpc.RpcError as e:
            raise ServiceError(e) from e
    raise TunegateError("the server closed the scan without a result")


def job_json(job: pb.Job) -> dict[str, Any]:
    from google.protobuf.json_format import MessageToDict  # type: ignore[import-untyped]

    doc: dict[str, Any] = MessageToDict(
        job, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
    )
    return doc


def check_version(conn: Connection, dataset: str, version: int, manifest_sha256: str) -> None:
    """Refuse a version the gateway revoked, does not list, or lists with other manifest bytes.

    A signature still verifies after a version is withdrawn; only the gateway knows. Training
    code calls this after verifying its copy offline (``gateway.trainer.verify_dataset``).
    """
    with conn.channel() as ch:
        stub = pbg.GatewayStub(ch)  # type: ignore[no-untyped-call]
        try:
            versions = stub.ListVersions(
                pb.DatasetRef(dataset=dataset), metadata=conn.metadata()
            ).versions
        except grpc.RpcError as e:
            raise ServiceError(e) from e
    found = [v for v in versions if v.version == version]
    if not found:
        raise VerificationError(
            f"the gateway at {conn.server} lists no version {version} of {dataset}; do not train on this "
            "copy: check the gateway address and the dataset, or pull a version it lists"
        )
    if found[0].revoked:
        raise VerificationError(
            f"version {version} of {dataset} was revoked: {found[0].revoked_reason}; do not train on "
            "it: pull another version"
        )
    if found[0].manifest_sha256 != manifest_sha256:
        raise VerificationError(
            f"the gateway's version {version} of {dataset} has manifest sha256 "
            f"{found[0].manifest_sha256}; this copy's is {manifest_sha256}; do not train on this copy: "
            "pull it again from the gateway"
        )


def revoke(conn: Connection, dataset: str, version: int, reason: str) -> pb.Version:
    """Withdraw a version (admin): pulls and trainers asking the gateway refuse it, and
    every adapter registered as trained on it is revoked with it."""
    with conn.channel() as ch:
        stub = pbg.GatewayStub(ch)  # type: ignore[no-untyped-call]
        try:
            got: pb.Version = stub.Revoke(
                pb.RevokeRequest(dataset=dataset, version=version, reason=reason),
                metadata=conn.metadata(),
            )
        except grpc.RpcError as e:
            raise ServiceError(e) from e
    return got


def pull(
    conn: Connection,
    dataset: str,
    version: str,
    out: Path,
    *,
    keys: list[Path],
    min_sequence: int | None = None,
    expect_policy: str | None = None,
    on_file: Callable[[str, int], None] | None = None,
) -> dict[str, Any]:
    """Download a version into a staging folder, verify it (signature, files, and the
    caller's floor on the sequence and pinned policy digest), and only then rename it
    into ``out``."""
    from gateway.trust.trusted import TrustStore
    from gateway.trust.verify import verify_output

    if out.exists() and any(out.iterdir()):
        raise UsageError(f"{out} is not empty; pull into a new folder")
    trust = TrustStore.from_public_keys(keys)
    with conn.channel() as ch:
        stub = pbg.GatewayStub(ch)  # type: ignore[no-untyped-call]
        md = conn.metadata()
        try:
            versions = list(stub.ListVersions(pb.DatasetRef(dataset=dataset), metadata=md).versions)
            if not versions:
                raise UsageError(
                    f"no published versions of {dataset}; check the dataset name, or submit a scan "
                    "of it first (tunegate submit)"
                )
            if version == "latest":
                chosen = max(versions, key=lambda v: v.version)
            else:
                try:
                    want = int(version)
                except ValueError:
                    raise UsageError(
                        f"--version must be 'latest' or a number, not {version!r}"
                    ) from None
                found = [v for v in versions if v.version == want]
                if not found:
                    raise UsageError(
                        f"no version {want} of {dataset}; give --version one of "
                        f"{sorted(v.version for v in versions)} or latest"
                    )
                chosen = found[0]
            if chosen.revoked:
                raise VerificationError(
                    f"version {chosen.version} of {dataset} was revoked: {chosen.revoked_reason}; "
                    "pull another version with --version"
                )
            manifest = stub.GetManifest(pb.JobRef(job_id=chosen.job_id), metadata=md)
            stage = out.parent / f".{out.name}.partial-{chosen.manifest_sha256[:16]}"
            stage.mkdir(parents=True, exist_ok=True)
            for f in manifest.files:
                _download(stub, md, chosen.job_id, f, stage, on_file)
        except grpc.RpcError as e:
            raise ServiceError(e) from e
    (stage / MANIFEST_NAME).write_bytes(manifest.envelope)
    try:
        vm = verify_output(
            stage,
            trust,
            dataset=dataset,
            min_sequence=min_sequence,
            expect_policy=expect_policy,
        )
        if int(vm.dataset["sequence"]) != chosen.version:
            raise VerificationError(
                f"{MANIFEST_NAME}: the manifest is for sequence {vm.dataset['sequence']}, not version "
                f"{chosen.version}; nothing was saved: pull again, and tell the gateway's operator if "
                "it happens again"
            )
    except VerificationError:
        shutil.rmtree(stage, ignore_errors=True)  # nothing unverified is left anywhere
        raise
    if out.exists():
        out.rmdir()
    stage.rename(out)
    return {
        "dataset": dataset,
        "version": chosen.version,
        "job_id": chosen.job_id,
        "files": len(manifest.files),
        "out": str(out),
        "verified": True,
        "keyid": vm.keyid,
    }


def _download(
    stub: pbg.GatewayStub,
    md: tuple[tuple[str, str], ...],
    job_id: str,
    f: pb.FileRef,
    stage: Path,
    on_file: Callable[[str, int], None] | None,
) -> None:
    dest = stage / f.name
    if not dest.resolve().is_relative_to(stage.resolve()):
        raise VerificationError(
            f"the server named a file outside the output folder: {f.name!r}; nothing is used "
            "from this pull: tell the gateway's operator"
        )
    dest.parent.mkdir(parents=True, exist_ok=True)
    have = dest.stat().st_size if dest.exists() else 0
    if have > f.bytes:
        dest.unlink()
        have = 0
    if have < f.bytes:
        with dest.open("ab") as fh:
            for chunk in stub.PullShard(
                pb.ShardRef(job_id=job_id, name=f.name, offset=have), metadata=md
            ):
                if chunk.offset != fh.tell():
                    raise VerificationError(
                        f"{dest}: the server sent offset {chunk.offset}, expected {fh.tell()}; "
                        "run the pull again (it resumes)"
                    )
                fh.write(chunk.data)
    if on_file is not None:
        on_file(f.name, f.bytes)
