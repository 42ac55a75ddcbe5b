"""The gRPC gateway end to end: a real server process on loopback, real clients."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest

from gateway.errors import VerificationError
from gateway.service.client import Connection, ServiceError, pull, submit
from gateway.service.pb import gateway_pb2 as pb
from gateway.service.pb import gateway_pb2_grpc as pbg
from tests.helpers import NO_MODELS, ROOT, alpaca, run_cli, write_jsonl

pytestmark = pytest.mark.slow


@dataclass
class Server:
    proc: subprocess.Popen[str]
    port: int
    data: Path
    pub: Path
    log: Path

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def conn(self, token: str) -> Connection:
        return Connection(self.address, token)

    def stub(self) -> pbg.GatewayStub:
        return pbg.GatewayStub(grpc.insecure_channel(self.address))


def start_server(
    tmp: Path, *extra: str, data: Path | None = None, key: Path | None = None
) -> Server:
    data = data or tmp / "data"
    if key is None:
        run_cli("keygen", "--out", tmp / "k")
        key = tmp / "k.key"
    log = tmp / f"serve-{time.monotonic_ns()}.log"
    with log.open("w") as fh:  # the child keeps its own descriptor
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gateway",
                "serve",
                "--data-dir",
                str(data),
                "--sign-key",
                str(key),
                "--port",
                "0",
                "--policy",
                str(NO_MODELS),
                *extra,
            ],
            stdout=fh,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=ROOT,
            env={**os.environ, "HF_HUB_OFFLINE": "1"},
        )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        m = re.search(r"serving on 127\.0\.0\.1:(\d+)", log.read_text())
        if m:
            return Server(proc, int(m.group(1)), data, key.with_suffix(".pub"), log)
        if proc.poll() is not None:
            raise AssertionError(f"server exited: {log.read_text()}")
        time.sleep(0.2)
    proc.kill()
    raise AssertionError(f"server did not start: {log.read_text()}")


def token(data: Path, scopes: str, datasets: str = "finance/*") -> str:
    proc = run_cli(
        "token", "create", "--data-dir", data, "--scopes", scopes, "--datasets", datasets
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("gw")
    s = start_server(
        tmp,
        "--workers",
        "2",
        "--max-scans-per-token",
        "16",
        "--metrics-port",
        "0",
        "--uploader-fields",
    )
    yield s
    s.proc.send_signal(signal.SIGTERM)
    s.proc.wait(timeout=60)


@pytest.fixture(scope="module")
def tokens(server: Server) -> dict[str, str]:
    return {
        "all": token(server.data, "scan:write,shards:read,jobs:read"),
        "admin": token(server.data, "admin", "*"),
        "reader": token(server.data, "shards:read,jobs:read"),
        "other": token(server.data, "scan:write,shards:read,jobs:read", "health/*"),
    }


def dataset_file(tmp: Path, n: int = 40, start: int = 0) -> Path:
    return write_jsonl(tmp / f"d{start}-{n}.jsonl", [alpaca(i) for i in range(start, start + n)])


def md(tok: str) -> tuple[tuple[str, str], ...]:
    return (("authorization", f"Bearer {tok}"),)


def stalled_upload(address: str, tok: str, dataset: str, key: str) -> tuple[Any, threading.Event]:
    """A Scan that sends its header and one row, then waits: the job stays RECEIVING."""
    stop = threading.Event()

    def requests() -> Iterator[pb.ScanRequest]:
        yield pb.ScanRequest(
            header=pb.ScanHeader(dataset=dataset, format=pb.FORMAT_JSONL, idempotency_key=key)
        )
        yield pb.ScanRequest(data=b'{"instruction": "a", "output": "b"}\n')
        stop.wait(60)

    return pbg.GatewayStub(grpc.insecure_channel(address)).Scan(requests(), metadata=md(tok)), stop


def wait_for_upload(data: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not list((data / "uploads").iterdir()):
        time.sleep(0.1)


def test_submit_pull_verify_with_the_cli(
    server: Server, tokens: dict[str, str], tmp_path: Path
) -> None:
    f = dataset_file(tmp_path)
    env = {"TUNEGATE_TOKEN": tokens["all"]}
    proc = run_cli(
        "submit", f, "--dataset", "finance/cli", "--server", server.address, "--json", env=env
    )
    assert proc.returncode == 0, proc.stderr
    job = json.loads(proc.stdout)
    assert (
        job["state"] == "JOB_STATE_SUCCEEDED" and job["version"] == "1" and job["rows_in"] == "40"
    )
    proc = run_cli(
        "pull",
        "finance/cli",
        "--server",
        server.address,
        "--out",
        tmp_path / "got",
        "--key",
        server.pub,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    assert (
        run_cli(
            "verify", tmp_path / "got", "--key", server.pub, "--dataset", "finance/cli"
        ).returncode
        == 0
    )
    # the same file again is the same job (idempotency key from file and dataset)
    again = json.loads(
        run_cli(
            "submit", f, "--dataset", "finance/cli", "--server", server.address, "--json", env=env
        ).stdout
    )
    assert again["job_id"] == job["job_id"]


def test_auth_failures(server: Server, tokens: dict[str, str], tmp_path: Path) -> None:
    stub = server.stub()
    cases = [
        ((), grpc.StatusCode.UNAUTHENTICATED),
        (md("tg_000000000000_" + "x" * 43), grpc.StatusCode.UNAUTHENTICATED),
        ((("authorization", "Basic abc"),), grpc.StatusCode.UNAUTHENTICATED),
    ]
    for meta, code in cases:
        with pytest.raises(grpc.RpcError) as e:
            stub.ListVersions(pb.DatasetRef(dataset="finance/cli"), metadata=meta)
        assert e.value.code() == code
    # wrong scope: a reader may not scan
    with pytest.raises(ServiceError, match=r"PERMISSION_DENIED.*scan:write"):
        submit(server.conn(tokens["reader"]), dataset_file(tmp_path, 5), "finance/x")
    # a dataset outside the token's patterns: same answer whether it exists or not
    msgs = []
    for ds in ("finance/cli", "finance/never-made"):
        with pytest.raises(grpc.RpcError) as e:
            stub.ListVersions(pb.DatasetRef(dataset=ds), metadata=md(tokens["other"]))
        assert e.value.code() == grpc.StatusCode.PERMISSION_DENIED
        msgs.append(e.value.details().replace(ds, "D"))
    assert msgs[0] == msgs[1]
    # ListJobs shows only what the token may see
    jobs = stub.ListJobs(pb.ListJobsRequest(), metadata=md(tokens["other"])).jobs
    assert all(j.dataset.startswith("health/") for j in jobs)
    # an unknown job and someone else's job look the same
    mine = stub.ListJobs(pb.ListJobsRequest(dataset="finance/cli"), metadata=md(tokens["all"])).jobs
    assert mine
    for job_id in (mine[0].job_id, "f" * 32):
        with pytest.raises(grpc.RpcError) as e:
            stub.GetJob(pb.JobRef(job_id=job_id), metadata=md(tokens["other"]))
        assert e.value.code() == grpc.StatusCode.PERMISSION_DENIED


def test_eight_concurrent_clients(server: Server, tokens: dict[str, str], tmp_path: Path) -> None:
    files = [dataset_file(tmp_path, 30, start=1000 * i) for i in range(8)]
    results: list[pb.Job | BaseException] = [None] * 8  # type: ignore[list-item]

    def one(i: int) -> None:
        try:
            results[i] = submit(
                server.conn(tokens["all"]),
                files[i],
                "finance/concurrent" if i % 2 else f"finance/c{i}",
            )
        except BaseException as e:
            results[i] = e

    threads = [threading.Thread(target=one, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    failed = {
        i: (r if isinstance(r, BaseException) else (pb.JobState.Name(r.state), r.error))
        for i, r in enumerate(results)
        if not (isinstance(r, pb.Job) and r.state == pb.JOB_STATE_SUCCEEDED)
    }
    assert not failed, failed
    shared = sorted(r.version for i, r in enumerate(results) if i % 2)  # type: ignore[union-attr]
    assert shared == [1, 2, 3, 4]  # one dataset: versions in order, none lost


def test_disconnect_mid_stream_publishes_nothing(
    server: Server, tokens: dict[str, str], tmp_path: Path
) -> None:
    call, stop = stalled_upload(server.address, tokens["all"], "finance/dropped", "drop-1")
    wait_for_upload(server.data)  # the server has opened the job and holds the upload
    call.cancel()
    stop.set()
    stub = server.stub()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        jobs = stub.ListJobs(
            pb.ListJobsRequest(dataset="finance/dropped"), metadata=md(tokens["all"])
        ).jobs
        if jobs and jobs[0].state == pb.JOB_STATE_CANCELLED:
            break
        time.sleep(0.2)
    assert jobs and jobs[0].state == pb.JOB_STATE_CANCELLED
    assert not stub.ListVersions(
        pb.DatasetRef(dataset="finance/dropped"), metadata=md(tokens["all"])
    ).versions
    assert not any((server.data / "uploads").iterdir())  # its upload is gone


def test_garbage_client_does_not_hurt_others(
    server: Server, tokens: dict[str, str], tmp_path: Path
) -> None:
    stub = server.stub()
    good: list[pb.Job] = []
    t = threading.Thread(
        target=lambda: good.append(
            submit(server.conn(tokens["all"]), dataset_file(tmp_path, 25, 500), "finance/good")
        )
    )
    t.start()
    for reqs in (
        [pb.ScanRequest(data=b"no header first")],
        [
            pb.ScanRequest(header=pb.ScanHeader(dataset="finance/bad", format=pb.FORMAT_PARQUET)),
            pb.ScanRequest(data=b"\x00\x01 not parquet"),
        ],
        [
            pb.ScanRequest(
                header=pb.ScanHeader(
                    dataset="finance/bad", format=pb.FORMAT_JSONL, idempotency_key="g3"
                )
            ),
            pb.ScanRequest(data=b'{"instruction": "ok", "output": "x"}\n{not json\n'),
        ],
        [pb.ScanRequest(header=pb.ScanHeader(dataset="finance/../../etc", format=pb.FORMAT_JSONL))],
    ):
        with pytest.raises(grpc.RpcError) as e:
            list(stub.Scan(iter(reqs), metadata=md(tokens["all"])))
        assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT, e.value.details()
    t.join(timeout=300)
    assert good and good[0].state == pb.JOB_STATE_SUCCEEDED


def test_revoke_then_pull_is_refused(
    server: Server, tokens: dict[str, str], tmp_path: Path
) -> None:
    job = submit(server.conn(tokens["all"]), dataset_file(tmp_path, 20, 700), "finance/revoked")
    stub = server.stub()
    with pytest.raises(grpc.RpcError) as e:  # revoking takes the admin scope
        stub.Revoke(
            pb.RevokeRequest(dataset="finance/revoked", version=job.version, reason="x"),
            metadata=md(tokens["all"]),
        )
    assert e.value.code() == grpc.StatusCode.PERMISSION_DENIED
    v = stub.Revoke(
        pb.RevokeRequest(dataset="finance/revoked", version=job.version, reason="label leak found"),
        metadata=md(tokens["admin"]),
    )
    assert v.revoked
    with pytest.raises(grpc.RpcError) as e:
        list(
            stub.PullShard(
                pb.ShardRef(job_id=job.job_id, name="report.json"), metadata=md(tokens["all"])
            )
        )
    assert e.value.code() == grpc.StatusCode.FAILED_PRECONDITION and "revoked" in e.value.details()
    proc = run_cli(
        "pull",
        "finance/revoked",
        "--server",
        server.address,
        "--out",
        tmp_path / "r",
        "--key",
        server.pub,
        env={"TUNEGATE_TOKEN": tokens["all"]},
    )
    assert proc.returncode == 3 and "revoked" in proc.stderr
    assert not (tmp_path / "r").exists()


def test_pull_resumes_and_refuses_a_wrong_key(
    server: Server, tokens: dict[str, str], tmp_path: Path
) -> None:
    rows = [alpaca(i) for i in range(900, 920)]
    rows[3]["input"] = "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    events: list[pb.Progress] = []
    job = submit(
        server.conn(tokens["all"]),
        write_jsonl(tmp_path / "r.jsonl", rows),
        "finance/resume",
        on_progress=events.append,
    )
    scanning = [e for e in events if e.stage == "scanning"]
    assert scanning and scanning[-1].rows == 20 and scanning[-1].total_rows == 20
    assert scanning[-1].findings >= 1  # the planted secret, counted while the scan ran
    conn = server.conn(tokens["all"])
    run_cli("keygen", "--out", tmp_path / "stranger")
    with pytest.raises(VerificationError):
        pull(conn, "finance/resume", "latest", tmp_path / "bad", keys=[tmp_path / "stranger.pub"])
    assert not (tmp_path / "bad").exists() and not list(tmp_path.glob(".bad.partial-*"))
    # a broken download: half a file is already there; pull fetches the rest
    stage = tmp_path / f".ok.partial-{job.manifest_sha256[:16]}"
    m = server.stub().GetManifest(pb.JobRef(job_id=job.job_id), metadata=md(tokens["all"]))
    big = max(m.files, key=lambda f: f.bytes)
    data = b"".join(
        c.data
        for c in server.stub().PullShard(
            pb.ShardRef(job_id=job.job_id, name=big.name), metadata=md(tokens["all"])
        )
    )
    (stage / big.name).parent.mkdir(parents=True)
    (stage / big.name).write_bytes(data[: len(data) // 2])
    got = pull(conn, "finance/resume", "latest", tmp_path / "ok", keys=[server.pub])
    assert got["verified"] and (tmp_path / "ok" / big.name).read_bytes() == data
    with pytest.raises(grpc.RpcError) as e:  # only files the manifest names
        list(
            server.stub().PullShard(
                pb.ShardRef(job_id=job.job_id, name="../../tunegate.sqlite"),
                metadata=md(tokens["all"]),
            )
        )
    assert e.value.code() == grpc.StatusCode.NOT_FOUND


def test_health_reflection_and_metrics(server: Server, tokens: dict[str, str]) -> None:
    from grpc_health.v1 import health_pb2, health_pb2_grpc
    from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

    ch = grpc.insecure_channel(server.address)
    resp = health_pb2_grpc.HealthStub(ch).Check(
        health_pb2.HealthCheckRequest(service="tunegate.v1.Gateway")
    )
    assert resp.status == health_pb2.HealthCheckResponse.SERVING
    refl = reflection_pb2_grpc.ServerReflectionStub(ch)
    out = list(
        refl.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(list_services="")]))
    )
    names = {s.name for s in out[0].list_services_response.service}
    assert "tunegate.v1.Gateway" in names and "grpc.health.v1.Health" in names
    m = re.search(r'"metrics_port": (\d+)', server.log.read_text())
    assert m, server.log.read_text()[-2000:]
    text = (
        urllib.request.urlopen(f"http://127.0.0.1:{m.group(1)}/metrics", timeout=10).read().decode()
    )
    assert (
        "tunegate_scans_total" in text
        and "tunegate_auth_failures_total" in text
        and 'tunegate_rows_total{outcome="clean"}' in text
    )


def test_audit_chain_detects_tampering(
    server: Server, tokens: dict[str, str], tmp_path: Path
) -> None:
    proc = run_cli("audit", "verify", "--data-dir", server.data)
    assert proc.returncode == 0 and "audit log ok" in proc.stdout, proc.stderr
    copy = tmp_path / "data"
    copy.mkdir()
    src = sqlite3.connect(server.data / "tunegate.sqlite")
    dst = sqlite3.connect(copy / "tunegate.sqlite")
    src.backup(dst)
    src.close()
    rows = [r[0] for r in dst.execute("SELECT seq FROM audit ORDER BY seq")]
    dst.execute("UPDATE audit SET result = 'tampered' WHERE seq = ?", (rows[2],))
    dst.commit()
    proc = run_cli("audit", "verify", "--data-dir", copy)
    assert proc.returncode == 3 and f"entry {rows[2]}" in proc.stderr
    dst.execute("DELETE FROM audit WHERE seq = ?", (rows[1],))
    dst.commit()
    dst.close()
    proc = run_cli("audit", "verify", "--data-dir", copy)
    assert proc.returncode == 3 and f"entry {rows[1]}" in proc.stderr


def test_kill_9_and_restart_fails_interrupted_jobs(tmp_path: Path) -> None:
    s = start_server(tmp_path)
    tok = token(s.data, "scan:write,shards:read,jobs:read")
    call, stop = stalled_upload(s.address, tok, "finance/killed", "k")
    wait_for_upload(s.data)
    s.proc.kill()
    s.proc.wait()
    stop.set()
    call.cancel()
    s2 = start_server(tmp_path, data=s.data, key=s.pub.with_suffix(".key"))
    try:
        stub = s2.stub()
        [job] = stub.ListJobs(pb.ListJobsRequest(dataset="finance/killed"), metadata=md(tok)).jobs
        assert job.state == pb.JOB_STATE_FAILED and "interrupted" in job.error
        assert not stub.ListVersions(
            pb.DatasetRef(dataset="finance/killed"), metadata=md(tok)
        ).versions
        assert not any((s2.data / "uploads").iterdir())
        # and it serves again
        job2 = submit(s2.conn(tok), dataset_file(tmp_path, 10), "finance/killed")
        assert job2.state == pb.JOB_STATE_SUCCEEDED and job2.version == 1
    finally:
        s2.proc.send_signal(signal.SIGTERM)
        assert s2.proc.wait(timeout=60) == 0


def test_plaintext_off_loopback_is_refused(tmp_path: Path) -> None:
    run_cli("keygen", "--out", tmp_path / "k")
    proc = run_cli(
        "serve",
        "--data-dir",
        tmp_path / "d",
        "--sign-key",
        tmp_path / "k.key",
        "--host",
        "0.0.0.0",
        "--port",
        "0",
    )
    assert proc.returncode == 2 and "plaintext" in proc.stderr


def test_generated_stubs_match_the_proto(tmp_path: Path) -> None:
    subprocess.run(
        [str(ROOT / "scripts" / "gen_protos"), str(tmp_path)],
        check=True,
        env={**os.environ, "PYTHON": sys.executable},
    )
    for f in tmp_path.iterdir():
        assert f.read_bytes() == (ROOT / "gateway" / "service" / "pb" / f.name).read_bytes(), f.name


def _cert(
    tmp: Path, name: str, ca: tuple[object, object] | None = None, server: bool = False
) -> tuple[Path, Path, tuple[object, object]]:
    """A P-256 certificate: self-signed when ``ca`` is None, else signed by it."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    issuer_key, issuer = (key, subject) if ca is None else ca
    now = dt.datetime.now(dt.UTC)
    b = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)  # type: ignore[arg-type]
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca is None, path_length=None), critical=True)
    )
    if server:
        b = b.add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False
        )
    cert = b.sign(issuer_key, hashes.SHA256())  # type: ignore[arg-type]
    c, k = tmp / f"{name}.crt", tmp / f"{name}.key"
    c.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    k.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return c, k, (key, subject)


def test_mutual_tls(tmp_path: Path) -> None:
    ca_crt, _, ca = _cert(tmp_path, "ca")
    srv_crt, srv_key, _ = _cert(tmp_path, "server", ca, server=True)
    cli_crt, cli_key, _ = _cert(tmp_path, "client", ca)
    s = start_server(
        tmp_path, "--tls-cert", str(srv_crt), "--tls-key", str(srv_key), "--client-ca", str(ca_crt)
    )
    try:
        tok = token(s.data, "scan:write,shards:read,jobs:read")
        addr = f"localhost:{s.port}"
        ok = Connection(addr, tok, ca_cert=ca_crt, client_cert=cli_crt, client_key=cli_key)
        job = submit(ok, dataset_file(tmp_path, 10), "finance/tls")
        assert job.state == pb.JOB_STATE_SUCCEEDED
        with pytest.raises(ServiceError, match="UNAVAILABLE"):  # no client certificate
            submit(Connection(addr, tok, ca_cert=ca_crt), dataset_file(tmp_path, 10), "finance/tls")
        with pytest.raises(ServiceError, match="UNAVAILABLE"):  # plaintext to a TLS port
            submit(Connection(addr, tok), dataset_file(tmp_path, 10), "finance/tls")
    finally:
        s.proc.send_signal(signal.SIGTERM)
        assert s.proc.wait(timeout=60) == 0


def test_sigterm_drains_and_marks_what_is_left(tmp_path: Path) -> None:
    s = start_server(tmp_path, "--grace", "1")
    tok = token(s.data, "scan:write,shards:read,jobs:read")
    done = submit(s.conn(tok), dataset_file(tmp_path, 10), "finance/before")  # finished work stays
    call, stop = stalled_upload(s.address, tok, "finance/stalled", "s")
    wait_for_upload(s.data)
    s.proc.send_signal(signal.SIGTERM)
    assert s.proc.wait(timeout=60) == 0
    stop.set()
    call.cancel()
    db = sqlite3.connect(s.data / "tunegate.sqlite")
    states = dict(db.execute("SELECT dataset, state FROM jobs").fetchall())
    versions = db.execute("SELECT dataset FROM versions").fetchall()
    db.close()
    assert states["finance/before"] == "SUCCEEDED" and done.version == 1
    assert states["finance/stalled"] in ("INTERRUPTED", "CANCELLED")
    assert versions == [("finance/before",)]


def test_failure_logs_carry_the_stack_but_never_the_message() -> None:
    """An exception's message may quote a row ('could not parse 4111 1111 ...'): the log
    keeps where it failed and its type, not the text."""
    import io
    import logging

    from gateway.service import observe

    def fails() -> None:
        raise ValueError("could not parse 'jane.doe@example.com'")

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(observe.JsonFormatter())
    observe.LOG.addHandler(handler)
    try:
        try:
            fails()
        except ValueError as e:
            observe.log_failure("scan failed", e, job_id="j1")
    finally:
        observe.LOG.removeHandler(handler)
    doc = json.loads(stream.getvalue().splitlines()[-1])
    assert doc["error_type"] == "ValueError" and "in fails" in doc["traceback"]
    assert doc["job_id"] == "j1" and doc["level"] == "ERROR"
    assert "jane.doe" not in stream.getvalue()


def _decided(out: Path) -> dict[str, Any]:
    """What a scan decided about each row: clean rows whole, quarantined ones by reason."""
    import pyarrow.parquet as pq

    def rows(split: str) -> list[dict[str, Any]]:
        return [
            r for f in sorted((out / split).glob("*.parquet")) for r in pq.read_table(f).to_pylist()
        ]

    return {
        "clean": rows("clean"),
        "quarantine": {
            r["tunegate_row_id"]: [
                (x["detector"], x["rule"], x["evidence"]) for x in r["tunegate_reasons"]
            ]
            for r in rows("quarantine")
        },
    }


def test_two_tenants_with_overlapping_rows_each_get_what_a_fresh_scan_gives(
    server: Server, tmp_path: Path
) -> None:
    """Tenant B sends tenant A's rows in another order, plus one row of its own. Each
    version must equal a fresh CLI scan of the same file: no row of A's is a duplicate
    of anything in B's, and B learns nothing of what A sent."""
    import random

    rows = [alpaca(i) for i in range(300)] + [alpaca(7), alpaca(42)]  # A's own duplicates
    b_rows = list(rows)
    random.Random(5).shuffle(b_rows)
    b_rows.append(alpaca(1000))
    files = {
        "tenant-a/faq": write_jsonl(tmp_path / "a.jsonl", rows),
        "tenant-b/faq": write_jsonl(tmp_path / "b.jsonl", b_rows),
    }
    for dataset, f in files.items():
        tok = token(server.data, "scan:write,shards:read,jobs:read", dataset.split("/")[0] + "/*")
        job = submit(server.conn(tok), f, dataset)
        assert job.state == pb.JOB_STATE_SUCCEEDED, job.error
        got = tmp_path / f"pulled-{dataset.replace('/', '-')}"
        pull(server.conn(tok), dataset, "latest", got, keys=[server.pub])
        fresh = tmp_path / f"fresh-{dataset.replace('/', '-')}"
        proc = run_cli("scan", f, "--out", fresh, "--policy", NO_MODELS)
        assert proc.returncode == 0, proc.stderr
        assert _decided(got) == _decided(fresh), dataset
    kept_b = _decided(tmp_path / "pulled-tenant-b-faq")
    assert len(kept_b["clean"]) == 301  # every distinct row B sent


def test_field_mapping_roles_are_honoured_or_refused_by_name(
    server: Server, tokens: dict[str, str], tmp_path: Path
) -> None:
    f = write_jsonl(
        tmp_path / "roles.jsonl",
        [
            {
                "q": f"Question {i}: {alpaca(i)['instruction']}",
                "notes": "ctx",
                "a": alpaca(i)["output"],
            }
            for i in range(5)
        ],
    )
    conn = server.conn(tokens["all"])
    job = submit(conn, f, "finance/roles", fields=["q=prompt", "notes=context", "a=response"])
    assert job.state == pb.JOB_STATE_SUCCEEDED, job.error
    got = pull(conn, "finance/roles", "latest", tmp_path / "got", keys=[server.pub])
    assert got
    schema = json.loads((tmp_path / "got" / "report.json").read_text())["schema"]
    roles = {c["name"]: c["role"] for c in schema["columns"]}
    assert roles == {"q": "prompt", "notes": "context", "a": "response"}
    with pytest.raises(ServiceError) as e:
        submit(conn, f, "finance/roles", fields=["q=boss", "a"], idempotency_key="roles-bad")
    assert "INVALID_ARGUMENT" in str(e.value) and "'boss'" in str(e.value)
