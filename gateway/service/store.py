"""The gateway's state in one SQLite file (WAL): tokens, jobs, dataset versions, adapters,
audit.

One connection per thread (sqlite3 objects are not shared across threads); writes are
short transactions, so WAL lets readers proceed while a scan records its progress.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gateway.trust.keys import Signer

SCHEMA = """
CREATE TABLE IF NOT EXISTS tokens (
    id TEXT PRIMARY KEY,
    hash TEXT NOT NULL,
    scopes TEXT NOT NULL,
    datasets TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0,
    expires_at TEXT
);
CREATE TABLE IF NOT EXISTS jobs (
    job_id TEXT PRIMARY KEY,
    dataset TEXT NOT NULL,
    state TEXT NOT NULL,
    idempotency_key TEXT,
    token_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    finished_at TEXT,
    version INTEGER NOT NULL DEFAULT 0,
    rows_in INTEGER NOT NULL DEFAULT 0,
    rows_clean INTEGER NOT NULL DEFAULT 0,
    rows_quarantined INTEGER NOT NULL DEFAULT 0,
    rows_flagged INTEGER NOT NULL DEFAULT 0,
    manifest_sha256 TEXT NOT NULL DEFAULT '',
    gate_failed INTEGER NOT NULL DEFAULT 0,
    error TEXT NOT NULL DEFAULT '',
    input_sha256 TEXT NOT NULL DEFAULT '',
    report_json TEXT NOT NULL DEFAULT '',
    UNIQUE (dataset, idempotency_key)
);
CREATE INDEX IF NOT EXISTS jobs_by_dataset ON jobs (dataset, created_at);
CREATE TABLE IF NOT EXISTS versions (
    dataset TEXT NOT NULL,
    version INTEGER NOT NULL,
    job_id TEXT NOT NULL,
    manifest_sha256 TEXT NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0,
    revoked_reason TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    PRIMARY KEY (dataset, version)
);
CREATE TABLE IF NOT EXISTS adapters (
    adapter_id TEXT PRIMARY KEY,  -- sha256 of the attestation's payload
    name TEXT NOT NULL,
    envelope BLOB NOT NULL,       -- the DSSE envelope, with every signature received
    envelope_sha256 TEXT NOT NULL,
    root_digest TEXT NOT NULL,
    base_model TEXT NOT NULL,
    base_root_digest TEXT NOT NULL,
    token_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    promoted INTEGER NOT NULL DEFAULT 0,
    promoted_at TEXT NOT NULL DEFAULT '',
    revoked INTEGER NOT NULL DEFAULT 0,
    revoked_reason TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS adapter_datasets (
    adapter_id TEXT NOT NULL REFERENCES adapters (adapter_id),
    dataset TEXT NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (adapter_id, dataset, version)
);
CREATE INDEX IF NOT EXISTS adapters_by_version ON adapter_datasets (dataset, version);
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    token_id TEXT NOT NULL,
    method TEXT NOT NULL,
    dataset TEXT NOT NULL,
    job_id TEXT NOT NULL,
    input_sha256 TEXT NOT NULL,
    result TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit_heads (
    seq INTEGER PRIMARY KEY,
    hash TEXT NOT NULL,
    at TEXT NOT NULL,
    keyid TEXT NOT NULL,
    signature TEXT NOT NULL
);
"""


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class Store:
    def __init__(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.path = data_dir / "tunegate.sqlite"
        self._local = threading.local()
        self.write_lock = threading.Lock()  # one writer at a time, across threads
        # set by serve: the key that signs the audit chain's head, every so many entries
        self.audit_signer: Signer | None = None
        self.audit_head_every = 100
        with self.write_lock:
            self.db().executescript(SCHEMA)  # executescript commits on its own
            self._migrate()

    def _migrate(self) -> None:
        """Columns added since a data dir was created (CREATE TABLE IF NOT EXISTS keeps the
        old table as it was; tables added since, such as adapters, it simply creates)."""
        cols = {r["name"] for r in self.db().execute("PRAGMA table_info(tokens)")}
        if "expires_at" not in cols:  # a token made before expiry existed never expires
            self.db().execute("ALTER TABLE tokens ADD COLUMN expires_at TEXT")

    def db(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA foreign_keys=ON")
            self._local.conn = conn
        return conn

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (BEGIN IMMEDIATE), committed on success, rolled back on error."""
        with self.write_lock:
            db = self.db()
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
