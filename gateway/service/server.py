"""Build and run the gRPC server: auth interceptor, health, reflection, TLS, metrics, drain.

Plaintext is allowed only on loopback unless ``--insecure`` says otherwise; with
``--client-ca`` every client must present a certificate that CA signed (mutual TLS).
On SIGTERM the server stops taking calls, lets running scans finish for the grace
period, and marks what is left interrupted; after a crash, ``recover`` marks jobs that
were running as failed before the first call is served.
"""

from __future__ import annotations

import os
import signal
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from gateway.core.locks import hold
from gateway.core.policy import load_policy
from gateway.errors import UsageError
from gateway.service import audit, observe
from gateway.service.addresses import is_loopback
from gateway.service.auth import authenticate, bearer
from gateway.service.jobs import JobRunner, Limits, UploaderChoices
from gateway.service.pb import gateway_pb2 as pb
from gateway.service.pb import gateway_pb2_grpc as pbg
from gateway.service.registry import AdapterPolicy
from gateway.service.servicer import GatewayServicer
from gateway.service.store import Store
from gateway.service.streams import HEALTH_THREADS, RESERVED, CallGate, StreamGate
from gateway.trust.keys import load_signer

SERVICE = pb.DESCRIPTOR.services_by_name["Gateway"].full_name
OPEN_PREFIXES = ("/grpc.health.v1.", "/grpc.reflection.")


@dataclass(frozen=True, slots=True)
class ServeOptions:
    data_dir: Path
    sign_key: Path
    host: str = "127.0.0.1"
    port: int = 50051
    policy: Path | None = None
    device: str = "auto"
    workers: int = 2
    tls_cert: Path | None = None
    tls_key: Path | None = None
    client_ca: Path | None = None
    insecure: bool = False
    metrics_port: int | None = None
    max_message_bytes: int = 8 << 20
    limits: Limits = field(default_factory=Limits)
    grace_s: float = 30.0
    choices: UploaderChoices = field(default_factory=UploaderChoices)
    audit_head_every: int = 100  # audit entries between signed heads
    audit_head_seconds: float = 60.0  # and at most this long between them while entries come
    adapters: AdapterPolicy = field(default_factory=AdapterPolicy)  # the adapter registry's


class RefusalWindow:
    """Counts unauthenticated calls; says when to audit them. Every one is counted in
    metrics, but a flood of bad tokens must not become a flood of audit rows (each is a
    synchronous SQLite write): the first refusal in a window is audited with the number
    refused since the last entry, the rest only counted."""

    WINDOW_S = 10.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next = 0.0
        self._pending = 0

    def record(self) -> int:
        """How many refusals to audit now (0: not now)."""
        with self._lock:
            self._pending += 1
            t = time.monotonic()
            if t < self._next:
                return 0
            self._next = t + self.WINDOW_S
            n, self._pending = self._pending, 0
            return n


class AuthInterceptor(grpc.ServerInterceptor):  # type: ignore[misc]
    """UNAUTHENTICATED before any method runs; a request id and timing for every call."""

    def __init__(self, store: Store, calls: CallGate | None = None) -> None:
        self.store = store
        self.refusals = RefusalWindow()
        self.calls = calls or CallGate(1 << 30)

    def intercept_service(
        self, continuation: Callable[[Any], Any], details: grpc.HandlerCallDetails
    ) -> Any:
        method = details.method
        if method.startswith(OPEN_PREFIXES):
            return continuation(details)
        rid = uuid.uuid4().hex[:16]
        who = authenticate(self.store, bearer(details.invocation_metadata))
        short = method.rsplit("/", 1)[-1]
        if who is None:
            observe.AUTH_FAILURES.labels(reason="token").inc()
            refused = self.refusals.record()
            if refused:  # a flood is one audit entry per window, with its size
                audit.append(
                    self.store,
                    token_id="-",
                    method=short,
                    result="UNAUTHENTICATED" + (f" x{refused}" if refused > 1 else ""),
                )
                observe.log("refused", request_id=rid, method=short, code="UNAUTHENTICATED")
            return _abort_handler(
                continuation(details), grpc.StatusCode.UNAUTHENTICATED, "missing or invalid token"
            )
        handler = continuation(details)
        if handler is None:
            return None
        return _timed(handler, short, rid, who.token_id, self.calls)


def _outcome(context: grpc.ServicerContext, error: BaseException | None) -> str:
    code = getattr(context, "code", lambda: None)()  # set by abort() or set_code()
    if isinstance(code, grpc.StatusCode):
        return str(code.name)
    if error is None:
        return "OK"
    return "CANCELLED" if isinstance(error, GeneratorExit) else "ERROR"


def _abort_handler(handler: Any, code: grpc.StatusCode, message: str) -> Any:
    def deny(request: Any, context: grpc.ServicerContext) -> Any:
        context.abort(code, message)

    if handler is None:
        return None
    if handler.request_streaming and handler.response_streaming:
        return grpc.stream_stream_rpc_method_handler(deny)
    if handler.response_streaming:
        return grpc.unary_stream_rpc_method_handler(deny)
    if handler.request_streaming:
        return grpc.stream_unary_rpc_method_handler(deny)
    return grpc.unary_unary_rpc_method_handler(deny)


def _timed(handler: Any, method: str, rid: str, token_id: str, calls: CallGate) -> Any:
    """The same handler, with its latency and outcome logged and measured, and refused
    when ``calls`` says the server's threads are taken.

    The outcome is the status the call ended with: OK, the code an abort set, CANCELLED
    when the client went away mid-stream, ERROR only for an exception nobody mapped."""

    def admit(context: grpc.ServicerContext) -> None:
        if not calls.enter():
            context.abort(
                grpc.StatusCode.RESOURCE_EXHAUSTED,
                f"the server is running {calls.limit} calls, its limit; retry shortly",
            )

    def done(t: float, context: grpc.ServicerContext, error: BaseException | None) -> None:
        code = _outcome(context, error)
        secs = time.perf_counter() - t
        observe.CALLS.labels(method=method, code=code).observe(secs)
        observe.log(
            "call",
            request_id=rid,
            method=method,
            token_id=token_id,
            code=code,
            ms=round(secs * 1000, 1),
        )

    def unary(fn: Callable[..., Any]) -> Callable[..., Any]:
        def call(request: Any, context: grpc.ServicerContext) -> Any:
            t, error = time.perf_counter(), None
            try:
                admit(context)
                try:
                    return fn(request, context)
                finally:
                    calls.leave()
            except BaseException as e:
                error = e
                raise
            finally:
                done(t, context, error)

        return call

    def streaming(fn: Callable[..., Any]) -> Callable[..., Any]:
        def call(request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
            t, error = time.perf_counter(), None
            try:
                admit(context)
                try:
                    yield from fn(request, context)
                finally:
                    calls.leave()
            except BaseException as e:
                error = e
                raise
            finally:
                done(t, context, error)

        return call

    ser = {
        "request_deserializer": handler.request_deserializer,
        "response_serializer": handler.response_serializer,
    }
    if handler.request_streaming and handler.response_streaming:
        return grpc.stream_stream_rpc_method_handler(streaming(handler.stream_stream), **ser)
    if handler.response_streaming:
        return grpc.unary_stream_rpc_method_handler(streaming(handler.unary_stream), **ser)
    if handler.request_streaming:
        return grpc.stream_unary_rpc_method_handler(unary(handler.stream_unary), **ser)
    return grpc.unary_unary_rpc_method_handler(unary(handler.unary_unary), **ser)


def build(opts: ServeOptions) -> tuple[grpc.Server, JobRunner, int]:
    tls = opts.tls_cert is not None or opts.tls_key is not None
    if (opts.tls_cert is None) != (opts.tls_key is None):
        raise UsageError("--tls-cert and --tls-key go together")
    if opts.client_ca is not None and not tls:
        raise UsageError("--client-ca (mutual TLS) needs --tls-cert and --tls-key")
    if not tls and not is_loopback(opts.host) and not opts.insecure:
        raise UsageError(
            f"refusing plaintext on {opts.host}: give --tls-cert/--tls-key, or --insecure if "
            "something else encrypts this network"
        )
    # uploads, the database and published objects are the server's alone
    os.umask(0o077)
    opts.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    lock = hold(
        opts.data_dir / "serve.lock",
        f"{opts.data_dir}: another tunegate serve uses this data dir; stop it first, or give "
        "this one its own --data-dir",
    )
    for name in sorted(opts.choices.policies):  # an allowed name must be a policy now
        path = opts.data_dir / "policies" / f"{name}.toml"
        if not path.is_file():
            raise UsageError(
                f"--uploader-policy {name}: no {path}; write that policy first, or drop the flag"
            )
        load_policy(path)  # a broken policy fails serve, not an uploader's first scan
    store = Store(opts.data_dir)
    # private copies of uploads (Parquet is copied before it is read) stay in the data
    # dir, 0700, not in a shared /tmp that may be RAM
    scratch = opts.data_dir / "tmp"
    scratch.mkdir(mode=0o700, exist_ok=True)
    for stale in scratch.glob("tunegate-input-*"):  # left by a process that was killed
        stale.unlink(missing_ok=True)
    tempfile.tempdir = str(scratch)
    signer = load_signer(opts.sign_key)
    store.audit_signer, store.audit_head_every = signer, opts.audit_head_every
    runner = JobRunner(
        store,
        opts.data_dir,
        default_policy=opts.policy,
        signer=signer,
        device=opts.device,
        workers=opts.workers,
        limits=opts.limits,
        choices=opts.choices,
    )
    recovered = runner.recover()
    if recovered:
        observe.log("recovered", failed_jobs=recovered)
    observe.log("audit head signed", seq=audit.sign_head(store, signer))
    threads = max(16, 4 * opts.workers)
    streams = StreamGate(opts.limits.max_scans_per_token, threads - RESERVED)
    server = grpc.server(
        ThreadPoolExecutor(max_workers=threads, thread_name_prefix="rpc"),
        interceptors=[AuthInterceptor(store, CallGate(threads - HEALTH_THREADS))],
        options=[
            ("grpc.max_receive_message_length", opts.max_message_bytes),
            ("grpc.max_send_message_length", opts.max_message_bytes),
        ],
    )
    pbg.add_GatewayServicer_to_server(GatewayServicer(runner, streams, opts.adapters), server)  # type: ignore[no-untyped-call]
    health_servicer = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    for name in ("", SERVICE):
        health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    reflection.enable_server_reflection(
        (SERVICE, health.SERVICE_NAME, reflection.SERVICE_NAME), server
    )
    address = f"{opts.host}:{opts.port}"
    if tls:
        assert opts.tls_cert is not None and opts.tls_key is not None
        creds = grpc.ssl_server_credentials(
            [(opts.tls_key.read_bytes(), opts.tls_cert.read_bytes())],
            root_certificates=opts.client_ca.read_bytes() if opts.client_ca else None,
            require_client_auth=opts.client_ca is not None,
        )
        port = server.add_secure_port(address, creds)
    else:
        port = server.add_insecure_port(address)
    if port == 0:
        raise UsageError(f"cannot listen on {address}")
    server._tunegate_health = health_servicer
    server._tunegate_lock = lock  # held, by this descriptor, for the life of the process
    return server, runner, port


def serve(opts: ServeOptions, ready: Callable[[int], None] | None = None) -> None:
    observe.setup_logging()
    server, runner, port = build(opts)
    if opts.metrics_port is not None:
        observe.log("metrics", metrics_port=observe.serve_metrics(opts.metrics_port))
    stop = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    server.start()
    observe.log("serving", port=port, tls=opts.tls_cert is not None, data_dir=str(opts.data_dir))
    if ready is not None:
        ready(port)
    signer = runner.store.audit_signer
    assert signer is not None
    next_head = time.monotonic() + opts.audit_head_seconds
    while not stop.wait(0.5):
        observe.QUEUE.set(runner.waiting)
        if time.monotonic() >= next_head:  # a quiet tail is signed too, not only every N
            next_head = time.monotonic() + opts.audit_head_seconds
            try:
                seq = audit.sign_head_if_new(runner.store, signer)
            except Exception as e:  # a busy database must not skip the drain below
                observe.log("audit head not signed", error=type(e).__name__)
                continue
            if seq is not None:
                observe.log("audit head signed", seq=seq)
    observe.log("draining", grace_s=opts.grace_s)
    server._tunegate_health.enter_graceful_shutdown()
    server.stop(opts.grace_s).wait()
    runner.interrupt_all()
    runner.pool.shutdown(wait=False, cancel_futures=True)
    assert runner.store.audit_signer is not None
    observe.log("audit head signed", seq=audit.sign_head(runner.store, runner.store.audit_signer))
    observe.log("stopped")
