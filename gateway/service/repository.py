"""What the servicer reads and changes in the store: jobs, versions and adapters, by name.

The servicer holds no SQL: it asks this layer, so the queries live in one place next to
the schema (store.py) and a reader of the servicer sees only what each call means.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from gateway.errors import VerificationError
from gateway.service.store import Store, now

if TYPE_CHECKING:
    from gateway.service.registry import Attestation, Release


class Repository:
    def __init__(self, store: Store) -> None:
        self.store = store

    def jobs(
        self, dataset: str | None, state: str | None, before: int | None
    ) -> Iterator[tuple[int, dict[str, Any]]]:
        """Jobs, newest first, as ``(cursor, row)``; ``before`` is a cursor from an earlier page."""
        sql, args = "SELECT rowid AS _rowid, * FROM jobs WHERE 1=1", list[object]()
        if dataset:
            sql += " AND dataset = ?"
            args.append(dataset)
        if state:
            sql += " AND state = ?"
            args.append(state)
        if before is not None:
            sql += " AND rowid < ?"
            args.append(before)
        sql += " ORDER BY rowid DESC"
        for row in self.store.db().execute(sql, args):
            yield int(row["_rowid"]), dict(row)

    def version_of_job(self, dataset: str, job_id: str) -> dict[str, Any] | None:
        row = (
            self.store.db()
            .execute("SELECT * FROM versions WHERE dataset = ? AND job_id = ?", (dataset, job_id))
            .fetchone()
        )
        return dict(row) if row is not None else None

    def versions(self, dataset: str) -> list[dict[str, Any]]:
        rows = self.store.db().execute(
            "SELECT * FROM versions WHERE dataset = ? ORDER BY version", (dataset,)
        )
        return [dict(r) for r in rows]

    def version(self, dataset: str, version: int) -> dict[str, Any] | None:
        row = (
            self.store.db()
            .execute("SELECT * FROM versions WHERE dataset = ? AND version = ?", (dataset, version))
            .fetchone()
        )
        return dict(row) if row is not None else None

    def revoke(self, dataset: str, version: int, reason: str) -> tuple[dict[str, Any], int] | None:
        """Mark a version revoked, and every adapter trained on it: the version and how many
        adapters it revoked now, or None where there is no such version."""
        with self.store.tx() as db:
            n = db.execute(
                "UPDATE versions SET revoked = 1, revoked_reason = ? "
                "WHERE dataset = ? AND version = ?",
                (reason, dataset, version),
            ).rowcount
            row = db.execute(
                "SELECT * FROM versions WHERE dataset = ? AND version = ?", (dataset, version)
            ).fetchone()
            adapters = 0
            if n and row is not None:
                adapters = db.execute(
                    "UPDATE adapters SET revoked = 1, revoked_reason = ? WHERE revoked = 0 AND "
                    "adapter_id IN (SELECT adapter_id FROM adapter_datasets "
                    "WHERE dataset = ? AND version = ?)",
                    (
                        f"version {version} of {dataset}, which it was trained on, was revoked: "
                        f"{row['revoked_reason']}",
                        dataset,
                        version,
                    ),
                ).rowcount
        return (dict(row), adapters) if n and row is not None else None

    # ------------------------------------------------------------------ adapters
    def add_adapter(
        self,
        att: Attestation,
        token_id: str,
        problem: Callable[[Release, dict[str, Any] | None], str],
    ) -> tuple[dict[str, Any], bool]:
        """Register an adapter, or add the signatures of a second upload of it: the row, and
        whether it is new. ``problem`` judges each release it names against that version's
        row, inside the transaction, so a revocation cannot slip in between; the first
        problem is raised as a VerificationError and nothing is written."""
        from gateway.service.registry import merge
        from gateway.trust.dsse import parse_envelope

        pred = att.predicate
        with self.store.tx() as db:
            for rel in att.releases:
                row = db.execute(
                    "SELECT * FROM versions WHERE dataset = ? AND version = ?",
                    (rel.dataset, rel.version),
                ).fetchone()
                why = problem(rel, dict(row) if row is not None else None)
                if why:
                    raise VerificationError(why)
            held = db.execute(
                "SELECT envelope FROM adapters WHERE adapter_id = ?", (att.adapter_id,)
            ).fetchone()
            if held is not None:
                env = merge(parse_envelope(held["envelope"]), att.envelope)
                data = (env.to_json() + "\n").encode()
                db.execute(
                    "UPDATE adapters SET envelope = ?, envelope_sha256 = ? WHERE adapter_id = ?",
                    (data, hashlib.sha256(data).hexdigest(), att.adapter_id),
                )
            else:
                data = att.envelope_bytes
                db.execute(
                    "INSERT INTO adapters (adapter_id, name, envelope, envelope_sha256, "
                    "root_digest, base_model, base_root_digest, token_id, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        att.adapter_id,
                        str(pred["adapter"].get("name", "")),
                        data,
                        hashlib.sha256(data).hexdigest(),
                        str(pred["adapter"]["root_digest"]),
                        str(pred["base_model"].get("name", "")),
                        str(pred["base_model"].get("root_digest", "")),
                        token_id,
                        now(),
                    ),
                )
                db.executemany(
                    "INSERT OR IGNORE INTO adapter_datasets (adapter_id, dataset, version) "
                    "VALUES (?, ?, ?)",
                    [(att.adapter_id, r.dataset, r.version) for r in att.releases],
                )
        got = self.adapter(att.adapter_id)
        assert got is not None
        return got, held is None

    def adapter(self, adapter_id: str) -> dict[str, Any] | None:
        """An adapter's row, with ``datasets``: its ``(dataset, version)`` pairs."""
        db = self.store.db()
        row = db.execute("SELECT * FROM adapters WHERE adapter_id = ?", (adapter_id,)).fetchone()
        return self._with_datasets(dict(row)) if row is not None else None

    def _with_datasets(self, row: dict[str, Any]) -> dict[str, Any]:
        rows = self.store.db().execute(
            "SELECT dataset, version FROM adapter_datasets WHERE adapter_id = ? "
            "ORDER BY dataset, version",
            (row["adapter_id"],),
        )
        row["datasets"] = [(r["dataset"], int(r["version"])) for r in rows]
        return row

    def adapters(
        self, dataset: str | None, before: int | None
    ) -> Iterator[tuple[int, dict[str, Any]]]:
        """Adapters, newest first, as ``(cursor, row)``; with ``dataset``, those trained on it."""
        sql, args = "SELECT rowid AS _rowid, * FROM adapters WHERE 1=1", list[object]()
        if dataset:
            sql += " AND adapter_id IN (SELECT adapter_id FROM adapter_datasets WHERE dataset = ?)"
            args.append(dataset)
        if before is not None:
            sql += " AND rowid < ?"
            args.append(before)
        sql += " ORDER BY rowid DESC"
        for row in self.store.db().execute(sql, args).fetchall():
            d = dict(row)
            yield int(d.pop("_rowid")), self._with_datasets(d)

    def promote_adapter(self, adapter_id: str, envelope: bytes) -> dict[str, Any] | None:
        """Mark an adapter promoted, holding ``envelope`` (with its approvals) from now on;
        None where it was revoked meanwhile."""
        with self.store.tx() as db:
            n = db.execute(
                "UPDATE adapters SET envelope = ?, envelope_sha256 = ?, promoted = 1, "
                "promoted_at = CASE WHEN promoted = 1 THEN promoted_at ELSE ? END "
                "WHERE adapter_id = ? AND revoked = 0",
                (envelope, hashlib.sha256(envelope).hexdigest(), now(), adapter_id),
            ).rowcount
        return self.adapter(adapter_id) if n else None
