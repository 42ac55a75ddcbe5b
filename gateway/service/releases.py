"""The client of the gateway's adapter side: whether the releases an adapter was trained on
still stand, and the adapter registry (register, list, pull, promote, status).

An adapter's attestation records each release by its envelope digest and by its payload
digest. The gateway lists the envelope digest of the copy it signed; a reviewer's
``tunegate approve`` adds a signature and so changes the envelope, never the payload.
When the envelope digests differ, the gateway's own manifest is fetched and the payloads
compared: an approved copy of the same release passes, another release does not.
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import grpc

from gateway.errors import UsageError, VerificationError
from gateway.service.client import Connection, ServiceError
from gateway.service.pb import gateway_pb2 as pb
from gateway.service.pb import gateway_pb2_grpc as pbg
from gateway.trust.dsse import parse_envelope


def release_check(conn: Connection) -> Callable[[dict[str, Any]], None]:
    """A check over an attestation's dataset entry; raises if revoked, unknown or other."""

    def check(entry: dict[str, Any]) -> None:
        dataset, seq = str(entry["id"]), int(entry["sequence"])
        manifest = entry.get("manifest") or {}
        with conn.channel() as ch:
            stub = pbg.GatewayStub(ch)  # type: ignore[no-untyped-call]
            try:
                versions = stub.ListVersions(
                    pb.DatasetRef(dataset=dataset), metadata=conn.metadata()
                ).versions
                found = [v for v in versions if v.version == seq]
                if not found:
                    raise VerificationError(
                        f"the gateway at {conn.server} lists no version {seq} of {dataset}, "
                        "which this adapter was trained on; check the gateway address"
                    )
                v = found[0]
                if v.revoked:
                    raise VerificationError(
                        f"version {seq} of {dataset}, which this adapter was trained on, was "
                        f"revoked: {v.revoked_reason}; do not use the adapter: retrain it on a "
                        "version that stands"
                    )
                if v.manifest_sha256 == manifest.get("sha256"):
                    return
                env = stub.GetManifest(pb.JobRef(job_id=v.job_id), metadata=conn.metadata())
            except grpc.RpcError as e:
                raise ServiceError(e) from e
        payload = parse_envelope(env.envelope).payload
        if hashlib.sha256(payload).hexdigest() != manifest.get("payload_sha256"):
            raise VerificationError(
                f"the gateway's version {seq} of {dataset} is not the release this adapter's "
                "attestation names; do not use the adapter"
            )

    return check


# ---------------------------------------------------------------------- the adapter registry
def _call(conn: Connection, fn: Callable[[pbg.GatewayStub], Any]) -> Any:
    with conn.channel() as ch:
        stub = pbg.GatewayStub(ch)  # type: ignore[no-untyped-call]
        try:
            return fn(stub)
        except grpc.RpcError as e:
            raise ServiceError(e) from e


def _attestation_file(path: Path) -> Path:
    from gateway.trust.adapter import ATTESTATION_NAME

    return path / ATTESTATION_NAME if path.is_dir() else path


def register_adapter(conn: Connection, path: Path) -> pb.Adapter:
    """Send an adapter's attestation (its file, or the adapter folder holding it)."""
    f = _attestation_file(path)
    try:
        data = f.read_bytes()
    except OSError as e:
        raise UsageError(
            f"{f}: cannot read the attestation ({e.strerror or e}); attest the adapter first "
            "(tunegate adapter attest)"
        ) from e
    req = pb.RegisterAdapterRequest(attestation=data)
    got: pb.Adapter = _call(conn, lambda s: s.RegisterAdapter(req, metadata=conn.metadata()))
    return got


def list_adapters(conn: Connection, dataset: str = "") -> list[pb.Adapter]:
    out: list[pb.Adapter] = []
    token = ""
    while True:
        req = pb.ListAdaptersRequest(dataset=dataset, page_size=500, page_token=token)
        page = _call(conn, functools.partial(_list_page, req=req, md=conn.metadata()))
        out.extend(page.adapters)
        token = page.next_page_token
        if not token:
            return out


def _list_page(
    stub: pbg.GatewayStub, req: pb.ListAdaptersRequest, md: tuple[tuple[str, str], ...]
) -> pb.ListAdaptersResponse:
    page: pb.ListAdaptersResponse = stub.ListAdapters(req, metadata=md)
    return page


def get_adapter(conn: Connection, adapter_id: str) -> pb.Adapter:
    ref = pb.AdapterRef(adapter_id=adapter_id)
    got: pb.Adapter = _call(conn, lambda s: s.GetAdapter(ref, metadata=conn.metadata()))
    return got


def pull_adapter(conn: Connection, adapter_id: str, out: Path) -> tuple[pb.Adapter, Path]:
    """Fetch an adapter's attestation into ``out`` (a file, or a folder: its
    provenance.intoto.jsonl), refusing one whose payload is not the id asked for."""
    ref = pb.AdapterRef(adapter_id=adapter_id)
    got: pb.Adapter = _call(conn, lambda s: s.PullAdapter(ref, metadata=conn.metadata()))
    if got.revoked:  # the server refuses these; should one not, so does the client
        raise VerificationError(f"adapter {adapter_id} was revoked: {got.revoked_reason}")
    payload = parse_envelope(got.attestation).payload
    if hashlib.sha256(payload).hexdigest() != adapter_id:
        raise VerificationError(
            f"the gateway sent an attestation that is not adapter {adapter_id}'s; nothing was "
            "saved: tell the gateway's operator"
        )
    dest = _attestation_file(out)
    tmp = dest.with_name(f".{dest.name}.pull-{os.getpid()}")
    tmp.write_bytes(got.attestation)
    os.replace(tmp, dest)
    return got, dest


def promote_adapter(conn: Connection, adapter_id: str, attestation: Path | None) -> pb.Adapter:
    data = _attestation_file(attestation).read_bytes() if attestation is not None else b""
    req = pb.PromoteAdapterRequest(adapter_id=adapter_id, attestation=data)
    got: pb.Adapter = _call(conn, lambda s: s.PromoteAdapter(req, metadata=conn.metadata()))
    return got


class AdapterStatus:
    """A check over an adapter (its attestation payload's sha256) against the gateway's
    registry: refuses one the gateway revoked (a dataset version it was trained on was
    revoked there) and, with ``require_promoted``, one it has not promoted. ``status``
    says what the gateway answered, for the verify command's line."""

    def __init__(self, conn: Connection, require_promoted: bool = False) -> None:
        self.conn, self.require_promoted = conn, require_promoted
        self.status = ""

    def __call__(self, adapter_id: str, predicate: dict[str, Any]) -> None:
        try:
            got = get_adapter(self.conn, adapter_id)
        except ServiceError as e:
            # an adapter never registered and one trained on data this token cannot see
            # get the same answer; the release check that follows still runs (and refuses
            # a token that lacks the scope)
            if e.status is not grpc.StatusCode.PERMISSION_DENIED:
                raise
            if self.require_promoted:
                raise VerificationError(
                    f"the gateway at {self.conn.server} has no adapter {adapter_id} visible to "
                    "this token, so it is not promoted; register and promote it "
                    "(tunegate adapter register, tunegate adapter promote)"
                ) from e
            self.status = "not registered at the gateway"
            return
        if got.revoked:
            raise VerificationError(
                f"the gateway at {self.conn.server} revoked adapter {adapter_id} "
                f"({predicate['adapter'].get('name')}): {got.revoked_reason}; do not use it"
            )
        if self.require_promoted and not got.promoted:
            raise VerificationError(
                f"the gateway at {self.conn.server} has not promoted adapter {adapter_id}; "
                "promote it (tunegate adapter promote) once its approvals are in"
            )
        self.status = "promoted at the gateway" if got.promoted else "registered at the gateway"
