"""An uploader with an ordinary scan:write token chooses only what the operator allows.

The real server on loopback, with the rules-only test policy so it starts in seconds.
"""

from __future__ import annotations

import json
import queue
import signal
import sqlite3
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import grpc
import pytest

from gateway.errors import VerificationError
from gateway.service.client import ServiceError, pull, submit
from gateway.service.pb import gateway_pb2 as pb
from tests.helpers import NO_MODELS, alpaca, run_cli, write_jsonl
from tests.test_service import Server, start_server, token


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server that lets uploaders choose the policy 'strict' and nothing else."""
    tmp = tmp_path_factory.mktemp("hostile-gw")
    policies = tmp / "data" / "policies"
    policies.mkdir(parents=True)
    for name in ("strict", "lax"):
        (policies / f"{name}.toml").write_text(
            NO_MODELS.read_text().replace('"test/no-models"', f'"test/{name}"')
        )
    s = start_server(
        tmp, "--uploader-policy", "strict", "--max-scan-rows", "100", "--audit-head-every", "1"
    )
    yield s
    s.proc.send_signal(signal.SIGTERM)
    s.proc.wait(timeout=60)


@pytest.fixture
def rows(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "rows.jsonl", [alpaca(i) for i in range(5)])


@pytest.mark.slow
def test_uploader_cannot_choose_fields_the_server_did_not_allow(
    gateway: Server, rows: Path
) -> None:
    """``submit --fields instruction`` once took output out of injection's sight."""
    conn = gateway.conn(token(gateway.data, "scan:write"))
    with pytest.raises(ServiceError) as e:
        submit(conn, rows, "finance/a", fields=["instruction"])
    assert "PERMISSION_DENIED" in str(e.value) and "--uploader-fields" in str(e.value)


@pytest.mark.slow
def test_uploader_cannot_pick_a_policy_off_the_allow_list(gateway: Server, rows: Path) -> None:
    conn = gateway.conn(token(gateway.data, "scan:write"))
    with pytest.raises(ServiceError) as e:
        submit(conn, rows, "finance/b", policy="lax")
    assert "PERMISSION_DENIED" in str(e.value) and "'lax'" in str(e.value)
    assert "strict" in str(e.value)  # says what is allowed
    job = submit(conn, rows, "finance/b", policy="strict")
    assert job.state == pb.JOB_STATE_SUCCEEDED, job.error


@pytest.mark.slow
def test_one_line_json_array_cannot_slip_past_the_row_limit(
    gateway: Server, tmp_path: Path
) -> None:
    """The limit counted newlines: 500 rows on one line passed a limit of 100."""
    upload = tmp_path / "array.jsonl"
    upload.write_text(json.dumps([alpaca(i) for i in range(500)]))  # one line, no newline
    conn = gateway.conn(token(gateway.data, "scan:write"))
    try:
        job = submit(conn, upload, "finance/c")
    except ServiceError as e:
        message = str(e)
    else:
        assert job.state == pb.JOB_STATE_FAILED
        message = job.error
    assert "500 rows" in message and "at most 100" in message


@pytest.mark.slow
def test_another_token_reusing_an_idempotency_key_gets_its_own_job(
    gateway: Server, tmp_path: Path
) -> None:
    """A second token's retry with the first one's key got the first job, and its own
    file was dropped unscanned."""
    first = write_jsonl(tmp_path / "a.jsonl", [alpaca(i) for i in range(4)])
    second = write_jsonl(tmp_path / "b.jsonl", [alpaca(i) for i in range(10, 16)])
    a = submit(
        gateway.conn(token(gateway.data, "scan:write")), first, "finance/k", idempotency_key="k1"
    )
    b = submit(
        gateway.conn(token(gateway.data, "scan:write")), second, "finance/k", idempotency_key="k1"
    )
    assert a.job_id != b.job_id
    assert (a.rows_in, b.rows_in) == (4, 6)


@pytest.mark.slow
def test_an_idempotency_key_reused_for_other_content_is_refused(
    gateway: Server, tmp_path: Path
) -> None:
    conn = gateway.conn(token(gateway.data, "scan:write"))
    first = write_jsonl(tmp_path / "a.jsonl", [alpaca(i) for i in range(4)])
    job = submit(conn, first, "finance/r", idempotency_key="r1")
    assert submit(conn, first, "finance/r", idempotency_key="r1").job_id == job.job_id  # a retry
    other = write_jsonl(tmp_path / "b.jsonl", [alpaca(i) for i in range(20, 23)])
    with pytest.raises(ServiceError) as e:
        submit(conn, other, "finance/r", idempotency_key="r1")
    assert "FAILED_PRECONDITION" in str(e.value) and "other content" in str(e.value)


def _token_id(tok: str) -> str:
    return tok.split("_")[1]


@pytest.mark.slow
def test_a_leaked_token_stops_working_when_revoked(gateway: Server, rows: Path) -> None:
    tok = token(gateway.data, "scan:write")
    assert submit(gateway.conn(tok), rows, "finance/t").state == pb.JOB_STATE_SUCCEEDED
    proc = run_cli("token", "revoke", "--data-dir", gateway.data, _token_id(tok))
    assert proc.returncode == 0, proc.stderr
    with pytest.raises(ServiceError, match="UNAUTHENTICATED"):
        submit(gateway.conn(tok), rows, "finance/t", idempotency_key="after-revoke")
    listed = run_cli("token", "list", "--data-dir", gateway.data, "--json")
    [entry] = [t for t in json.loads(listed.stdout) if t["id"] == _token_id(tok)]
    assert entry["state"] == "revoked"
    assert tok.split("_", 2)[2] not in listed.stdout  # the secret is never shown again


@pytest.mark.slow
def test_an_expired_token_is_refused(gateway: Server, rows: Path) -> None:
    proc = run_cli(
        "token",
        "create",
        "--data-dir",
        gateway.data,
        "--scopes",
        "scan:write",
        "--datasets",
        "finance/*",
        "--expires",
        "30d",
    )
    assert proc.returncode == 0, proc.stderr
    tok = proc.stdout.strip().splitlines()[-1]
    assert submit(gateway.conn(tok), rows, "finance/e").state == pb.JOB_STATE_SUCCEEDED
    # thirty days pass: the row says the token ended a minute ago
    db = sqlite3.connect(gateway.data / "tunegate.sqlite")
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat(timespec="seconds")
    db.execute("UPDATE tokens SET expires_at = ? WHERE id = ?", (past, _token_id(tok)))
    db.commit()
    db.close()
    with pytest.raises(ServiceError, match="UNAUTHENTICATED"):
        submit(gateway.conn(tok), rows, "finance/e", idempotency_key="after-expiry")


@pytest.mark.slow
@pytest.mark.parametrize("patterns", ["acme/public\n*", "acme/[a-z]*", "Finance/*"])
def test_a_token_pattern_that_would_see_more_is_refused(gateway: Server, patterns: str) -> None:
    proc = run_cli(
        "token",
        "create",
        "--data-dir",
        gateway.data,
        "--scopes",
        "shards:read",
        "--datasets",
        patterns,
    )
    assert proc.returncode == 2 and "not valid" in proc.stderr


@pytest.mark.slow
def test_a_dataset_name_with_a_trailing_newline_is_not_a_new_dataset(
    gateway: Server, rows: Path
) -> None:
    conn = gateway.conn(token(gateway.data, "scan:write"))
    with pytest.raises(ServiceError) as e:
        submit(conn, rows, "finance/faq\n")
    assert "INVALID_ARGUMENT" in str(e.value) and "not valid" in str(e.value)


@pytest.mark.slow
def test_a_second_server_on_the_same_data_dir_is_refused(gateway: Server) -> None:
    """A second serve on one data dir once broke the first one's running scan."""
    proc = run_cli(
        "serve",
        "--data-dir",
        gateway.data,
        "--sign-key",
        gateway.pub.with_suffix(".key"),
        "--port",
        "0",
        "--policy",
        NO_MODELS,
    )
    assert proc.returncode == 2 and "another tunegate serve" in proc.stderr


@pytest.mark.slow
def test_uploads_database_and_objects_are_the_servers_alone(gateway: Server, rows: Path) -> None:
    submit(gateway.conn(token(gateway.data, "scan:write")), rows, "finance/p")
    written = [p for p in gateway.data.rglob("*") if "policies" not in p.parts]  # the operator's
    assert any("objects" in p.parts for p in written) and any("uploads" in p.parts for p in written)
    exposed = [p for p in written if p.stat().st_mode & 0o077 and not p.is_symlink()]
    assert not exposed, exposed[:5]


@pytest.mark.slow
def test_pull_refuses_a_rolled_back_or_repoliced_version(
    gateway: Server, rows: Path, tmp_path: Path
) -> None:
    """pull had neither --min-sequence nor --expect-policy: a trainer could be handed an
    old version, or one scanned under a laxer policy, and it verified."""
    tok = token(gateway.data, "scan:write,shards:read")
    job = submit(gateway.conn(tok), rows, "finance/pin")
    assert job.state == pb.JOB_STATE_SUCCEEDED, job.error
    conn = gateway.conn(tok)
    with pytest.raises(VerificationError, match="sequence"):
        pull(conn, "finance/pin", "latest", tmp_path / "a", keys=[gateway.pub], min_sequence=2)
    with pytest.raises(VerificationError, match="policy digest"):
        pull(
            conn,
            "finance/pin",
            "latest",
            tmp_path / "b",
            keys=[gateway.pub],
            expect_policy="sha256:" + "0" * 64,
        )
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
    got = pull(conn, "finance/pin", "latest", tmp_path / "c", keys=[gateway.pub], min_sequence=1)
    assert got["verified"]


def _idle(release: threading.Event) -> Iterator[pb.ScanRequest]:
    """A Scan stream that sends nothing until released, then ends."""
    release.wait()
    yield from ()


def _healthy(gateway: Server) -> bool:
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    resp = health_pb2_grpc.HealthStub(grpc.insecure_channel(gateway.address)).Check(
        health_pb2.HealthCheckRequest(service=""), timeout=10
    )
    return bool(resp.status == health_pb2.HealthCheckResponse.SERVING)


@pytest.mark.slow
def test_idle_scan_streams_from_a_read_only_token_hold_no_thread(gateway: Server) -> None:
    """Sixteen idle streams from any token once hung every call, health checks too: the
    handler waited for the first message before checking the scope."""
    md = (("authorization", f"Bearer {token(gateway.data, 'shards:read')}"),)
    release = threading.Event()
    stub = gateway.stub()
    try:
        calls = [stub.Scan(_idle(release), metadata=md) for _ in range(24)]
        codes = []
        for call in calls:
            with pytest.raises(grpc.RpcError) as e:
                next(call)
            codes.append(e.value.code())
        # refused before the first message: for their scope, or, in a burst larger than
        # the server's threads, by the cap on running calls that keeps health answering
        assert set(codes) <= {grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.RESOURCE_EXHAUSTED}
        assert codes.count(grpc.StatusCode.PERMISSION_DENIED) >= 12, codes
        assert _healthy(gateway)
    finally:
        release.set()


@pytest.mark.slow
def test_a_token_cannot_hold_more_idle_scan_streams_than_its_limit(gateway: Server) -> None:
    md = (("authorization", f"Bearer {token(gateway.data, 'scan:write')}"),)
    release = threading.Event()
    ended: queue.Queue[grpc.StatusCode] = queue.Queue()
    stub = gateway.stub()
    try:
        calls = [stub.Scan(_idle(release), metadata=md) for _ in range(8)]  # limit: 4
        for call in calls:
            call.add_done_callback(lambda c: ended.put(c.code()))
        refused = [ended.get(timeout=60) for _ in range(4)]
        assert refused == [grpc.StatusCode.RESOURCE_EXHAUSTED] * 4
        assert ended.empty()  # the other four are still open, and still harmless
        assert _healthy(gateway)
    finally:
        release.set()


@pytest.mark.slow
def test_calls_are_metered_with_the_status_they_ended_with(gateway: Server, rows: Path) -> None:
    """Successful calls were metered and logged as code=ERROR."""
    tok = token(gateway.data, "scan:write")
    assert submit(gateway.conn(tok), rows, "finance/m").state == pb.JOB_STATE_SUCCEEDED
    with pytest.raises(ServiceError):
        submit(gateway.conn(tok), rows, "finance/m2", policy="lax")
    calls = [
        json.loads(line)
        for line in gateway.log.read_text().splitlines()
        if line.startswith("{") and '"msg": "call"' in line
    ]
    codes = {c["code"] for c in calls if c["method"] == "Scan"}
    assert {"OK", "PERMISSION_DENIED"} <= codes and "ERROR" not in codes, codes


def _copy_db(gateway: Server, dst: Path) -> sqlite3.Connection:
    """A consistent copy of the running server's database, to tamper with."""
    dst.mkdir()
    src = sqlite3.connect(gateway.data / "tunegate.sqlite")
    out = sqlite3.connect(dst / "tunegate.sqlite")
    src.backup(out)
    src.close()
    return out


def _rewrite_chain(
    db: sqlite3.Connection, keep: int | None = None, hide_refusals: bool = False
) -> None:
    """What an attacker with the database does: hide refusals or cut the tail after
    ``keep`` entries, then recompute every hash so the chain links again."""
    from gateway.service.audit import FIELDS, GENESIS, _entry_hash

    if keep is not None:
        db.execute("DELETE FROM audit WHERE seq > ?", (keep,))
    if hide_refusals:
        db.execute("UPDATE audit SET result = 'OK' WHERE result LIKE 'PERMISSION%'")
    prev = GENESIS
    cols = [d[1] for d in db.execute("PRAGMA table_info(audit)")]
    for values in db.execute("SELECT * FROM audit ORDER BY seq").fetchall():
        entry = dict(zip(cols, values, strict=True))
        h = _entry_hash(prev, {k: entry[k] for k in FIELDS})
        db.execute(
            "UPDATE audit SET prev_hash = ?, hash = ? WHERE seq = ?", (prev, h, entry["seq"])
        )
        prev = h
    db.commit()


@pytest.mark.slow
def test_an_audit_chain_rewritten_end_to_end_no_longer_verifies(
    gateway: Server, rows: Path, tmp_path: Path
) -> None:
    with pytest.raises(ServiceError):  # a refusal worth hiding
        submit(gateway.conn(token(gateway.data, "scan:write")), rows, "finance/x", policy="lax")
    ok = run_cli("audit", "verify", "--data-dir", gateway.data, "--key", gateway.pub)
    assert ok.returncode == 0 and "signed through entry" in ok.stdout, ok.stderr
    db = _copy_db(gateway, tmp_path / "copy")
    _rewrite_chain(db, hide_refusals=True)
    db.close()
    links_only = run_cli("audit", "verify", "--data-dir", tmp_path / "copy")
    assert links_only.returncode == 0  # the links alone cannot tell
    signed = run_cli("audit", "verify", "--data-dir", tmp_path / "copy", "--key", gateway.pub)
    assert signed.returncode == 3 and "rewritten" in signed.stderr


@pytest.mark.slow
def test_an_audit_chain_with_its_tail_cut_no_longer_verifies(
    gateway: Server, rows: Path, tmp_path: Path
) -> None:
    assert submit(gateway.conn(token(gateway.data, "scan:write")), rows, "finance/cut").version
    db = _copy_db(gateway, tmp_path / "copy")
    [(last_signed,)] = db.execute("SELECT MAX(seq) FROM audit_heads").fetchall()
    assert last_signed >= 1  # the server signed its head when it started
    _rewrite_chain(db, keep=last_signed - 1)
    db.close()
    proc = run_cli("audit", "verify", "--data-dir", tmp_path / "copy", "--key", gateway.pub)
    assert proc.returncode == 3 and "tail was cut" in proc.stderr


@pytest.mark.slow
def test_signed_heads_cannot_simply_be_deleted(gateway: Server, tmp_path: Path) -> None:
    db = _copy_db(gateway, tmp_path / "copy")
    db.execute("DELETE FROM audit_heads")
    db.commit()
    db.close()
    proc = run_cli("audit", "verify", "--data-dir", tmp_path / "copy", "--key", gateway.pub)
    assert proc.returncode == 3 and "no signed head" in proc.stderr


@pytest.mark.slow
def test_a_flood_of_bad_tokens_is_counted_not_audited_row_by_row(
    gateway: Server, rows: Path
) -> None:
    db = sqlite3.connect(gateway.data / "tunegate.sqlite")
    before = db.execute("SELECT COUNT(*) FROM audit").fetchone()[0]
    bad = gateway.conn("tg_000000000000_" + "x" * 43)
    for i in range(30):
        with pytest.raises(ServiceError, match="UNAUTHENTICATED"):
            submit(bad, rows, "finance/flood", idempotency_key=f"f{i}")
    after = db.execute("SELECT COUNT(*) FROM audit").fetchone()[0]
    db.close()
    assert after - before <= 2  # one entry per ten-second window, with its count


@pytest.mark.slow
def test_an_allowed_policy_that_does_not_exist_stops_serve(tmp_path: Path) -> None:
    assert run_cli("keygen", "--out", tmp_path / "k").returncode == 0
    proc = run_cli(
        "serve",
        "--data-dir",
        tmp_path / "d",
        "--sign-key",
        tmp_path / "k.key",
        "--port",
        "0",
        "--uploader-policy",
        "missing",
    )
    assert proc.returncode == 2 and "--uploader-policy missing" in proc.stderr


def _peak_rss_mib(pid: int) -> float:
    """The process's peak resident memory so far (Linux VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


@pytest.fixture(scope="module")
def lean(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server of its own, so its peak memory is only what these tests make it hold."""
    tmp = tmp_path_factory.mktemp("lean-gw")
    s = start_server(tmp, "--audit-head-seconds", "1", "--audit-head-every", "100000")
    yield s
    s.proc.send_signal(signal.SIGTERM)
    s.proc.wait(timeout=60)


@pytest.mark.slow
def test_decompression_bombs_leave_the_servers_memory_flat(lean: Server, tmp_path: Path) -> None:
    """An 18 KB Parquet file with one 200 MiB cell added 1.66 GB to the gateway; a few KB
    of dictionary-encoded Parquet decode to gigabytes; a JSON array held each element
    whole. Peak RSS of the server process, before and after."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from tests.test_hostile_inputs import _dictionary_bomb

    tok = token(lean.data, "scan:write")
    conn = lean.conn(tok)
    small = write_jsonl(tmp_path / "small.jsonl", [alpaca(i) for i in range(20)])
    assert submit(conn, small, "finance/warm").state == pb.JOB_STATE_SUCCEEDED
    before = _peak_rss_mib(lean.proc.pid)

    page = tmp_path / "page.parquet"
    cells = pa.array(["hi", "a" * (300 << 20)], pa.string())
    pq.write_table(pa.table({"instruction": cells, "output": ["x", "y"]}), page, compression="zstd")
    del cells
    with pytest.raises(ServiceError) as e:
        submit(conn, page, "finance/page")
    assert "INVALID_ARGUMENT" in str(e.value) and "a page decodes to" in str(e.value)

    bomb = _dictionary_bomb(tmp_path / "dict.parquet", 200, 9 << 20)
    job = submit(conn, bomb, "finance/dict")
    assert job.state == pb.JOB_STATE_SUCCEEDED, job.error

    array = tmp_path / "array.jsonl"
    with array.open("w") as f:
        f.write(json.dumps([alpaca(0), {"instruction": "q" * (200 << 20), "output": "a"}]))
    job = submit(conn, array, "finance/array")
    assert job.state == pb.JOB_STATE_SUCCEEDED, job.error
    grown = _peak_rss_mib(lean.proc.pid) - before
    assert grown < 400, grown  # 1.8 GB decoded by the dictionary alone


@pytest.mark.slow
def test_a_quiet_audit_tail_is_signed_on_a_timer(lean: Server, rows: Path) -> None:
    """Heads were signed every N entries and at stop only: entries after the last one
    could be cut unnoticed for as long as the server ran."""
    conn = lean.conn(token(lean.data, "scan:write"))
    assert submit(conn, rows, "finance/timer").state == pb.JOB_STATE_SUCCEEDED
    db = sqlite3.connect(lean.data / "tunegate.sqlite")
    last = db.execute("SELECT MAX(seq) FROM audit").fetchone()[0]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # waits for the server's timer, not for a guess
        signed = db.execute("SELECT MAX(seq) FROM audit_heads").fetchone()[0]
        if signed is not None and signed >= last:
            break
        threading.Event().wait(0.2)
    else:
        raise AssertionError(f"no signed head covers entry {last}")
    r = run_cli("audit", "verify", "--data-dir", lean.data, "--key", lean.pub)
    assert r.returncode == 0, r.stderr


class _Context:
    """The part of grpc.ServicerContext the call wrapper uses."""

    def __init__(self) -> None:
        self.status: grpc.StatusCode | None = None

    def abort(self, code: grpc.StatusCode, details: str) -> None:
        self.status = code
        raise RuntimeError(details)

    def code(self) -> grpc.StatusCode | None:
        return self.status


def test_slow_calls_cannot_take_the_threads_health_checks_need() -> None:
    """Sixteen slow readers of PullShard (or any calls that hold their thread) left
    health checks queued behind them: calls past the cap are refused at once."""
    from gateway.service.server import _timed
    from gateway.service.streams import CallGate

    gate = CallGate(2)
    release = threading.Event()
    started = threading.Barrier(3)

    def slow(request: object, context: object) -> Iterator[str]:
        started.wait(timeout=10)
        release.wait(timeout=10)
        yield "chunk"

    handler = grpc.unary_stream_rpc_method_handler(slow)
    wrapped = _timed(handler, "PullShard", "rid", "token", gate).unary_stream
    results: list[list[str]] = []
    workers = [
        threading.Thread(target=lambda: results.append(list(wrapped(None, _Context()))))
        for _ in range(2)
    ]
    for w in workers:
        w.start()
    started.wait(timeout=10)  # both slow calls hold their slots
    refused = _Context()
    with pytest.raises(RuntimeError, match="its limit"):
        list(wrapped(None, refused))
    assert refused.status == grpc.StatusCode.RESOURCE_EXHAUSTED
    release.set()
    for w in workers:
        w.join(timeout=10)
    assert results == [["chunk"], ["chunk"]] and gate.running == 0
    assert gate.enter() and gate.enter() and not gate.enter()  # both slots are free again
