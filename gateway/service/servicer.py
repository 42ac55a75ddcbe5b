"""The gRPC servicer: authorize, convert, call the job runner, answer. No decisions here.

Every call is checked against the caller's token: missing or bad token UNAUTHENTICATED
(the interceptor answers that before a method runs); a missing scope, or a dataset the
token may not see, PERMISSION_DENIED with the same words whether or not the dataset
exists. Every call, allowed or not, is appended to the audit chain.
"""

from __future__ import annotations

import contextlib
import json
import queue
import time
from collections.abc import Iterator
from typing import Any, NoReturn

import grpc

from gateway.errors import InputError, LimitExceeded, PolicyError, UsageError, VerificationError
from gateway.service import observe
from gateway.service.auth import Principal, authenticate, bearer
from gateway.service.jobs import Cancelled, Header, JobError, JobRunner
from gateway.service.pb import gateway_pb2 as pb
from gateway.service.pb import gateway_pb2_grpc as pbg
from gateway.service.registry import AdapterPolicy
from gateway.service.repository import Repository
from gateway.service.streams import StreamGate
from gateway.trust.manifest import MANIFEST_NAME

CHUNK = 1 << 20
PAGE_MAX = 500
STATES = {name.removeprefix("JOB_STATE_"): value for name, value in pb.JobState.items()}


# The one table from the exception hierarchy to status codes; what is not here is a bug
# (INTERNAL, logged, its message not echoed to the caller).
_STATUS: tuple[tuple[type[BaseException], grpc.StatusCode, str | None], ...] = (
    (LimitExceeded, grpc.StatusCode.RESOURCE_EXHAUSTED, None),
    (InputError, grpc.StatusCode.INVALID_ARGUMENT, None),
    (UsageError, grpc.StatusCode.INVALID_ARGUMENT, None),
    (PolicyError, grpc.StatusCode.FAILED_PRECONDITION, None),
    (Cancelled, grpc.StatusCode.CANCELLED, "scan cancelled"),
    (grpc.RpcError, grpc.StatusCode.CANCELLED, "scan cancelled"),
)


def status_of(err: BaseException) -> tuple[grpc.StatusCode, str]:
    """The status code and message a failed call answers with."""
    if isinstance(err, JobError):  # the runner names its own code
        return getattr(grpc.StatusCode, err.code), str(err)
    for kind, code, message in _STATUS:
        if isinstance(err, kind):
            return code, message if message is not None else str(err)
    return grpc.StatusCode.INTERNAL, f"scan failed: {type(err).__name__}"


def abort(context: grpc.ServicerContext, code: grpc.StatusCode, message: str) -> NoReturn:
    """``context.abort`` raises; this says so to the type checker."""
    context.abort(code, message)
    raise AssertionError("context.abort returned")


def job_message(row: dict[str, Any]) -> pb.Job:
    return pb.Job(
        job_id=row["job_id"],
        dataset=row["dataset"],
        version=row["version"],
        state=STATES.get(row["state"], 0),
        rows_in=row["rows_in"],
        rows_clean=row["rows_clean"],
        rows_quarantined=row["rows_quarantined"],
        rows_flagged=row["rows_flagged"],
        manifest_sha256=row["manifest_sha256"],
        gate_failed=bool(row["gate_failed"]),
        error=row["error"],
        input_sha256=row["input_sha256"],
        created_at=row["created_at"],
        finished_at=row["finished_at"] or "",
        report_json=row["report_json"],
    )


class GatewayServicer(pbg.GatewayServicer):
    def __init__(
        self, runner: JobRunner, streams: StreamGate, adapters: AdapterPolicy | None = None
    ) -> None:
        """``streams`` is sized from the server's RPC threads (server.build); ``adapters``
        is what the server trusts for adapter attestations and needs to promote one."""
        self.runner = runner
        self.store = runner.store
        self.repo = Repository(runner.store)
        self.streams = streams
        self.adapters = adapters or AdapterPolicy()

    # ------------------------------------------------------------------ helpers
    def _who(self, context: grpc.ServicerContext) -> Principal:
        who = authenticate(self.store, bearer(context.invocation_metadata()))
        if who is None:  # the interceptor normally answers first
            abort(context, grpc.StatusCode.UNAUTHENTICATED, "missing or invalid token")
        return who

    def _deny(
        self,
        context: grpc.ServicerContext,
        who: Principal,
        method: str,
        what: str,
        dataset: str = "",
    ) -> NoReturn:
        self.runner.record(who, method, "PERMISSION_DENIED", dataset=dataset)
        observe.AUTH_FAILURES.labels(reason="permission").inc()
        abort(context, grpc.StatusCode.PERMISSION_DENIED, what)

    def _require(
        self,
        context: grpc.ServicerContext,
        who: Principal,
        method: str,
        scope: str,
        dataset: str | None = None,
    ) -> None:
        if not who.may(scope):
            self._deny(context, who, method, f"this token lacks the {scope} scope", dataset or "")
        if dataset is not None and not who.sees(dataset):
            self._deny(context, who, method, f"this token may not use dataset {dataset!r}", dataset)

    def _job_for(
        self, context: grpc.ServicerContext, who: Principal, method: str, scope: str, job_id: str
    ) -> dict[str, Any]:
        job = self.runner.get(job_id) if job_id else None
        # an unknown job and one on a dataset the token cannot see get the same answer
        if job is None or not who.sees(job["dataset"]):
            self._deny(context, who, method, f"no job {job_id!r} visible to this token")
        self._require(context, who, method, scope, job["dataset"])
        return job

    # ------------------------------------------------------------------ Scan
    def Scan(
        self, request_iterator: Iterator[pb.ScanRequest], context: grpc.ServicerContext
    ) -> Iterator[pb.ScanEvent]:
        who = self._who(context)
        # scope and stream caps before the first message: an idle stream holds a thread
        self._require(context, who, "Scan", "scan:write")
        refused = self.streams.enter(who.token_id)
        if refused is not None:
            self.runner.record(who, "Scan", "RESOURCE_EXHAUSTED")
            abort(context, grpc.StatusCode.RESOURCE_EXHAUSTED, refused)
        try:
            yield from self._scan(who, request_iterator, context)
        finally:
            self.streams.leave(who.token_id)

    def _scan(
        self,
        who: Principal,
        request_iterator: Iterator[pb.ScanRequest],
        context: grpc.ServicerContext,
    ) -> Iterator[pb.ScanEvent]:
        first = next(request_iterator, None)
        if first is None or first.WhichOneof("kind") != "header":
            abort(
                context, grpc.StatusCode.INVALID_ARGUMENT, "the first message must be a ScanHeader"
            )
        hd = first.header
        h = Header(
            dataset=hd.dataset,
            format=pb.Format.Name(hd.format),
            fields=tuple(
                f"{col}={role}" if role else col for col, role in hd.field_mapping.items()
            ),
            policy=hd.policy,
            idempotency_key=hd.idempotency_key,
            file_name=hd.file_name,
        )
        self._require(context, who, "Scan", "scan:write", h.dataset)
        try:
            job, existing = self.runner.open_job(who, h)
        except JobError as e:
            code, message = status_of(e)
            self.runner.record(who, "Scan", code.name, dataset=h.dataset)
            abort(context, code, message)
        job_id = job["job_id"]
        if existing:  # a retry: the same job, not a second one, for the same bytes only
            resent = (m.data for m in request_iterator if m.WhichOneof("kind") == "data")
            try:
                self.runner.check_retry(job, resent)
            except JobError as e:
                code, message = status_of(e)
                self.runner.record(who, "Scan", code.name, dataset=h.dataset, job_id=job_id)
                abort(context, code, message)
            self.runner.record(
                who, "Scan", "OK (idempotent retry)", dataset=h.dataset, job_id=job_id
            )
            yield pb.ScanEvent(result=job_message(self.runner.get(job_id) or job))
            return
        observe.SCANS.labels(event="started").inc()
        events: queue.Queue[pb.ScanEvent] = queue.Queue(maxsize=64)

        def data() -> Iterator[bytes]:
            for msg in request_iterator:
                if msg.WhichOneof("kind") != "data":
                    raise JobError("INVALID_ARGUMENT", "only one header, then data chunks")
                observe.BYTES.inc(len(msg.data))
                yield msg.data

        last = [0.0]

        def on_bytes(n: int) -> None:
            if time.monotonic() - last[0] > 0.5:
                last[0] = time.monotonic()
                _offer(
                    events, pb.ScanEvent(progress=pb.Progress(stage="receiving", bytes_received=n))
                )

        input_sha = ""
        row: dict[str, Any]
        err: Exception | None
        context.add_callback(lambda: self.runner.cancel(job_id))  # fires when the call ends
        try:
            with observe.STAGE.labels(stage="receive").time():
                upload, input_sha, size = self.runner.receive(job_id, h, data(), on_bytes)
            yield pb.ScanEvent(progress=pb.Progress(stage="received", bytes_received=size))
            future = self.runner.start(
                job_id,
                h,
                upload,
                input_sha,
                lambda p: _offer(events, pb.ScanEvent(progress=p)),
            )
            while True:
                try:
                    yield events.get(timeout=0.2)
                except queue.Empty:
                    if future.done():
                        break
            row, err = future.result()
        except Exception as e:
            row, err = self.runner.fail(job_id, e), e
        finally:
            # a client that goes away stops the generator at a yield (GeneratorExit): the
            # job must still end, and publish nothing (a no-op for a job already settled)
            self.runner.abandon(job_id)
        self.runner.record(
            who, "Scan", row["state"], dataset=h.dataset, job_id=job_id, input_sha256=input_sha
        )
        if err is not None:
            observe.SCANS.labels(event="failed").inc()
            code, message = status_of(err)
            if code is grpc.StatusCode.INTERNAL:
                observe.log_failure("scan failed", err, job_id=job_id, dataset=h.dataset)
            abort(context, code, message)
        observe.SCANS.labels(event="finished").inc()
        observe.count_rows(row)
        yield pb.ScanEvent(result=job_message(row))

    # ------------------------------------------------------------------ jobs
    def GetJob(self, request: pb.JobRef, context: grpc.ServicerContext) -> pb.Job:
        who = self._who(context)
        job = self._job_for(context, who, "GetJob", "jobs:read", request.job_id)
        self.runner.record(who, "GetJob", "OK", dataset=job["dataset"], job_id=job["job_id"])
        return job_message(job)

    def ListJobs(
        self, request: pb.ListJobsRequest, context: grpc.ServicerContext
    ) -> pb.ListJobsResponse:
        who = self._who(context)
        self._require(context, who, "ListJobs", "jobs:read", request.dataset or None)
        size, before = _page(request, context)
        state = (
            pb.JobState.Name(request.state).removeprefix("JOB_STATE_") if request.state else None
        )
        out: list[tuple[int, dict[str, Any]]] = []
        next_token = ""
        for cursor, row in self.repo.jobs(request.dataset or None, state, before):
            if not who.sees(row["dataset"]):
                continue  # other datasets do not exist for this token
            if len(out) == size:
                next_token = str(out[-1][0])
                break
            out.append((cursor, row))
        self.runner.record(who, "ListJobs", "OK", dataset=request.dataset)
        return pb.ListJobsResponse(
            jobs=[job_message(r) for _, r in out], next_page_token=next_token
        )

    def CancelJob(self, request: pb.JobRef, context: grpc.ServicerContext) -> pb.Job:
        who = self._who(context)
        job = self._job_for(context, who, "CancelJob", "scan:write", request.job_id)
        self.runner.cancel(job["job_id"])
        self.runner.record(who, "CancelJob", "OK", dataset=job["dataset"], job_id=job["job_id"])
        return job_message(self.runner.get(job["job_id"]) or job)

    # ------------------------------------------------------------------ shards
    def _published(
        self, context: grpc.ServicerContext, who: Principal, method: str, job_id: str
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        job = self._job_for(context, who, method, "shards:read", job_id)
        ver = self.repo.version_of_job(job["dataset"], job["job_id"])
        if ver is None:
            self.runner.record(
                who, method, "FAILED_PRECONDITION", dataset=job["dataset"], job_id=job_id
            )
            abort(
                context,
                grpc.StatusCode.FAILED_PRECONDITION,
                f"job {job_id} published nothing (state {job['state']})",
            )
        if ver["revoked"]:
            self.runner.record(
                who, method, "FAILED_PRECONDITION (revoked)", dataset=job["dataset"], job_id=job_id
            )
            abort(
                context,
                grpc.StatusCode.FAILED_PRECONDITION,
                f"version {ver['version']} of {job['dataset']} was revoked: {ver['revoked_reason']}",
            )
        return job, ver

    def _files(self, manifest_sha: str) -> dict[str, dict[str, Any]]:
        from gateway.trust.dsse import parse_envelope

        env = (self.runner.object_dir(manifest_sha) / MANIFEST_NAME).read_bytes()
        statement = json.loads(parse_envelope(env).payload)
        return {
            s["name"]: {"sha256": s["digest"]["sha256"], "bytes": s["annotations"]["bytes"]}
            for s in statement["subject"]
        }

    def GetManifest(self, request: pb.JobRef, context: grpc.ServicerContext) -> pb.Manifest:
        who = self._who(context)
        job, ver = self._published(context, who, "GetManifest", request.job_id)
        env = (self.runner.object_dir(ver["manifest_sha256"]) / MANIFEST_NAME).read_bytes()
        files = [
            pb.FileRef(name=n, sha256=f["sha256"], bytes=int(f["bytes"]))
            for n, f in sorted(self._files(ver["manifest_sha256"]).items())
        ]
        self.runner.record(who, "GetManifest", "OK", dataset=job["dataset"], job_id=job["job_id"])
        return pb.Manifest(
            job_id=job["job_id"],
            dataset=job["dataset"],
            version=ver["version"],
            envelope=env,
            files=files,
        )

    def PullShard(self, request: pb.ShardRef, context: grpc.ServicerContext) -> Iterator[pb.Chunk]:
        who = self._who(context)
        job, ver = self._published(context, who, "PullShard", request.job_id)
        files = self._files(ver["manifest_sha256"])
        if request.name not in files:  # only what the manifest vouches for; no paths
            abort(
                context,
                grpc.StatusCode.NOT_FOUND,
                f"{request.name!r} is not a file of this version",
            )
        path = self.runner.object_dir(ver["manifest_sha256"]) / request.name
        size = path.stat().st_size
        if not 0 <= request.offset <= size:
            abort(
                context,
                grpc.StatusCode.OUT_OF_RANGE,
                f"offset {request.offset} is outside 0..{size}",
            )
        self.runner.record(who, "PullShard", "OK", dataset=job["dataset"], job_id=job["job_id"])
        with path.open("rb") as f:
            f.seek(request.offset)
            offset = request.offset
            while data := f.read(CHUNK):
                yield pb.Chunk(data=data, offset=offset)
                offset += len(data)

    # ------------------------------------------------------------------ versions
    def ListVersions(
        self, request: pb.DatasetRef, context: grpc.ServicerContext
    ) -> pb.ListVersionsResponse:
        who = self._who(context)
        self._require(context, who, "ListVersions", "shards:read", request.dataset)
        rows = self.repo.versions(request.dataset)
        self.runner.record(who, "ListVersions", "OK", dataset=request.dataset)
        return pb.ListVersionsResponse(versions=[_version(r) for r in rows])

    def Revoke(self, request: pb.RevokeRequest, context: grpc.ServicerContext) -> pb.Version:
        who = self._who(context)
        self._require(context, who, "Revoke", "admin", request.dataset)
        if not request.reason.strip():
            abort(context, grpc.StatusCode.INVALID_ARGUMENT, "a revocation needs a reason")
        got = self.repo.revoke(request.dataset, request.version, request.reason)
        if got is None:
            abort(
                context,
                grpc.StatusCode.NOT_FOUND,
                f"no version {request.version} of {request.dataset}",
            )
        row, adapters = got
        if adapters:
            observe.ADAPTERS.labels(event="revoked").inc(adapters)
        self.runner.record(
            who,
            "Revoke",
            f"OK ({adapters} adapters revoked)" if adapters else "OK",
            dataset=request.dataset,
            job_id=row["job_id"],
        )
        return _version(row)

    # ------------------------------------------------------------------ adapters
    # The audit entry's input_sha256 is the adapter's id (its attestation payload's
    # sha256); its dataset, the datasets it was trained on.
    def _adapter_for(
        self,
        context: grpc.ServicerContext,
        who: Principal,
        method: str,
        scope: str,
        adapter_id: str,
    ) -> dict[str, Any]:
        row = self.repo.adapter(adapter_id) if adapter_id else None
        # unknown, and trained on a dataset the token cannot see: the same answer
        if row is None or not all(who.sees(d) for d, _ in row["datasets"]):
            self.runner.record(who, method, "PERMISSION_DENIED", input_sha256=adapter_id[:64])
            observe.AUTH_FAILURES.labels(reason="permission").inc()
            abort(
                context,
                grpc.StatusCode.PERMISSION_DENIED,
                f"no adapter {adapter_id!r} visible to this token",
            )
        if not who.may(scope):
            self._deny(context, who, method, f"this token lacks the {scope} scope", _names(row))
        return row

    def _adapter_refused(
        self,
        context: grpc.ServicerContext,
        who: Principal,
        method: str,
        code: grpc.StatusCode,
        message: str,
        *,
        dataset: str = "",
        adapter_id: str = "",
    ) -> NoReturn:
        observe.ADAPTERS.labels(event="refused").inc()
        self.runner.record(who, method, code.name, dataset=dataset, input_sha256=adapter_id)
        abort(context, code, message)

    def _adapter_message(self, row: dict[str, Any], with_attestation: bool) -> pb.Adapter:
        from gateway.service.registry import signer_ids
        from gateway.trust.dsse import parse_envelope

        env = parse_envelope(row["envelope"])
        subjects = json.loads(env.payload).get("subject", [])
        return pb.Adapter(
            adapter_id=row["adapter_id"],
            name=row["name"],
            root_digest=row["root_digest"],
            base_model=row["base_model"],
            base_root_digest=row["base_root_digest"],
            datasets=[pb.DatasetVersionRef(dataset=d, version=v) for d, v in row["datasets"]],
            files=[
                pb.FileRef(
                    name=f["name"],
                    sha256=f["digest"]["sha256"],
                    bytes=int(f["annotations"]["bytes"]),
                )
                for f in subjects
            ],
            signers=signer_ids(env, self.adapters.trust),
            promoted=bool(row["promoted"]),
            promoted_at=row["promoted_at"],
            revoked=bool(row["revoked"]),
            revoked_reason=row["revoked_reason"],
            created_at=row["created_at"],
            envelope_sha256=row["envelope_sha256"],
            attestation=bytes(row["envelope"]) if with_attestation else b"",
        )

    def _manifest(self, version: dict[str, Any] | None) -> bytes | None:
        if version is None:
            return None
        path = self.runner.object_dir(version["manifest_sha256"]) / MANIFEST_NAME
        try:
            return path.read_bytes()
        except OSError:
            return None

    def RegisterAdapter(
        self, request: pb.RegisterAdapterRequest, context: grpc.ServicerContext
    ) -> pb.Adapter:
        from gateway.service import registry

        method = "RegisterAdapter"
        who = self._who(context)
        self._require(context, who, method, "adapters:write")
        trust = self.adapters.trust
        if trust is None:
            self._adapter_refused(
                context,
                who,
                method,
                grpc.StatusCode.FAILED_PRECONDITION,
                str(registry.cannot_register()),
            )
        try:
            att = registry.read(request.attestation, trust)
        except (InputError, UsageError) as e:
            self._adapter_refused(context, who, method, grpc.StatusCode.INVALID_ARGUMENT, str(e))
        except VerificationError as e:
            self._adapter_refused(context, who, method, grpc.StatusCode.FAILED_PRECONDITION, str(e))
        names = ",".join(sorted({r.dataset for r in att.releases}))
        for rel in att.releases:  # every dataset it names, before saying anything about them
            self._require(context, who, method, "adapters:write", rel.dataset)

        def problem(rel: registry.Release, version: dict[str, Any] | None) -> str:
            return registry.release_problem(rel, version, self._manifest(version))

        try:
            row, new = self.repo.add_adapter(att, who.token_id, problem)
        except (InputError, VerificationError) as e:
            self._adapter_refused(
                context,
                who,
                method,
                grpc.StatusCode.FAILED_PRECONDITION,
                str(e),
                dataset=names,
                adapter_id=att.adapter_id,
            )
        observe.ADAPTERS.labels(event="registered" if new else "signatures added").inc()
        self.runner.record(
            who,
            method,
            "OK" if new else "OK (already registered; signatures merged)",
            dataset=names,
            input_sha256=att.adapter_id,
        )
        return self._adapter_message(row, with_attestation=False)

    def ListAdapters(
        self, request: pb.ListAdaptersRequest, context: grpc.ServicerContext
    ) -> pb.ListAdaptersResponse:
        who = self._who(context)
        self._require(context, who, "ListAdapters", "shards:read", request.dataset or None)
        size, before = _page(request, context)
        out: list[tuple[int, dict[str, Any]]] = []
        next_token = ""
        for cursor, row in self.repo.adapters(request.dataset or None, before):
            if not all(who.sees(d) for d, _ in row["datasets"]):
                continue  # trained on a dataset this token cannot see: not there for it
            if len(out) == size:
                next_token = str(out[-1][0])
                break
            out.append((cursor, row))
        self.runner.record(who, "ListAdapters", "OK", dataset=request.dataset)
        return pb.ListAdaptersResponse(
            adapters=[self._adapter_message(r, with_attestation=False) for _, r in out],
            next_page_token=next_token,
        )

    def GetAdapter(self, request: pb.AdapterRef, context: grpc.ServicerContext) -> pb.Adapter:
        who = self._who(context)
        row = self._adapter_for(context, who, "GetAdapter", "shards:read", request.adapter_id)
        self.runner.record(
            who, "GetAdapter", "OK", dataset=_names(row), input_sha256=row["adapter_id"]
        )
        return self._adapter_message(row, with_attestation=False)

    def PullAdapter(self, request: pb.AdapterRef, context: grpc.ServicerContext) -> pb.Adapter:
        who = self._who(context)
        row = self._adapter_for(context, who, "PullAdapter", "shards:read", request.adapter_id)
        if row["revoked"]:
            self._adapter_refused(
                context,
                who,
                "PullAdapter",
                grpc.StatusCode.FAILED_PRECONDITION,
                f"adapter {row['adapter_id']} was revoked: {row['revoked_reason']}",
                dataset=_names(row),
                adapter_id=row["adapter_id"],
            )
        observe.ADAPTERS.labels(event="pulled").inc()
        self.runner.record(
            who, "PullAdapter", "OK", dataset=_names(row), input_sha256=row["adapter_id"]
        )
        return self._adapter_message(row, with_attestation=True)

    def PromoteAdapter(
        self, request: pb.PromoteAdapterRequest, context: grpc.ServicerContext
    ) -> pb.Adapter:
        from gateway.service import registry
        from gateway.trust.dsse import parse_envelope

        method = "PromoteAdapter"
        who = self._who(context)
        row = self._adapter_for(context, who, method, "adapters:write", request.adapter_id)
        names, adapter_id = _names(row), row["adapter_id"]

        def refuse(code: grpc.StatusCode, message: str) -> NoReturn:
            self._adapter_refused(
                context, who, method, code, message, dataset=names, adapter_id=adapter_id
            )

        if row["revoked"]:
            refuse(
                grpc.StatusCode.FAILED_PRECONDITION,
                f"adapter {adapter_id} was revoked: {row['revoked_reason']}",
            )
        trust = self.adapters.trust
        if trust is None:
            refuse(grpc.StatusCode.FAILED_PRECONDITION, str(registry.cannot_register()))
        try:
            env = parse_envelope(row["envelope"])
            if request.attestation:
                env = registry.merge(env, parse_envelope(request.attestation))
            att = registry.read((env.to_json() + "\n").encode(), trust)
        except (InputError, UsageError) as e:
            refuse(grpc.StatusCode.INVALID_ARGUMENT, str(e))
        except VerificationError as e:
            refuse(grpc.StatusCode.FAILED_PRECONDITION, str(e))
        why = registry.promotion_refusal(att, self.adapters)
        if why is not None:
            refuse(grpc.StatusCode.FAILED_PRECONDITION, f"not promoted: {why}")
        promoted = self.repo.promote_adapter(adapter_id, att.envelope_bytes)
        if promoted is None:  # revoked between the check and the write
            refuse(grpc.StatusCode.FAILED_PRECONDITION, f"adapter {adapter_id} was revoked")
        observe.ADAPTERS.labels(event="promoted").inc()
        self.runner.record(who, method, "OK", dataset=names, input_sha256=adapter_id)
        return self._adapter_message(promoted, with_attestation=False)


def _version(r: Any) -> pb.Version:
    return pb.Version(
        dataset=r["dataset"],
        version=r["version"],
        job_id=r["job_id"],
        manifest_sha256=r["manifest_sha256"],
        revoked=bool(r["revoked"]),
        revoked_reason=r["revoked_reason"],
        created_at=r["created_at"],
    )


def _names(row: dict[str, Any]) -> str:
    """An adapter's datasets, for its audit entries."""
    return ",".join(sorted({d for d, _ in row["datasets"]}))


def _offer(q: queue.Queue[Any], ev: Any) -> None:
    """Progress is advisory: when the client reads slowly, drop it rather than block the scan."""
    with contextlib.suppress(queue.Full):
        q.put_nowait(ev)


def _page(request: Any, context: grpc.ServicerContext) -> tuple[int, int | None]:
    """A list call's page size (1 to PAGE_MAX, 50 by default) and the cursor it resumes
    before (None: from the newest)."""
    size = min(max(request.page_size or 50, 1), PAGE_MAX)
    if not request.page_token:
        return size, None
    try:
        return size, int(request.page_token)
    except ValueError:
        abort(context, grpc.StatusCode.INVALID_ARGUMENT, "bad page_token")
